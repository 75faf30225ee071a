"""Smoke test of the scale benchmark and honesty checks of its naive Mesa comparison model.

* ``benchmarks/bench_scale.py --quick`` runs end to end and prints every figure,
  for the naive model's full rules (the headline) and its core subset;
* each scalar rule of ``benchmarks/naive_mesa.py`` is the equation of the relsim
  rule it mirrors (same values on random inputs);
* on a small shared case (one firm, no word of mouth, no adoption, churn on)
  the naive model and relsim agree in distribution: mean satisfaction, trust,
  expectation, commitment and the share still in a relationship after 20
  steps lie within Z standard errors of each other;
* on a case with every rule of the naive full model (three firms, adoption,
  advertising, complaints, fairness, dependence, win-back, lifecycle) the two
  agree in distribution after 26 steps: adopted share, firms known, share in each stage,
  mean satisfaction, trust, commitment, fairness, dependence and basket,
  complaints per customer (replication means within Z standard errors).

No timing assertions: timings depend on the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from relsim import RelationshipModel
from relsim.rules import (
    adoption,
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
from relsim.stages import ACTIVE_STAGES, Stage, is_active

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
import naive_mesa  # noqa: E402

Z = 4.0

# --------------------------------------------------------------------------- the command


def test_bench_scale_quick_runs_and_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "figures.json"
    done = subprocess.run([sys.executable, str(BENCHMARKS / "bench_scale.py"), "--quick",
                           "--json", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    for field in ("network s", "construct s", "run s", "wall s", "us/cust-step", "peak RSS MB",
                  "relsim +log", "naive share=1", "target < 60 s", "target < 4096 MB",
                  "ratio naive/relsim us per customer-step", "both at", "naive core",
                  "naive full rules vs core subset"):
        assert field in done.stdout, f"{field!r} missing from the output:\n{done.stdout}"
    figures = json.loads(out.read_text())
    assert {r["model"] for r in figures["runs"]} == {"relsim", "naive"}
    assert {r["rules"] for r in figures["runs"] if r["model"] == "naive"} == {"full", "core"}
    for run in figures["runs"]:
        assert run["run_s"] > 0 and run["peak_rss_mb"] >= run["import_rss_mb"] > 0
        assert run["wall_s"] == pytest.approx(run["network_s"] + run["construct_s"]
                                              + run["run_s"])
    summary = figures["summary"]
    for key in ("ratio_naive_vs_relsim_largest", "ratio_naive_vs_relsim_same_size",
                "ratio_naive_vs_relsim_check_size",
                "ratio_all_active_same_size", "largest_wall_s", "largest_peak_rss_mb",
                "naive_full_us_per_customer_step", "naive_core_us_per_customer_step",
                "ratio_naive_full_vs_relsim_same_size", "ratio_naive_core_vs_relsim_same_size",
                "ratio_naive_full_vs_relsim_largest", "ratio_naive_core_vs_relsim_largest"):
        assert summary[key] > 0
    assert summary["naive_rules"] == "full"  # the headline ratios use the full naive model
    assert summary["ratio_naive_vs_relsim_same_size"] == summary[
        "ratio_naive_full_vs_relsim_same_size"]


# --------------------------------------------------------------------------- same equations


def elementwise(scalar_rule, *columns) -> np.ndarray:
    """Apply a scalar rule to every row of equal-length columns."""
    return np.array([scalar_rule(*row) for row in zip(*(c.tolist() for c in columns))])


def random_inputs(n: int = 500) -> dict[str, np.ndarray]:
    """Scores in [0, 1] (a few outside), normal draws, signed gaps and flags."""
    rng = np.random.default_rng(7)
    return {"score": rng.uniform(-0.05, 1.05, n), "score2": rng.uniform(0, 1, n),
            "score3": rng.uniform(0, 1, n), "z": rng.standard_normal(n),
            "gap": rng.uniform(-1, 1, n), "flag": rng.random(n) < 0.5,
            "count": rng.poisson(1.0, n).astype(float), "prob": rng.uniform(0, 0.05, n)}


def test_scalar_rules_are_relsim_rules() -> None:
    x = random_inputs()
    _, s2, s3, gap, flag = x["score"], x["score2"], x["score3"], x["gap"], x["flag"]
    pairs = [
        (elementwise(naive_mesa.experienced_quality, s2, 0.1 * s3, x["z"]),
         satisfaction.experienced_quality(s2, 0.1 * s3, x["z"])),
        (elementwise(lambda d: naive_mesa.perceived_value(d, 2.25), gap),
         satisfaction.perceived_value(gap, 2.25)),
        (elementwise(lambda e, v: naive_mesa.transaction_satisfaction(e, v, 1.3), s2, gap),
         satisfaction.transaction_satisfaction(s2, gap, 1.3)),
        (elementwise(lambda a, b: naive_mesa.move_toward(a, b, 0.2), s2, s3),
         satisfaction.update_satisfaction(s2, s3, np.ones_like(flag), 0.2)),
        (elementwise(lambda t, k: naive_mesa.update_trust(t, k, 0.05, 0.2), s2, flag),
         trust.update_trust(s2, flag, ~flag, 0.05, 0.2)),
        (elementwise(lambda lv, p, q: naive_mesa.shift_toward(lv, p, q, 0.3), s2, x["count"],
                     2 * x["count"][::-1]),
         trust.shift_toward(s2, x["count"], 2 * x["count"][::-1], 0.3)),
        (elementwise(lambda t, sa, f, d, a: naive_mesa.commitment_target(
            t, sa, f, d, a, 0.3, 0.3, 0.15, 0.25, 0.1), s2, s3, s2[::-1], s3[::-1], gap ** 2),
         commitment.commitment_target(s2, s3, s2[::-1], s3[::-1], gap ** 2,
                                      0.3, 0.3, 0.15, 0.25, 0.1)),
        (elementwise(lambda p, c, g, sc: naive_mesa.churn_hazard(p, c, g, sc, 4.0, 2.0, 2.0),
                     x["prob"], s2, gap, s3),
         churn.churn_hazard(x["prob"], s2, gap, s3, 4.0, 2.0, 2.0)),
        (elementwise(lambda t, sa: naive_mesa.talk_probability(t, sa, 0.1, 2.0, 0.5), s2, s3),
         word_of_mouth.talk_probability(s2, s3, 0.1, 2.0, 0.5)),
    ]
    prices, status = np.array([1.0, 0.9, 1.1]), np.array([0.0, 0.5, 1.0])
    attitude = np.stack([s2, s3, s2[::-1]])
    vector = choice.firm_utility(attitude, s3, s2, prices, status, 3.0, 2.0, 2.0)
    for f in range(3):
        relative = prices[f] / prices.mean()
        pairs.append((elementwise(lambda a, ps, ss: naive_mesa.firm_utility(
            a, ps, ss, relative, status[f], 3.0, 2.0, 2.0), attitude[f], s3, s2), vector[f]))
    for scalar_values, relsim_values in pairs:
        np.testing.assert_allclose(scalar_values, relsim_values, rtol=1e-12, atol=1e-15)


def test_scalar_rules_of_the_full_model_are_relsim_rules() -> None:
    """Adoption, complaints, fairness, dependence and lifecycle rules (``rules="full"``)."""
    x = random_inputs()
    _, s2, s3, gap, flag = x["score"], x["score2"], x["score3"], x["gap"], x["flag"]
    rng = np.random.default_rng(11)
    n = s2.size
    share = rng.uniform(0, 1, n)
    share[:20] = 0.0
    flag2 = rng.random(n) < 0.5
    stage = rng.integers(0, len(Stage), n)
    tenure = rng.integers(0, 10, n)
    price, reference = rng.uniform(0.5, 1.5, n), rng.uniform(0.5, 1.5, n)
    peer = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(0.5, 1.5, n))
    known = rng.integers(0, 3, n)
    basket, mean_basket = rng.uniform(0.5, 3, n), rng.uniform(0, 3, n)
    mean_basket[:20] = 0.0
    ones = np.ones(n, dtype=bool)
    pairs = [
        (elementwise(lambda q: naive_mesa.adoption_hazard(0.03, 0.38, q), share),
         adoption.adoption_hazard(0.03, 0.38, share)),
        (elementwise(lambda q: naive_mesa.adoption_hazard(2.0, 9.0, q), share),
         adoption.adoption_hazard(2.0, 9.0, share)),
        (elementwise(lambda q: naive_mesa.advertising_share(0.03, 0.38, q), share),
         adoption.advertising_share(0.03, 0.38, share)),
        (elementwise(lambda q: naive_mesa.advertising_share(0.0, 0.38, q), share),
         adoption.advertising_share(0.0, 0.38, share)),
        (elementwise(lambda d, br: naive_mesa.service_failure(d, br, 0.15), gap, flag),
         complaints.service_failure(ones, gap, flag, 0.15)),
        (elementwise(lambda e, c, r: naive_mesa.recovered_satisfaction(e, c, r and c, 0.6, 0.2),
                     s2, flag, flag2),
         complaints.recovered_satisfaction(s2, flag, flag & flag2, 0.6, 0.2)),
        (elementwise(lambda f, c, r: naive_mesa.complaint_fairness(f, c, r and c, 0.6, 0.2),
                     s2, flag, flag2),
         complaints.complaint_fairness(s2, flag, flag & flag2, 0.6, 0.2)),
        (elementwise(lambda p, r, q: naive_mesa.price_fairness_target(p, r, q, 0.75, 2.0, 3.0),
                     price, reference, peer),
         fairness.price_fairness_target(price, reference, peer, 0.75, 2.0, 3.0)),
        (elementwise(lambda a, b: naive_mesa.move_toward(a, b, 0.05), reference, price),
         fairness.update_reference_price(reference, price, ones, 0.05)),
        (elementwise(lambda a, b: naive_mesa.move_toward(a, b, 0.2), s2, s3),
         fairness.update_fairness(s2, s3, ones, 0.2)),
        (elementwise(lambda a, b: naive_mesa.move_toward(a, b, 0.1), s2, s3),
         dependence.update_dependence(s2, s3, ones, 0.1)),
        (elementwise(lambda a, b: naive_mesa.move_toward(a, b, 0.1), s2, s3),
         commitment.update_commitment(s2, s3, ones, 0.1)),
        (elementwise(lambda a, b: naive_mesa.move_toward(a, b, 0.3), s2, s3),
         satisfaction.update_expectation(s2, s3, ones, 0.3)),
        (elementwise(lambda c, k, g: naive_mesa.dependence_target(c, k, 2, g, 0.5, 0.3, 0.2),
                     s2, known, stage),
         dependence.dependence_target(s2, known, 2, stage, 0.5, 0.3, 0.2)),
        (elementwise(lambda c, k, g: naive_mesa.dependence_target(c, k, 0, g, 0.5, 0.3, 0.2),
                     s2, known * 0, stage),
         dependence.dependence_target(s2, known * 0, 0, stage, 0.5, 0.3, 0.2)),
        (elementwise(lambda v, m, i: naive_mesa.firm_dependence(v, m, i), basket, mean_basket,
                     s3),
         dependence.firm_dependence(basket, mean_basket, s3)),
        (elementwise(naive_mesa.dependence_asymmetry, s2, s3),
         dependence.dependence_asymmetry(s2, s3)),
        (elementwise(naive_mesa.purchase_probability, 2 * s2, stage),
         lifecycle.purchase_probability(2 * s2, stage)),
        (elementwise(lambda b, g, sb: naive_mesa.grow_basket(b, g, sb, 0.02, 2.0), basket, stage,
                     1.6 * s2),
         lifecycle.grow_basket(basket, stage, 1.6 * s2, 0.02, 2.0)),
        (elementwise(lambda g, e: naive_mesa.failed_exploration(g, e, 0.25), stage, s2),
         lifecycle.failed_exploration(stage, s2, ones, 0.25)),
        (elementwise(lambda t, sa, f, d, a, w: naive_mesa.commitment_target(
            t, sa, f, d, a, w, 0.3, 0.15, 0.25, 0.1), s2, s3, s2[::-1], s3[::-1], gap ** 2,
            0.5 * s3),  # trust weight by segment
         commitment.commitment_target(s2, s3, s2[::-1], s3[::-1], gap ** 2, 0.5 * s3,
                                      0.3, 0.15, 0.25, 0.1)),
    ]
    # lifecycle thresholds: the defaults, and random ones (where forward and back moves overlap)
    for thresholds in [(4, 0.45, 0.55, 0.65, 0.1), (3, 0.4, 0.7, 0.3, 0.1),
                       *[(int(rng.integers(1, 6)), *rng.uniform(0, 1, 4)) for _ in range(5)]]:
        pairs.append((elementwise(lambda g, t, tr, c: naive_mesa.advance_stage(
            g, t, tr, c, *thresholds), stage, tenure, s2, s3),
            lifecycle.advance_stage(stage, tenure, s2, s3, *thresholds)))
    for scalar_values, relsim_values in pairs:
        np.testing.assert_allclose(np.asarray(scalar_values, dtype=float),
                                   np.asarray(relsim_values, dtype=float),
                                   rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- same distribution

SHARED_CASE = dict(
    n_customers=3000, firms=[{"name": "solo"}], talk_prob=0.0, winback_rate=0.0,
    complaint_prob=0.0, adoption__enabled=False, adoption__initial_customer_share=1.0,
    base_churn=0.02, expansion_commitment=1.0, commitment_commitment=1.0,
    commitment_fairness_weight=0.0, commitment_dependence_weight=0.0, asymmetry_penalty=0.0,
    transactions=False,
)
"""One firm, no word of mouth, adoption, win-back or complaints; churn on; commitment from
trust and satisfaction only; nobody leaves the awareness stage.  In this case relsim's
rules reduce to the naive model's subset, so the two must agree in distribution."""

