"""Telling experiment and calibration files from scenario files, without importing the
experiments or the calibration."""

from __future__ import annotations

import os

from relsim.inputs import InputError
from relsim.yamlio import read_yaml


def file_kind(path: str | os.PathLike) -> str:
    """``"experiment"`` for a YAML mapping with a top-level ``design:`` key,
    ``"calibration"`` for one with top-level ``data:`` and ``fit_periods:`` keys, else
    ``"scenario"`` (scenario files have none of them; unreadable or invalid YAML too, so
    that the scenario loader reports the problem).  The file is read once."""
    try:
        data, _ = read_yaml(path)
    except InputError:
        return "scenario"
    if not isinstance(data, dict):
        return "scenario"
    if "design" in data:
        return "experiment"
    return "calibration" if "fit_periods" in data and "data" in data else "scenario"


def is_experiment_file(path: str | os.PathLike) -> bool:
    """Whether a YAML file is an experiment file (:func:`file_kind`)."""
    return file_kind(path) == "experiment"
