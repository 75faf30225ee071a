"""Shared helpers for relsim's tests."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import settings

from relsim.config import ModelConfig
from relsim.overrides import apply_overrides

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ISOLATED = dict(
    talk_prob=0.0, winback_rate=0.0, exploration_failure=0.0, complaint_prob=0.0,
    ad_awareness_rate=0.0,
)
"""Switch off word of mouth, win-back, exploration failure, complaints and awareness drift."""


def config(**overrides) -> ModelConfig:
    """A ModelConfig with keyword overrides (same names as RelationshipModel keywords)."""
    return apply_overrides(ModelConfig(), overrides)


def one_firm(**firm) -> list[dict]:
    """A single-firm market (no rivals), firm fields given as keywords."""
    return [{"name": "solo", **firm}]


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
