"""``calibrate()``: fit relsim to a calibration file and compare it with the sBG model.

``calibrate(FILE, method="point")`` (or ``"abc"``) loads and checks the file,
fits the freed parameters, fits the sBG model by maximum likelihood on the
same periods, and returns a :class:`CalibrationResult` whose DataFrames hold
the parameters, the fit, the projection, the sBG fit and both models' mean
absolute errors; ``result.write(DIR)`` writes them with a plot, a Markdown and
an HTML page and the fitted scenario (:mod:`relsim.calibration.report`).
"""

from __future__ import annotations

import copy
import os
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from relsim.calibration.objective import Objective, Simulator
from relsim.calibration.sbg import SBGFit, fit_sbg, sbg_band
from relsim.calibration.schema import Calibration, load_calibration
from relsim.limits import cpu_model
from relsim.pool import executor_for
from relsim.scenario import Scenario, validate_scenario

METHODS = ("point", "abc")


@dataclass
class CalibrationResult:
    """What a calibration found, as tidy DataFrames (see docs/calibration.md)."""

    name: str
    method: str
    parameters: pd.DataFrame
    """One row per freed parameter: estimate (point fit) or posterior mean (ABC), standard
    error (point fit), 95% interval, the bounds searched and the prior."""
    fit: pd.DataFrame
    """Fitting periods: observed share and count, relsim's simulated share and band, sBG's."""
    projection: pd.DataFrame
    """Held-out periods: observed, relsim's projection with its 95% band, sBG's with its."""
    sbg: pd.DataFrame
    """The sBG fit on the fitting periods and its projection, every period."""
    mae: pd.DataFrame
    """Mean absolute error of each model on the fitting and the held-out periods."""
    cost: dict[str, Any]
    summary: dict[str, Any]
    fitted_scenario: str
    """The fitted scenario as YAML text that ``relsim run`` accepts."""
    calibration: Calibration = field(repr=False)
    details: Any = field(repr=False, default=None)
    """The PointFit or AbcFit behind the tables."""

    def write(self, out_dir: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write the tables, plots, report pages and fitted scenario to the new directory
        ``out_dir`` (:func:`relsim.calibration.report.write_result`)."""
        from relsim.calibration.report import write_result

        return write_result(self, out_dir, overwrite=overwrite)


def calibrate(file_or_calibration: str | os.PathLike | Calibration, method: str = "point", *,
              workers: int = 1, scheduler: str | None = None,
              cache_dir: str | os.PathLike | None = None,
              progress: Callable[[str], None] | None = None) -> CalibrationResult:
    """Calibrate relsim to the data a calibration file names, and compare with sBG.

    ``method``: ``"point"`` (optimizer, Hessian uncertainty, :mod:`.fit`) or ``"abc"``
    (ABC-SMC posterior, :mod:`.abc`).  ``workers`` local processes or a Dask
    ``scheduler`` address run the simulations; ``cache_dir`` keeps each finished
    simulation so that a rerun of an interrupted calibration reuses them; ``progress``
    receives one-line progress messages.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    calibration = (file_or_calibration if isinstance(file_or_calibration, Calibration)
                   else load_calibration(file_or_calibration))
    started = time.perf_counter()
    with ExitStack() as stack:
        executor = None if method == "abc" else stack.enter_context(
            executor_for(workers, scheduler))[0]  # ABC uses pyabc's samplers
        simulator = Simulator(calibration, executor=executor, cache_dir=cache_dir,
                              progress=progress)
        objective = Objective(calibration, simulator)
        if method == "point":
            from relsim.calibration.fit import fit_point

            details = fit_point(objective)
            simulations = simulator.simulations
        else:
            from relsim.calibration.abc import fit_abc

            folder = Path(cache_dir) if cache_dir is not None else Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="relsim-abc-")))
            details = fit_abc(objective, workers=workers, scheduler=scheduler,
                              database=folder / "abc.db", quiet=progress is None)
            simulations = details.simulations
    seconds = time.perf_counter() - started
    cost = {"method": method, "wall_seconds": round(seconds, 1), "simulations": simulations,
            "simulations_reused": simulator.reused, "evaluations":
            getattr(details, "evaluations", None), "workers": workers,
            "scheduler": scheduler or "", "replications_per_evaluation":
            calibration.spec.method.replications, "cpu": cpu_model()}
    return _result(calibration, method, details, cost)



def _sbg(calibration: Calibration) -> tuple[SBGFit | None, np.ndarray, tuple | None]:
    """The sBG fit on the fitting periods (which must start at 0), its curve and band."""
    first, last = calibration.fit_range
    periods = np.arange(calibration.last_period + 1)
    if first != 0 or calibration.spec.data.series:  # sBG models a cohort's survival only
        return None, np.full(len(periods), np.nan), None
    sbg = fit_sbg(calibration.observed.alive[:last + 1])
    return sbg, sbg.survival(periods), sbg_band(sbg, periods, seed=calibration.spec.method.seed)


