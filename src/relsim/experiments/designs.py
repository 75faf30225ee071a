"""Designs: the design points of an experiment, sampled with SALib from one problem.

Every design is drawn from ONE problem description (:func:`problem`: names,
bounds and distributions in SALib's format), built from the experiment's
parameters; the analysis (:mod:`relsim.experiments.analysis`) reads the same
description, so design and analysis cannot drift apart.

* ``sobol``  -- :func:`SALib.sample.sobol.sample` (Saltelli's scheme on a scrambled Sobol
  sequence): N (2D + 2) points with second-order indices, N (D + 2) without;
* ``morris`` -- :func:`SALib.sample.morris.sample`: N trajectories of D + 1 points;
* ``lhs``    -- :func:`SALib.sample.latin.sample`: ``size`` points, one in each of ``size``
  equal-probability strata of every parameter;
* ``grid``   -- every combination of every parameter's levels (SALib has no full grid).

Each sampler gets the design's own integer ``seed`` (SALib turns it into its own
:class:`numpy.random.Generator`, or scipy's Sobol scrambling seed); no global
random state is used, so a design is a pure function of the experiment.

SALib samples numbers.  A parameter with a list of ``levels`` (``network.kind``) is a
uniform number u in [0, 1) in the problem, mapped to level ``floor(u k)`` of its k
levels; an integer field with range [a, b] is a number in [a, b + 1) (uniform or
log-uniform) mapped to its floor, so each integer is equally likely (on the log scale,
by its share of the range).  :func:`sample_matrix` returns the numbers SALib
drew (what the analysis needs); :func:`sample` the values the runs use.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from relsim.experiments.schema import require

if TYPE_CHECKING:
    from relsim.experiments.schema import Experiment
    from relsim.experiments.spec import ParameterSpec

POINT = "point"
"""Name of the design point id column (0, 1, ... in design order)."""


@dataclass(frozen=True)
class Factor:
    """One design parameter as SALib sees it (``dist``, ``bounds``) and how a sampled number
    becomes the value of the field (``kind``: float, int or levels)."""

    name: str
    kind: str
    dist: str
    bounds: tuple
    levels: tuple = ()

    def values(self, x: np.ndarray) -> np.ndarray:
        """The field values of sampled numbers ``x``."""
        if self.kind == "levels":
            k = len(self.levels)
            index = np.minimum((np.asarray(x) * k).astype(np.int64), k - 1)
            out = np.empty(len(index), dtype=object)
            out[:] = [self.levels[i] for i in index]
            if all(isinstance(v, bool) for v in self.levels):
                return out.astype(bool)
            if all(isinstance(v, int) and not isinstance(v, bool) for v in self.levels):
                return out.astype(np.int64)
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in self.levels):
                return out.astype(np.float64)
            return out
        if self.kind == "int":
            high = int(self.bounds[1]) - 1
            return np.minimum(np.floor(x), high).astype(np.int64)
        return np.asarray(x, dtype=np.float64)


def factor(name: str, spec: ParameterSpec, kind: str) -> Factor:
    """The factor of a parameter ``spec`` varying a field of ``kind`` (float or int)."""
    if spec.levels is not None:
        return Factor(name, "levels", "unif", (0.0, 1.0), tuple(spec.levels))
    if kind == "int":
        return Factor(name, "int", "logunif" if spec.log else "unif",
                      (float(spec.low), float(spec.high) + 1.0))
    if spec.distribution == "triangular":
        peak = (spec.mode - spec.low) / (spec.high - spec.low)
        return Factor(name, "float", "triang", (spec.low, spec.high, peak))
    if spec.distribution == "normal":
        if spec.low is None:
            return Factor(name, "float", "norm", (spec.mean, spec.sd))
        return Factor(name, "float", "truncnorm", (spec.low, spec.high, spec.mean, spec.sd))
    if spec.distribution == "lognormal":
        return Factor(name, "float", "lognorm", (spec.mean, spec.sd))
    return Factor(name, "float", "logunif" if spec.log else "unif", (spec.low, spec.high))


def factors(experiment: Experiment) -> list[Factor]:
    """The factors of an experiment's parameters, in file order."""
    return [factor(path, spec, "int" if experiment.fields[path].kind == "int" else "float")
            for path, spec in experiment.parameters.items()]


