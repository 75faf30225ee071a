"""``relsim calibrate FILE --out DIR``: the calibration command.

    relsim calibrate FILE --out DIR [--method point|abc] [--workers N]
                     [--scheduler ADDRESS] [--overwrite] [-q] [-v]

Loads and checks the calibration file (a bad file: one line on stderr, exit 2,
nothing written), runs the calibration, prints the fitted parameters, both
models' mean absolute errors and the cost, and writes the result folder
(:mod:`relsim.calibration.report`).

DIR is claimed like every relsim output (:mod:`relsim.outputs`: never the working
or home directory or an input; one relsim per DIR; ``--overwrite`` replaces only a
directory relsim wrote).  The work happens in ``.DIR.partial/`` (private to the
user): ``simulations/`` keeps each finished simulation (a small JSON file named by a
hash of its configuration and seed) and ``abc.db`` pyabc's history.  DIR appears
only when complete; then the partial folder is deleted.  After Ctrl-C (exit 130) the
partial folder stays, and running the same command again reuses every finished
simulation: the point fit's search is deterministic, so it replays its path from the
cache and goes on from where it stopped (ABC on one process too; with several,
pyabc's workers draw other particles).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys

from relsim.cli import EXIT_INTERRUPTED, WORKERS, UsageError

METHODS = ("point", "abc")
"""The calibration methods (:data:`relsim.calibration.result.METHODS`), here so that the
command line builds its parser without importing the calibration itself."""



def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add ``calibrate`` to the ``relsim`` command's subparsers; returns its parser."""
    parser = subparsers.add_parser(
        "calibrate", help="fit the model to observed retention data and project it, beside "
        "the sBG model")
    parser.add_argument("calibration", help="calibration YAML file")
    parser.add_argument("--out", required=True, help="output directory (created; must not "
                        "exist unless --overwrite)")
    parser.add_argument("--method", choices=METHODS, default="point",
                        help="point: optimizer and Hessian uncertainty (default); abc: ABC-SMC "
                        "posterior (needs pyabc)")
    parser.add_argument("--workers", type=WORKERS, default=1,
                        help="local worker processes for the simulations (default 1)")
    parser.add_argument("--scheduler", help="address of a Dask scheduler to run the "
                        "simulations on (e.g. tcp://host:8786), or 'local' for a Dask "
                        "LocalCluster of --workers processes")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace DIR if relsim wrote it (it holds .relsim-output.json)")
    parser.set_defaults(handler=command_calibrate)
    return parser


def _print_result(result) -> None:
    params = result.parameters
    label = "estimate" if result.method == "point" else "posterior mean"
    print(f"{result.name} ({result.method}):")
    for row in params.itertuples():
        interval = (f"[{row.lower95:.4g}, {row.upper95:.4g}]" if row.lower95 == row.lower95
                    else "n/a")
        print(f"  {row.parameter}: {label} {row.estimate:.4g}, 95% interval {interval}")
    for row in result.mae.itertuples():
        print(f"  MAE {row.model}: fitted periods {100 * row.mae_fit:.2f} points, held-out "
              f"{100 * row.mae_holdout:.2f} points")
    cost = result.cost
    print(f"  cost: {cost['wall_seconds']:.0f} s wall time, {cost['simulations']} simulations "
          f"({cost['simulations_reused']} reused), {cost['workers']} worker(s)")


def command_calibrate(args: argparse.Namespace) -> int:
    """Run ``relsim calibrate``; returns the exit status (bad input raises a one-line
    InputError, which the command line turns into exit 2; 130: interrupted, finished
    simulations kept)."""
    from relsim.calibration.report import write_files
    from relsim.calibration.result import calibrate
    from relsim.calibration.schema import load_calibration
    from relsim.outputs import claim_output

    calibration = load_calibration(args.calibration)
    if args.method == "abc" and importlib.util.find_spec("pyabc") is None:
        raise UsageError("relsim calibrate --method abc needs pyabc: pip install "
                         "'relsim[calibrate]'")
    inputs = [p for p in (calibration.source, calibration.data_path,
                          calibration.scenario_path) if p]

    def progress(message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    with claim_output(args.out, overwrite=args.overwrite, inputs=inputs,
                      command="relsim calibrate") as claim:
        try:
            result = calibrate(calibration, args.method, workers=args.workers,
                               scheduler=args.scheduler,
                               cache_dir=claim.private_directory("simulations"),
                               progress=None if args.quiet else progress)
            staged = claim.staging("result")
            write_files(result, staged)
            claim.publish(staged)
        except KeyboardInterrupt:
            print(f"interrupted: finished simulations are kept in {claim.partial}; run the "
                  "same command again to resume", file=sys.stderr)
            return EXIT_INTERRUPTED
    _print_result(result)
    print(f"wrote the calibration report, tables and fitted scenario to {claim.path}")
    return 0
