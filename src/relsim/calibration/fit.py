"""Point fit: minimise the calibration objective with scipy's bounded optimizers.

The search runs on the unit cube of the freed parameters
(:class:`~relsim.calibration.objective.Objective`), either

* ``nelder-mead`` (default): scipy's bounded Nelder-Mead from ``starts``
  points (the first at each parameter's ``start`` or the middle of its bounds,
  the others a Latin hypercube), with a first simplex 0.15 wide so that it
  steps over the objective's small jumps, ``max_evaluations`` shared among the
  starts; or
* ``differential-evolution``: scipy's differential evolution (Latin hypercube
  start, deferred updating), each generation simulated as one parallel batch,
  as many generations as ``max_evaluations`` allows.

Uncertainty: the inverse of the Hessian of the objective (negative
log-likelihood) at the optimum, by central differences with a fixed step of
``hessian_step`` of each parameter's range, evaluated as one parallel batch
(at the optimum moved inward by a step where it lies within a step of a bound).
Its variance is inflated by ``1 + n_observed / n_simulated`` for the noise of
the simulated curve (the simulated-likelihood correction of Gouriéroux &
Monfort 1996, ch. 2: an objective computed from ``S`` times as many simulated
as observed customers has ``1 + 1/S`` times the variance).  95% intervals are
the estimate +- 1.96 standard errors on the search scale (so a log-uniform
parameter gets an asymmetric interval), clipped to the bounds.  A parameter whose
estimate lies at a bound of its search is held there for the Hessian (taken over the
others) and gets no standard error but a one-sided 95% likelihood-ratio interval: from the
bound to where the objective, the others held at the estimate, rises by 1.92 (half the
95% quantile of chi-square(1)) times the same inflation.  The
projection band simulates ``band_draws`` parameter vectors drawn from that
normal distribution (one replication each, cycling through the common seeds)
and takes the pointwise 2.5% and 97.5% quantiles: the uncertainty of the
projected *expected* retention, not the binomial noise of a new cohort.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import differential_evolution, minimize
from scipy.stats import qmc

from relsim.calibration.objective import Objective, period_totals, pooled_survival
from relsim.calibration.sbg import hessian, hessian_stencil

Z95 = 1.959963984540054
"""Standard normal quantile of a two-sided 95% interval."""


@dataclass
class PointFit:
    """A point fit: estimates, their uncertainty, the fitted curve and the cost."""

    names: list[str]
    estimate: dict[str, float]
    se: dict[str, float]
    lower: dict[str, float]
    upper: dict[str, float]
    objective: float
    deviance: float
    """2 (LL_saturated - LL): 0 for a perfect fit; about the number of fitted counts for a
    fit within binomial noise."""
    survival: np.ndarray
    """Simulated survival at the estimate, periods 0..last (pooled replications)."""
    replication_survival: np.ndarray
    """The same per replication (replications x periods)."""
    band: tuple[np.ndarray, np.ndarray] | None
    simulated_cohort: float
    """Mean size of the simulated cohort per replication at the estimate."""
    message: str
    evaluations: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def _nelder_mead(objective: Objective, budget: int, starts: int, seed: int):
    k = len(objective.names)
    points = [objective.start()]
    if starts > 1:
        points += list(qmc.LatinHypercube(d=k, seed=seed).random(starts - 1))
    best = None
    per_start = max(k + 2, budget // starts)
    for x0 in points:
        simplex = [x0] + [np.where(np.arange(k) == i, x0 + (0.15 if x0[i] <= 0.85 else -0.15),
                                   x0) for i in range(k)]
        res = minimize(objective, x0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * k,
                       options={"maxfev": per_start, "initial_simplex": np.array(simplex),
                                "xatol": 2e-3, "fatol": 1e-2})
        if best is None or res.fun < best.fun:
            best = res
    return best.x, float(best.fun), str(best.message)


def _differential_evolution(objective: Objective, budget: int, seed: int):
    k = len(objective.names)
    popsize = 8
    per_generation = popsize * k
    res = differential_evolution(lambda u: objective.batch(np.atleast_2d(u.T)), [(0.0, 1.0)] * k,
                                 popsize=popsize, maxiter=max(1, budget // per_generation - 1),
                                 init="latinhypercube", x0=objective.start(), seed=seed,
                                 polish=False, updating="deferred", vectorized=True, tol=1e-3)
    return res.x, float(res.fun), str(res.message)


BOUND_TOLERANCE = 1e-3
"""An estimate this close to a bound (as a share of the parameter's searched range) is at it."""
LR_95 = 1.9207294103470622
"""Half the 95% quantile of chi-square(1): the rise of a negative log-likelihood at the limit
of a 95% likelihood-ratio interval."""
LR_STEPS = 6
"""Steps of ``hessian_step`` scanned inward from a bound for a one-sided interval."""


def at_bounds(u: np.ndarray) -> np.ndarray:
    """Which coordinates of unit-cube point ``u`` lie at a bound of the search."""
    u = np.asarray(u, dtype=float)
    return (u <= BOUND_TOLERANCE) | (u >= 1.0 - BOUND_TOLERANCE)


def covariance(objective: Objective, u: np.ndarray, step: float
               ) -> tuple[np.ndarray | None, str | None]:
    """Covariance of the estimate on the search scale from the objective's Hessian (None and
    a note if the Hessian is not positive definite: a flat or non-minimal objective).

    Parameters at a bound (:func:`at_bounds`) are held there: the Hessian is taken over the
    others (their rows and columns of the covariance are 0), since at a bound the objective
    need not be flat, and its curvature says nothing about the uncertainty
    (:func:`bound_limit` gives those a one-sided interval)."""
    u = np.asarray(u, dtype=float)
    free = np.flatnonzero(~at_bounds(u))
    cov = np.zeros((len(u), len(u)))
    if not free.size:
        return cov, None
    center = u.copy()
    center[free] = np.clip(u[free], step, 1.0 - step)
    points = []
    for reduced in hessian_stencil(center[free], step):
        point = center.copy()
        point[free] = reduced
        points.append(point)
    h = hessian(objective.batch(points), center[free], step)
    try:
        np.linalg.cholesky(h)
    except np.linalg.LinAlgError:
        return None, ("the objective's Hessian at the estimate is not positive definite (a flat "
                      "direction or noise larger than its curvature): no standard errors")
    cov[np.ix_(free, free)] = np.linalg.inv(h)
    return cov, None


def bound_limit(objective: Objective, u: np.ndarray, i: int, value: float, step: float,
                threshold: float) -> tuple[float, bool]:
    """The inner end of a one-sided likelihood-ratio interval of parameter ``i``, which lies
    at a bound: the objective is evaluated (as one batch) at :data:`LR_STEPS` steps inward,
    the other parameters held at the estimate, and the end is where it first rises by
    ``threshold`` above ``value`` (linear interpolation between steps).  Returns the end on
    the search scale and whether the rise was reached (else the last step scanned)."""
    u = np.asarray(u, dtype=float)
    inward = 1.0 if u[i] <= 0.5 else -1.0
    offsets = step * np.arange(1, LR_STEPS + 1)
    points = []
    for offset in offsets:
        point = u.copy()
        point[i] = np.clip(u[i] + inward * offset, 0.0, 1.0)
        points.append(point)
    rise = np.asarray(objective.batch(points), dtype=float) - value
    previous_offset, previous_rise = 0.0, 0.0
    for offset, r in zip(offsets, rise, strict=True):
        if r >= threshold:
            at = previous_offset + ((threshold - previous_rise) * (offset - previous_offset)
                                    / (r - previous_rise))
            return float(np.clip(u[i] + inward * at, 0.0, 1.0)), True
        previous_offset, previous_rise = offset, max(previous_rise, r)
    return float(np.clip(u[i] + inward * offsets[-1], 0.0, 1.0)), False


def fit_point(objective: Objective) -> PointFit:
    """Minimise ``objective``, estimate the uncertainty and simulate the projection band."""
    calibration = objective.calibration
    method = calibration.spec.method
    started = time.perf_counter()
    if method.optimizer == "nelder-mead":
        u, value, message = _nelder_mead(objective, method.max_evaluations, method.starts,
                                         method.seed)
    else:
        u, value, message = _differential_evolution(objective, method.max_evaluations,
                                                     method.seed)
    names = objective.names
    estimate = objective.values(u)
    (sizes, alive), = objective.curves([estimate])
    survival = pooled_survival(sizes, alive)
    per_replication = alive / np.maximum(sizes, 1.0)
    total = float(period_totals(sizes, alive.shape[-1]).mean())  # simulated customers
    notes = []
    cov, note = covariance(objective, u, method.hessian_step)
    if note:
        notes.append(note)
    best, at = objective.best
    if best < value - 0.5:  # half a log-likelihood unit: more than noise
        where = ", ".join(f"{k} {v:.4g}" for k, v in at.items())
        notes.append(f"the search had not converged: a point evaluated for the Hessian "
                     f"({where}) has an objective {value - best:.2f} lower; a larger "
                     "max_evaluations would move the estimate there")
    se, lower, upper = ({n: math.nan for n in names} for _ in range(3))
    band = None
    if cov is not None:
        inflation = 1.0 + calibration.observed.size / max(total, 1.0)
        cov = cov * inflation
        se_u = np.sqrt(np.diag(cov))
        jac = objective.jacobian(u)
        low, high = objective.values(u - Z95 * se_u), objective.values(u + Z95 * se_u)
        bounded = at_bounds(u)
        for i, name in enumerate(names):
            if bounded[i]:
                continue
            se[name] = float(jac[i] * se_u[i])
            lower[name], upper[name] = low[name], high[name]
        for i in np.flatnonzero(bounded):
            name, spec = names[i], objective.parameters[i].spec
            end, reached = bound_limit(objective, u, i, value, method.hessian_step,
                                       LR_95 * inflation)
            inner = objective.values(np.where(np.arange(len(u)) == i, end, u))[name]
            lower[name], upper[name] = sorted((estimate[name], inner))
            side, bound = ("lower", spec.lower) if u[i] <= 0.5 else ("upper", spec.upper)
            notes.append(f"{name} is at its {side} bound {bound:g}: no standard error; its "
                         f"95% interval is one-sided, from the likelihood ratio (the objective "
                         f"rises by {LR_95 * inflation:.2f} at {inner:.4g}"
                         + ("" if reached else " or further") + "); the projection band "
                         "holds it at the bound")
        if method.band_draws:
            band = _band(objective, u, cov, method.band_draws, method.seed)
    deviance = 2.0 * (objective.saturated_log_likelihood() - (-value))
    return PointFit(names=names, estimate=estimate, se=se, lower=lower, upper=upper,
                    objective=value, deviance=deviance, survival=survival,
                    replication_survival=per_replication,
                    band=band, simulated_cohort=total / len(sizes), message=message,
                    evaluations=objective.evaluations,
                    seconds=time.perf_counter() - started, notes=notes)


def _band(objective: Objective, u: np.ndarray, cov: np.ndarray, draws: int, seed: int
          ) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise 95% band of the simulated survival over parameter draws."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    points = np.clip(rng.multivariate_normal(u, cov, size=draws), 0.0, 1.0)
    seeds = objective.seeds
    curves = np.empty((draws, objective.calibration.last_period + 1))
    for r, seed_r in enumerate(seeds):
        rows = np.arange(r, draws, len(seeds))
        if not rows.size:
            continue
        results = objective.curves([objective.values(points[i]) for i in rows], [seed_r])
        for i, (sizes, alive) in zip(rows, results, strict=True):
            curves[i] = pooled_survival(sizes, alive)
    return np.quantile(curves, 0.025, axis=0), np.quantile(curves, 0.975, axis=0)