def problem(factors: list[Factor]) -> dict[str, Any]:
    """The SALib problem description: names, bounds and distributions (a fresh dict: SALib's
    functions write into it)."""
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [list(f.bounds) for f in factors], "dists": [f.dist for f in factors]}


def _grid_values(f: Factor, levels: int) -> tuple[np.ndarray, np.ndarray]:
    """The sampled numbers and values of one factor's grid levels: its own levels; ``levels``
    evenly spaced values of a range (ends included, integers without repeats); the
    mid-quantiles (i + 1/2) / levels of a distribution."""
    require("SALib")
    from SALib.util import scale_samples

    if f.kind == "levels":
        k = len(f.levels)
        x = (np.arange(k) + 0.5) / k
    elif f.dist in ("unif", "logunif"):
        low, high = f.bounds[0], f.bounds[1] - (1.0 if f.kind == "int" else 0.0)
        x = np.geomspace(low, high, levels) if f.dist == "logunif" else \
            np.linspace(low, high, levels)
        if f.kind == "int":
            x = np.unique(np.round(x))
    else:
        quantiles = ((np.arange(levels) + 0.5) / levels)[:, None]
        x = scale_samples(quantiles, problem([f]))[:, 0]
    return x, f.values(x)


def grid_matrix(factors: list[Factor], levels: int) -> np.ndarray:
    """Every combination of the factors' grid levels (first factor slowest)."""
    axes = [_grid_values(f, levels)[0] for f in factors]
    return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, len(factors))


def sample_matrix(factors: list[Factor], design) -> np.ndarray:
    """The numbers the design draws, one row per point and one column per factor, in the
    problem's scale (what SALib's analysers read)."""
    require("SALib")
    from SALib.sample import latin, morris, sobol

    spec = problem(factors)
    if design.kind == "grid":
        return grid_matrix(factors, design.levels)
    if design.kind == "lhs":
        return latin.sample(spec, design.size, seed=design.seed)
    if design.kind == "sobol":
        return sobol.sample(spec, design.N, calc_second_order=design.second_order,
                            scramble=True, seed=design.seed)
    return morris.sample(spec, design.N, num_levels=design.num_levels,
                         optimal_trajectories=design.optimal_trajectories, seed=design.seed)


def design_frame(factors: list[Factor], matrix: np.ndarray) -> pd.DataFrame:
    """The design as a DataFrame: a ``point`` id, then one column of values per factor."""
    columns = {POINT: np.arange(len(matrix), dtype=np.int64)}
    columns.update({f.name: f.values(matrix[:, i]) for i, f in enumerate(factors)})
    return pd.DataFrame(columns)


def sample(experiment: Experiment) -> pd.DataFrame:
    """The design points of an experiment: one row per point, a ``point`` id column and one
    column per parameter path, holding the values the runs use."""
    found = factors(experiment)
    return design_frame(found, sample_matrix(found, experiment.design))


def design_size(experiment: Experiment) -> int:
    """The number of design points, without sampling."""
    design, found = experiment.design, factors(experiment)
    d = len(found)
    if design.kind == "grid":
        return math.prod(len(_grid_values(f, design.levels)[0]) for f in found)
    if design.kind == "lhs":
        return design.size
    if design.kind == "sobol":
        return design.N * (2 * d + 2 if design.second_order else d + 2)
    return (design.optimal_trajectories or design.N) * (d + 1)


def point_values(design: pd.DataFrame, point: int) -> dict[str, Any]:
    """The parameter values of one design point as plain Python values (for overrides)."""
    row = design.iloc[point]
    return {name: (value.item() if isinstance(value, np.generic) else value)
            for name, value in row.items() if name != POINT}
