"""Designs: each sampler gives the right points, within bounds, levels and integers mapped."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from relsim.experiments import designs
from relsim.experiments.designs import Factor
from relsim.experiments.designs import sample as sample_design
from relsim.experiments.loading import load_experiment
from relsim.experiments.spec import GridDesign, LHSDesign, MorrisDesign, SobolDesign

UNIFORM = [Factor("a", "float", "unif", (0.0, 1.0)), Factor("b", "float", "unif", (2.0, 6.0)),
           Factor("c", "float", "unif", (-1.0, 1.0))]

EXPERIMENT = """name: designs
scenario: {{n_customers: 200, steps: 5}}
parameters:
  behaviour.trust_loss: {{low: 0.1, high: 0.3}}
  firms.0.price: {{low: 0.5, high: 2.0, log: true}}
  network.kind: {{levels: [watts_strogatz, barabasi_albert, erdos_renyi]}}
  n_customers: {{low: 150, high: 154}}
  adoption.enabled: {{levels: [true, false]}}
design: {design}
"""


def experiment(tmp_path, design: str):
    path = tmp_path / "e.yaml"
    path.write_text(EXPERIMENT.format(design=design))
    return load_experiment(path)


def test_grid_is_every_combination_of_levels(tmp_path):
    e = experiment(tmp_path, "{kind: grid, levels: 3}")
    design = sample_design(e)
    # 3 x 3 range levels, 3 network kinds, integers 150/152/154, 2 booleans
    assert len(design) == 3 * 3 * 3 * 3 * 2 == designs.design_size(e)
    assert sorted(design["behaviour.trust_loss"].unique()) == pytest.approx([0.1, 0.2, 0.3])
    assert sorted(design["firms.0.price"].unique()) == pytest.approx([0.5, 1.0, 2.0])
    assert sorted(design["n_customers"].unique()) == [150, 152, 154]
    combos = design.drop(columns="point").astype(str).drop_duplicates()
    assert len(combos) == len(design)
    assert list(design["point"]) == list(range(len(design)))


def test_saltelli_size_is_n_times_2d_plus_2_with_second_order(tmp_path):
    with_second = experiment(tmp_path, "{kind: sobol, N: 16, seed: 3}")
    assert len(sample_design(with_second)) == 16 * (2 * 5 + 2) == designs.design_size(with_second)
    without = experiment(tmp_path, "{kind: sobol, N: 16, second_order: false, seed: 3}")
    assert len(sample_design(without)) == 16 * (5 + 2) == designs.design_size(without)


def test_sampled_values_respect_bounds_levels_and_integers(tmp_path):
    for design in ("{kind: sobol, N: 64, seed: 1}", "{kind: lhs, size: 200, seed: 1}",
                   "{kind: morris, N: 20, seed: 1}"):
        frame = sample_design(experiment(tmp_path, design))
        assert frame["behaviour.trust_loss"].between(0.1, 0.3).all()
        assert frame["firms.0.price"].between(0.5, 2.0).all()
        assert set(frame["network.kind"]) <= {"watts_strogatz", "barabasi_albert", "erdos_renyi"}
        assert frame["n_customers"].dtype == np.int64
        assert frame["n_customers"].between(150, 154).all()
        assert frame["adoption.enabled"].dtype == bool
    lhs = sample_design(experiment(tmp_path, "{kind: lhs, size: 200, seed: 1}"))
    assert set(lhs["n_customers"]) == {150, 151, 152, 153, 154}  # every integer reached
    counts = lhs["network.kind"].value_counts()
    assert counts.min() >= 60  # 200 strata over 3 levels: 66 or 67 each


def test_latin_hypercube_puts_one_point_in_each_stratum():
    n = 50
    matrix = designs.sample_matrix(UNIFORM, LHSDesign(size=n, seed=7))
    assert matrix.shape == (n, 3)
    for i, f in enumerate(UNIFORM):
        low, high = f.bounds
        strata = np.floor((matrix[:, i] - low) / (high - low) * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_morris_trajectories_move_one_parameter_one_step_at_a_time():
    levels, trajectories = 4, 10
    matrix = designs.sample_matrix(UNIFORM, MorrisDesign(N=trajectories, num_levels=levels,
                                                         seed=2))
    d = len(UNIFORM)
    assert matrix.shape == (trajectories * (d + 1), d)
    spans = np.array([f.bounds[1] - f.bounds[0] for f in UNIFORM])
    delta = levels / (2 * (levels - 1))
    for t in range(trajectories):
        path = matrix[t * (d + 1):(t + 1) * (d + 1)]
        steps = np.diff(path, axis=0) / spans
        moved = np.abs(steps) > 1e-12
        assert (moved.sum(axis=1) == 1).all()  # one parameter per step
        assert sorted(np.argmax(moved, axis=1)) == list(range(d))  # each parameter once
        assert np.allclose(np.abs(steps[moved]), delta)


def test_sobol_design_is_a_function_of_its_seed_only():
    np.random.seed(1)
    first = designs.sample_matrix(UNIFORM, SobolDesign(N=32, seed=5))
    np.random.seed(2)
    state = np.random.get_state()[1].copy()
    again = designs.sample_matrix(UNIFORM, SobolDesign(N=32, seed=5))
    assert np.array_equal(first, again)
    assert np.array_equal(np.random.get_state()[1], state)  # global state untouched
    other = designs.sample_matrix(UNIFORM, SobolDesign(N=32, seed=6))
    assert not np.array_equal(first, other)


def test_grid_of_distributions_takes_mid_quantiles():
    from scipy import stats

    factor = designs.factor("x", _spec(distribution="triangular", low=0.0, high=1.0, mode=0.25),
                            "float")
    matrix = designs.grid_matrix([factor], 4)
    expected = stats.triang.ppf([0.125, 0.375, 0.625, 0.875], c=0.25)
    assert matrix[:, 0] == pytest.approx(expected)


def test_truncated_normal_and_triangular_stay_in_their_range():
    normal = designs.factor("x", _spec(distribution="normal", mean=0.2, sd=0.3, low=0.0,
                                       high=0.5), "float")
    tri = designs.factor("y", _spec(distribution="triangular", low=1.0, high=3.0, mode=2.5),
                         "float")
    matrix = designs.sample_matrix([normal, tri], LHSDesign(size=2000, seed=1))
    assert matrix[:, 0].min() >= 0.0 and matrix[:, 0].max() <= 0.5
    assert matrix[:, 1].min() >= 1.0 and matrix[:, 1].max() <= 3.0
    assert matrix[:, 1].mean() == pytest.approx((1.0 + 3.0 + 2.5) / 3, abs=0.02)


def test_levels_map_unit_strata_to_each_level_equally():
    factor = Factor("k", "levels", "unif", (0.0, 1.0), ("x", "y", "z"))
    u = np.linspace(0, 1, 300, endpoint=False)
    values = factor.values(u)
    assert [list(values).count(v) for v in "xyz"] == [100, 100, 100]
    assert list(factor.values(np.array([0.0, 0.34, 0.999999]))) == ["x", "y", "z"]


def _spec(**fields):
    from relsim.experiments.spec import ParameterSpec

    return ParameterSpec(**fields)


def test_grid_matrix_is_the_product_of_the_axes():
    factors = [Factor("a", "float", "unif", (0.0, 1.0)),
               Factor("k", "levels", "unif", (0.0, 1.0), ("x", "y"))]
    matrix = designs.grid_matrix(factors, 3)
    expected = list(itertools.product([0.0, 0.5, 1.0], [0.25, 0.75]))
    assert np.allclose(matrix, np.array(expected))
    assert designs.sample_matrix(factors, GridDesign(levels=3)).shape == (6, 2)
