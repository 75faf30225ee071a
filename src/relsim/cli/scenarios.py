"""The scenario commands: ``relsim run``, ``relsim validate`` and ``relsim schema``.

    relsim run SCENARIO.yaml --out DIR [--workers N] [--format csv|parquet] [--seed S]
                             [--replications R] [--steps T] [--overwrite] [-q] [-v]
                             [--max-memory SIZE]
    relsim validate FILE... [--max-memory SIZE]
    relsim schema [--experiment | --calibration]

``SCENARIO.yaml`` may be ``-`` (standard input; relative edge-list paths then resolve
against the working directory).  ``relsim validate`` takes several files, checks each
and says which fail (exit 2 if any does): a pre-commit hook.

``relsim run`` runs every variant of the scenario for every replication
(:mod:`relsim.compare`: common random numbers, ``--workers`` local
processes, the same tables for any number of workers) and writes one table of
each kind with a ``variant`` column first, and the comparison report of
:mod:`relsim.report` beside them (docs/report.md); the focal firm's summary
table is printed.

Bad input -- a scenario file (see :mod:`relsim.scenario`), an edge-list file, a
command-line flag, an output directory relsim must not write, a run that does not fit
the memory -- gets one line on stderr and exit status 2 (:mod:`relsim.cli`).  All input
is checked before anything is written.

Files (docs/files.md has the whole promise; :mod:`relsim.outputs` keeps it)
--------------------------------------------------------------------------
* ``--out DIR`` may not be empty, too long, ``/``, the working or home directory or one
  that contains them, the scenario or an edge-list file or one that contains them.  An
  existing DIR is refused unless ``--overwrite``, which replaces only a directory relsim
  wrote: it holds the marker ``.relsim-output.json`` (command, version, time, files) and
  nothing the marker does not list.
* One ``relsim`` per DIR: ``.DIR.lock`` beside DIR is locked (``flock``) while it works;
  a second one gets "--out DIR is in use by process N" (exit 2).
* ``relsim run`` works in ``.DIR.partial/`` beside DIR, private to the user (mode
  0o700).  ``replications/rep-RRRR-KEY/`` holds the tables of one finished run
  (replication RRRR of a variant) as Parquet files with a manifest of their SHA-256
  hashes written last; KEY hashes everything else the tables depend on (the relsim
  version, the variant's configuration after ``--steps``, the contents of the edge-list
  file, the root seed), so variants with the same configuration share runs.  An entry
  that does not verify is deleted and run again.  When every run is there, the tables
  and the report are written to ``tables/``, which is renamed to DIR (an old DIR, with
  ``--overwrite``, is moved aside first and deleted after); then ``.DIR.partial/`` is
  deleted.  So DIR appears only when complete, report included.
* After Ctrl-C, SIGTERM or SIGHUP (exit 130; worker processes are stopped) or kill -9
  (workers end with the parent) DIR does not exist and ``.DIR.partial/`` keeps the
  finished runs: the same command again reuses them (also with more replications, more
  variants, other ``--workers`` or another ``--format``; a changed configuration or seed
  changes KEY and runs afresh).  Interrupted before the first run finished, it leaves
  nothing behind.

Limits
------
A run's memory is estimated from its configuration (:mod:`relsim.limits`) before
anything is allocated; ``run`` and ``validate`` refuse what does not fit the memory
available, naming the fields and both figures.  ``--max-memory SIZE`` (``512M``,
``40G``) replaces the memory available as the limit, to run anyway.  ``--workers``
beyond the CPUs is lowered to their number with a warning (the tables do not depend on
it); more than 1024 is refused.  Edge-list files over 1 GiB are refused.

Test hook: the environment variable ``RELSIM_NO_REPORT=1`` skips the report (the test
suite's subprocess tests use it to stay fast).

Only the standard library is imported with this module; the rest is imported by
:func:`main` inside its handling of Ctrl-C, so an early Ctrl-C prints one line.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

from relsim.cli import EXIT_BAD_INPUT, EXIT_INTERRUPTED, WORKERS, integer_in

STDIN = "-"
"""The scenario file name that means standard input."""
RUN_SETTINGS = ("seed", "replications", "steps")
"""Scenario fields that ``relsim run`` flags of the same name override."""
NO_REPORT_ENV = "RELSIM_NO_REPORT"
"""Environment variable: a non-empty value skips the report (a test hook)."""


def _scenario_int(field: str) -> Callable[[str], int]:
    """argparse type: an integer in the range the scenario schema gives ``field``."""
    from relsim.config import parameter_table
    from relsim.scenario import Scenario

    row = next(r for r in parameter_table(Scenario) if r["parameter"] == field)
    return integer_in("an integer", row["min"], row["max"])


def _size(text: str) -> int:
    """argparse type of ``--max-memory``: a size such as ``512M`` or ``40G``."""
    from relsim.limits import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parsers(sub: Any) -> None:
    """Add ``run``, ``validate`` and ``schema`` to the ``relsim`` command."""
    memory = ("most memory relsim may use, e.g. 512M or 40G (default: the memory available); "
              "larger than the estimate lets a run that does not seem to fit try anyway")
    run = sub.add_parser("run", help="run every variant of a scenario and write the tables")
    run.add_argument("scenario", help="scenario YAML file (-: standard input)")
    run.add_argument("--out", required=True, help="output directory (created; must not exist "
                     "unless --overwrite)")
    run.add_argument("--workers", type=WORKERS, default=1,
                     help="local worker processes (default 1; results do not depend on it; "
                     "at most the number of CPUs is used)")
    run.add_argument("--format", choices=("csv", "parquet"), default="csv", help="table format")
    run.add_argument("--seed", type=_scenario_int("seed"), help="override the scenario's seed")
    run.add_argument("--replications", type=_scenario_int("replications"),
                     help="override the number of replications")
    run.add_argument("--steps", type=_scenario_int("steps"), help="override the horizon (weeks)")
    run.add_argument("--overwrite", action="store_true",
                     help="replace DIR if relsim wrote it (it holds .relsim-output.json)")
    run.add_argument("--max-memory", type=_size, metavar="SIZE", help=memory)
    run.set_defaults(handler=command_run)
    val = sub.add_parser("validate", help="check scenario, experiment and calibration files "
                         "without running them")
    val.add_argument("scenario", nargs="+", metavar="FILE",
                     help="scenario, experiment or calibration YAML files (-: a scenario on "
                     "standard input)")
    val.add_argument("--max-memory", type=_size, metavar="SIZE", help=memory)
    val.set_defaults(handler=command_validate)
    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files (for "
                            "editors: docs/editors.md)")
    which = schema.add_mutually_exclusive_group()
    which.add_argument("--experiment", action="store_true",
                       help="the schema of experiment files (relsim sweep) instead")
    which.add_argument("--calibration", action="store_true",
                       help="the schema of calibration files (relsim calibrate) instead")
    schema.set_defaults(handler=command_schema)


# --------------------------------------------------------------------------- commands

def report_builder() -> Callable | None:
    """``relsim.report.build_report`` if the report package is installed, else None (a
    report package that fails to import is said so on stderr and skipped; the test hook
    ``RELSIM_NO_REPORT`` skips it too)."""
    if os.environ.get(NO_REPORT_ENV):
        return None
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


def _scenario(args: argparse.Namespace, path: str | None = None):
    """The scenario file (``-``: standard input), with the flags of :data:`RUN_SETTINGS`
    applied."""
    from relsim.scenario import load_scenario, load_scenario_text

    path = args.scenario if path is None else path
    if path == STDIN:
        from relsim.yamlio import MAX_BYTES

        scenario = load_scenario_text(sys.stdin.buffer.read(MAX_BYTES + 1), "<stdin>")
    else:
        scenario = load_scenario(path)
    return scenario.model_copy(update={k: getattr(args, k, None) for k in RUN_SETTINGS
                                       if getattr(args, k, None) is not None})


def command_run(args: argparse.Namespace) -> int:
    """``relsim run``: run (or reuse) every run of every variant, write the tables and the
    report, then publish them at once."""
    from relsim.compare import Comparison
    from relsim.limits import cap_workers, check_memory
    from relsim.outputs import claim_output, write_tables
    from relsim.runs import TABLES

    scenario = _scenario(args)
    configs = scenario.variant_configs()
    workers, warning = cap_workers(args.workers)
    if warning:
        print(warning, file=sys.stderr)
    check_memory(list(configs.values()), workers, runs=len(configs) * scenario.replications,
                 budget=args.max_memory)
    inputs = [*([args.scenario] if args.scenario != STDIN else []),
              *sorted({c.network.path for c in configs.values() if c.network.path})]
    build_report = report_builder()
    with claim_output(args.out, overwrite=args.overwrite, inputs=inputs) as claim:
        cache_dir, partial = claim.private_directory("replications"), claim.partial
        comparison = None
        try:
            comparison = Comparison(scenario, cache_dir=cache_dir)
            result = comparison.run(workers=workers, progress=not args.quiet)
        except KeyboardInterrupt:
            if comparison is not None and comparison.finished:
                print(f"interrupted: {comparison.finished} of {comparison.total} runs finished "
                      f"and kept in {partial}; run the same command again to resume",
                      file=sys.stderr)
            elif any(cache_dir.iterdir()):  # earlier runs, not read yet
                print(f"interrupted: finished runs are kept in {partial}; run the same "
                      "command again to resume", file=sys.stderr)
            else:  # nothing of this comparison is cached
                claim.discard()
                print("interrupted before the first run finished", file=sys.stderr)
            return EXIT_INTERRUPTED
        if comparison.discarded:
            print(f"warning: {comparison.discarded} cached run{'s' * (comparison.discarded > 1)}"
                  f" in {comparison.cache_dir} did not verify and were run again",
                  file=sys.stderr)
        try:
            staged = claim.staging()
            write_tables(result.tables(), staged, args.format)
            summary = build_report(result, scenario, staged) if build_report else None
            claim.publish(staged)
        except KeyboardInterrupt:
            print(f"interrupted: all {comparison.total} runs finished and kept in {partial}; run "
                  "the same command again to write the tables", file=sys.stderr)
            return EXIT_INTERRUPTED
    if summary is not None and hasattr(summary, "to_string"):
        print(summary.to_string())
    else:
        print_summary(result)
    variants, reps = len(comparison.configs), scenario.replications
    print(f"wrote {len(TABLES)} {args.format} tables of {variants} variant{'s' * (variants > 1)}"
          f" x {reps} replication{'s' * (reps > 1)} ({comparison.reused} "
          f"run{'s' * (comparison.reused != 1)} reused)"
          f"{' and a report' if build_report else ''} to {claim.path}")
    return 0


def print_summary(result) -> None:
    """Final-step means per variant and firm over replications."""
    from relsim.compare import VARIANT

    firms = result.firms[result.firms["step"] == result.firms["step"].max()]
    cols = ["customers", "market_share", "mean_satisfaction", "mean_trust", "nps"]
    means = firms.groupby([VARIANT, "firm"], observed=True, sort=False)[cols].mean()
    print(means.round(3).to_string())


def command_validate(args: argparse.Namespace) -> int:
    """``relsim validate``: parse and validate each file only (variants and edge-list files
    included) and check that one run at a time fits the memory; one line per file, exit 2
    if any is bad."""
    from relsim.inputs import InputError

    if len(args.scenario) == 1:  # the error of a single file is the command's own
        print(_validated(args, args.scenario[0]))
        return 0
    failed = 0
    for path in args.scenario:
        try:
            print(_validated(args, path))
        except InputError as exc:
            failed += 1
            print("error: " + " ".join(str(exc).splitlines()), file=sys.stderr)
    if failed:
        print(f"{failed} of {len(args.scenario)} files failed", file=sys.stderr)
    return EXIT_BAD_INPUT if failed else 0


def _validated(args: argparse.Namespace, path: str) -> str:
    """The line ``relsim validate`` prints for a good file (InputError for a bad one); an
    experiment or calibration file (:func:`relsim.experiments.detect.file_kind`) is checked
    as one."""
    from relsim.experiments.detect import file_kind
    from relsim.limits import check_memory

    kind = "scenario" if path == STDIN else file_kind(path)
    if kind == "experiment":
        from relsim.experiments.loading import validate_experiment

        return validate_experiment(path)
    if kind == "calibration":
        from relsim.calibration import load_calibration

        calibration = load_calibration(path)
        spec = calibration.spec
        held = (f", held out {spec.holdout_periods[0]}-{spec.holdout_periods[1]}"
                if spec.holdout_periods else "")
        return (f"{path}: ok (calibration: {spec.data.kind} {calibration.observed.label!r} of "
                f"{calibration.firm}, {spec.mapping.period}s {spec.fit_periods[0]}-"
                f"{spec.fit_periods[1]} fitted{held}; freed: "
                f"{', '.join(p.path for p in calibration.parameters)})")
    scenario = _scenario(args, path)
    configs = scenario.variant_configs()
    check_memory(list(configs.values()), 1, runs=len(configs) * scenario.replications,
                 budget=args.max_memory, command="relsim validate")
    return (f"{path}: ok ({scenario.n_customers} customers, {len(scenario.firms)} firms, "
            f"{scenario.steps} steps, {scenario.replications} replications; variants: "
            f"{', '.join(scenario.variant_names())})")


def command_schema(args: argparse.Namespace) -> int:
    """``relsim schema``: the JSON Schema (Draft 2020-12) of scenario, experiment or
    calibration files, as shipped in :mod:`relsim.schemas`, for editor completion and
    checking (docs/editors.md)."""
    from relsim.schemas import text

    name = ("experiment" if args.experiment else
            "calibration" if args.calibration else "scenario")
    sys.stdout.write(text(name))
    return 0
