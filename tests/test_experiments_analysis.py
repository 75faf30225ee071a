"""Analysis: Sobol indices of the Ishigami function through relsim's own analysis path,
Morris and grid indices, replication noise, and PRIM recovering a planted box."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from relsim.experiments import designs
from relsim.experiments.analysis import noise_table, sensitivity
from relsim.experiments.conditions import parse_condition
from relsim.experiments.designs import Factor
from relsim.experiments.designs import sample as sample_design
from relsim.experiments.discovery import discover
from relsim.experiments.loading import load_experiment
from relsim.experiments.responses import Response
from relsim.experiments.spec import GridDesign, MorrisDesign
from relsim.experiments.study import analyze

A, B = 7.0, 0.1
ISHIGAMI = """name: ishigami
scenario: {n_customers: 200, steps: 5}
parameters:
  behaviour.trust_loss: {low: 0, high: 1}
  behaviour.trust_gain: {low: 0, high: 1}
  behaviour.satisfaction_rate: {low: 0, high: 1}
design: {kind: sobol, N: 1024, second_order: false, seed: 4}
replications: 2
outcomes: [retention]
"""


def ishigami_indices() -> tuple[list[float], list[float]]:
    """Analytic first-order and total indices of Ishigami's function (a = 7, b = 0.1)."""
    v1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
    v2 = A**2 / 8
    v13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = A**2 / 8 + B * math.pi**4 / 5 + B**2 * math.pi**8 / 18 + 0.5
    return [v1 / v, v2 / v, 0.0], [(v1 + v13) / v, v2 / v, v13 / v]


def results_frame(design: pd.DataFrame, function, replications: int, noise: float,
                  seed: int = 0) -> pd.DataFrame:
    """A sweep's results as a worker returns them, the outcome ``retention`` holding
    ``function(design) + noise`` for every point and replication."""
    rng = np.random.default_rng(seed)
    base = function(design)
    frames = [pd.DataFrame({"point": design["point"], "arm": "baseline", "replication": r,
                            "seed": r, "firm": "A",
                            "retention": base + rng.normal(0, noise, len(design))})
              for r in range(replications)]
    return pd.concat(frames, ignore_index=True)


def test_sobol_indices_of_ishigami_match_the_analytic_values(tmp_path):
    path = tmp_path / "ishigami.yaml"
    path.write_text(ISHIGAMI)
    experiment = load_experiment(path)

    def ishigami(design):  # parameters on [0, 1] mapped to [-pi, pi]
        x = [(-math.pi + 2 * math.pi * design[name]).to_numpy() for name in
             ("behaviour.trust_loss", "behaviour.trust_gain", "behaviour.satisfaction_rate")]
        return np.sin(x[0]) + A * np.sin(x[1]) ** 2 + B * x[2] ** 4 * np.sin(x[0])

    results = results_frame(sample_design(experiment), ishigami, replications=2, noise=0.5)
    analysis = analyze(results, experiment)
    table = analysis.indices.set_index("parameter")
    first, total = ishigami_indices()
    assert table["S1"].to_numpy() == pytest.approx(first, abs=0.04)
    assert table["ST"].to_numpy() == pytest.approx(total, abs=0.04)
    assert (table["S1_conf"] < 0.1).all()
    noise = analysis.noise.set_index("response").loc["retention"]
    assert noise["within"] == pytest.approx(0.25, rel=0.1)  # the noise variance put in
    assert noise["noise_of_means"] == pytest.approx(0.125 / 13.84, rel=0.2)
    assert list(table["above_noise"]) == [True, True, True]


def _morris_case(noise: float):
    factors = [Factor(name, "float", "unif", (0.0, 1.0)) for name in ("a", "b", "c")]
    design = MorrisDesign(N=40, num_levels=4, seed=1)
    matrix = designs.sample_matrix(factors, design)
    frame = designs.design_frame(factors, matrix)
    results = results_frame(frame, lambda d: 3 * d["a"] + 1 * d["b"], 3, noise)
    runs = results.set_index(["point", "replication"])[["retention"]]
    means = runs.groupby(level="point").mean()
    return sensitivity(factors, design, matrix, means, noise_table(runs), seed=3)


