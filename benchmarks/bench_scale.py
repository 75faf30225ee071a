"""Scale benchmark: relsim at 100,000 and 1,000,000 customers against one-object-per-customer Mesa.

Run from the repository root::

    python benchmarks/bench_scale.py                 # the full benchmark (a few minutes)
    python benchmarks/bench_scale.py --quick         # tiny smoke configuration (seconds)
    python benchmarks/bench_scale.py --repeats 3 --json figures.json

Every measurement runs in a fresh Python subprocess (this script with the
hidden ``--child`` option), so its peak memory (``ru_maxrss`` of the child:
the high-water mark of its resident set, imports included) is that run's
alone.  For each run the child reports the time to build the social network,
to construct the model on it, to run the steps, their sum (the wall time of
the simulation) and microseconds per customer-step (run time / (customers x
steps)).

relsim runs are ``RelationshipModel(n_customers=N, network__kind="watts_strogatz",
network__mean_degree=10, transactions=False, rng=seed)`` with the default
three firms, plus one run at the largest size with the transaction log on
(``transactions=True``, the default) to show its memory.  The naive runs use
``naive_mesa.NaiveRelationshipModel`` (one Mesa agent per customer) at two
sizes (20,000 and, by default, 1,000,000: the equal-size ratio at 1,000,000 is
the one checked against the 30x target), with the rules chosen by
``--naive-rules``: ``full`` (default: relsim's
rules but policies, see naive_mesa's docstring) or ``core`` (the subset of the
first benchmarks: encounters, trust, commitment, churn and switching, word of
mouth; prospects idle).  The other rule set is also run at the naive size, so
that both naive figures and their ratios to relsim are reported.  Both models
are also run with every customer in a relationship at the start
(``adoption__initial_customer_share=1``).

With ``--repeats R`` every run is repeated R times (fresh subprocesses) and
the medians are reported.  The largest case is also run with every policy kind on
for every firm, in pairs side by side with the case without (alternating which goes
first), and the policy ratio is the median of the pairs' ratios: on a shared machine
a change in load between two rows measured minutes apart would otherwise be read as
a cost of the policies.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
if importlib.util.find_spec("relsim") is None and SRC.is_dir():
    sys.path.insert(0, str(SRC))  # not installed and no PYTHONPATH: use this checkout

from relsim.limits import cpu_model  # noqa: E402  (after the path is set)

TARGET_WALL_S = 60.0
TARGET_PEAK_MB = 4096.0
TARGET_RATIO = 30.0
TARGET_POLICY_SLOWDOWN = 1.5
QUICK = {"sizes": [2000, 5000], "steps": 3, "naive_size": 2000, "naive_check_size": 4000,
         "naive_steps": 2}
"""Argument values of ``--quick`` (a smoke test of the whole pipeline, not a measurement)."""

TIMINGS = ("network_s", "construct_s", "run_s", "wall_s", "us_per_customer_step",
           "import_rss_mb", "peak_rss_mb")
"""Numeric fields a child reports (medians over repeats)."""


@dataclass(frozen=True)
class Case:
    """One benchmark run: which model, how many customers and steps, which options."""

    model: str                 # "relsim" or "naive"
    customers: int
    steps: int
    transactions: bool = False
    initial_share: float | None = None  # None: the configured default (0.3)
    policies: bool = False     # every policy kind switched on for every firm
    rules: str | None = None   # naive model only: "full" or "core" (naive_mesa)

    @property
    def label(self) -> str:
        """Short description for the table."""
        options = [f"{self.model}"]
        if self.rules == "core":
            options.append("core")
        if self.transactions:
            options.append("+log")
        if self.policies:
            options.append("+policies")
        if self.initial_share is not None:
            options.append(f"share={self.initial_share:g}")
        return " ".join(options)

    def params(self) -> dict[str, Any]:
        """Keyword parameters of RelationshipModel / NaiveRelationshipModel for this case."""
        params: dict[str, Any] = {"n_customers": self.customers,
                                  "network__kind": "watts_strogatz",
                                  "network__mean_degree": 10,
                                  "transactions": self.transactions}
        if self.initial_share is not None:
            params["adoption__initial_customer_share"] = self.initial_share
        if self.policies:
            from relsim.config import ModelConfig
            from relsim.policies import POLICY_CLASSES

            every = [{"kind": kind} for kind in POLICY_CLASSES]
            params["firms"] = [{**f.model_dump(exclude_unset=True), "policies": every}
                               for f in ModelConfig().firms]
        return params


# --------------------------------------------------------------------------- child side


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KB on Linux, B on mac)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def timed(function, *args, **kwargs) -> tuple[Any, float]:
    """Call ``function`` and return its result and the elapsed wall time in seconds."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def run_relsim(case: Case, seed: int) -> tuple[float, float, float]:
    """Build the network, construct a RelationshipModel on it, run it: the three times."""
    import numpy as np

    from relsim import RelationshipModel
    from relsim.config import ModelConfig
    from relsim.network import build_network
    from relsim.overrides import apply_overrides

    config = apply_overrides(ModelConfig(), case.params())
    net = config.network
    network, network_s = timed(build_network, net.kind, case.customers,
                               np.random.default_rng(seed), mean_degree=net.mean_degree,
                               rewire_prob=net.rewire_prob)
    model, construct_s = timed(RelationshipModel, config, rng=seed, network=network)
    _, run_s = timed(model.run, case.steps)
    return network_s, construct_s, run_s


