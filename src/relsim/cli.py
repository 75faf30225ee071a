"""The ``relsim`` command line.

    relsim run SCENARIO.yaml --out DIR [--format csv|parquet] [--seed S] [--replications R]
    relsim validate SCENARIO.yaml
    relsim schema

Bad input gets one line on stderr naming the file and field, and exit status 2,
never a traceback.  Output is written to a temporary directory beside DIR and
renamed into place only when complete, so an interrupted run leaves nothing
half-written.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from relsim.scenario import Scenario, ScenarioError, load_scenario

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """Bad command-line input; the message is one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, status 2, no usage dump
        raise UsageError(f"{self.prog}: {message}")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``relsim`` command."""
    parser = _Parser(prog="relsim", description="Agent-based simulation of customer relationships.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run a scenario and write its tables")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--out", required=True, help="output directory (created; must not exist "
                     "unless --overwrite)")
    run.add_argument("--format", choices=("csv", "parquet"), default="csv", help="table format")
    run.add_argument("--seed", type=_seed, help="override the scenario's seed")
    run.add_argument("--replications", type=_positive_int, help="override the replications")
    run.add_argument("--steps", type=_positive_int, help="override the horizon (weeks)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing DIR")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    val = sub.add_parser("validate", help="check a scenario file without running it")
    val.add_argument("scenario", help="scenario YAML file")
    sub.add_parser("schema", help="print the scenario JSON Schema")
    return parser


def write_tables(tables: dict, out: Path, fmt: str, overwrite: bool) -> None:
    """Write tables into ``out`` atomically: a temporary sibling directory renamed when complete."""
    out = out.resolve()
    if out.exists() and not overwrite:
        raise UsageError(f"relsim run: --out {out} already exists (use --overwrite to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    try:
        for name, frame in tables.items():
            if fmt == "parquet":
                frame.to_parquet(tmp / f"{name}.parquet", index=False)
            else:
                frame.to_csv(tmp / f"{name}.csv", index=False)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def command_run(args: argparse.Namespace) -> int:
    """``relsim run``: run every replication and write the tidy tables."""
    from relsim.run import RunResult, replication_seed, run_one

    scenario = load_scenario(args.scenario)
    seed = scenario.seed if args.seed is None else args.seed
    reps = scenario.replications if args.replications is None else args.replications
    config = scenario.model_part()
    if args.steps is not None:
        config = config.model_copy(update={"steps": args.steps})
    from tqdm import tqdm

    results = [run_one(config, replication_seed(seed, r), r)
               for r in tqdm(range(reps), desc=scenario.name, unit="run", disable=args.quiet)]
    result = RunResult.concat(results)
    write_tables(result.tables(), Path(args.out), args.format, args.overwrite)
    summary = result.firms[result.firms["step"] == result.firms["step"].max()]
    cols = ["firm", "customers", "market_share", "mean_satisfaction", "mean_trust", "nps"]
    print(summary.groupby("firm", observed=True)[cols[1:]].mean().round(3).to_string())
    print(f"wrote {len(result.tables())} tables to {Path(args.out).resolve()}")
    return 0


def command_validate(args: argparse.Namespace) -> int:
    """``relsim validate``: parse and validate only."""
    scenario = load_scenario(args.scenario)
    print(f"{args.scenario}: ok ({scenario.n_customers} customers, {len(scenario.firms)} firms, "
          f"{scenario.steps} steps, {scenario.replications} replications)")
    return 0


def command_schema(args: argparse.Namespace) -> int:
    """``relsim schema``: the JSON Schema of scenario files, for editor completion."""
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``relsim`` console script."""
    try:
        args = build_parser().parse_args(argv)
        handler = {"run": command_run, "validate": command_validate,
                   "schema": command_schema}[args.command]
        return handler(args)
    except (ScenarioError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: no output was written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
