"""Comparison runs: every variant of a scenario, every replication, side by side.

A scenario's variants (see :mod:`relsim.scenario`) are compared with
**common random numbers**: replication ``r`` of every variant runs with the
same seed, ``replication_seed(scenario.seed, r)``, so a customer meets the
same luck in every variant and differences between variants come from the
variants, not from the dice (docs/ODD.md, section 7: within the limits
listed there).

Each (variant, replication) run is ``run_one(config, seed, replication)``, a
pure function of picklable data, so runs can go to any
:class:`concurrent.futures.Executor`: none (``workers=1``, a plain loop),
local processes (``workers > 1``, a :class:`~concurrent.futures.ProcessPoolExecutor`)
or one passed in, e.g. a Dask ``Client.get_executor()``.  Results are put
together in a fixed order (variants as in :meth:`Scenario.variant_names`,
then replications), so the tables are identical whatever the number of
workers or the order in which runs finish.

With a cache directory, each finished run is stored there as
``rep-RRRR-KEY/`` (Parquet tables; KEY hashes everything a run depends on
besides the replication, see :func:`run_key`), and runs found there are read
instead of run: an interrupted comparison resumes where it stopped.  Variants
with identical configurations share their runs.  The cache is a
:class:`relsim.outputs.TableCache`: private to the user, and an entry is read only
if it matches the SHA-256 manifest written last; anything else is deleted and run
again.

Runs go through :func:`relsim.pool.run_tasks`, the loop ``relsim sweep`` and ``relsim
calibrate`` use too, each finished run cached as it arrives.  Worker processes
(:func:`relsim.pool.executor_for`) ignore Ctrl-C (the parent stops them,
:func:`relsim.pool.stop_pool`) and exit when the parent dies, even by kill -9 (Linux
``PR_SET_PDEATHSIG``; elsewhere a thread that watches the parent's process id).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from relsim.config import ModelConfig
from relsim.network import edge_list_digest
from relsim.outputs import TableCache, write_tables
from relsim.pool import executor_for, run_tasks
from relsim.runs import ON_REQUEST, TABLES, RunResult, replication_seed
from relsim.scenario import Scenario
from relsim.tables import conform

__all__ = ["VARIANT", "Comparison", "run_comparison", "run_key",
           "write_tables"]

VARIANT = "variant"
"""Name of the column, first in every table, that holds the variant's name."""

JobKey = tuple[str, int]
"""(run_key of the configuration, replication): one run, shared by identical variants."""


def run_key(config: ModelConfig, seed: int) -> str:
    """Hash of everything a run's tables depend on besides the replication number: the relsim
    version, the configuration, the contents of its edge-list file and the root seed."""
    from relsim.version import __version__

    edges = edge_list_digest(config.network.path) if config.network.path else None
    data = {"relsim": __version__, "config": config.model_dump(mode="json"), "seed": seed,
            "edges": edges}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _run_one() -> Callable[..., RunResult]:
    """relsim.runs.run_one, looked up at call time (tests replace it)."""
    return importlib.import_module("relsim.runs").run_one


