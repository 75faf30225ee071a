"""The ``relsim`` command line.

    relsim run SCENARIO.yaml --out DIR [--workers N] [--format csv|parquet] [--seed S]
                             [--replications R] [--steps T] [--overwrite] [--quiet]
    relsim validate SCENARIO.yaml
    relsim schema

``relsim run`` runs every variant of the scenario for every replication
(:mod:`relsim.compare`: common random numbers, ``--workers`` local
processes, the same tables for any number of workers) and writes one table of
each kind with a ``variant`` column first, and the comparison report of
:mod:`relsim.report` beside them (docs/report.md); the focal firm's summary
table is printed.

Bad input -- a scenario file (see :mod:`relsim.scenario`), an edge-list file or
a command-line flag -- gets one line on stderr naming the file or flag, the
field and what was expected, and exit status 2, never a traceback.  All input
is checked before anything is written.  Other exit statuses: 0 done, 1 a
system error (disk full, a worker process killed, ...; one line too), 130
interrupted.

Output, resumption and caching
------------------------------
``relsim run`` works in a hidden directory beside DIR, ``.DIR.partial/``:

* ``replications/rep-RRRR-KEY/`` holds the tables of one finished run
  (replication RRRR of a variant) as Parquet files.  KEY is a hash of
  everything else the tables depend on: the relsim version, the variant's
  model configuration (after ``--steps``), the contents of the edge-list file
  and the root seed; variants with the same configuration share runs.
  Each entry is written as ``...tmp`` and renamed when complete, so an entry
  that exists is whole.
* When every run is there, the tables are written to ``tables/``, the report
  (if any) is written into it, the old DIR (``--overwrite``) is moved into the
  partial directory, ``tables/`` is renamed to DIR and ``.DIR.partial/`` is
  deleted.

So DIR appears only when complete, report included.  After Ctrl-C (exit 130;
also in worker processes, which are stopped) DIR does not exist and
``.DIR.partial/`` keeps the finished runs: running the same command again
reuses them (also with more replications, more variants, other ``--workers``
or another ``--format``; a changed configuration or seed changes KEY and runs
afresh).  Interrupted before the first run finished, it leaves nothing behind.
One run per DIR at a time.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd

from relsim.compare import (
    VARIANT,
    Comparison,
    run_key,  # noqa: F401  (defined here before; kept importable)
    write_tables,
)
from relsim.config import parameter_table
from relsim.run import TABLES, RunResult
from relsim.scenario import Scenario, ScenarioError, load_scenario

EXIT_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
RUN_SETTINGS = ("seed", "replications", "steps")
"""Scenario fields that ``relsim run`` flags of the same name override."""
MAX_WORKERS = 1024
"""Most worker processes ``--workers`` accepts."""


class UsageError(Exception):
    """Bad command-line input; the message is one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, status 2, no usage dump
        raise UsageError(f"{self.prog}: {message}")


def _scenario_int(field: str) -> Callable[[str], int]:
    """argparse type: an integer in the range the scenario schema gives ``field``."""
    row = next(r for r in parameter_table(Scenario) if r["parameter"] == field)

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not row["min"] <= value <= row["max"]:
            raise argparse.ArgumentTypeError(
                f"expected an integer in [{row['min']}, {row['max']}], got {text!r}")
        return value

    return parse


def _workers(text: str) -> int:
    """argparse type of ``--workers``: a positive integer."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or not 1 <= value <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"expected a number of worker processes in [1, {MAX_WORKERS}], got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``relsim`` command."""
    parser = _Parser(prog="relsim", description="Agent-based simulation of customer relationships.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run every variant of a scenario and write the tables")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--out", required=True, help="output directory (created; must not exist "
                     "unless --overwrite)")
    run.add_argument("--workers", type=_workers, default=1,
                     help="local worker processes (default 1; results do not depend on it)")
    run.add_argument("--format", choices=("csv", "parquet"), default="csv", help="table format")
    run.add_argument("--seed", type=_scenario_int("seed"), help="override the scenario's seed")
    run.add_argument("--replications", type=_scenario_int("replications"),
                     help="override the number of replications")
    run.add_argument("--steps", type=_scenario_int("steps"), help="override the horizon (weeks)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing DIR")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    val = sub.add_parser("validate", help="check a scenario file without running it")
    val.add_argument("scenario", help="scenario YAML file")
    sub.add_parser("schema", help="print the scenario JSON Schema")
    return parser


# --------------------------------------------------------------------------- output

def output_dir(out: str, overwrite: bool) -> Path:
    """The absolute output directory, checked against ``--overwrite``."""
    path = Path(os.path.abspath(out))  # '..' removed, symbolic links kept
    if not path.name:
        raise UsageError(f"relsim run: --out {path} cannot be an output directory")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise UsageError(f"relsim run: --out {path} already exists (use --overwrite to replace it)")
    return path


