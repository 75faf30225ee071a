"""Each behavioural rule, read as a statement and checked on its own."""

from __future__ import annotations

import numpy as np
import pytest

from relsim.rules import (
    choice,
    churn,
    commitment,
    complaints,
    dependence,
    fairness,
    lifecycle,
    satisfaction,
    trust,
    word_of_mouth,
)
from relsim.stages import AWARENESS, COMMITMENT, EXPANSION, EXPLORATION


def test_losses_loom_larger_than_gains():
    v = satisfaction.perceived_value(np.array([0.1, -0.1]), loss_aversion=2.25)
    assert v[0] == pytest.approx(0.1) and v[1] == pytest.approx(-0.225)


def test_encounter_satisfaction_is_performance_plus_valued_disconfirmation():
    x = np.array([0.7, 0.7, 0.2])
    s = satisfaction.transaction_satisfaction(x, np.array([0.0, 0.1, -1.0]), gain=1.0)
    assert s.tolist() == pytest.approx([0.7, 0.8, 0.0])


def test_expectation_and_satisfaction_adapt_only_after_an_encounter():
    e = satisfaction.update_expectation(np.array([0.5, 0.5]), np.array([0.9, 0.9]),
                                        np.array([True, False]), rate=0.5)
    assert e.tolist() == [0.7, 0.5]
    s = satisfaction.update_satisfaction(np.array([0.5, 0.5]), np.array([1.0, 1.0]),
                                         np.array([True, False]), rate=0.2)
    assert s.tolist() == pytest.approx([0.6, 0.5])


@pytest.mark.parametrize("level", [0.3, 0.5, 0.9])
def test_broken_promise_costs_more_than_kept_one_earns(level):
    t = np.full(2, level)
    new = trust.update_trust(t, np.array([True, False]), np.array([False, True]), 0.05, 0.2)
    gained, lost = new[0] - level, level - new[1]
    assert lost > gained > 0
    assert 0 <= new.min() and new.max() <= 1


def test_word_of_mouth_shift_stays_within_bounds():
    level = trust.shift_toward(np.array([0.1, 0.9, 0.5]), np.array([50.0, 0, 1]),
                               np.array([0, 50.0, 1]), rate=0.1)
    assert np.all((level >= 0) & (level <= 1))


def test_paying_above_reference_or_peers_is_unfair():
    ref = np.ones(4)
    price = np.array([1.0, 1.2, 1.0, 1.0])
    peer = np.array([np.nan, np.nan, 0.8, 1.2])  # heard peers pay less / more
    f = fairness.price_fairness_target(price, ref, peer, 0.75, 2.0, 3.0)
    assert f[0] == pytest.approx(0.75)
    assert f[1] < f[0] and f[2] < f[0]
    assert f[3] == pytest.approx(f[0])  # advantageous inequity does not raise fairness


def test_reference_price_adapts_to_prices_paid():
    r = fairness.update_reference_price(np.array([1.0, 1.0]), np.array([2.0, 2.0]),
                                        np.array([True, False]), 0.1)
    assert r.tolist() == [1.1, 1.0]


def test_dependence_grows_with_switching_costs_and_few_alternatives():
    stage = np.full(3, AWARENESS)
    d = dependence.dependence_target(np.array([0.0, 0.8, 0.0]), np.array([2, 2, 0]), 2, stage,
                                     0.5, 0.3, 0.2)
    assert d[1] > d[0] and d[2] > d[0]
    integrated = dependence.dependence_target(np.zeros(1), np.array([2]), 2,
                                              np.array([EXPANSION]), 0.5, 0.3, 0.2)
    assert integrated[0] > d[0]


def test_asymmetric_relationships_are_less_committed():
    kw = dict(w_trust=0.3, w_satisfaction=0.3, w_fairness=0.15, w_dependence=0.25,
              asymmetry_penalty=0.1)
    one = np.full(2, 0.7)
    c = commitment.commitment_target(one, one, one, one, np.array([0.0, 0.6]), **kw)
    assert c[0] == pytest.approx(0.7) and c[1] < c[0]


def test_lifecycle_moves_one_stage_at_a_time_with_hysteresis():
    kw = dict(exploration_weeks=4, awareness_trust=0.45, expansion_commitment=0.55,
              commitment_commitment=0.65, hysteresis=0.1)
    stage = np.array([EXPLORATION, EXPLORATION, AWARENESS, EXPANSION, COMMITMENT, COMMITMENT])
    tenure = np.array([2, 5, 10, 10, 10, 10])
    trust_ = np.full(6, 0.6)
    commit = np.array([0.9, 0.5, 0.6, 0.7, 0.6, 0.5])
    new = lifecycle.advance_stage(stage, tenure, trust_, commit, **kw)
    assert new.tolist() == [EXPLORATION, AWARENESS, EXPANSION, COMMITMENT, COMMITMENT, EXPANSION]