def run_naive(case: Case, seed: int) -> tuple[float, float, float]:
    """Build the networkx graph, construct the one-agent-per-customer model, run it."""
    import numpy as np
    from naive_mesa import NaiveRelationshipModel, default_graph

    from relsim.config import ModelConfig
    from relsim.overrides import apply_overrides

    config = apply_overrides(ModelConfig(), case.params())
    graph, network_s = timed(default_graph, config, np.random.default_rng(seed))
    model, construct_s = timed(NaiveRelationshipModel, config, rng=seed, graph=graph,
                               rules=case.rules or "full")
    _, run_s = timed(model.run, case.steps)
    return network_s, construct_s, run_s


RUNNERS = {"relsim": run_relsim, "naive": run_naive}


def measure(case: Case, seed: int) -> dict[str, float]:
    """Run one case in this process and return its timings and memory."""
    # import what either model needs first: import_rss_mb is then the same baseline for all runs
    import naive_mesa  # noqa: F401

    import relsim  # noqa: F401

    import_rss = peak_rss_mb()
    network_s, construct_s, run_s = RUNNERS[case.model](case, seed)
    return {"network_s": network_s, "construct_s": construct_s, "run_s": run_s,
            "wall_s": network_s + construct_s + run_s,
            "us_per_customer_step": 1e6 * run_s / (case.customers * case.steps),
            "import_rss_mb": import_rss, "peak_rss_mb": peak_rss_mb()}


# --------------------------------------------------------------------------- parent side


def measure_in_subprocess(case: Case, seed: int) -> dict[str, float]:
    """Run one case in a fresh interpreter (this script with --child) and parse its JSON line."""
    spec = json.dumps({"case": asdict(case), "seed": seed})
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", spec],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child for {case} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def medians(case: Case, runs: list[dict[str, float]]) -> dict[str, Any]:
    """One row: the case and the median of each timing over its runs."""
    middle = {name: statistics.median(r[name] for r in runs) for name in TIMINGS}
    return {**asdict(case), "label": case.label, "repeats": len(runs), **middle}


def measure_median(case: Case, repeats: int, seed: int) -> dict[str, Any]:
    """Median of each timing over ``repeats`` fresh-subprocess runs of ``case``."""
    return medians(case, [measure_in_subprocess(case, seed) for _ in range(repeats)])


def measure_paired(base: Case, other: Case, repeats: int,
                   seed: int) -> tuple[dict[str, Any], dict[str, Any], list[float]]:
    """Both cases side by side: each repeat runs them back to back (in alternating order,
    so that a drift in the machine's load falls on both), and the ratio of ``other``'s run
    time to ``base``'s is taken within each pair; returns both rows and the pair ratios."""
    base_runs, other_runs = [], []
    for i in range(repeats):
        pair = (base, other) if i % 2 == 0 else (other, base)
        for case in pair:
            (base_runs if case == base else other_runs).append(measure_in_subprocess(case, seed))
    ratios = [o["run_s"] / b["run_s"] for b, o in zip(base_runs, other_runs)]
    return medians(base, base_runs), medians(other, other_runs), ratios


