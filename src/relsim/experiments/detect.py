"""Telling experiment and calibration files from scenario files, without importing the
experiments or the calibration."""

from __future__ import annotations

import os

from relsim.inputs import InputError
from relsim.yamlio import read_yaml


def is_experiment_file(path: str | os.PathLike) -> bool:
    """Whether a YAML file is an experiment file: a mapping with a top-level ``design:`` key
    (scenario files have none).  Unreadable or invalid YAML is not an experiment file (the
    scenario loader then reports the problem)."""
    try:
        data, _ = read_yaml(path)
    except InputError:
        return False
    return isinstance(data, dict) and "design" in data


def is_calibration_file(path: str | os.PathLike) -> bool:
    """Whether a YAML file is a calibration file: a mapping with top-level ``data:`` and
    ``fit_periods:`` keys (scenario and experiment files have neither).  Unreadable or
    invalid YAML is not a calibration file (the scenario loader then reports it)."""
    try:
        data, _ = read_yaml(path)
    except InputError:
        return False
    return isinstance(data, dict) and "fit_periods" in data and "data" in data
