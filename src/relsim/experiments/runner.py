"""The sweep runner: every design point x arm x replication, on any Executor, resumable.

:func:`run` cuts the sweep into batches of units (one design point and one
replication, every arm; see :mod:`relsim.experiments.worker`) and hands them to a
:class:`concurrent.futures.Executor`, coded once for all of them:

* ``workers=1``: the batches run in this process, one after another;
* ``workers=N``: a local :class:`~concurrent.futures.ProcessPoolExecutor` of N processes;
* ``scheduler="tcp://HOST:PORT"``: an existing Dask distributed cluster
  (``distributed.Client(address).get_executor()``); ``scheduler="local"``: a
  ``distributed.LocalCluster`` of N single-threaded worker processes started here;
* ``executor=``: any Executor you pass (left running).

At most two batches per worker are in flight (:func:`relsim.pool.run_tasks`, the loop
``relsim run`` and ``relsim calibrate`` use too); each finished batch's rows are
written at once (:mod:`relsim.experiments.store`), so an interrupted or killed
sweep keeps every finished batch, and ``resume=True`` runs only the units no
batch file holds.  Results are identical whatever the backend, worker count or
batch size: every unit's seeds depend only on its replication number.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import nullcontext
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from relsim.experiments import store
from relsim.experiments.designs import point_values
from relsim.experiments.designs import sample as sample_design
from relsim.experiments.schema import Experiment
from relsim.experiments.worker import KEYS, Task, run_batch
from relsim.outputs import InPlaceClaim
from relsim.pool import executor_for, run_tasks

TASK_SECONDS = 4.0
"""Aimed-for length of one task: long enough that per-task overhead is small, short enough
that progress moves and an interruption loses little."""


def default_batch_size(experiment: Experiment, pending: int, workers: int | None) -> int:
    """Units per task: about :data:`TASK_SECONDS` of work by a rough cost model (fixed cost
    per run and per step, and per customer-step), but, on ``workers`` parallel workers, at
    least four tasks per worker (``workers=None``: batches run in this process); a whole
    number of design points when it holds more than one point's replications, so that a
    point's replications share a task (and a stack, :mod:`relsim.stack`)."""
    scenario = experiment.base
    per_run = 0.05 + scenario.steps * (0.002 + 3e-7 * scenario.n_customers)
    per_unit = per_run * len(experiment.arm_names())
    by_time = max(1, int(TASK_SECONDS / per_unit))
    size = by_time if workers is None else min(by_time,
                                               max(1, math.ceil(pending / (4 * workers))))
    reps = experiment.n_replications
    return size // reps * reps if size > reps else size  # whole points: their runs stack


def _tasks(experiment: Experiment, design: pd.DataFrame, units: list[tuple[int, int]],
           size: int) -> Iterator[tuple[list[tuple[int, int]], Task]]:
    """The batches of ``units`` (in order), ``size`` units each, with their tasks."""
    values: dict[int, dict] = {}
    for start in range(0, len(units), size):
        chunk = units[start:start + size]
        for point, _ in chunk:
            if point not in values:
                values[point] = point_values(design, point)
        yield chunk, Task(experiment.base, experiment.arms, experiment.root_seed,
                          tuple(experiment.outcomes), tuple(experiment.firm_names()),
                          tuple((p, r, values[p]) for p, r in chunk))


def sort_results(rows: pd.DataFrame, experiment: Experiment) -> pd.DataFrame:
    """Rows in a fixed order (point, replication, arm in arm order, firm), whatever order the
    batches finished in."""
    order = {arm: i for i, arm in enumerate(experiment.arm_names())}
    rows = rows.assign(_arm=rows["arm"].map(order))
    rows = rows.sort_values(["point", "replication", "_arm", "firm"], kind="stable",
                            ignore_index=True)
    return rows.drop(columns="_arm")


def run(experiment: Experiment, out: str | Path | None = None, *, workers: int = 1,
        executor: Executor | None = None, scheduler: str | None = None,
        batch_size: int | None = None, resume: bool = False,
        progress: bool = True) -> pd.DataFrame:
    """Run every design point x arm x replication of ``experiment`` and return the results
    (columns point, arm, replication, seed, firm and the outcomes; one row per run and firm).

    ``out`` (default: the experiment's ``out``; None: keep nothing on disk) receives the
    design, the resolved experiment and each finished batch as it finishes; with ``resume``
    an existing sweep directory is continued.  ``workers``/``scheduler``/``executor`` choose
    where runs go (module docstring); ``batch_size`` is units (point x replication) per
    task.  The results do not depend on any of them."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    design = sample_design(experiment)
    out = Path(out) if out is not None else (Path(experiment.out) if experiment.out else None)
    frames: list[pd.DataFrame] = []
    arms = len(experiment.arm_names())
    claim = nullcontext() if out is None else InPlaceClaim(
        out, resume=resume, inputs=[p for p in (experiment._source,) if p],
        command="relsim sweep")  # checked and locked before anything is written or started
    with claim, executor_for(workers, scheduler, executor) as (pool, count):
        if out is not None:
            out = claim.path
            claim.create()
            store.prepare(out, experiment, design, resume)
        done = store.finished_units(out) if out is not None else set()
        reps = experiment.n_replications
        units = [(p, r) for p in design["point"].tolist() for r in range(reps)
                 if (p, r) not in done]
        size = batch_size or experiment.batch_size or default_batch_size(
            experiment, len(units), None if pool is None else count)
        bar = tqdm(total=len(design) * reps * arms, initial=len(done) * arms, unit="run",
                   desc=experiment.name, disable=None if progress else True, smoothing=0.1)

        def finished(chunk: list[tuple[int, int]], rows: pd.DataFrame) -> None:
            if out is not None:
                store.write_batch(out, rows, chunk)
            frames.append(rows)
            bar.update(len(chunk) * arms)

        try:
            run_tasks(pool, run_batch, ((chunk, (task,)) for chunk, task in
                                        _tasks(experiment, design, units, size)),
                      finished, in_flight=2 * count)
        finally:
            bar.close()
        if out is not None:
            results = sort_results(store.read_batches(out), experiment)
            store.write_results(out, results)
            claim.finish()
            return results
    if not frames:
        return pd.DataFrame(columns=[*KEYS, "seed", *experiment.outcomes])
    return sort_results(pd.concat(frames, ignore_index=True), experiment)