def _result(calibration: Calibration, method: str, details: Any, cost: dict
            ) -> CalibrationResult:
    spec = calibration.spec
    observed = calibration.observed
    periods = np.arange(calibration.last_period + 1)
    first, last = calibration.fit_range
    band = details.band if details.band is not None else (np.full(len(periods), np.nan),) * 2
    sbg, sbg_curve, sbg_bounds = _sbg(calibration)
    sbg_bounds = sbg_bounds or (np.full(len(periods), np.nan),) * 2
    curves = pd.DataFrame({
        "period": periods, "observed": observed.retention[periods],
        "observed_alive": observed.alive[periods].astype(int), "relsim": details.survival,
        "relsim_lower": band[0], "relsim_upper": band[1], "sbg": sbg_curve,
        "sbg_lower": sbg_bounds[0], "sbg_upper": sbg_bounds[1]})
    role = np.where((periods >= first) & (periods <= last), "fit", "")
    if spec.holdout_periods:
        h0, h1 = spec.holdout_periods
        role = np.where((periods >= h0) & (periods <= h1), "holdout", role)
    curves.insert(1, "role", role)
    fit_rows = curves[curves["role"] == "fit"].drop(columns="role").reset_index(drop=True)
    projection = curves[curves["role"] == "holdout"].drop(columns="role").reset_index(drop=True)
    mae_rows = []
    for model in ("relsim", "sbg"):
        row = {"model": model}
        fitted = fit_rows if spec.data.series else fit_rows[fit_rows["period"] > 0]
        for name, part in (("fit", fitted), ("holdout", projection)):
            row[f"mae_{name}"] = float(np.mean(np.abs(part[model] - part["observed"]))) \
                if len(part) else np.nan
        mae_rows.append(row)
    mae = pd.DataFrame(mae_rows)
    estimate = details.estimate if method == "point" else details.mean
    parameters = pd.DataFrame([{
        "parameter": p.path, "estimate": estimate[p.path],
        "se": details.se[p.path] if method == "point" else np.nan,
        "lower95": details.lower[p.path], "upper95": details.upper[p.path],
        "bound_lower": p.spec.lower, "bound_upper": p.spec.upper, "prior": p.spec.prior}
        for p in calibration.parameters])
    summary = {"name": spec.name, "description": spec.description, "method": method,
               "data": observed.source, "kind": spec.data.kind, "cohort": observed.label,
               "cohort_size": observed.size,
               "firm": calibration.firm, "fit_periods": list(spec.fit_periods),
               "holdout_periods": list(spec.holdout_periods or []),
               "period": spec.mapping.period, "notes": list(details.notes)}
    if method == "point":
        summary.update(objective=details.objective, deviance=details.deviance,
                       optimizer=spec.method.optimizer, optimizer_message=details.message,
                       simulated_cohort_per_replication=details.simulated_cohort)
    else:
        summary.update(generations=details.generations,
                       population=spec.method.abc_population)
    if sbg is not None:
        summary["sbg"] = {"alpha": sbg.alpha, "beta": sbg.beta, "alpha_se": sbg.alpha_se,
                          "beta_se": sbg.beta_se, "log_likelihood": sbg.log_likelihood}
    sbg_table = curves[["period", "role", "observed", "sbg", "sbg_lower", "sbg_upper"]].copy()
    return CalibrationResult(
        name=spec.name, method=method, parameters=parameters, fit=fit_rows,
        projection=projection, sbg=sbg_table, mae=mae, cost=cost, summary=summary,
        fitted_scenario=fitted_scenario_yaml(calibration, estimate, method),
        calibration=calibration, details=details)


def _set_path(data: dict, full: dict, path: list[str], value: Any) -> None:
    """Set ``value`` at dotted ``path`` in ``data`` (the explicitly set values), copying the
    sections and lists it leaves at their defaults from ``full``."""
    node, fallback = data, full
    for part in path[:-1]:
        key: Any = int(part) if isinstance(node, list) else part
        if isinstance(node, dict) and key not in node:  # a section: only what is set
            node[key] = {} if isinstance(fallback[key], dict) else copy.deepcopy(fallback[key])
        node, fallback = node[key], fallback[key]
    node[int(path[-1]) if isinstance(node, list) else path[-1]] = value


def fitted_scenario_yaml(calibration: Calibration, values: dict[str, float],
                         method: str) -> str:
    """The base scenario with the fitted values, as YAML that ``relsim run`` accepts
    (checked by validating it)."""
    scenario: Scenario = calibration.scenario
    data = scenario.model_dump(mode="json", exclude_unset=True)
    full = scenario.model_dump(mode="json")
    for path, value in values.items():
        _set_path(data, full, path.split("."), float(value))
    data["name"] = f"{calibration.spec.name}-fitted"
    data["description"] = (f"{scenario.name} calibrated to {calibration.observed.label} "
                           f"({method} fit)")
    validate_scenario(copy.deepcopy(data), "fitted scenario")
    what = "point estimates" if method == "point" else "posterior means"
    source = calibration.source.name if calibration.source else "a calibration"
    fitted = "\n".join(f"#   {path}: {value:.6g}" for path, value in values.items())
    header = (f"# The scenario of {source}, calibrated by `relsim calibrate` ({method}).\n"
              f"# Fitted values ({what}):\n{fitted}\n"
              f"# Run it:  relsim run THIS_FILE --out DIR\n\n")
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
