"""Sensitivity analysis of a sweep, with the share of each response that is replication noise.

The indices come from SALib's analysers on the same problem description the
design was drawn from (:func:`relsim.experiments.designs.problem`), applied to the
mean of each response over the replications at each design point:

* Sobol designs: :func:`SALib.analyze.sobol.analyze` -- first-order ``S1`` and total
  ``ST`` indices with 95% bootstrap intervals (``S2`` with second order);
* Morris designs: :func:`SALib.analyze.morris.analyze` -- ``mu``, ``mu_star``, ``sigma``;
* Latin hypercubes: :func:`SALib.analyze.rbd_fast.analyze` -- first-order ``S1``;
* grids: the main-effect share Var(E[Y | x_i]) / Var(Y) over the grid's points (the
  first-order index of a full factorial with equally weighted levels).

The model is stochastic, so each point mean carries replication noise.  Its size
is measured from the replications: ``within`` is the mean over points of the
variance between replications, and ``noise_share`` = within / total variance of
single runs.  The point means carry ``within / R`` of noise, a share
``noise_of_means`` of their variance.  That noise raises every total index by
about ``noise_of_means`` (Jansen's estimator sees it as a factor of its own) and
gives a Morris elementary effect a spread of ``sqrt(2 within / R) / delta``; an
index within those bounds is marked ``above_noise = False`` and a warning says
so.  With common random numbers (same seeds at every point) the noise in
differences between points is smaller than this, so the flags are conservative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from relsim.experiments.designs import Factor, problem

CONFIDENCE = 0.95
NOISE_WARNING = 0.2
"""Warn when more than this share of the variance between point means is noise."""


def analysis_seed(design_seed: int) -> int:
    """Seed of the bootstrap intervals: derived from the design's seed, never 0 (SALib's
    Sobol analyser falls back to global random state for a seed of 0)."""
    state = np.random.SeedSequence([design_seed, 1]).generate_state(1, dtype=np.uint32)[0]
    return int(state) | 1


def noise_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per response: replications per point, the within-point variance, the total variance
    of single runs, their ratio ``noise_share``, the variance of the point means and the
    share of it that is noise, ``noise_of_means``."""
    rows = []
    for name in runs.columns:
        values = runs[name].dropna()
        by_point = values.groupby(level="point")
        reps = float(by_point.count().mean()) if len(values) else math.nan
        within = float(by_point.var(ddof=1).mean()) if reps > 1 else math.nan
        total = float(values.var(ddof=1))
        means = float(by_point.mean().var(ddof=1))
        rows.append({"response": name, "replications": reps, "within": within, "total": total,
                     "noise_share": within / total if total > 0 else math.nan,
                     "means_var": means,
                     "noise_of_means": within / reps / means if means > 0 else math.nan})
    return pd.DataFrame(rows)


@dataclass
class Indices:
    """The indices of one or more responses (``table``: one row per response and parameter;
    ``second_order``: Sobol S2 per pair) and the warnings raised."""

    table: pd.DataFrame
    second_order: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)