class Comparison:
    """The runs of a comparison: every (variant, replication) of a scenario.

    ``Comparison(scenario, cache_dir=DIR).run(workers=4)`` returns the tables;
    afterwards (or after an interruption) ``finished``, ``reused`` and ``total``
    count runs (variant x replication).
    """

    def __init__(self, scenario: Scenario, *, cache_dir: str | os.PathLike | None = None):
        self.scenario = scenario
        self.configs = scenario.variant_configs()
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.cache = TableCache(self.cache_dir) if self.cache_dir is not None else None
        self.layout: list[tuple[str, int, JobKey]] = []
        self.jobs: dict[JobKey, tuple[ModelConfig, int, int]] = {}
        for name, config in self.configs.items():
            key = run_key(config, scenario.seed)
            for r in range(scenario.replications):
                self.jobs.setdefault((key, r), (config, replication_seed(scenario.seed, r), r))
                self.layout.append((name, r, (key, r)))
        self.results: dict[JobKey, RunResult] = {}
        self.reused = 0
        self._bar: tqdm | None = None

    @property
    def total(self) -> int:
        """Runs in the comparison (variants x replications)."""
        return len(self.layout)

    @property
    def finished(self) -> int:
        """Runs whose tables are there (run or read from the cache)."""
        return sum(job in self.results for _, _, job in self.layout)

    @property
    def discarded(self) -> int:
        """Cache entries that did not verify and were deleted (their runs run again)."""
        return 0 if self.cache is None else self.cache.discarded

    @staticmethod
    def entry_name(job: JobKey) -> str:
        """Name of a run's cache entry: ``rep-RRRR-KEY``."""
        key, r = job
        return f"rep-{r:04d}-{key}"

    def entry(self, job: JobKey) -> Path | None:
        """Cache directory of a run (None without a cache)."""
        return None if self.cache is None else self.cache.path(self.entry_name(job))

    # ------------------------------------------------------------------ running

    def run(self, *, workers: int = 1, progress: bool = True,
            executor: Executor | None = None) -> RunResult:
        """Run (or read from the cache) every run and return the tables, each with a
        ``variant`` column first.  KeyboardInterrupt (also raised inside a worker) stops
        the workers and propagates; finished runs stay in the cache."""
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if self.cache is not None:
            self.cache.ensure()
        self._bar = tqdm(total=self.total, desc=self.scenario.name, unit="run",
                         disable=None if progress else True)
        try:
            pending = [job for job in self.jobs if not self._read_cached(job)]
            if pending:
                with executor_for(workers if executor is not None else min(workers, len(pending)),
                                  executor=executor) as (pool, _):
                    run_tasks(pool, _run_one(), [(job, self.jobs[job]) for job in pending],
                              self._finished, in_flight=len(pending))
        finally:
            self._bar.close()
            self._bar = None
        return self.tables()

    def _read_cached(self, job: JobKey) -> bool:
        if self.cache is None:
            return False
        tables = self.cache.get(self.entry_name(job))
        if tables is None:
            return False
        config = self.jobs[job][0]
        if not set(TABLES) <= set(tables) <= set(TABLES + ON_REQUEST):  # not a run's tables
            self.cache.discard(self.entry_name(job))
            return False
        names = [f.name for f in config.firms]  # Parquet keeps no categories of empty tables
        self.results[job] = RunResult(**{t: conform(frame, t, names, [s.name for s in config.segments])
                                         for t, frame in tables.items()}, config=config)
        self.reused += self._count(job)
        self._advance(job)
        return True

    def _finished(self, job: JobKey, result: RunResult) -> None:
        if self.cache is not None:
            self.cache.put(self.entry_name(job), result.tables())
        self.results[job] = result
        self._advance(job)

    def _count(self, job: JobKey) -> int:
        return sum(j == job for _, _, j in self.layout)

    def _advance(self, job: JobKey) -> None:
        if self._bar is not None:
            self._bar.update(self._count(job))

    # ------------------------------------------------------------------ tables

    def tables(self) -> RunResult:
        """The tables of every run, variants in order then replications, with the variant's
        name as the first column (a categorical in variant order)."""
        names = list(self.configs)
        missing = [(v, r) for v, r, job in self.layout if job not in self.results]
        if missing:
            raise RuntimeError(f"runs not finished: {missing[:3]}...")
        codes = np.array([names.index(v) for v, _, _ in self.layout])
        carried = [t for t in ON_REQUEST  # recorded on request: carried if every run has it
                   if all(getattr(self.results[job], t) is not None for _, _, job in self.layout)]
        out = {}
        for table in (*TABLES, *carried):
            frames = [getattr(self.results[job], table) for _, _, job in self.layout]
            frame = pd.concat(frames, ignore_index=True)
            lengths = [len(f) for f in frames]
            frame.insert(0, VARIANT, pd.Categorical.from_codes(np.repeat(codes, lengths),
                                                               categories=names))
            out[table] = frame
        return RunResult(**out, config=self.configs[names[0]])


def run_comparison(scenario: Scenario, *, workers: int = 1, progress: bool = True,
                   cache_dir: str | os.PathLike | None = None,
                   executor: Executor | None = None) -> RunResult:
    """Run every variant of ``scenario`` for every replication and return the tables with a
    ``variant`` column first (see :class:`Comparison`).

    Replication ``r`` of every variant uses ``replication_seed(scenario.seed, r)`` (common
    random numbers).  ``workers > 1`` runs on that many local processes; ``executor`` (any
    :class:`concurrent.futures.Executor`, e.g. a Dask ``Client.get_executor()``) is used
    instead if given, and left running.  ``cache_dir`` keeps finished runs and reuses them.
    The tables are the same for any ``workers`` or executor.
    """
    return Comparison(scenario, cache_dir=cache_dir).run(workers=workers, progress=progress,
                                                          executor=executor)