STATES = ("satisfaction", "trust", "expectation", "commitment")


def relsim_state(steps: int, seed: int) -> dict[str, np.ndarray]:
    """Customer states of relsim after ``steps`` in the shared case."""
    model = RelationshipModel(rng=seed, **SHARED_CASE).run(steps)
    c = model.customers
    return {**{name: getattr(c, name) for name in STATES},
            "active": is_active(c.stage).astype(float)}


def naive_state(steps: int, seed: int) -> dict[str, np.ndarray]:
    """Customer states of the naive Mesa model after ``steps`` in the shared case."""
    model = naive_mesa.NaiveRelationshipModel(rng=seed, **SHARED_CASE).run(steps)
    return {**{name: model.state(name) for name in STATES},
            "active": model.in_relationship().astype(float)}


@pytest.fixture(scope="module")
def shared_states() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """relsim's and the naive model's customer states after 20 steps (independent seeds)."""
    return relsim_state(20, seed=3), naive_state(20, seed=4)


def assert_same_mean(ours: np.ndarray, theirs: np.ndarray, label: str) -> None:
    """relsim's and the naive model's samples have means within Z standard errors."""
    standard_error = np.sqrt(ours.var(ddof=1) / ours.size + theirs.var(ddof=1) / theirs.size)
    assert abs(ours.mean() - theirs.mean()) < Z * standard_error, (
        f"{label}: relsim {ours.mean():.4f}, naive {theirs.mean():.4f}, "
        f"se {standard_error:.4f}")