def test_morris_ranks_linear_effects_and_flags_the_inert_parameter_as_noise():
    indices = _morris_case(noise=0.3)
    table = indices.table.set_index("parameter")
    assert table.loc["a", "mu_star"] == pytest.approx(3.0, rel=0.15)
    assert table.loc["b", "mu_star"] == pytest.approx(1.0, rel=0.3)
    assert table.loc["c", "mu_star"] < 0.6
    assert list(table["above_noise"]) == [True, True, False]
    assert any("not distinguishable from replication noise" in w for w in indices.warnings)


def test_a_response_of_pure_noise_is_reported_as_noise():
    factors = [Factor("a", "float", "unif", (0.0, 1.0)), Factor("b", "float", "unif", (0, 1))]
    matrix = designs.sample_matrix(factors, MorrisDesign(N=20, seed=1))
    frame = designs.design_frame(factors, matrix)
    results = results_frame(frame, lambda d: 0.0 * d["a"], 4, 1.0)
    runs = results.set_index(["point", "replication"])[["retention"]]
    noise = noise_table(runs).iloc[0]
    assert noise["noise_share"] == pytest.approx(1.0, abs=0.1)
    assert noise["noise_of_means"] > 0.5


def test_grid_main_effects_of_an_additive_function_add_up_to_one():
    factors = [Factor("a", "float", "unif", (0.0, 1.0)),
               Factor("k", "levels", "unif", (0.0, 1.0), ("x", "y", "z"))]
    design = GridDesign(levels=5)
    matrix = designs.sample_matrix(factors, design)
    frame = designs.design_frame(factors, matrix)
    results = results_frame(frame, lambda d: d["a"] + 2 * d["k"].map({"x": 0, "y": 1, "z": 2}),
                            2, 0.0)
    runs = results.set_index(["point", "replication"])[["retention"]]
    means = runs.groupby(level="point").mean()
    table = sensitivity(factors, design, matrix, means, noise_table(runs), 1).table
    effects = table.set_index("parameter")["main_effect"]
    var_a, var_k = np.var(np.linspace(0, 1, 5)), np.var([0, 2, 4])
    assert effects["a"] == pytest.approx(var_a / (var_a + var_k))
    assert effects.sum() == pytest.approx(1.0)


def test_prim_recovers_a_box_planted_in_a_toy_function():
    rng = np.random.default_rng(3)
    n = 1200
    design = pd.DataFrame({"point": np.arange(n), "a": rng.random(n), "b": rng.random(n),
                           "c": rng.random(n), "kind": rng.choice(["x", "y", "z"], n)})
    inside = (design["a"] > 0.6) & (design["b"] < 0.3) & (design["kind"] != "z")
    values = pd.Series(np.where(inside, 0.5, 2.0), index=design["point"])
    condition = parse_condition("policy_roi < 1", [Response("policy_roi", "policy_roi",
                                                            "loyalty", "A")])
    boxes, trajectory = discover(design, values, condition, density=0.95)
    box = boxes[boxes["box"] == 1].set_index("parameter")
    assert set(box.index) == {"a", "b", "kind"}  # c is not restricted
    assert box.loc["a", "low"] == pytest.approx(0.6, abs=0.03)
    assert box.loc["b", "high"] == pytest.approx(0.3, abs=0.03)
    assert box.loc["kind", "levels"] == "x, y"
    assert box["coverage"].iloc[0] > 0.85 and box["density"].iloc[0] >= 0.95
    assert box["cases"].iloc[0] == inside.sum()
    assert trajectory["chosen"].sum() == 1


def test_prim_says_so_when_no_point_meets_the_condition():
    design = pd.DataFrame({"point": np.arange(10), "a": np.linspace(0, 1, 10)})
    condition = parse_condition("roi < 0", [Response("roi", "policy_roi", "x", "A")])
    boxes, _ = discover(design, pd.Series(np.ones(10)), condition)
    assert boxes["parameter"].iloc[0] == "(no design point meets the condition)"
