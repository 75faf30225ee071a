"""Posterior by noise-aware ABC-SMC with pyabc (Klinger, Rickert & Hasenauer 2018).

The posterior is p(theta | counts) with the likelihood of the point fit: the
observed survivor counts on the fitting periods are multinomial given the
simulated survival curve (:mod:`relsim.calibration.objective`).  Because that
likelihood is evaluated at a *simulated* curve, pyabc's stochastic acceptor
is the exact tool (Wilkinson 2013, "Approximate Bayesian computation (ABC)
gives exact results under the assumption of model error"; Schälte &
Hasenauer 2020 for its SMC form): a particle is accepted with probability
``(L(theta) / L_max) ** (1 / T)``, where ``L`` is the binomial likelihood of
the data given the particle's simulated curve (a
:class:`pyabc.distance.FunctionKernel` on the log scale), ``L_max`` the highest
likelihood found so far (pyabc's ``pdf_norm_max_found``: the likelihood of
the observed shares themselves is an upper bound too, but so far above any
simulated curve's that almost nothing would be accepted), and the temperature ``T``
(:class:`pyabc.Temperature`) falls over the generations to exactly 1 in the
last one, whose weighted particles are then a sample of the posterior.  The
simulation noise of each particle's curve is integrated over, not ignored:
each particle is simulated with seeds drawn from its own parameter values
(not common random numbers), so the posterior is slightly wider than with a
noise-free curve, as it should be.

Priors are the calibration file's: uniform, log-uniform or normal truncated to
the bounds.  Samplers: one process (reproducible: pyabc draws from numpy's
global generator, which is seeded from ``method.seed`` for the run and
restored afterwards), local processes (``workers``; pyabc reseeds each
worker, so runs differ), or a Dask cluster (``scheduler``: pyabc's
:class:`~pyabc.sampler.DaskDistributedSampler`).

Outputs: weighted posterior means and 95% intervals (weighted 2.5% and 97.5%
quantiles), the pairwise plot (:func:`pyabc.visualization.plot_kde_matrix`),
and the posterior-predictive band of the held-out periods: weighted quantiles
of the last generation's simulated curves (no extra simulations).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats

from relsim.calibration.objective import Objective, Simulator, period_totals, pooled_survival
from relsim.calibration.schema import Calibration, CalibrationError, FreeParameter
from relsim.pool import dask_client
from relsim.runs import replication_seed

INSTALL_HINT = "ABC needs pyabc: pip install 'relsim[calibrate]'"


@dataclass
class AbcFit:
    """An ABC-SMC posterior: weighted particles, summaries, predictive band and cost."""

    names: list[str]
    particles: np.ndarray
    """Last generation's parameter values (particles x parameters)."""
    weights: np.ndarray
    mean: dict[str, float]
    lower: dict[str, float]
    upper: dict[str, float]
    survival: np.ndarray
    """Posterior-predictive mean survival, periods 0..last."""
    band: tuple[np.ndarray, np.ndarray]
    """Posterior-predictive 95% band of the survival, periods 0..last."""
    generations: int
    simulations: int
    seconds: float
    history: object = field(repr=False, default=None)
    notes: list[str] = field(default_factory=list)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """Quantile ``q`` of weighted values (inverse of the weighted empirical distribution)."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])


def _prior(p: FreeParameter):
    """The pyabc random variable of a parameter's prior."""
    import pyabc

    lo, hi = p.spec.lower, p.spec.upper
    if p.spec.prior == "log-uniform":
        return pyabc.RV("loguniform", lo, hi)
    if p.spec.prior == "normal":
        mean, sd = p.spec.mean, p.spec.sd
        return pyabc.RV("truncnorm", (lo - mean) / sd, (hi - mean) / sd, loc=mean, scale=sd)
    return pyabc.RV("uniform", lo, hi - lo)


class AbcModel:
    """The model pyabc simulates: parameter values -> the pooled simulated survival curve.

    Picklable (it holds only the calibration and the cache folder), so that pyabc's
    process and Dask samplers can ship it; each particle's replications run with seeds
    derived from the calibration's seed and the particle's values.
    """

    def __init__(self, calibration: Calibration, cache_dir: str | None) -> None:
        self.calibration = calibration
        self.cache_dir = cache_dir
        self._simulator: Simulator | None = None

    def __getstate__(self) -> dict:
        return {"calibration": self.calibration, "cache_dir": self.cache_dir}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["calibration"], state["cache_dir"])

    def values(self, parameters) -> dict[str, float]:
        """Freed paths -> values of a pyabc parameter."""
        return {p.path: float(parameters[f"p{i}"])
                for i, p in enumerate(self.calibration.parameters)}

    def __call__(self, parameters) -> dict[str, np.ndarray]:
        if self._simulator is None:
            self._simulator = Simulator(self.calibration, cache_dir=self.cache_dir)
        values = self.values(parameters)
        method = self.calibration.spec.method
        text = repr((method.seed, sorted(values.items())))
        root = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") >> 1
        seeds = [(replication_seed(root, r), r) for r in range(method.replications)]
        (sizes, alive), = self._simulator.counts([values], seeds)
        return {"survival": pooled_survival(sizes, alive),
                "size": period_totals(sizes, alive.shape[-1])}


