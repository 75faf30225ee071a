"""Telling an experiment file from a scenario file, without importing the experiments."""

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
