"""Sweep benchmark: runs per second of ``relsim sweep`` on 1 and 2 local workers and on a Dask
LocalCluster of 2 workers, and the runner's overhead per run against ``run_one`` called
directly.

Run from the repository root (needs the ``experiments`` extra)::

    python benchmarks/bench_sweep.py             # short (1,000 x 52), short with 16
                                                 # replications, medium (20,000 x 52)
    python benchmarks/bench_sweep.py --quick     # a smoke configuration (seconds)

For each run size the script times:

* ``direct``: :func:`relsim.runs.run_one` called in a loop in this process (the model alone,
  building the two tables a worker builds);
* ``1 worker``: :func:`relsim.experiments.run` with ``workers=1`` (batches run in this
  process), writing its batch files to a temporary directory;
* ``2 local workers``: the same on a warm :func:`relsim.experiments.runner.process_pool` of
  two processes (started and warmed up before the clock starts; the start-up time is
  printed separately);
* ``runner only``: the 1-worker sweep with ``run_many`` returning a stored result, i.e.
  the runner's own work per run (configurations, outcomes, batch files);
* ``Dask 2 workers``: the same on a warm ``distributed.LocalCluster`` of two single-threaded
  workers (:func:`relsim.pool.local_cluster`, what ``relsim sweep --scheduler local``
  starts) through ``Client.get_executor()``.

Every sweep is an LHS design over one parameter with one arm; the sweep records the
report's outcomes (computed in the worker) and writes Parquet batches.  The workers
advance runs that may share a stack together (:mod:`relsim.stack`), so the cases differ
in what can be stacked:

* ``short`` (1,000 x 52, one replication) varies ``behaviour.trust_gain``, a weekly
  parameter: runs that differ in it stack (each customer reads its own run's value), so
  the design points stack;
* ``short x16`` varies ``economics.discount_rate_per_year``, which runs must share to
  stack, with 16 replications per point: only each point's replications stack;
* ``short unstacked`` varies the points per currency of firm A's loyalty programme with
  one replication: runs with policies are never stacked, each runs as ``run_one`` alone
  (and a run with the programme costs more than one without);
* ``medium`` (20,000 x 52, one replication, ``trust_gain``): runs this large are not
  stacked (:data:`relsim.stack.MAX_CUSTOMERS`).

Where runs stack, the "overhead" against ``run_one`` one by one is negative: the
stack's gain.
Overhead per run = (1-worker sweep time - direct time) / runs.
The CPU-time overhead (this process's CPU time, sweep vs direct, both in-process) is
printed too: on a shared, loaded machine it is steadier than wall time.  The machine
is shared, so figures move between runs; the CPU model, library versions and the load
average are printed with them.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
if importlib.util.find_spec("relsim") is None and SRC.is_dir():
    sys.path.insert(0, str(SRC))  # not installed and no PYTHONPATH: use this checkout

from relsim.limits import cpu_model  # noqa: E402  (after the path is set)

TARGET_OVERHEAD = 0.05
TARGET_SPEEDUP = 1.8
TARGET_DASK = 0.10
TARGET_SHORT_RATE = 40.0
RANGES = {"behaviour.trust_gain": (0.02, 0.1),
          "economics.discount_rate_per_year": (0.05, 0.15),
          "firms.0.policies.0.points_per_currency": (5, 20)}
"""Ranges of the swept parameters (any other: 0.1 to 0.3)."""
LOYALTY = ", firms: [{name: A, policies: [{kind: loyalty}]}, {name: B}, {name: C}]"
"""The scenario's firms when a policy's parameter is swept: firm A runs a loyalty programme."""
CPU_SECONDS: dict[str, float] = {}
"""CPU time of this process in the last direct loop and the last sweep (in-process runs)."""

EXPERIMENT = """name: bench-{name}
scenario: {{n_customers: {customers}, steps: {steps}, seed: 1{firms}}}
parameters:
  {parameter}: {{low: {low}, high: {high}}}
