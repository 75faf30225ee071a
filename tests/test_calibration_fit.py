"""Calibration end to end on data relsim generates itself: determinism, recovery, CLI.

The "observed" cohort is simulated at known parameter values with a seed the
calibration never uses; fitting it back must find the known values inside the
stated 95% intervals (point fit: Hessian; ABC: posterior), and those intervals
must be informative (much narrower than the searched range).
"""

from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
import yaml

from relsim.calibration import calibrate, load_calibration
from relsim.calibration.objective import Objective, Simulator
from relsim.calibration.simulate import simulate_cohort
from relsim.cli import main
from relsim.config import ModelConfig
from relsim.overrides import apply_overrides
from relsim.scenario import load_scenario

TRUE_BASE_CHURN = 0.03
SCENARIO = {"n_customers": 1200, "steps": 24,
            "adoption": {"initial_customer_share": 0.0, "p_per_year": 5.0},
            "firms": [{"name": "A"}, {"name": "B", "quality": 0.65, "price": 0.9,
                                      "promise": 0.75}]}
"""A small two-firm market, every behavioural mechanism on; weeks 1-4 acquire the cohort."""


def observed_cohort(customers: int, periods: int, seed: int = 987_654
                    ) -> tuple[int, np.ndarray]:
    """Firm A's cohort of weeks 1-4 at the known base churn, in a market of ``customers``:
    its size and weekly survivors."""
    config = apply_overrides(ModelConfig.model_validate(SCENARIO),
                             {"behaviour.base_churn": TRUE_BASE_CHURN,
                              "n_customers": customers})
    return simulate_cohort(config, seed, 0, "A", 1, 4, tuple(range(periods + 1)))


def write_calibration(folder, method: dict | None = None, *, customers: int = 1200,
                      fit: int = 14, periods: int = 20) -> str:
    """A calibration of base_churn to relsim's own cohort (weekly periods 0..fit fitted,
    the rest held out); the scenario has SCENARIO's 1,200 customers, the data come from a
    market of ``customers``."""
    size, alive = observed_cohort(customers, periods)
    rows = "\n".join(f"{t},{a / size:.6f}" for t, a in enumerate(alive))
    (folder / "cohort.csv").write_text(f"week,retention\n{rows}\n")
    spec = {"name": "recovery", "scenario": {**SCENARIO, "steps": 4 + periods},
            "data": {"path": "cohort.csv", "period_column": "week", "size": int(size)},
            "mapping": {"firm": "A", "period": "week", "cohort_start": 1, "cohort_end": 4},
            "fit_periods": [0, fit], "holdout_periods": [fit + 1, periods],
            "parameters": {"behaviour.base_churn": {"lower": 0.005, "upper": 0.12,
                                                    "prior": "log-uniform"}},
            "method": {"seed": 3, "replications": 2, "max_evaluations": 12, "band_draws": 4,
                       **(method or {})}}
    path = folder / "recovery.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return str(path)


def objective_at(path: str, u: float) -> float:
    calibration = load_calibration(path)
    return Objective(calibration, Simulator(calibration))([u])


def test_objective_is_deterministic_for_a_fixed_seed(tmp_path):
    path = write_calibration(tmp_path)
    first, again = objective_at(path, 0.4), objective_at(path, 0.4)
    assert first == again
    other_seed = write_calibration(tmp_path, {"seed": 4})
    assert objective_at(other_seed, 0.4) != first  # the seed matters


def test_objective_is_lowest_near_the_value_that_generated_the_data(tmp_path):
    path = write_calibration(tmp_path)
    calibration = load_calibration(path)
    objective = Objective(calibration, Simulator(calibration))
    true_u = objective.unit({"behaviour.base_churn": TRUE_BASE_CHURN})[0]
    values = objective.batch([[true_u - 0.3], [true_u], [true_u + 0.3]])
    assert values[1] < values[0] and values[1] < values[2]