def test_failed_exploration_ends_only_explorers_with_a_bad_test():
    stage = np.array([EXPLORATION, EXPLORATION, AWARENESS])
    s = np.array([0.1, 0.6, 0.1])
    out = lifecycle.failed_exploration(stage, s, np.array([True, True, True]), 0.25)
    assert out.tolist() == [True, False, False]


def test_purchases_grow_in_expansion():
    p = lifecycle.purchase_probability(np.full(3, 0.5), np.array([AWARENESS, EXPANSION,
                                                                   COMMITMENT]))
    assert p[1] > p[0]
    basket = lifecycle.grow_basket(np.ones(2), np.array([AWARENESS, EXPANSION]), np.ones(2),
                                   0.1, 2.0)
    assert basket.tolist() == [1.0, 1.1]


def test_churn_hazard_falls_with_commitment_and_switching_cost_and_rises_with_rivals():
    base = churn.churn_hazard(np.full(1, 0.01), np.full(1, 0.5), np.zeros(1), np.zeros(1),
                              4.0, 2.0, 2.0)[0]
    assert base == pytest.approx(0.01)
    h = lambda c=0.5, gap=0.0, sc=0.0: churn.churn_hazard(  # noqa: E731
        np.full(1, 0.01), np.full(1, c), np.full(1, gap), np.full(1, sc), 4.0, 2.0, 2.0)[0]
    assert h(c=0.9) < base < h(c=0.1)
    assert h(sc=0.5) < base < h(gap=0.5)


def test_churn_proneness_has_the_requested_mean_and_spread():
    rng = np.random.default_rng(0)
    theta = churn.churn_proneness(0.05, 0.5, 200_000, rng)
    assert theta.mean() == pytest.approx(0.05, abs=4 * theta.std() / np.sqrt(len(theta)))
    a, b = 0.05 / 0.5, 0.95 / 0.5
    assert theta.var() == pytest.approx(a * b / ((a + b) ** 2 * (a + b + 1)), rel=0.05)
    assert np.all(churn.churn_proneness(0.05, 0.0, 5, rng) == 0.05)


def test_logit_choice_frequencies_match_weights():
    rng = np.random.default_rng(1)
    n = 100_000
    weights = np.repeat(np.array([[1.0], [3.0], [0.0], [6.0]]), n, axis=1)
    picked = choice.choose(weights, rng.random(n))
    share = np.bincount(picked, minlength=4) / n
    expected = np.array([0.1, 0.3, 0.0, 0.6])
    assert np.all(np.abs(share - expected) <= 4 * np.sqrt(expected * (1 - expected) / n) + 1e-12)
    assert choice.choose(np.zeros((3, 2)), np.array([0.5, 0.5])).tolist() == [-1, -1]


def test_rival_gap_compares_with_the_best_known_rival_only():
    utility = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    firm = np.array([0, 0])
    aware = np.array([[True, True], [True, True], [False, True]])
    own = choice.own_firm_mask(firm, 3)
    assert choice.best_rival_gap(utility, own, aware).tolist() == [1.0, 2.0]


def test_unhappy_customers_talk_more_than_equally_happy_ones():
    p = word_of_mouth.talk_probability(np.full(3, 0.5), np.array([0.2, 0.5, 0.8]), 0.1, 2.0, 0.5)
    assert p[0] > p[2] > p[1]
    assert word_of_mouth.message_valence(np.array([0.49, 0.5])).tolist() == [False, True]


def test_excellent_recovery_beats_no_failure_and_poor_recovery_is_a_double_deviation():
    failed = np.array([0.2, 0.2, 0.2])
    complained = np.array([True, True, False])
    resolved = np.array([True, False, False])
    s = complaints.recovered_satisfaction(failed, complained, resolved, np.full(3, 0.9), 0.2)
    assert s[0] == pytest.approx(0.9) and s[1] == pytest.approx(0.0) and s[2] == 0.2


def test_churn_proneness_keeps_each_customers_quantile_as_its_parameters_change():
    """Inverse-CDF draws: with the same stream, a larger mean raises every customer's
    proneness, and a small change moves it a little (a smooth calibration objective)."""
    draw = [churn.churn_proneness(m, h, 1000, np.random.default_rng(3))
            for m, h in ((0.02, 0.03), (0.0201, 0.03), (0.02, 0.0301))]
    assert np.all(draw[1] >= draw[0])
    assert np.max(np.abs(draw[1] - draw[0])) < 0.005
    assert np.max(np.abs(draw[2] - draw[0])) < 0.005
    assert np.argsort(draw[0]).tolist() == np.argsort(draw[2]).tolist()
