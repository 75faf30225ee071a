"""``relsim sweep`` and ``relsim analyze``: the experiment commands.

    relsim sweep EXPERIMENT.yaml [--out DIR] [--workers N | --scheduler ADDRESS|local]
                                 [--batch-size B] [--resume] [--quiet]
    relsim analyze DIR [--condition "policy_roi < 1" ...] [--heatmap A,B ...]
                       [--density D] [--out ANALYSIS_DIR]

:func:`add_parsers` adds both to the ``relsim`` command's subparsers;
:func:`command_sweep` and :func:`command_analyze` run them and return the exit
status.  Bad input (the experiment file, a flag, an unreachable scheduler, an
output directory that is not a sweep's) is one line on stderr and exit status 2;
Ctrl-C is 130 with every finished batch kept (rerun with ``--resume``).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from relsim.cli import WORKERS, integer_in
from relsim.inputs import InputError

EXIT_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _pair(text: str) -> tuple[str, str]:
    parts = tuple(p.strip() for p in text.split(","))
    if len(parts) != 2 or not all(parts):
        raise argparse.ArgumentTypeError(f"expected two parameter paths A,B, got {text!r}")
    return parts


def _density(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a density in (0, 1], got {text!r}")
    return value


def add_parsers(subparsers) -> None:
    """Add ``sweep`` and ``analyze`` to the ``relsim`` command's subparsers."""
    sweep = subparsers.add_parser("sweep", help="run every design point x arm x replication "
                                  "of an experiment file")
    sweep.add_argument("experiment", help="experiment YAML file")
    sweep.add_argument("--out", help="output directory (default: the experiment's 'out')")
    sweep.add_argument("--workers", type=WORKERS,
                       default=1, help="local worker processes, or the size of a "
                       "--scheduler local cluster (default 1; results do not depend on it)")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler "
                       "(tcp://HOST:8786) or 'local' for a LocalCluster of --workers processes")
    sweep.add_argument("--batch-size", type=integer_in("units per task", 1, 100_000),
                       help="design point x replication units per task (default: ~2 s of "
                       "work)")
    sweep.add_argument("--resume", action="store_true", help="continue the sweep in --out, "
                       "skipping finished batches")
    sweep.set_defaults(handler=command_sweep)
    analyze = subparsers.add_parser("analyze", help="sensitivity indices, response plots and "
                                    "PRIM boxes of a sweep's results")
    analyze.add_argument("directory", help="the sweep's output directory")
    analyze.add_argument("--condition", action="append", default=[], metavar="CONDITION",
                         help="PRIM: where does RESPONSE OP NUMBER hold, e.g. 'policy_roi < 1' "
                         "(repeatable)")
    analyze.add_argument("--heatmap", action="append", default=[], type=_pair, metavar="A,B",
                         help="a 2-D heat map of two parameters (grid designs; repeatable)")
    analyze.add_argument("--density", type=_density, help="PRIM: lowest density of a "
                         "reported box (default: the experiment's, 0.8)")
    analyze.add_argument("--out", help="where to write (default: DIR/analysis)")
    analyze.set_defaults(handler=command_analyze)


def _error(message: str) -> int:
    print("error: " + " ".join(str(message).splitlines()), file=sys.stderr)
    return EXIT_BAD_INPUT


def command_sweep(args: argparse.Namespace) -> int:
    """``relsim sweep``: run (or resume) the experiment's sweep, writing as batches finish."""
    from relsim.experiments.loading import load_experiment
    from relsim.experiments.runner import run

    out = None
    try:
        experiment = load_experiment(args.experiment)
        out = args.out or experiment.out
        if out is None:
            return _error(f"relsim sweep: give --out DIR (the experiment {args.experiment} "
                          "sets no 'out')")
        results = run(experiment, out, workers=args.workers, scheduler=args.scheduler,
                      batch_size=args.batch_size, resume=args.resume,
                      progress=not args.quiet)
    except InputError as exc:
        return _error(str(exc))
    except BrokenProcessPool:
        _error(f"a worker process died (out of memory?); finished batches are kept in {out}: "
               "run the same command with --resume, perhaps with fewer --workers")
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"interrupted: finished batches are kept in {out}; run the same command with "
              "--resume to continue", file=sys.stderr)
        return EXIT_INTERRUPTED
    runs = results.drop_duplicates(["point", "arm", "replication"]).shape[0]
    print(f"wrote {runs} runs ({results['point'].nunique()} design points x "
          f"{len(experiment.arm_names())} arms x {experiment.n_replications} replications) to "
          f"{Path(out) / 'results.parquet'}; next: relsim analyze {out}")
    return 0


def command_analyze(args: argparse.Namespace) -> int:
    """``relsim analyze``: write the analysis tables, figures and page of a sweep."""
    from relsim.experiments.study import analyze

    directory = Path(args.directory)
    try:
        analysis = analyze(directory, conditions=args.condition, pairs=args.heatmap,
                           density=args.density)
        page = analysis.write(Path(args.out) if args.out else directory / "analysis")
    except ValueError as exc:  # ExperimentError, a bad --condition
        return _error(str(exc))
    for warning in analysis.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if len(analysis.indices):
        print(analysis.indices.round(3).to_string(index=False))
    if len(analysis.boxes):
        print(analysis.boxes.round(3).to_string(index=False))
    print(f"wrote {page}")
    return 0