def test_rerun_with_the_cache_reuses_every_simulation_and_gives_the_same_fit(tmp_path):
    path = write_calibration(tmp_path, {"max_evaluations": 6, "band_draws": 0})
    first = calibrate(path, cache_dir=tmp_path / "cache")
    again = calibrate(path, cache_dir=tmp_path / "cache")
    assert first.cost["simulations"] > 0
    assert again.cost["simulations"] == 0
    assert again.cost["simulations_reused"] >= first.cost["simulations"]
    assert again.parameters.equals(first.parameters)


def test_worker_processes_give_the_same_objective_as_one_process(tmp_path):
    calibration = load_calibration(write_calibration(tmp_path))
    points = [[0.3], [0.6]]
    serial = Objective(calibration, Simulator(calibration)).batch(points)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        parallel = Objective(calibration, Simulator(calibration, executor=pool)).batch(points)
    assert np.array_equal(serial, parallel)


def test_point_fit_recovers_the_known_base_churn_within_its_interval(tmp_path):
    result = calibrate(write_calibration(tmp_path))
    row = result.parameters.set_index("parameter").loc["behaviour.base_churn"]
    assert row["lower95"] <= TRUE_BASE_CHURN <= row["upper95"]
    assert abs(row["estimate"] - TRUE_BASE_CHURN) <= 3 * row["se"]
    assert row["upper95"] / row["lower95"] < 3.0  # informative: the range searched spans 24
    assert result.cost["simulations"] > 0 and result.cost["wall_seconds"] >= 0
    assert set(result.mae["model"]) == {"relsim", "sbg"}
    assert list(result.projection["period"]) == list(range(15, 21))


@pytest.mark.slow  # a few hundred small simulations: about 25 s on an idle 2-core machine
def test_abc_posterior_interval_holds_the_known_base_churn(tmp_path):
    pytest.importorskip("pyabc")
    # observed: a market of 300 (a cohort of about 60), simulated: 1,200 customers (about
    # 240), so that the simulation noise is small beside the data's and pyabc's stochastic
    # acceptor accepts often; ten weekly counts fitted
    path = write_calibration(tmp_path, {"replications": 1, "abc_population": 20,
                                        "abc_generations": 2}, customers=300, fit=10,
                             periods=13)
    result = calibrate(path, method="abc", cache_dir=tmp_path / "cache")
    row = result.parameters.set_index("parameter").loc["behaviour.base_churn"]
    assert row["lower95"] <= TRUE_BASE_CHURN <= row["upper95"]
    # informative: the prior's own 95% interval spans a factor of 20
    assert row["upper95"] / row["lower95"] < 8.0
    band = result.projection[["relsim_lower", "relsim_upper"]].to_numpy()
    assert np.all(band[:, 0] <= band[:, 1])
    out = result.write(tmp_path / "out")
    assert (out / "plots" / "posterior_pairs.png").is_file()
    assert "posterior mean" in (out / "report.md").read_text()


def test_cli_writes_report_tables_and_a_fitted_scenario_that_relsim_run_accepts(
        tmp_path, capsys):
    out = tmp_path / "out"
    args = ["calibrate", write_calibration(tmp_path), "--out", str(out), "--quiet"]
    assert main(args) == 0
    for name in ("report.md", "report.html", "parameters.csv", "fit.csv", "projection.csv",
                 "sbg.csv", "mae.csv", "summary.json", "scenario.yaml", "plots/retention.png"):
        assert (out / name).is_file(), name
    assert not (tmp_path / ".out.partial").exists()
    fitted = load_scenario(out / "scenario.yaml")
    summary = json.loads((out / "summary.json").read_text())
    estimate = float(np.genfromtxt(out / "parameters.csv", delimiter=",", names=True,
                                   dtype=None, encoding="utf-8")["estimate"])
    assert fitted.behaviour.base_churn == pytest.approx(estimate)
    assert fitted.n_customers == SCENARIO["n_customers"]
    assert summary["cost"]["simulations"] > 0
    printed = capsys.readouterr().out
    assert "MAE relsim" in printed and "simulations" in printed
    # a second run into the same folder refuses without --overwrite, one line, status 2
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.slow  # starts a local Dask cluster
def test_dask_scheduler_gives_the_same_point_fit_as_one_process(tmp_path):
    distributed = pytest.importorskip("distributed")
    path = write_calibration(tmp_path, {"max_evaluations": 6, "band_draws": 2})
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        on_dask = calibrate(path, scheduler=cluster.scheduler_address)
    assert on_dask.parameters.equals(calibrate(path).parameters)
    assert on_dask.cost["scheduler"] == cluster.scheduler_address