@pytest.mark.parametrize("name", [*STATES, "active"])
def test_naive_model_agrees_with_relsim_in_distribution(shared_states, name: str) -> None:
    assert_same_mean(shared_states[0][name], shared_states[1][name], f"mean {name}")


def test_shared_case_is_not_trivial(shared_states) -> None:
    """The comparison has power: customers bought, churned and moved away from the start."""
    for state in shared_states:
        assert 0.5 < state["active"].mean() < 0.95
        assert state["satisfaction"].std() > 0.02


# ------------------------------------------------------------------ same distribution, full rules

FULL_CASE = dict(
    n_customers=2000, adoption__p_per_year=1.0, adoption__q_per_year=0.5,
    adoption__initial_customer_share=0.1, winback_rate=0.05, talk_prob=0.2, base_churn=0.03,
    expansion_commitment=0.5, commitment_commitment=0.53, transactions=False,
)
"""The default three firms and every rule of ``rules="full"``: adoption by advertising and
imitation, advertising awareness, complaints, fairness, dependence and asymmetry,
win-back, and stage thresholds low enough that customers reach expansion and commitment
within the run.  Imitation is moderate (q = 0.5 a year): with strong imitation the naive
model adopts faster, because its customers see the neighbours who adopted earlier in
the same week (asynchronous updating; with q = 4 a year, 1.7 percentage points more
adopters after 30 weeks, about 3.5 standard errors; with the naive model's imitation
made synchronous, 0.9 points, 1.6 standard errors).  That is a difference of updating
schemes, not of rules, and it is documented in benchmarks/README.md."""

