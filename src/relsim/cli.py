"""The ``relsim`` command line.

    relsim run SCENARIO.yaml --out DIR [--format csv|parquet] [--seed S]
                             [--replications R] [--steps T] [--overwrite] [--quiet]
    relsim validate SCENARIO.yaml
    relsim schema

Bad input -- a scenario file (see :mod:`relsim.scenario`), an edge-list file or
a command-line flag -- gets one line on stderr naming the file or flag, the
field and what was expected, and exit status 2, never a traceback.  All input
is checked before anything is written.  Other exit statuses: 0 done, 1 a
system error (disk full, ...; one line too), 130 interrupted.

Output, resumption and caching
------------------------------
``relsim run`` works in a hidden directory beside DIR, ``.DIR.partial/``:

* ``replications/rep-RRRR-KEY/`` holds the tables of finished replication
  RRRR as Parquet files.  KEY is a hash of everything else the tables depend
  on: the relsim version, the model configuration (after ``--steps``), the
  contents of the edge-list file and the root seed.
  Each entry is written as ``...tmp`` and renamed when complete, so an entry
  that exists is whole.
* When every replication is there, the tables are written to ``tables/``,
  the old DIR (``--overwrite``) is moved into the partial directory, ``tables/``
  is renamed to DIR and ``.DIR.partial/`` is deleted.

So DIR appears only when complete.  After Ctrl-C (exit 130) DIR does not
exist and ``.DIR.partial/`` keeps the finished replications: running the same
command again reuses them (also with more replications or another
``--format``; a changed configuration or seed changes KEY and runs afresh).
Interrupted before the first replication finished, it leaves nothing behind.
One run per DIR at a time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from relsim import __version__
from relsim.config import ModelConfig, parameter_table
from relsim.run import TABLES, RunResult, replication_seed
from relsim.scenario import Scenario, ScenarioError, load_scenario

EXIT_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
RUN_SETTINGS = ("seed", "replications", "steps")
"""Scenario fields that ``relsim run`` flags of the same name override."""


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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``relsim`` command."""
    parser = _Parser(prog="relsim", description="Agent-based simulation of customer relationships.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run a scenario and write its tables")
    run.add_argument("scenario", help="scenario YAML file")
    run.add_argument("--out", required=True, help="output directory (created; must not exist "
                     "unless --overwrite)")
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

def write_tables(tables: dict, directory: Path, fmt: str) -> None:
    """Write each table to ``directory/NAME.FMT``, all or nothing: the files go to a fresh
    ``directory.tmp``, renamed to ``directory`` (which must not exist) when complete."""
    tmp = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, frame in tables.items():
        if fmt == "parquet":
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        else:
            frame.to_csv(tmp / f"{name}.csv", index=False)
    os.replace(tmp, directory)


def run_key(config: ModelConfig, seed: int) -> str:
    """Hash of everything a run's tables depend on besides the replication number."""
    edges = config.network.path
    data = {"relsim": __version__, "config": config.model_dump(mode="json"), "seed": seed,
            "edges": hashlib.sha256(Path(edges).read_bytes()).hexdigest() if edges else None}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def output_dir(out: str, overwrite: bool) -> Path:
    """The absolute output directory, checked against ``--overwrite``."""
    path = Path(os.path.abspath(out))  # '..' removed, symbolic links kept
    if not path.name:
        raise UsageError(f"relsim run: --out {path} cannot be an output directory")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise UsageError(f"relsim run: --out {path} already exists (use --overwrite to replace it)")
    return path


def replication(entry: Path, config: ModelConfig, seed: int, r: int) -> tuple[RunResult, bool]:
    """Replication ``r`` of root seed ``seed`` and whether it was reused: read from the cache
    directory ``entry`` if it is there, else run and stored there."""
    from relsim.run import run_one  # looked up at call time, so tests can replace it

    if entry.is_dir():
        tables = {t: pd.read_parquet(entry / f"{t}.parquet") for t in TABLES}
        return RunResult(**tables, config=config), True
    result = run_one(config, replication_seed(seed, r), r)
    write_tables(result.tables(), entry, "parquet")
    return result, False


def publish(staged: Path, out: Path, partial: Path) -> None:
    """Rename ``staged`` to ``out`` (moving an old ``out`` aside) and delete ``partial``."""
    if out.exists() or out.is_symlink():
        replaced = partial / "replaced"
        shutil.rmtree(replaced, ignore_errors=True)
        os.replace(out, replaced)
    os.replace(staged, out)
    shutil.rmtree(partial)


# --------------------------------------------------------------------------- commands

def command_run(args: argparse.Namespace) -> int:
    """``relsim run``: run (or reuse) every replication, then publish the tidy tables."""
    scenario = load_scenario(args.scenario)
    scenario = scenario.model_copy(update={k: getattr(args, k) for k in RUN_SETTINGS
                                           if getattr(args, k) is not None})
    out = output_dir(args.out, args.overwrite)
    partial = out.with_name(f".{out.name}.partial")
    cache = partial / "replications"
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"relsim run: --out {out}: cannot create {partial}: "
                         f"{exc.strerror or exc}") from None
    config = scenario.model_part()
    key = run_key(config, scenario.seed)
    results, reused = [], 0
    try:
        with tqdm(total=scenario.replications, desc=scenario.name, unit="run",
                  disable=True if args.quiet else None) as progress:
            for r in range(scenario.replications):
                result, was_cached = replication(cache / f"rep-{r:04d}-{key}", config,
                                                 scenario.seed, r)
                results.append(result)
                reused += was_cached
                progress.update()
    except KeyboardInterrupt:
        if results:
            print(f"interrupted: {len(results)} of {scenario.replications} replications finished "
                  f"and kept in {partial}; run the same command again to resume", file=sys.stderr)
        else:  # replications finish in order: nothing of this run is cached
            shutil.rmtree(partial, ignore_errors=True)
            print("interrupted before the first replication finished", file=sys.stderr)
        return EXIT_INTERRUPTED
    result = RunResult.concat(results)
    shutil.rmtree(partial / "tables", ignore_errors=True)  # left by an interrupted publish
    write_tables(result.tables(), partial / "tables", args.format)
    publish(partial / "tables", out, partial)
    print_summary(result)
    print(f"wrote {len(TABLES)} {args.format} tables of {scenario.replications} replications "
          f"({reused} reused) to {out}")
    return 0


def print_summary(result: RunResult) -> None:
    """Final-step means per firm over replications."""
    firms = result.firms[result.firms["step"] == result.firms["step"].max()]
    cols = ["customers", "market_share", "mean_satisfaction", "mean_trust", "nps"]
    print(firms.groupby("firm", observed=True)[cols].mean().round(3).to_string())


def command_validate(args: argparse.Namespace) -> int:
    """``relsim validate``: parse and validate only (edge-list file included)."""
    scenario = load_scenario(args.scenario)
    print(f"{args.scenario}: ok ({scenario.n_customers} customers, {len(scenario.firms)} firms, "
          f"{scenario.steps} steps, {scenario.replications} replications)")
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
    except OSError as exc:
        _error(exc)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