design: {{kind: lhs, size: {points}, seed: 1}}
replications: {replications}
outcomes: [retention, churn_rate, market_share, nps, customer_equity, npv_profit, value]
"""



def versions() -> str:
    names = ("relsim", "numpy", "pandas", "pyarrow", "mesa", "SALib", "distributed", "prim")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return f"Python {platform.python_version()}; " + ", ".join(found)


def experiment(directory: Path, name: str, customers: int, steps: int, runs: int,
               replications: int = 1, parameter: str = "behaviour.trust_loss"):
    low, high = RANGES.get(parameter, (0.1, 0.3))
    from relsim.experiments import load

    path = directory / f"{name}.yaml"
    path.write_text(EXPERIMENT.format(name=name, customers=customers, steps=steps,
                                      parameter=parameter, low=low, high=high,
                                      firms=LOYALTY if "policies" in parameter else "",
                                      points=runs // replications, replications=replications))
    return load(path)


def direct(exp, runs: int) -> float:
    """Seconds for ``runs`` calls of run_one on the design's configurations, building the
    tables a sweep's worker builds (``relsim.experiments.worker.OUTCOME_TABLES``)."""
    from relsim.experiments.designs import point_values
    from relsim.experiments.designs import sample as sample_design
    from relsim.experiments.worker import OUTCOME_TABLES
    from relsim.runs import replication_seed, run_one

    design = sample_design(exp)
    reps = exp.replications
    configs = [exp.configs(point_values(design, p))["baseline"] for p in range(runs // reps)]
    seeds = [replication_seed(exp.root_seed, r) for r in range(reps)]
    start, cpu = time.perf_counter(), time.process_time()
    for config in configs:
        for r, seed in enumerate(seeds):
            run_one(config, seed, r, tables=OUTCOME_TABLES)
    CPU_SECONDS["direct"] = time.process_time() - cpu
    return time.perf_counter() - start


def sweep(exp, executor=None) -> float:
    """Seconds for the whole sweep, batch files written to a fresh temporary directory."""
    from relsim.experiments import run

    with tempfile.TemporaryDirectory() as out:
        start, cpu = time.perf_counter(), time.process_time()
        run(exp, Path(out) / "sweep", workers=1, executor=executor, progress=False)
        CPU_SECONDS["sweep"] = time.process_time() - cpu
        return time.perf_counter() - start


def runner_only(exp, runs: int) -> float:
    """Seconds of the in-process sweep with ``relsim.runs.run_many`` replaced by a function
    that returns a stored result of the same size for each run: what is left is the
    runner's own work (building each point's configurations, the outcomes, the batch
    files).  Steadier than the difference of two timed sweeps on a loaded machine."""
    import importlib

    from relsim.experiments.designs import point_values
    from relsim.experiments.designs import sample as sample_design

    module = importlib.import_module("relsim.runs")
    design = sample_design(exp)
    stored = module.run_one(exp.configs(point_values(design, 0))["baseline"], 1, 0)
    real = module.run_many
    module.run_many = lambda runs, tables=None: [stored] * len(runs)
    try:
        return sweep(exp)
    finally:
        module.run_many = real


def measure(name: str, customers: int, steps: int, runs: int, replications: int,
            parameter: str, pool, dask, tmp: Path) -> dict:
    exp = experiment(tmp, name.replace(" ", "-"), customers, steps, runs, replications,
                     parameter)
    warm = experiment(tmp, f"{name}-warm", customers, steps, 4)
    direct(warm, 2)
    times = {"direct": direct(exp, runs)}
    cpu_direct = CPU_SECONDS["direct"]
    times["1 worker"] = sweep(exp)
    times["cpu"] = (cpu_direct, CPU_SECONDS["sweep"])
    times["runner only"] = runner_only(exp, runs)
    sweep(warm, pool)  # every worker has run once
    times["2 local workers"] = sweep(exp, pool)
    if dask is not None:
        sweep(warm, dask)
        times["Dask 2 workers"] = sweep(exp, dask)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke configuration")
    parser.add_argument("--short-runs", type=int, default=60)
    parser.add_argument("--replicated-runs", type=int, default=128,
                        help="runs of the short case with 16 replications per design point")
    parser.add_argument("--medium-runs", type=int, default=24)
    args = parser.parse_args(argv)
    weekly, economics = "behaviour.trust_gain", "economics.discount_rate_per_year"
    policy = "firms.0.policies.0.points_per_currency"
    cases = [("short", 1000, 52, args.short_runs, 1, weekly),
             ("short x16", 1000, 52, args.replicated_runs, 16, economics),
             ("short unstacked", 1000, 52, args.short_runs, 1, policy),
             ("medium", 20_000, 52, args.medium_runs, 1, weekly)]
    if args.quick:
        cases = [("short", 200, 10, 8, 1, weekly), ("short x4", 200, 10, 8, 4, economics),
                 ("short unstacked", 200, 10, 8, 1, policy),
                 ("medium", 1000, 10, 4, 1, weekly)]
    print(f"CPU: {cpu_model()} ({os.cpu_count()} logical cores); load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    print(versions())
    from relsim.pool import local_cluster, process_pool

    start = time.perf_counter()
    pool = process_pool(2)
    print(f"start-up: local pool of 2 processes {time.perf_counter() - start:.2f} s", end="")
    try:
        from distributed import Client
    except ImportError:
        cluster = client = dask = None
        print("; Dask not installed")
    else:
        start = time.perf_counter()
        cluster = local_cluster(2)  # what ``relsim sweep --scheduler local`` starts
        client = Client(cluster)
        dask = client.get_executor(pure=False)
        print(f"; Dask LocalCluster of 2 workers {time.perf_counter() - start:.2f} s")
    results = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for name, customers, steps, runs, replications, parameter in cases:
                results[name] = (customers, steps, runs, measure(
                    name, customers, steps, runs, replications, parameter, pool, dask,
                    Path(tmp)))
    finally:
        pool.shutdown()
        if client is not None:
            client.close()
            cluster.close()
    print(f"\n{'case':<32}{'mode':<18}{'runs':>6}{'seconds':>10}{'runs/s':>9}")
    for name, (customers, steps, runs, times) in results.items():
        for mode, seconds in times.items():
            if mode == "cpu":
                continue
            label = f"{name} ({customers:,} x {steps})"
            print(f"{label:<32}{mode:<18}{runs:>6}{seconds:>10.2f}{runs / seconds:>9.2f}")
    print()
    for name, (_, _, runs, times) in results.items():
        per_run = times["direct"] / runs
        overhead = (times["1 worker"] - times["direct"]) / runs
        cpu_direct, cpu_sweep = times["cpu"]
        cpu_overhead = (cpu_sweep - cpu_direct) / cpu_direct
        own = times["runner only"] / runs
        speedup = times["1 worker"] / times["2 local workers"]
        print(f"{name}: run_one {per_run * 1000:.1f} ms/run; runner overhead "
              f"{overhead * 1000:+.1f} ms/run = {overhead / per_run:+.1%} of a run "
              f"(target < {TARGET_OVERHEAD:.0%}); in CPU time of this process "
              f"{cpu_overhead:+.1%}; the runner's own work (run_one stubbed) "
              f"{own * 1000:.1f} ms/run = {own / per_run:.1%} of a run; "
              f"speed-up 1 -> 2 workers {speedup:.2f}x"
              + (f" (target >= {TARGET_SPEEDUP}x for medium runs)" if name == "medium" else ""))
        if "Dask 2 workers" in times:
            ratio = times["Dask 2 workers"] / times["2 local workers"] - 1
            print(f"{name}: Dask vs local processes {ratio:+.1%} time"
                  + (f" (target within {TARGET_DASK:.0%} for medium runs)"
                     if name == "medium" else ""))
    for name, (_, _, runs, times) in results.items():
        if name.startswith("short"):
            print(f"{name}: {runs / times['2 local workers']:.1f} runs/s on 2 local workers "
                  f"(target >= {TARGET_SHORT_RATE:.0f} short runs/s)")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
