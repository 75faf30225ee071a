"""The calibration objective: how well a simulated cohort explains the observed one.

Mapping a run to the data
-------------------------
The observed cohort is a group of new customers followed period by period.  Its
simulated counterpart is an acquisition cohort of the focal firm, read from
relsim's relationships table: every customer whose *first* relationship with
the firm starts in weeks ``cohort_start..cohort_end`` (``mapping`` in the
calibration file).  A customer is still active at period ``p`` if that
relationship has lasted more than ``p x period`` weeks; each customer's age
counts from its own start, as a subscriber's does.  A customer who left and
came back counts as lost (as in relsim's ``cohorts`` table).  Nothing is
switched off: the run is the base scenario with its word of mouth, complaints,
trust, commitment, rivals and win-back.

A **series** target (``data.kind: churn_rate`` or ``market_share``) is read from
the firms table instead (:func:`relsim.calibration.simulate.series_counts`): period t
spans weeks ``start_week + t x period`` to ``start_week + (t + 1) x period - 1``; its churn
rate is the relationships with the firm that ended in those weeks (churn and
failed explorations) over the firm's customers at the end of the week before;
its market share is the firm's customers over all customers in a relationship
at the end of the period's last week.

The objective
-------------
The negative **binomial (multinomial) log-likelihood** of the observed
survivor counts on the fitting periods, given the simulated survival curve
S_sim (pooled over replications)::

    -LL = -sum_t (n_{t-1} - n_t) log(S_sim(t-1) - S_sim(t)) - n_T log S_sim(T)

(:func:`relsim.calibration.sbg.cohort_log_likelihood`, periods first..last of
``fit_periods``, counts n_t = retention x cohort size); for a series, the
binomial log-likelihood of each period's observed count k_t = share x N_t out of
the N_t customers measured, at the simulated share p_t (pooled over
replications), summed over the fitted periods (:func:`binomial_log_likelihood`);
minus the log prior
density (uniform priors add a constant).  Why this and not squared error: it
is the likelihood the sBG model is fitted by, so both models are scored by the
same yardstick; it weights each period by its binomial noise (a point near 0
or 1, or a small cohort, counts less); its curvature gives the uncertainty of
the point fit; and it is the kernel of the noise-aware ABC posterior
(:mod:`relsim.calibration.abc`).  Probabilities are floored at half a
simulated customer, so a period without simulated churners is unlikely, not
impossible.

Common random numbers: replication ``r`` of every evaluation runs with seed
``relsim.runs.replication_seed(method.seed, r)``, so the objective is a
deterministic function of the parameters, and two nearby points see the same
luck: their difference comes from the parameters.  (Churn proneness is drawn
by inversion, so each customer keeps its quantile as the churn parameters
change; the weekly Bernoulli events still give the objective small steps,
which the derivative-free optimizers and the wide Hessian step tolerate; see
docs/calibration.md.)
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from relsim.calibration.sbg import cohort_log_likelihood
from relsim.calibration.schema import Calibration, FreeParameter
from relsim.calibration.simulate import simulate_runs
from relsim.config import ModelConfig
from relsim.outputs import TableCache
from relsim.pool import run_tasks
from relsim.runs import replication_seed
from relsim.stack import stacks


class Simulator:
    """Runs the calibration's cohort simulations: common random numbers, an optional
    executor (local processes or Dask), a memory and disk cache, and a count of runs.

    A point is a mapping path -> value of the freed parameters; replication ``r`` of any
    point runs with seed ``replication_seed(seed, r)``.  The disk cache (``cache_dir``, a
    verified :class:`relsim.outputs.TableCache`: an entry whose manifest does not verify is
    run again) keeps each finished run's counts under a hash of the configuration, seed
    and mapping, so an interrupted calibration run again with the same file reuses its
    simulations.
    """

    def __init__(self, calibration: Calibration, *, executor: Executor | None = None,
                 cache_dir: str | Path | None = None,
                 progress: Callable[[str], None] | None = None) -> None:
        self.calibration = calibration
        self.executor = executor
        self.cache = TableCache(cache_dir) if cache_dir is not None else None
        self.progress = progress
        self.base = calibration.base_config()
        m = calibration.spec.mapping
        self.ages = tuple(int(p * m.period_weeks) for p in range(calibration.last_period + 1))
        self.simulations = 0
        self.reused = 0
        self.seconds = 0.0
        self._memory: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _reduction(self) -> tuple[str, tuple]:
        """The table a run's counts come from and the arguments that reduce it."""
        m, data = self.calibration.spec.mapping, self.calibration.spec.data
        if data.series:
            return "firms", (self.calibration.firm, data.kind, m.start_week, m.period_weeks,
                             len(self.ages))
        return "relationships", (self.calibration.firm, m.cohort_start, m.cohort_end,
                                 self.ages)

    def _key(self, config: ModelConfig, seed: int) -> str:
        from relsim import __version__

        m, kind = self.calibration.spec.mapping, self.calibration.spec.data.kind
        data = {"relsim": __version__, "config": config.model_dump(mode="json"), "seed": seed,
                "firm": self.calibration.firm, "window": [m.cohort_start, m.cohort_end],
                "ages": self.ages}
        if kind != "cohort_retention":
            data.update(kind=kind, window=[m.start_week, m.period_weeks])
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:20]

    def _cached(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        if key in self._memory:
            return self._memory[key]
        tables = self.cache.get(key) if self.cache is not None else None
        if tables is not None and set(tables) == {"counts"}:
            counts = tables["counts"]
            self._memory[key] = (counts["size"].to_numpy(dtype=float),
                                 counts["alive"].to_numpy(dtype=float))
            return self._memory[key]
        return None

    def _store(self, key: str, size, alive: np.ndarray) -> None:
        """Keep one run's counts: ``size`` (a cohort's size, or one per period) and
        ``alive`` (one per period)."""
        alive = np.asarray(alive, dtype=float)
        size = np.broadcast_to(np.asarray(size, dtype=float), alive.shape).copy()
        self._memory[key] = (size, alive)
        if self.cache is not None:
            self.cache.put(key, {"counts": pd.DataFrame({"size": size, "alive": alive})})

    def counts(self, points: list[dict[str, float]], seeds: list[tuple[int, int]]
               ) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each point, the sizes and counts (each seeds x periods 0..last: a cohort's
        size and survivors, or a series' customers measured and counted), each
        ``(seed, replication)`` of ``seeds`` run once."""
        start = time.perf_counter()
        jobs: dict[str, tuple[ModelConfig, int, int]] = {}
        keys = []
        for point in points:
            config = self.calibration.config_at(point, self.base)
            row = []
            for seed, replication in seeds:
                key = self._key(config, seed)
                row.append(key)
                if self._cached(key) is None:
                    jobs.setdefault(key, (config, seed, replication))
            keys.append(row)
        self.reused += sum(len(row) for row in keys) - len(jobs)
        table, args = self._reduction()
        names = list(jobs)
        # runs that can share a stack (relsim.stack) go to one task together
        tasks = [(tuple(names[k] for k in chunk),
                  (table, [jobs[names[k]] for k in chunk], args))
                 for chunk in stacks([config for config, _, _ in jobs.values()])]

        def finished(chunk: tuple[str, ...], counts: list[tuple]) -> None:
            for key, (size, alive) in zip(chunk, counts, strict=True):
                self._store(key, size, alive)
                self.simulations += 1

        run_tasks(self.executor if len(tasks) > 1 else None, simulate_runs, tasks, finished,
                  in_flight=max(len(tasks), 1))
        self.seconds += time.perf_counter() - start
        out = []
        for row in keys:
            sizes = np.array([self._memory[k][0] for k in row], dtype=float)
            alive = np.array([self._memory[k][1] for k in row], dtype=float)
            out.append((sizes, alive))
        return out


def _unit(p: FreeParameter, value: float) -> float:
    """Position of ``value`` on parameter ``p``'s search scale, 0 at lower, 1 at upper."""
    lo, hi = p.spec.lower, p.spec.upper
    return math.log(value / lo) / math.log(hi / lo) if p.log_scale else (value - lo) / (hi - lo)


def period_totals(sizes: np.ndarray, periods: int) -> np.ndarray:
    """The simulated customers measured in each period, summed over replications (``sizes``:
    one per replication, or replications x periods)."""
    sizes = np.asarray(sizes, dtype=float)
    return sizes.sum(axis=0) if sizes.ndim > 1 else np.full(periods, sizes.sum())


def binomial_log_likelihood(p: np.ndarray, counts: np.ndarray, sizes: np.ndarray,
                            floor) -> float:
    """Sum over periods of the binomial log-likelihood of ``counts`` out of ``sizes`` at
    probabilities ``p``, kept in [floor, 1 - floor] (0 log 0 = 0)."""
    p = np.clip(np.asarray(p, dtype=float), floor, 1.0 - np.asarray(floor))
    counts, sizes = np.asarray(counts, dtype=float), np.asarray(sizes, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        hits = np.where(counts > 0, counts * np.log(p), 0.0)
        misses = np.where(sizes > counts, (sizes - counts) * np.log1p(-p), 0.0)
    return float(np.sum(hits + misses))


def pooled_survival(sizes: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """The pooled simulated curve: a cohort's survivors over all its members, or a series'
    counts over the customers measured, period by period, summed over replications (0 where
    nobody was measured)."""
    alive = np.asarray(alive, dtype=float)
    total = period_totals(sizes, alive.shape[-1])
    return np.divide(alive.sum(axis=0), total, out=np.zeros(alive.shape[-1]), where=total > 0)


class Objective:
    """The negative log-likelihood (plus negative log prior) of the observed counts on the
    fitting periods, as a function of the freed parameters on the unit cube.

    ``u[i]`` in [0, 1] maps to parameter ``i`` linearly on [lower, upper], or
    geometrically for a log-uniform prior.  Every call is deterministic (common random
    numbers, see the module docstring) and is remembered.
    """

    def __init__(self, calibration: Calibration, simulator: Simulator) -> None:
        self.calibration = calibration
        self.simulator = simulator
        method = calibration.spec.method
        self.seeds = [(replication_seed(method.seed, r), r) for r in range(method.replications)]
        first, last = calibration.fit_range
        self.first, self.last = first, last
        self.observed_alive = calibration.observed.alive
        self.series = calibration.spec.data.series
        observed = calibration.observed
        self.observed_sizes = (observed.period_sizes if observed.period_sizes is not None
                               else np.full(len(observed.periods), float(observed.size)))
        self.evaluations = 0
        self.best: tuple[float, dict[str, float]] = (math.inf, {})
        """Lowest value evaluated so far and its parameter values."""

    @property
    def parameters(self) -> tuple[FreeParameter, ...]:
        """The freed parameters, in the order of ``u``."""
        return self.calibration.parameters

    @property
    def names(self) -> list[str]:
        """Dotted paths of the freed parameters."""
        return [p.path for p in self.parameters]

    def values(self, u) -> dict[str, float]:
        """Parameter values at unit-cube point ``u``."""
        out = {}
        for p, x in zip(self.parameters, np.clip(np.asarray(u, dtype=float), 0.0, 1.0),
                        strict=True):
            lo, hi = p.spec.lower, p.spec.upper
            out[p.path] = float(lo * (hi / lo) ** x if p.log_scale else lo + x * (hi - lo))
        return out

    def unit(self, values: dict[str, float]) -> np.ndarray:
        """Unit-cube point of parameter values (inverse of :meth:`values`)."""
        return np.array([_unit(p, values[p.path]) for p in self.parameters])

    def jacobian(self, u) -> np.ndarray:
        """d value / d u of each parameter at ``u`` (for standard errors)."""
        out = []
        for p, x in zip(self.parameters, np.asarray(u, dtype=float), strict=True):
            lo, hi = p.spec.lower, p.spec.upper
            out.append(lo * (hi / lo) ** x * math.log(hi / lo) if p.log_scale else hi - lo)
        return np.array(out)

    def start(self) -> np.ndarray:
        """The first point of the search: each ``start``, else the middle of the bounds."""
        return np.array([0.5 if p.spec.start is None else _unit(p, p.spec.start)
                         for p in self.parameters])

    def log_prior(self, values: dict[str, float]) -> float:
        """Log prior density up to a constant: 0 for uniform and log-uniform priors on the
        search scale; a normal prior's log density."""
        total = 0.0
        for p in self.parameters:
            if p.spec.prior == "normal":
                total += float(stats.norm.logpdf(values[p.path], p.spec.mean, p.spec.sd))
        return total

    def curves(self, points: list[dict[str, float]], seeds: list[tuple[int, int]] | None = None
               ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Sizes and survivor counts of each point (all replications, all periods)."""
        return self.simulator.counts(points, seeds or self.seeds)

    def log_likelihood(self, sizes: np.ndarray, alive: np.ndarray) -> float:
        """LL of the observed counts on the fitting periods given simulated counts: a
        cohort's multinomial likelihood, or a series' binomial one per period.  Simulated
        probabilities are floored at half a simulated customer."""
        fitted = slice(self.first, self.last + 1)
        curve = pooled_survival(sizes, alive)[fitted]
        floor = 0.5 / np.maximum(period_totals(sizes, curve.size + self.first)[fitted], 1.0)
        if self.series:
            return binomial_log_likelihood(curve, self.observed_alive[fitted],
                                           self.observed_sizes[fitted], floor)
        if curve[0] <= 0:
            return -math.inf
        return cohort_log_likelihood(curve / curve[0], self.observed_alive[fitted],
                                     floor=float(floor[0]))

    def saturated_log_likelihood(self) -> float:
        """LL of the observed counts given their own shares: the best any model can do."""
        fitted = slice(self.first, self.last + 1)
        alive = self.observed_alive[fitted]
        if self.series:
            sizes = self.observed_sizes[fitted]
            return binomial_log_likelihood(alive / sizes, alive, sizes, 0.0)
        return cohort_log_likelihood(alive / alive[0], alive)

    def batch(self, points_u) -> np.ndarray:
        """Objective values of several unit-cube points, simulated as one batch (in parallel
        when the simulator has an executor)."""
        points = [self.values(u) for u in points_u]
        out = []
        for point, (sizes, alive) in zip(points, self.curves(points), strict=True):
            self.evaluations += 1
            value = -self.log_likelihood(sizes, alive) - self.log_prior(point)
            out.append(value if math.isfinite(value) else 1e12)
            if value < self.best[0]:
                self.best = (value, point)
        progress = self.simulator.progress
        if progress:
            best = min(out)
            at = ", ".join(f"{k.rsplit('.', 1)[-1]} {v:.4g}"
                           for k, v in points[int(np.argmin(out))].items())
            progress(f"evaluation {self.evaluations}: objective {best:.2f} at {at} "
                     f"({self.simulator.simulations} simulations run, "
                     f"{self.simulator.reused} reused)")
        return np.array(out)

    def __call__(self, u) -> float:
        return float(self.batch([u])[0])
