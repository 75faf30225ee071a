"""The shifted-beta-geometric model of Fader & Hardie (2007): closed forms and published fits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import beta as beta_function

from relsim.calibration.sbg import (
    churn_probability,
    cohort_log_likelihood,
    fit_sbg,
    sbg_band,
    sbg_log_likelihood,
    survival,
)
from relsim.rules.churn import sbg_survival

DATA = Path(__file__).parent / "data" / "cohort_retention_fader_hardie_2007.csv"
PUBLISHED = {"regular": (0.704, 1.182), "high_end": (0.668, 3.806)}
"""Fader & Hardie (2007), 'How to Project Customer Retention', fitted on years 1-7 of each
cohort of 1,000 subscribers (the seven years after year 0 that the table holds)."""


def alive(cohort: str) -> np.ndarray:
    return np.round(pd.read_csv(DATA)[cohort].to_numpy() * 1000)


@pytest.mark.parametrize("cohort", sorted(PUBLISHED))
def test_maximum_likelihood_reproduces_the_published_estimates_within_one_percent(cohort):
    fit = fit_sbg(alive(cohort))
    alpha, beta = PUBLISHED[cohort]
    assert fit.periods == 7
    assert fit.alpha == pytest.approx(alpha, rel=0.01)
    assert fit.beta == pytest.approx(beta, rel=0.01)


def test_published_estimates_are_where_the_likelihood_peaks():
    counts = alive("regular")
    best = sbg_log_likelihood(0.704, 1.182, counts)
    for alpha, beta in ((0.70, 1.10), (0.75, 1.182), (0.65, 1.25), (0.704, 1.3)):
        assert sbg_log_likelihood(alpha, beta, counts) < best


def test_survival_and_churn_probability_follow_the_beta_function_closed_forms():
    a, b = 0.668, 3.806
    t = np.arange(1, 13)
    assert np.allclose(survival(a, b, t), beta_function(a, b + t) / beta_function(a, b))
    assert np.allclose(churn_probability(a, b, t),
                       beta_function(a + 1, b + t - 1) / beta_function(a, b))
    # relsim's own sbg_survival is the same curve in (mean, heterogeneity) terms
    assert np.allclose(survival(a, b, t), sbg_survival(a / (a + b), 1 / (a + b), t))


def test_log_likelihood_is_multinomial_with_the_survivors_censored():
    s = np.array([1.0, 0.6, 0.45])
    counts = np.array([100, 62, 44])
    expected = 38 * np.log(0.4) + 18 * np.log(0.15) + 44 * np.log(0.45)
    assert cohort_log_likelihood(s, counts) == pytest.approx(expected)


def test_fit_recovers_the_parameters_of_its_own_expected_counts():
    a, b = 1.5, 4.0
    counts = np.round(survival(a, b, np.arange(10)) * 1_000_000)
    fit = fit_sbg(counts)
    assert fit.alpha == pytest.approx(a, rel=0.01) and fit.beta == pytest.approx(b, rel=0.01)
    assert fit.alpha_se < 0.05 * a  # a million customers: tight


def test_standard_errors_shrink_with_the_square_root_of_the_cohort_size():
    base = survival(0.7, 1.2, np.arange(8))
    small, large = fit_sbg(np.round(base * 1000)), fit_sbg(np.round(base * 100_000))
    assert small.alpha_se / large.alpha_se == pytest.approx(10, rel=0.05)


def test_projection_band_brackets_the_projection_and_widens_with_the_horizon():
    fit = fit_sbg(alive("regular")[:4])
    t = np.arange(8)
    lower, upper = sbg_band(fit, t)
    projected = fit.survival(t)
    assert np.all(lower <= projected + 1e-12) and np.all(projected <= upper + 1e-12)
    assert (upper - lower)[7] > (upper - lower)[4] > 0