class _Quadratic:
    """A stand-in objective: 100 (u0 - 0.4)^2 + 50 u1, whose minimum on the unit square lies
    at u1 = 0, a bound, where the slope is 50 and the curvature 0."""

    def batch(self, points):
        return [100.0 * (p[0] - 0.4) ** 2 + 50.0 * p[1] for p in np.atleast_2d(points)]


def test_a_parameter_at_a_bound_is_held_there_and_the_others_get_their_curvature():
    from relsim.calibration.fit import at_bounds, covariance

    u = np.array([0.4, 0.0])
    assert at_bounds(u).tolist() == [False, True]
    cov, note = covariance(_Quadratic(), u, 0.05)
    assert note is None
    assert cov[0, 0] == pytest.approx(1 / 200)  # the inverse of the curvature, 200
    assert cov[1, 1] == 0 and cov[0, 1] == 0 and cov[1, 0] == 0


def test_a_bound_parameter_gets_a_one_sided_likelihood_ratio_interval():
    from relsim.calibration.fit import LR_95, bound_limit

    end, reached = bound_limit(_Quadratic(), np.array([0.4, 0.0]), 1, 0.0, 0.05, LR_95)
    assert reached and end == pytest.approx(LR_95 / 50)  # 50 u1 = 1.92
    end, reached = bound_limit(_Quadratic(), np.array([0.4, 0.0]), 1, 0.0, 0.05, 1000.0)
    assert not reached and end == pytest.approx(0.3)  # six steps scanned, never that high


def test_abc_runs_on_the_same_dask_clusters_as_the_point_fit(monkeypatch):
    """--method abc --scheduler goes through relsim.pool.dask_client: "local" starts a
    LocalCluster (it was taken for an address), an unreachable one is the same one-line
    error as for relsim sweep."""
    import contextlib

    pytest.importorskip("pyabc")
    pytest.importorskip("distributed")
    from relsim import pool
    from relsim.calibration.abc import _sampler

    with contextlib.ExitStack() as stack:
        sampler = _sampler(2, "local", stack)
        assert type(sampler).__name__ == "DaskDistributedSampler"
        assert sampler.client_cores() == 2
    monkeypatch.setattr(pool, "CONNECT_TIMEOUT", 1.0)
    with pytest.raises(pool.SchedulerError, match="cannot reach a Dask scheduler"), \
            contextlib.ExitStack() as stack:
        _sampler(1, "tcp://127.0.0.1:9", stack)


def write_series_calibration(folder, kind: str = "churn_rate", periods: int = 16,
                             fit: int = 11) -> str:
    """A calibration of base_churn to a series of relsim's own: firm A's weekly churn rate
    (or market share) from week 5 on, at the known base churn, in a market of 3,000."""
    from relsim.calibration.simulate import simulate_series

    config = apply_overrides(ModelConfig.model_validate({**SCENARIO, "steps": 4 + periods}),
                             {"behaviour.base_churn": TRUE_BASE_CHURN, "n_customers": 3000})
    sizes, counts = simulate_series(config, 987_654, 0, "A", kind, 5, 1, periods)
    rows = "\n".join(f"{t},{c / n:.6f},{int(n)}" for t, (n, c) in enumerate(zip(sizes, counts)))
    (folder / "series.csv").write_text(f"week,share,customers\n{rows}\n")
    spec = {"name": f"series-{kind}", "scenario": {**SCENARIO, "steps": 4 + periods},
            "data": {"path": "series.csv", "kind": kind, "period_column": "week",
                     "value_column": "share", "size_column": "customers"},
            "mapping": {"firm": "A", "period": "week", "start_week": 5},
            "fit_periods": [0, fit], "holdout_periods": [fit + 1, periods - 1],
            "parameters": {"behaviour.base_churn": {"lower": 0.005, "upper": 0.12,
                                                    "prior": "log-uniform"}},
            "method": {"seed": 3, "replications": 2, "max_evaluations": 12, "band_draws": 4}}
    path = folder / "series.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return str(path)


