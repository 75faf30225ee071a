"""Memory benchmark: measured peak RSS of runs against relsim.limits.estimate_memory.

Run from the repository root::

    python benchmarks/bench_memory.py            # every case (5-15 minutes on 2 cores)
    python benchmarks/bench_memory.py --quick    # small cases (seconds)
    python benchmarks/bench_memory.py --json figures.json

Each case runs in a fresh Python subprocess (this script with ``--child``) what a worker
process of ``relsim run`` does: ``relsim.runs.run_one(config, seed)`` and pickling its
tables for the parent.  The child reports its peak resident set (imports included;
VmHWM on Linux) and the rows of its transaction log.  The table prints the estimate of
:func:`relsim.limits.estimate_memory` beside the measurement and their ratio (above 1:
the estimate is on the safe side).  The last case runs the whole ``relsim run`` command
(one process, several replications, CSV tables written) and compares its peak with
:func:`relsim.limits.check_memory`, which adds the tables the parent holds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
if importlib.util.find_spec("relsim") is None and SRC.is_dir():
    sys.path.insert(0, str(SRC))  # not installed and no PYTHONPATH: use this checkout

from relsim.limits import cpu_model  # noqa: E402  (after the path is set)

MB = 1 << 20


def peak_rss() -> int:
    """Peak resident set of this process in bytes: VmHWM (Linux), else ru_maxrss.

    ru_maxrss would do on Linux only for a process that was not started by a larger one:
    the kernel carries the high-water mark of the forked parent's copy across exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def cases(quick: bool) -> list[tuple[str, dict[str, Any]]]:
    """(label, overrides of ModelConfig) of every case."""
    from relsim.config import ModelConfig
    from relsim.policies import POLICY_CLASSES

    big, mid = (20_000, 10_000) if quick else (1_000_000, 400_000)
    every = [{"kind": kind} for kind in POLICY_CLASSES]
    policies = [{**f.model_dump(exclude_unset=True), "policies": every}
                for f in ModelConfig().firms]
    ten = [{"name": f"F{i}"} for i in range(10)]
    return [
        ("default", {"n_customers": mid // 4}),
        ("default", {"n_customers": mid}),
        ("default", {"n_customers": big}),
        ("no transaction log", {"n_customers": mid, "transactions": False}),
        ("complete graph", {"n_customers": mid, "network__kind": "complete"}),
        ("mean degree 50", {"n_customers": mid, "network__mean_degree": 50}),
        ("barabasi-albert 50", {"n_customers": mid, "network__kind": "barabasi_albert",
                                "network__mean_degree": 50}),
        ("10 firms", {"n_customers": mid, "firms": ten}),
        ("every policy", {"n_customers": mid, "firms": policies}),
        ("200 steps", {"n_customers": mid // 2, "steps": 200}),
        ("fast adoption", {"n_customers": mid, "adoption__p_per_year": 2.0,
                           "adoption__q_per_year": 10.0}),
        ("100 traced", {"n_customers": mid // 8, "trace": list(range(100))}),
        ("edge list", {"n_customers": mid, "network__kind": "edge_list",
                       "network__path": "EDGES"}),
    ]


# --------------------------------------------------------------------------- child side

def child(spec: str) -> None:
    """Run one case and print its figures as JSON (this process's peak is the case's)."""
    import pickle

    from relsim.config import ModelConfig, apply_overrides
    from relsim.runs import run_one

    overrides = json.loads(spec)
    config = apply_overrides(ModelConfig(), overrides)
    start = time.perf_counter()
    result = run_one(config, 1)
    pickled = len(pickle.dumps(result))  # what a worker sends to the parent
    print(json.dumps({"peak": peak_rss(),
                      "transactions": len(result.transactions), "pickled": pickled,
                      "seconds": time.perf_counter() - start}))


def command_child(argv: str) -> None:
    """Run ``relsim ARGV`` (JSON list) in this process and print its peak RSS as JSON."""
    from relsim.cli import main

    status = main(json.loads(argv))
    print(json.dumps({"status": status, "peak": peak_rss()}))


def run_child(overrides: dict[str, Any]) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                           json.dumps(overrides)], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_command(n: int, replications: int, work: Path) -> tuple[int, int]:
    """Peak RSS of a whole ``relsim run`` (one process) and check_memory's figure."""
    from relsim.limits import check_memory
    from relsim.scenario import load_scenario

    scenario = work / "s.yaml"
    scenario.write_text(f"name: mem\nn_customers: {n}\nreplications: {replications}\n")
    argv = ["run", str(scenario), "--out", str(work / "out"), "--quiet"]
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--command",
                           json.dumps(argv)], capture_output=True, text=True, check=False,
                          env={**os.environ, "RELSIM_NO_REPORT": "1"})
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures["status"] != 0:
        raise RuntimeError(f"relsim run failed:\n{done.stderr}")
    config = load_scenario(scenario).model_part()
    return figures["peak"], check_memory(config, 1, runs=replications, budget=1 << 60)



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small cases (seconds)")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--command", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    if args.command:
        command_child(args.command)
        return 0

    from relsim.config import ModelConfig, apply_overrides
    from relsim.limits import estimate_memory, transaction_rows

    print(f"relsim memory benchmark, {time.strftime('%Y-%m-%d')}; CPU: {cpu_model()} "
          f"({os.cpu_count()} CPUs); Python {platform.python_version()}")
    header = (f"{'case':<20}{'customers':>11}{'steps':>7}{'tx rows':>12}{'tx estim.':>12}"
              f"{'peak MB':>10}{'estimate MB':>13}{'est/peak':>10}{'s':>7}")
    print(header)
    print("-" * len(header))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for label, overrides in cases(args.quick):
            if overrides.get("network__path") == "EDGES":
                n = overrides["n_customers"]
                edges = work / "edges.txt"
                with edges.open("w") as stream:  # a ring lattice of degree 10
                    for k in range(1, 6):
                        stream.writelines(f"{i} {(i + k) % n}\n" for i in range(n))
                overrides = {**overrides, "network__path": str(edges)}
            config = apply_overrides(ModelConfig(), overrides)
            measured = run_child(overrides)
            estimate = estimate_memory(config)
            row = {"case": label, "customers": config.n_customers, "steps": config.steps,
                   "transactions": measured["transactions"], "bound": transaction_rows(config),
                   "peak_mb": measured["peak"] / MB, "estimate_mb": estimate / MB,
                   "ratio": estimate / measured["peak"], "seconds": measured["seconds"]}
            rows.append(row)
            print(f"{label:<20}{row['customers']:>11,}{row['steps']:>7}"
                  f"{row['transactions']:>12,}{row['bound']:>12,}{row['peak_mb']:>10.0f}"
                  f"{row['estimate_mb']:>13.0f}{row['ratio']:>10.2f}{row['seconds']:>7.1f}",
                  flush=True)
        n, reps = (10_000, 2) if args.quick else (200_000, 4)
        peak, need = run_command(n, reps, work)
        rows.append({"case": f"relsim run x{reps}", "customers": n, "peak_mb": peak / MB,
                     "estimate_mb": need / MB, "ratio": need / peak})
        print(f"{'relsim run x' + str(reps):<20}{n:>11,}{52:>7}{'':>24}{peak / MB:>10.0f}"
              f"{need / MB:>13.0f}{need / peak:>10.2f}")
    ratios = [r["ratio"] for r in rows]
    print(f"\nestimate / measured peak: {min(ratios):.2f} to {max(ratios):.2f} "
          f"({sum(r < 1 for r in ratios)} cases below 1, i.e. underestimated)")
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu_model(), "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