@dataclass(frozen=True)
class Plan:
    """The cases of a benchmark and the roles some of them play in the summary."""

    cases: list[Case]
    largest: Case          # relsim at the largest size
    relsim_at_naive: Case  # relsim at the naive model's size
    naive: Case            # the naive model with --naive-rules
    naive_check: Case      # the naive model at a second size
    relsim_at_check: Case  # relsim at that size (equal-size ratio at the larger size)
    naive_other: Case      # the naive model with the other rule set, at the naive size
    relsim_active: Case    # every customer in a relationship, at the naive size
    naive_active: Case
    largest_policies: Case  # relsim at the largest size with every policy on


def make_plan(args: argparse.Namespace) -> Plan:
    """All cases to run, in order, without duplicates."""
    relsim = [Case("relsim", n, args.steps) for n in args.sizes]
    largest = max(relsim, key=lambda c: c.customers)
    naive = Case("naive", args.naive_size, args.naive_steps, rules=args.naive_rules)
    other = "core" if args.naive_rules == "full" else "full"
    roles = dict(
        largest=largest,
        relsim_at_naive=Case("relsim", args.naive_size, args.steps),
        naive=naive,
        naive_check=replace(naive, customers=args.naive_check_size),
        relsim_at_check=Case("relsim", args.naive_check_size, args.steps),
        naive_other=replace(naive, rules=other),
        relsim_active=Case("relsim", args.naive_size, args.steps, initial_share=1.0),
        naive_active=replace(naive, initial_share=1.0),
    )
    roles["largest_policies"] = replace(largest, policies=True)
    ordered = [*relsim, replace(largest, transactions=True), *roles.values()]
    return Plan(cases=list(dict.fromkeys(ordered)), **roles)


def ratio(naive: dict[str, Any], relsim: dict[str, Any]) -> float:
    """How many times faster relsim is per customer-step."""
    return naive["us_per_customer_step"] / relsim["us_per_customer_step"]


def summarise(plan: Plan, results: dict[Case, dict[str, Any]],
              pair_ratios: list[float]) -> dict[str, Any]:
    """Targets and ratios from the measured cases (``pair_ratios``: the policy slowdown
    of each side-by-side pair, see :func:`measure_paired`)."""
    largest = results[plan.largest]
    full, core = ((plan.naive, plan.naive_other) if plan.naive.rules == "full"
                  else (plan.naive_other, plan.naive))
    return {
        "largest_customers": plan.largest.customers,
        "largest_wall_s": largest["wall_s"],
        "largest_peak_rss_mb": largest["peak_rss_mb"],
        "wall_target_met": largest["wall_s"] < TARGET_WALL_S,
        "memory_target_met": largest["peak_rss_mb"] < TARGET_PEAK_MB,
        "naive_us_per_customer_step": results[plan.naive]["us_per_customer_step"],
        "naive_check_us_per_customer_step": results[plan.naive_check]["us_per_customer_step"],
        "ratio_naive_vs_relsim_largest": ratio(results[plan.naive], largest),
        "ratio_naive_vs_relsim_same_size": ratio(results[plan.naive],
                                                 results[plan.relsim_at_naive]),
        "check_customers": plan.naive_check.customers,
        "ratio_naive_vs_relsim_check_size": ratio(results[plan.naive_check],
                                                  results[plan.relsim_at_check]),
        "ratio_all_active_same_size": ratio(results[plan.naive_active],
                                            results[plan.relsim_active]),
        "policy_slowdown": statistics.median(pair_ratios),
        "policy_slowdown_pairs": pair_ratios,
        "naive_rules": plan.naive.rules,
        "naive_full_us_per_customer_step": results[full]["us_per_customer_step"],
        "naive_core_us_per_customer_step": results[core]["us_per_customer_step"],
        "ratio_naive_full_vs_relsim_same_size": ratio(results[full],
                                                      results[plan.relsim_at_naive]),
        "ratio_naive_core_vs_relsim_same_size": ratio(results[core],
                                                      results[plan.relsim_at_naive]),
        "ratio_naive_full_vs_relsim_largest": ratio(results[full], largest),
        "ratio_naive_core_vs_relsim_largest": ratio(results[core], largest),
    }