def publish(staged: Path, out: Path, partial: Path) -> None:
    """Rename ``staged`` to ``out`` (moving an old ``out`` aside) and delete ``partial``."""
    if out.exists() or out.is_symlink():
        replaced = partial / "replaced"
        shutil.rmtree(replaced, ignore_errors=True)
        os.replace(out, replaced)
    os.replace(staged, out)
    shutil.rmtree(partial)


# --------------------------------------------------------------------------- commands

def report_builder() -> Callable | None:
    """``relsim.report.build_report`` if the report package is installed, else None (a
    report package that fails to import is said so on stderr and skipped)."""
    try:
        module = importlib.import_module("relsim.report")
    except ModuleNotFoundError as exc:
        if exc.name == "relsim.report":
            return None
        print(f"warning: no report: relsim.report needs {exc.name}", file=sys.stderr)
        return None
    except ImportError as exc:
        print(f"warning: no report: {' '.join(str(exc).splitlines())}", file=sys.stderr)
        return None
    return getattr(module, "build_report", None)


def command_run(args: argparse.Namespace) -> int:
    """``relsim run``: run (or reuse) every run of every variant, write the tables and the
    report, then publish them at once."""
    scenario = load_scenario(args.scenario)
    scenario = scenario.model_copy(update={k: getattr(args, k) for k in RUN_SETTINGS
                                           if getattr(args, k) is not None})
    out = output_dir(args.out, args.overwrite)
    build_report = report_builder()
    comparison = Comparison(scenario, cache_dir=out.with_name(f".{out.name}.partial")
                            / "replications")
    partial = comparison.cache_dir.parent
    try:
        comparison.cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"relsim run: --out {out}: cannot create {partial}: "
                         f"{exc.strerror or exc}") from None
    try:
        result = comparison.run(workers=args.workers, progress=not args.quiet)
    except KeyboardInterrupt:
        if comparison.finished:
            print(f"interrupted: {comparison.finished} of {comparison.total} runs finished and "
                  f"kept in {partial}; run the same command again to resume", file=sys.stderr)
        else:  # nothing of this comparison is cached
            shutil.rmtree(partial, ignore_errors=True)
            print("interrupted before the first run finished", file=sys.stderr)
        return EXIT_INTERRUPTED
    staged = partial / "tables"
    try:
        shutil.rmtree(staged, ignore_errors=True)  # left by an interrupted publish or report
        write_tables(result.tables(), staged, args.format)
        summary = build_report(result, scenario, staged) if build_report else None
        publish(staged, out, partial)
    except KeyboardInterrupt:
        print(f"interrupted: all {comparison.total} runs finished and kept in {partial}; run "
              "the same command again to write the tables", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(summary, pd.DataFrame):
        print(summary.to_string())
    else:
        print_summary(result)
    variants, reps = len(comparison.configs), scenario.replications
    print(f"wrote {len(TABLES)} {args.format} tables of {variants} variant{'s' * (variants > 1)}"
          f" x {reps} replication{'s' * (reps > 1)} ({comparison.reused} "
          f"run{'s' * (comparison.reused != 1)} reused)"
          f"{' and a report' if build_report else ''} to {out}")
    return 0


def print_summary(result: RunResult) -> None:
    """Final-step means per variant and firm over replications."""
    firms = result.firms[result.firms["step"] == result.firms["step"].max()]
    cols = ["customers", "market_share", "mean_satisfaction", "mean_trust", "nps"]
    means = firms.groupby([VARIANT, "firm"], observed=True, sort=False)[cols].mean()
    print(means.round(3).to_string())


def command_validate(args: argparse.Namespace) -> int:
    """``relsim validate``: parse and validate only (variants and edge-list files included)."""
    scenario = load_scenario(args.scenario)
    print(f"{args.scenario}: ok ({scenario.n_customers} customers, {len(scenario.firms)} firms, "
          f"{scenario.steps} steps, {scenario.replications} replications; variants: "
          f"{', '.join(scenario.variant_names())})")
    return 0


def command_schema(args: argparse.Namespace) -> int:
    """``relsim schema``: the JSON Schema of scenario files, for editor completion."""
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def _error(exc: Exception) -> None:
    print("error: " + " ".join(str(exc).splitlines()), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``relsim`` console script; returns the exit status."""
    try:
        args = build_parser().parse_args(argv)
        handler = {"run": command_run, "validate": command_validate,
                   "schema": command_schema}[args.command]
        return handler(args)
    except (ScenarioError, UsageError) as exc:
        _error(exc)
        return EXIT_BAD_INPUT
    except BrokenProcessPool:
        _error(RuntimeError("a worker process died (out of memory?); finished runs are kept: "
                            "run the same command again, perhaps with fewer --workers"))
        return EXIT_ERROR
    except OSError as exc:
        _error(exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