def _sobol(spec: dict, design, y: np.ndarray, seed: int) -> tuple[dict, pd.DataFrame]:
    from SALib.analyze import sobol

    si = sobol.analyze(spec, y, calc_second_order=design.second_order, conf_level=CONFIDENCE,
                       print_to_console=False, seed=seed)
    columns = {k: si[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}
    pairs = []
    if design.second_order:
        names = spec["names"]
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                pairs.append({"parameter": names[i], "other": names[j], "S2": si["S2"][i, j],
                              "S2_conf": si["S2_conf"][i, j]})
    return columns, pd.DataFrame(pairs)


def _morris(spec: dict, design, x: np.ndarray, y: np.ndarray, seed: int) -> dict:
    from SALib.analyze import morris

    si = morris.analyze(spec, x, y, conf_level=CONFIDENCE, num_levels=design.num_levels,
                        print_to_console=False, seed=seed)
    return {k: np.asarray(si[k], dtype=float) for k in ("mu", "mu_star", "sigma", "mu_star_conf")}


def _rbd_fast(spec: dict, x: np.ndarray, y: np.ndarray, seed: int) -> dict:
    from SALib.analyze import rbd_fast

    si = rbd_fast.analyze(spec, x, y, conf_level=CONFIDENCE, print_to_console=False, seed=seed)
    return {"S1": np.asarray(si["S1"], dtype=float), "S1_conf": np.asarray(si["S1_conf"],
                                                                           dtype=float)}


def _main_effects(x: np.ndarray, y: np.ndarray) -> dict:
    """Var(E[Y | x_i]) / Var(Y) over the grid's points, per column of ``x``."""
    total = np.var(y)
    shares = [pd.Series(y).groupby(x[:, i]).mean().var(ddof=0) / total if total > 0 else np.nan
              for i in range(x.shape[1])]
    return {"main_effect": np.asarray(shares, dtype=float)}


def sensitivity(factors: list[Factor], design, matrix: np.ndarray, means: pd.DataFrame,
                noise: pd.DataFrame, seed: int) -> Indices:
    """The indices of every response (a column of ``means``, indexed by point in design
    order) for the design that drew ``matrix``, with noise flags from ``noise``
    (:func:`noise_table`)."""
    names = [f.name for f in factors]
    rows, pairs, warnings = [], [], []
    noise = noise.set_index("response")
    for response in means.columns:
        y = means[response].to_numpy(dtype=float)
        if len(y) != len(matrix):
            warnings.append(f"{response}: {len(y)} of {len(matrix)} design points have results: "
                            "no indices until the sweep is complete")
            continue
        if np.isnan(y).any():
            warnings.append(f"{response}: undefined at {int(np.isnan(y).sum())} design points "
                            "(e.g. no extra policy spend): no indices")
            continue
        if design.kind == "sobol":
            columns, second = _sobol(problem(factors), design, y, seed)
            if not second.empty:
                pairs.append(second.assign(response=response))
        elif design.kind == "morris":
            columns = _morris(problem(factors), design, matrix, y, seed)
        elif design.kind == "lhs":
            columns = _rbd_fast(problem(factors), matrix, y, seed)
        else:
            columns = _main_effects(matrix, y)
        table = pd.DataFrame({"response": response, "parameter": names, **columns})
        table["above_noise"] = _above_noise(table, design, noise.loc[response], matrix)
        rows.append(table)
        quiet = (~table["above_noise"]).sum()
        if quiet:
            warnings.append(f"{response}: {quiet} of {len(table)} indices are not "
                            "distinguishable from replication noise (above_noise = False)")
    for name, row in noise.iterrows():
        if row["noise_of_means"] > NOISE_WARNING:
            warnings.append(f"{name}: {row['noise_of_means']:.0%} of the variance between "
                            "design points is replication noise: add replications")
    if len(noise) and noise["replications"].max() <= 1:
        warnings.append("one replication per design point: replication noise cannot be told "
                        "apart from parameter effects (set replications >= 2)")
    return Indices(pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(),
                   pd.concat(pairs, ignore_index=True) if pairs else pd.DataFrame(), warnings)


def _above_noise(table: pd.DataFrame, design, noise: pd.Series, matrix: np.ndarray) -> np.ndarray:
    """Whether each index is clearly above what replication noise alone would give (for a
    grid's main effects: twice the share noise adds to them, (k - 1) / n of the noise)."""
    share = noise["noise_of_means"]
    if not np.isfinite(share):  # one replication: noise unknown
        return np.ones(len(table), dtype=bool)
    if design.kind == "sobol":
        return (table["ST"] - table["ST_conf"]).to_numpy() > share
    if design.kind == "morris":
        delta = design.num_levels / (2 * (design.num_levels - 1))
        level = math.sqrt(2 * noise["within"] / noise["replications"]) / delta
        return (table["mu_star"] - table["mu_star_conf"]).to_numpy() > level * math.sqrt(2 / math.pi)
    if design.kind == "lhs":
        return (table["S1"] - table["S1_conf"]).to_numpy() > share
    levels = np.array([len(np.unique(matrix[:, i])) for i in range(matrix.shape[1])])
    return table["main_effect"].to_numpy() > share * levels / len(matrix) * 2