TABLE = (("case", "label", "{:<22}"), ("customers", "customers", "{:>10,}"),
         ("steps", "steps", "{:>5}"), ("network s", "network_s", "{:>9.2f}"),
         ("construct s", "construct_s", "{:>11.2f}"), ("run s", "run_s", "{:>8.2f}"),
         ("wall s", "wall_s", "{:>8.2f}"), ("us/cust-step", "us_per_customer_step", "{:>12.3f}"),
         ("imports MB", "import_rss_mb", "{:>10.0f}"), ("peak RSS MB", "peak_rss_mb", "{:>11.0f}"))
"""Columns of the results table: header, field, format."""


def format_table(rows: list[dict[str, Any]]) -> str:
    """The results as a fixed-width text table."""
    widths = [len(fmt.format(rows[0][field])) if rows else len(head)
              for head, field, fmt in TABLE]
    header = "  ".join(head.rjust(w) if i else head.ljust(w)
                       for i, ((head, _, _), w) in enumerate(zip(TABLE, widths)))
    lines = [header, "-" * len(header)]
    lines += ["  ".join(fmt.format(row[field]) for _, field, fmt in TABLE) for row in rows]
    return "\n".join(lines)


def format_summary(summary: dict[str, Any], plan: Plan) -> str:
    """Targets and ratios in words."""
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    s = summary
    n = f"{plan.largest.customers:,} customers x {plan.largest.steps} steps"
    growth = 100.0 * (s["naive_check_us_per_customer_step"] / s["naive_us_per_customer_step"] - 1)
    return "\n".join([
        f"relsim {n}: wall {s['largest_wall_s']:.1f} s (target < {TARGET_WALL_S:.0f} s: "
        f"{verdict(s['wall_target_met'])}), peak RSS {s['largest_peak_rss_mb']:.0f} MB "
        f"(target < {TARGET_PEAK_MB:.0f} MB: {verdict(s['memory_target_met'])})",
        f"naive Mesa ({s['naive_rules']} rules) us/customer-step: "
        f"{s['naive_us_per_customer_step']:.3f} at "
        f"{plan.naive.customers:,} customers, {s['naive_check_us_per_customer_step']:.3f} at "
        f"{plan.naive_check.customers:,} ({growth:+.0f}%)",
        f"ratio naive/relsim us per customer-step, both at {plan.naive_check.customers:,}: "
        f"{s['ratio_naive_vs_relsim_check_size']:.1f}x (target >= {TARGET_RATIO:.0f}x: "
        f"{verdict(s['ratio_naive_vs_relsim_check_size'] >= TARGET_RATIO)})",
        f"ratio naive/relsim us per customer-step, relsim at {plan.largest.customers:,}, "
        f"naive at {plan.naive.customers:,}: {s['ratio_naive_vs_relsim_largest']:.1f}x",
        f"ratio naive/relsim us per customer-step, both at {plan.naive.customers:,}: "
        f"{s['ratio_naive_vs_relsim_same_size']:.1f}x",
        f"ratio with every customer in a relationship, both at {plan.naive.customers:,}: "
        f"{s['ratio_all_active_same_size']:.1f}x",
        f"naive full rules vs core subset (the first benchmarks' baseline), at "
        f"{plan.naive.customers:,}: {s['naive_full_us_per_customer_step']:.3f} vs "
        f"{s['naive_core_us_per_customer_step']:.3f} us/customer-step; ratio to relsim "
        f"{s['ratio_naive_full_vs_relsim_same_size']:.1f}x vs "
        f"{s['ratio_naive_core_vs_relsim_same_size']:.1f}x at {plan.naive.customers:,}, "
        f"{s['ratio_naive_full_vs_relsim_largest']:.1f}x vs "
        f"{s['ratio_naive_core_vs_relsim_largest']:.1f}x with relsim at "
        f"{plan.largest.customers:,}",
        f"every policy kind on for every "
        f"firm at {plan.largest.customers:,}: {s['policy_slowdown']:.2f}x the run time without, "
        f"median of {len(s['policy_slowdown_pairs'])} side-by-side pair(s) "
        f"({', '.join(f'{r:.2f}' for r in s['policy_slowdown_pairs'])}) "
        f"(target <= {TARGET_POLICY_SLOWDOWN:g}x: "
        f"{verdict(s['policy_slowdown'] <= TARGET_POLICY_SLOWDOWN)})",
    ])