FULL_STEPS, FULL_REPLICATIONS = 26, 6


def full_summary(stage: np.ndarray, state, firms_known: float) -> dict[str, float]:
    """Market-level figures of one run: shares by stage, means over customers in a relationship."""
    active = is_active(stage)
    out = {"adopted": float((stage != Stage.PROSPECT).mean()), "firms known": firms_known}
    out.update({f"stage {Stage(s).name.lower()}": float((stage == s).mean())
                for s in (*ACTIVE_STAGES, Stage.DISSOLUTION)})
    for name in ("satisfaction", "trust", "commitment", "fairness", "dependence", "basket"):
        out[f"mean {name}"] = float(state(name)[active].mean())
    out["complaints per customer"] = float(state("complaints").mean())
    return out


@pytest.fixture(scope="module")
def full_summaries() -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Replications of relsim and of the naive full model in FULL_CASE (independent seeds)."""
    ours, theirs = [], []
    for k in range(FULL_REPLICATIONS):
        model = RelationshipModel(rng=10 + k, **FULL_CASE).run(FULL_STEPS)
        c = model.customers
        ours.append(full_summary(c.stage, lambda name: getattr(c, name).astype(float),
                                 float(c.aware.sum(axis=0).mean())))
        naive = naive_mesa.NaiveRelationshipModel(rng=50 + k, **FULL_CASE).run(FULL_STEPS)
        theirs.append(full_summary(naive.state("stage").astype(int), naive.state,
                                   float(np.mean([sum(a.aware) for a in naive.customers]))))
    return ours, theirs


FULL_FIGURES = ["adopted", "firms known", *(f"stage {Stage(s).name.lower()}" for s in
                             (*ACTIVE_STAGES, Stage.DISSOLUTION)),
                *(f"mean {n}" for n in ("satisfaction", "trust", "commitment", "fairness",
                                        "dependence", "basket")), "complaints per customer"]


@pytest.mark.parametrize("figure", FULL_FIGURES)
def test_naive_full_model_agrees_with_relsim_in_distribution(full_summaries, figure: str) -> None:
    """Replication means within Z standard errors (from the spread between replications:
    customers of one run are not independent once they imitate and talk)."""
    assert_same_mean(np.array([r[figure] for r in full_summaries[0]]),
                     np.array([r[figure] for r in full_summaries[1]]), figure)


def test_full_case_is_not_trivial(full_summaries) -> None:
    """Every rule of the full case acted: adoption, every stage, complaints, grown baskets."""
    for runs in full_summaries:
        for r in runs:
            assert 0.3 < r["adopted"] < 0.8
            for s in (*ACTIVE_STAGES, Stage.DISSOLUTION):
                assert r[f"stage {Stage(s).name.lower()}"] > 0.01
            assert r["complaints per customer"] > 0.05
            assert r["mean basket"] > 1.01
            assert r["mean dependence"] > 0.1


def test_naive_core_rules_ignore_the_full_rules() -> None:
    """rules="core": prospects stay prospects, nobody complains (the first benchmark's subset)."""
    model = naive_mesa.NaiveRelationshipModel(rng=1, rules="core", n_customers=300,
                                              adoption__p_per_year=5.0).run(3)
    assert not any(hasattr(a, "stage") for a in model.customers)
    assert model.in_relationship().mean() < 0.4
    with pytest.raises(ValueError, match="rules"):
        naive_mesa.NaiveRelationshipModel(rng=1, rules="everything", n_customers=10)