class AbcKernel:
    """Log-likelihood of the observed counts given a particle's simulated curve."""

    def __init__(self, objective: Objective) -> None:
        self.first, self.last = objective.first, objective.last
        self.observed_alive = objective.observed_alive
        self.log_likelihood = objective.log_likelihood

    def __call__(self, x: dict, x_0: dict, t=None, par=None) -> float:
        size = np.asarray(x["size"], dtype=float)[None, :]
        alive = np.asarray(x["survival"], dtype=float)[None, :] * size
        return self.log_likelihood(size, alive)


@contextlib.contextmanager
def _numpy_global_seed(seed: int):
    """Seed numpy's global generator (pyabc's source of randomness) and restore it after."""
    state = np.random.get_state()
    np.random.seed(seed % 2**32)
    try:
        yield
    finally:
        np.random.set_state(state)


def _sampler(workers: int, scheduler: str | None, stack: contextlib.ExitStack):
    """pyabc's sampler: on the Dask cluster ``scheduler`` names (an address, or ``"local"``
    for a LocalCluster of ``workers`` processes: :func:`relsim.pool.dask_client`, the one
    ``relsim sweep`` and the point fit use; closed with ``stack``), on ``workers`` local
    processes, or in this process."""
    import pyabc

    if scheduler:
        client = dask_client(scheduler, workers, stack)
        return pyabc.sampler.DaskDistributedSampler(dask_client=client)
    if workers > 1:
        return pyabc.sampler.MulticoreEvalParallelSampler(n_procs=workers)
    return pyabc.sampler.SingleCoreSampler()


def fit_abc(objective: Objective, *, workers: int = 1, scheduler: str | None = None,
            database: Path, quiet: bool = False) -> AbcFit:
    """Run ABC-SMC on the calibration and summarise the last generation."""
    try:
        import pyabc
        from pyabc.distance.kernel import SCALE_LOG
    except ImportError:
        raise CalibrationError(INSTALL_HINT) from None
    calibration = objective.calibration
    method = calibration.spec.method
    started = time.perf_counter()
    logging.getLogger("ABC").setLevel(logging.WARNING if quiet else logging.INFO)
    prior = pyabc.Distribution(**{f"p{i}": _prior(p)
                                  for i, p in enumerate(calibration.parameters)})
    kernel = pyabc.distance.FunctionKernel(AbcKernel(objective), ret_scale=SCALE_LOG,
                                           pdf_max=objective.saturated_log_likelihood())
    cache = str(objective.simulator.cache.directory) if objective.simulator.cache else None
    with contextlib.ExitStack() as stack:
        sampler = _sampler(workers, scheduler, stack)
        with _numpy_global_seed(method.seed):
            abc = pyabc.ABCSMC(AbcModel(calibration, cache), prior, kernel,
                               population_size=method.abc_population, sampler=sampler,
                               acceptor=pyabc.StochasticAcceptor(
                                   pdf_norm_method=pyabc.acceptor.pdf_norm_max_found),
                               eps=pyabc.Temperature())
            observed = {"survival": calibration.observed.retention.astype(float),
                        "size": objective.observed_sizes.astype(float)}
            database.parent.mkdir(parents=True, exist_ok=True)
            abc.new(f"sqlite:///{database}", observed)
            history = abc.run(max_nr_populations=method.abc_generations)
    frame, weights = history.get_distribution()
    names = [p.path for p in calibration.parameters]
    particles = frame[[f"p{i}" for i in range(len(names))]].to_numpy(dtype=float)
    weights = np.asarray(weights, dtype=float)
    mean, lower, upper = {}, {}, {}
    for i, name in enumerate(names):
        mean[name] = float(np.sum(particles[:, i] * weights) / weights.sum())
        lower[name] = weighted_quantile(particles[:, i], weights, 0.025)
        upper[name] = weighted_quantile(particles[:, i], weights, 0.975)
    stat_weights, sum_stats = history.get_weighted_sum_stats()
    curves = np.array([s["survival"] for s in sum_stats], dtype=float)
    stat_weights = np.asarray(stat_weights, dtype=float)
    band = (np.array([weighted_quantile(c, stat_weights, 0.025) for c in curves.T]),
            np.array([weighted_quantile(c, stat_weights, 0.975) for c in curves.T]))
    survival = stat_weights @ curves / stat_weights.sum()
    notes = []
    if history.max_t + 1 < method.abc_generations:
        notes.append(f"ABC stopped after {history.max_t + 1} of {method.abc_generations} "
                     "generations")
    total = int(history.total_nr_simulations) * method.replications
    ess = float(weights.sum() ** 2 / np.sum(weights ** 2))
    notes.append(f"effective sample size of the last generation: {ess:.0f} of {len(weights)}")
    return AbcFit(names=names, particles=particles, weights=weights, mean=mean, lower=lower,
                  upper=upper, survival=survival, band=band, generations=history.max_t + 1,
                  simulations=total, seconds=time.perf_counter() - started, history=history,
                  notes=notes)


def log_prior_density(p: FreeParameter, value: float) -> float:
    """Log density of a parameter's prior at ``value`` (for checks and plots)."""
    lo, hi = p.spec.lower, p.spec.upper
    if p.spec.prior == "log-uniform":
        return float(stats.loguniform.logpdf(value, lo, hi))
    if p.spec.prior == "normal":
        a, b = (lo - p.spec.mean) / p.spec.sd, (hi - p.spec.mean) / p.spec.sd
        return float(stats.truncnorm.logpdf(value, a, b, loc=p.spec.mean, scale=p.spec.sd))
    return -math.log(hi - lo) if lo <= value <= hi else -math.inf
