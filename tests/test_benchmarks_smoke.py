"""Smoke test of the scale benchmark and honesty checks of its naive Mesa comparison model.

* ``benchmarks/bench_scale.py --quick`` runs end to end and prints every figure;
* each scalar rule of ``benchmarks/naive_mesa.py`` is the equation of the relsim
  rule it mirrors (same values on random inputs);
* on a small shared case (one firm, no word of mouth, no adoption, churn on)
  the naive model and relsim agree in distribution: mean satisfaction, trust,
  expectation, commitment and the share still in a relationship after 20
  steps lie within Z standard errors of each other.

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
from relsim.rules import churn, choice, commitment, satisfaction, trust, word_of_mouth
from relsim.stages import is_active

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
                  "ratio naive/relsim us per customer-step", "both at"):
        assert field in done.stdout, f"{field!r} missing from the output:\n{done.stdout}"
    figures = json.loads(out.read_text())
    assert {r["model"] for r in figures["runs"]} == {"relsim", "naive"}
    for run in figures["runs"]:
        assert run["run_s"] > 0 and run["peak_rss_mb"] >= run["import_rss_mb"] > 0
        assert run["wall_s"] == pytest.approx(run["network_s"] + run["construct_s"]
                                              + run["run_s"])
    summary = figures["summary"]
    for key in ("ratio_naive_vs_relsim_largest", "ratio_naive_vs_relsim_same_size",
                "ratio_all_active_same_size", "largest_wall_s", "largest_peak_rss_mb"):
        assert summary[key] > 0


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
    s, s2, s3, gap, flag = x["score"], x["score2"], x["score3"], x["gap"], x["flag"]
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


@pytest.mark.parametrize("name", [*STATES, "active"])
def test_naive_model_agrees_with_relsim_in_distribution(shared_states, name: str) -> None:
    ours, theirs = shared_states[0][name], shared_states[1][name]
    standard_error = np.sqrt(ours.var(ddof=1) / ours.size + theirs.var(ddof=1) / theirs.size)
    assert abs(ours.mean() - theirs.mean()) < Z * standard_error, (
        f"mean {name}: relsim {ours.mean():.4f}, naive {theirs.mean():.4f}, "
        f"se {standard_error:.4f}")


def test_shared_case_is_not_trivial(shared_states) -> None:
    """The comparison has power: customers bought, churned and moved away from the start."""
    for state in shared_states:
        assert 0.5 < state["active"].mean() < 0.95
        assert state["satisfaction"].std() > 0.02