def machine() -> dict[str, Any]:
    """Where the benchmark ran."""
    import mesa
    import numpy
    import scipy

    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "processor": cpu_model(),
            "python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "mesa": mesa.__version__,
            "relsim": str(Path(importlib.util.find_spec("relsim").origin).parent)}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (``--quick`` replaces the sizes by a tiny configuration)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="relsim customer counts (default: 100000 1000000)")
    parser.add_argument("--steps", type=int, default=52, help="relsim steps (default: 52)")
    parser.add_argument("--naive-size", type=int, default=20_000,
                        help="customers of the one-object-per-customer run (default: 20000)")
    parser.add_argument("--naive-check-size", type=int, default=1_000_000,
                        help="second naive size: how its per-customer cost scales, and the "
                        "equal-size ratio behind the target (relsim is also run at this "
                        "size); default 1000000 (about 90 s and 4.5 GB per naive run)")
    parser.add_argument("--naive-steps", type=int, default=5,
                        help="steps of the naive runs (default: 5)")
    parser.add_argument("--naive-rules", choices=("full", "core"), default="full",
                        help="rules of the naive rows behind the headline ratios: full "
                        "(default) or core, the first benchmarks' subset; the other set is "
                        "also run at --naive-size")
    parser.add_argument("--repeats", type=int, default=1,
                        help="fresh-process repeats of each run; medians are reported")
    parser.add_argument("--seed", type=int, default=1, help="seed of every run (default: 1)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny smoke configuration: " + json.dumps(QUICK))
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        for name, value in QUICK.items():
            setattr(args, name, value)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Run every case (printing progress), print the table and summary, return the figures."""
    plan = make_plan(args)
    results: dict[Case, dict[str, Any]] = {}
    for case in plan.cases:
        if case == plan.largest_policies:
            continue  # measured in pairs with the largest case, below
        print(f"running {case.label}: {case.customers:,} customers x {case.steps} steps ...",
              flush=True)
        if case == plan.largest:
            print(f"  paired with {plan.largest_policies.label}, "
                  f"{args.repeats} pair(s) in alternating order", flush=True)
            results[case], results[plan.largest_policies], pair_ratios = measure_paired(
                case, plan.largest_policies, args.repeats, args.seed)
        else:
            results[case] = measure_median(case, args.repeats, args.seed)
    summary = summarise(plan, results, pair_ratios)
    rows = list(results.values())
    what = f"median of {args.repeats} runs" if args.repeats > 1 else "one run"
    print(f"\nresults ({what} per row, each in a fresh process; seed {args.seed})")
    print(format_table(rows))
    print()
    print(format_summary(summary, plan))
    where = machine()
    print(f"\nCPU: {where['processor']} ({where['cpus']} logical CPUs, load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}); Python {where['python']}, "
          f"numpy {where['numpy']}, scipy {where['scipy']}, mesa {where['mesa']}")
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": where,
            "arguments": {k: v for k, v in vars(args).items() if k not in ("child", "json")},
            "runs": rows, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    """Entry point: the benchmark, or one measurement when called as a child."""
    args = parse_args(argv)
    if args.child:
        spec = json.loads(args.child)
        print(json.dumps(measure(Case(**spec["case"]), spec["seed"])))
        return 0
    figures = run_benchmark(args)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
