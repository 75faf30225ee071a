"""``relsim export-clv``: the CLV export of the tables a ``relsim run`` wrote.

    relsim export-clv RUN_DIR --out FILE [--truth FILE] [--firm A] [--start 2024-01-01]
                      [--period W] [--drop-left-censored] [--overwrite]

Reads ``transactions``, ``relationships`` and ``market`` (CSV or Parquet) from RUN_DIR and
writes :func:`~relsim.clv.clv_transactions` to ``--out`` and, with ``--truth``,
:func:`~relsim.clv.clv_truth` (``.csv`` or ``.parquet`` by the file name).  Every flag and
table is checked before anything is written; bad input gets one line naming the flag or
file and exit status 2; files are written under a temporary name and renamed when complete,
and an existing file is replaced only with ``--overwrite``.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from relsim.clv.export import (
    DEFAULT_PERIOD,
    DEFAULT_START,
    ClvInputError,
    check_firm,
    clv_transactions,
    clv_truth,
    firm_names,
    parse_period,
    parse_start,
)

EXIT_BAD_INPUT = 2
EXIT_ERROR = 1


@dataclass
class RunTables:
    """The tables the CLV export reads (a :class:`relsim.runs.RunResult` has them too)."""

    transactions: pd.DataFrame
    relationships: pd.DataFrame
    market: pd.DataFrame


# --------------------------------------------------------------------------- reading a run

REQUIRED = {"transactions": ("customer", "firm", "step", "amount"),
            "relationships": ("customer", "firm", "start", "end", "ended_by", "first"),
            "market": ("step",)}
"""The columns the export reads from each table of a run directory."""


def _read_table(run_dir: Path, name: str) -> pd.DataFrame:
    found = [run_dir / f"{name}.{fmt}" for fmt in ("parquet", "csv")
             if (run_dir / f"{name}.{fmt}").is_file()]
    if not found:
        raise ClvInputError(f"{run_dir / name}.csv (or .parquet): not found; expected the "
                            "tables a `relsim run` writes")
    path = found[0]
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype={"variant": str, "firm": str})
    except (OSError, ValueError, ImportError) as exc:  # pyarrow/CSV parser errors are these
        raise ClvInputError(f"{path}: cannot read: {' '.join(str(exc).splitlines())}") from None
    missing = [c for c in REQUIRED[name] if c not in frame.columns]
    if missing:
        raise ClvInputError(f"{path}: missing column{'s' * (len(missing) > 1)} "
                            f"{', '.join(missing)}; expected {', '.join(REQUIRED[name])}")
    return frame


def read_run_tables(run_dir: str | os.PathLike) -> RunTables:
    """The transactions, relationships and market tables of a ``relsim run`` output directory
    (CSV or Parquet)."""
    path = Path(run_dir)
    if not path.is_dir():
        raise ClvInputError(f"{path}: not a directory; expected the output of `relsim run`")
    return RunTables(**{name: _read_table(path, name) for name in REQUIRED})


# --------------------------------------------------------------------------- command line

def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``relsim export-clv`` to the ``relsim`` command's subparsers."""
    parser = subparsers.add_parser(
        "export-clv", help="write the transactions of a run in the shape CLV libraries read",
        description="Write the transaction log of a `relsim run` output directory with a "
        "date per step and a customer key per firm, replication and variant (docs/clv.md); "
        "--truth also writes each relationship's true start, end and how it ended.")
    parser.add_argument("run_dir", metavar="RUN_DIR", help="output directory of `relsim run`")
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="transactions file to write (.csv or .parquet)")
    parser.add_argument("--truth", metavar="FILE",
                        help="also write the truth per relationship (.csv or .parquet)")
    parser.add_argument("--firm", help="that firm's customers only (default: every firm)")
    parser.add_argument("--start", default=DEFAULT_START,
                        help=f"date of step 0 (default {DEFAULT_START})")
    parser.add_argument("--period", default=DEFAULT_PERIOD,
                        help="length of a step: W, D or a multiple such as 2W (default W)")
    parser.add_argument("--drop-left-censored", action="store_true",
                        help="leave out the customers already in a relationship at step 0")
    parser.add_argument("--overwrite", action="store_true", help="replace existing files")
    return parser


def _output(flag: str, value: str, overwrite: bool) -> Path:
    path = Path(value)
    if path.suffix not in (".csv", ".parquet"):
        raise ClvInputError(f"{flag} {value}: expected a file name ending in .csv or .parquet")
    if not path.parent.is_dir():
        raise ClvInputError(f"{flag} {value}: directory {path.parent} does not exist")
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise ClvInputError(f"{flag} {value}: already exists (use --overwrite to replace it)")
    return path


def _flag(flag: str, value: Any, check) -> None:
    try:
        check(value)
    except ClvInputError as exc:
        raise ClvInputError(f"{flag} {value}: {exc}") from None


def _write(frames: dict[Path, pd.DataFrame]) -> None:
    """Write every frame to a hidden temporary file beside its path, then rename them all."""
    staged = {}
    try:
        for path, frame in frames.items():
            staged[path] = path.with_name(f".{path.name}.tmp")
            if path.suffix == ".parquet":
                frame.to_parquet(staged[path], index=False)
            else:
                frame.to_csv(staged[path], index=False)
        for path, tmp in staged.items():
            os.replace(tmp, path)
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)


def command_export_clv(args: argparse.Namespace) -> int:
    """``relsim export-clv``: check every flag and table, then write the files; exit status
    2 with one line on bad input, 1 when a file cannot be written."""
    try:
        _flag("--start", args.start, parse_start)
        _flag("--period", args.period, parse_period)
        out = _output("--out", args.out, args.overwrite)
        truth_path = _output("--truth", args.truth, args.overwrite) if args.truth else None
        if truth_path is not None and truth_path.resolve() == out.resolve():
            raise ClvInputError(f"--truth {args.truth}: the same file as --out")
        tables = read_run_tables(args.run_dir)
        if args.firm is not None:
            _flag("--firm", args.firm, lambda firm: check_firm(firm,
                                                               firm_names(tables.relationships)))
        options = {"firm": args.firm, "start": args.start, "period": args.period,
                   "drop_left_censored": args.drop_left_censored}
        try:
            frames = {out: clv_transactions(tables, **options)}
            if truth_path is not None:
                frames[truth_path] = clv_truth(tables, **options)
        except ClvInputError:
            raise
        except (ValueError, TypeError, KeyError) as exc:  # e.g. a step that is not a number
            raise ClvInputError(f"{args.run_dir}: the tables do not read as relsim's: "
                                f"{' '.join(str(exc).splitlines())}") from None
    except ClvInputError as exc:
        print(f"error: relsim export-clv: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        _write(frames)
    except OSError as exc:
        print(f"error: relsim export-clv: {exc}", file=sys.stderr)
        return EXIT_ERROR
    tx = frames[out]
    left = ("left-censored customers left out" if args.drop_left_censored else
            f"{tx.loc[tx['left_censored'], 'customer_id'].nunique():,} of them left-censored")
    print(f"wrote {len(tx):,} transactions of {tx['customer_id'].nunique():,} customers ({left}) "
          f"to {out}" + (f" and {len(frames[truth_path]):,} relationships to {truth_path}"
                         if truth_path is not None else ""))
    return 0