def test_series_counts_are_the_firms_table_aggregated_by_period():
    """churn_rate: churners of weeks in the period over customers at the end of the week
    before; market_share: the firm's customers over all, at the period's last week."""
    import pandas as pd

    from relsim.calibration.simulate import series_counts

    steps = np.repeat(np.arange(7), 2)
    firms = pd.DataFrame({"step": steps, "firm": ["A", "B"] * 7,
                          "customers": [10, 30, 12, 28, 11, 29, 9, 31, 8, 30, 8, 32, 7, 33],
                          "churn": [0, 0, 1, 2, 2, 0, 3, 1, 1, 1, 0, 0, 2, 1]})
    at_risk, churned = series_counts(firms, "A", "churn_rate", 1, 2, 3)
    assert at_risk.tolist() == [10, 11, 8] and churned.tolist() == [3, 4, 2]
    total, own = series_counts(firms, "A", "market_share", 1, 2, 3)
    assert total.tolist() == [40, 38, 40] and own.tolist() == [11, 8, 7]


def test_a_churn_rate_series_fit_recovers_the_base_churn_that_made_it(tmp_path):
    result = calibrate(write_series_calibration(tmp_path))
    row = result.parameters.set_index("parameter").loc["behaviour.base_churn"]
    assert row["lower95"] <= TRUE_BASE_CHURN <= row["upper95"], row
    assert abs(row["estimate"] - TRUE_BASE_CHURN) < 0.01
    assert result.summary["kind"] == "churn_rate" and "sbg" not in result.summary
    assert result.sbg["sbg"].isna().all()
    assert len(result.fit) == 12 and len(result.projection) == 4  # weeks 0-11, 12-15
    assert result.mae.set_index("model").loc["relsim", "mae_holdout"] < 0.05
    out = result.write(tmp_path / "out")
    report = (out / "report.md").read_text()
    assert "Observed vs relsim" in report and "sBG" not in report
    assert "churn rate" in report


def test_a_market_share_series_is_fitted_and_reported(tmp_path):
    result = calibrate(write_series_calibration(tmp_path, "market_share", periods=8, fit=5))
    assert result.fit["observed"].between(0, 1).all()
    assert result.fit["relsim"].between(0, 1).all()
    assert result.mae.set_index("model").loc["relsim", "mae_fit"] < 0.1


def test_simulations_run_in_stacks_count_as_runs_alone():
    """simulate_runs advances the points of an evaluation as one stack (relsim.stack): each
    run's counts equal the run alone's, for a cohort and for a series."""
    from relsim.calibration.simulate import simulate_runs, simulate_series
    from relsim.stack import stacks

    base = ModelConfig.model_validate(SCENARIO)
    configs = [apply_overrides(base, {"behaviour.base_churn": churn, "n_customers": 600})
               for churn in (0.01, 0.03, 0.06)]
    runs = [(config, 11 + k, k) for k, config in enumerate(configs)]
    assert stacks(configs) == [[0, 1, 2]]
    cohort = simulate_runs("relationships", runs, ("A", 1, 4, (0, 4, 8, 12)))
    series = simulate_runs("firms", runs, ("A", "churn_rate", 5, 2, 4))
    for (config, seed, replication), (size, alive), (at_risk, churned) in zip(runs, cohort,
                                                                             series):
        alone_size, alone_alive = simulate_cohort(config, seed, replication, "A", 1, 4,
                                                  (0, 4, 8, 12))
        assert size == alone_size and np.array_equal(alive, alone_alive)
        risk, churn = simulate_series(config, seed, replication, "A", "churn_rate", 5, 2, 4)
        assert np.array_equal(at_risk, risk) and np.array_equal(churned, churn)
    assert len({int(a[-1]) for _, a in cohort}) == 3  # three base churns, three cohorts
