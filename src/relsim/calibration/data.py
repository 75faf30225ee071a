"""Observed data: a cohort retention table read from CSV, with one-line errors.

A cohort retention table gives, for one cohort of new customers, the share
still active after each period (period 0: the cohort's start, share 1).  Two
layouts are read:

* wide, one column per cohort (Fader & Hardie 2007's table)::

      year,regular,high_end
      0,1.000,1.000
      1,0.631,0.869

  with ``period_column: year``, ``value_column: regular`` and the cohort size
  given as ``size: 1000``;
* long, several cohorts in one column::

      cohort,period,retention,size
      2019,0,1.0,1200
      2019,1,0.64,1200

  with ``cohort_column: cohort``, ``cohort: "2019"`` and ``size_column: size``.

Periods must be consecutive integers from 0 (a missing period 0 is taken as
share 1); shares lie in [0, 1] and never rise.

A **series** (``kind: churn_rate`` or ``market_share``) has the same layouts: one
share per period (the churn rate of the period, or the market share at its end),
periods consecutive from 0 (period 0 must be there), and the number of customers
each share is measured on (``size``, or one per row in ``size_column``); its
shares may rise and fall.  A problem is a
:class:`DataFileError` naming the file, the line and the column (1-based):
``cohorts.csv:5:2: regular: expected a share in [0, 1], got '1.4'``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from relsim.inputs import InputError, decode_text, read_regular_file

MAX_BYTES = 16 * 2**20
"""Largest data file read (bytes)."""
MAX_ROWS = 100_000
"""Most data rows read from a table."""


class DataFileError(InputError):
    """A data file that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class ObservedCohort:
    """One observed cohort: periods 0..T, the share still active and the cohort size."""

    source: str
    periods: np.ndarray
    retention: np.ndarray
    size: int
    label: str
    kind: str = "cohort_retention"
    period_sizes: np.ndarray | None = None
    """Series: the customers each period's share is measured on (None: a cohort)."""

    @property
    def alive(self) -> np.ndarray:
        """The observed counts: a cohort's customers still active at each period, or a
        series' churners or firm's customers in each period (share x size, rounded)."""
        sizes = self.size if self.period_sizes is None else self.period_sizes
        return np.round(self.retention * sizes)


def _number(text: str, where: str, column: str, what: str, lo: float, hi: float,
            integer: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and lo <= value <= hi) or (integer and value != int(value)):
        raise DataFileError(f"{where}: {column}: expected {what}, got {text!r}")
    return value


def read_cohort_table(path: Path, spec: Any) -> ObservedCohort:
    """Read the cohort ``spec`` names (a :class:`~relsim.calibration.schema.DataSpec`) from
    the CSV file ``path``."""
    source = str(path)
    try:
        text = decode_text(read_regular_file(path, max_bytes=MAX_BYTES, what="data file"),
                           source)
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except InputError as exc:
        raise DataFileError(str(exc)) from None
    except csv.Error as exc:
        raise DataFileError(f"{source}: cannot read the CSV file: {exc}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise DataFileError(f"{source}:1: empty file: expected a header line of column names")
    if len(rows) > MAX_ROWS + 1:
        raise DataFileError(f"{source}: more than {MAX_ROWS} rows")
    header = [cell.strip() for cell in rows[0]]
    wanted = {"period_column": spec.period_column, "value_column": spec.value_column,
              "cohort_column": spec.cohort_column, "size_column": spec.size_column}
    index = {}
    for key, name in wanted.items():
        if name is None:
            continue
        if name not in header:
            raise DataFileError(f"{source}:1: no column {name!r} ({key}); the header has "
                                f"{', '.join(repr(h) for h in header)}")
        index[key] = header.index(name)
    periods, values, sizes, lines = [], [], [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise DataFileError(f"{source}:{number}:{min(len(row), len(header)) + 1}: expected "
                                f"{len(header)} columns, got {len(row)}")

        def cell(key: str, row: list[str] = row, number: int = number) -> tuple[str, str]:
            col = index[key]
            return row[col].strip(), f"{source}:{number}:{col + 1}"

        if "cohort_column" in index and cell("cohort_column")[0] != str(spec.cohort):
            continue
        text, where = cell("period_column")
        periods.append(int(_number(text, where, spec.period_column,
                                   "a period number (0, 1, 2, ...)", 0, 1e6, integer=True)))
        text, where = cell("value_column")
        values.append(_number(text, where, spec.value_column, "a share in [0, 1]", 0.0, 1.0))
        if "size_column" in index:
            text, where = cell("size_column")
            sizes.append(int(_number(text, where, spec.size_column,
                                     "a cohort size (a positive integer)", 1, 1e12, True)))
        lines.append(number)
    if not periods:
        which = f" of cohort {spec.cohort!r}" if spec.cohort_column else ""
        raise DataFileError(f"{source}: no data rows{which}")
    order = np.argsort(periods, kind="stable")
    periods_arr = np.asarray(periods)[order]
    retention = np.asarray(values)[order]
    line_of = np.asarray(lines)[order]
    col = index["period_column"] + 1
    series = spec.kind != "cohort_retention"
    if periods_arr[0] != 0 and series:
        raise DataFileError(f"{source}:{line_of[0]}:{col}: {spec.period_column}: a series "
                            f"starts at period 0, got {periods_arr[0]}")
    if periods_arr[0] != 0:
        periods_arr, retention = np.r_[0, periods_arr], np.r_[1.0, retention]
        line_of = np.r_[line_of[0], line_of]
    for k in range(1, len(periods_arr)):
        if periods_arr[k] != periods_arr[k - 1] + 1:
            raise DataFileError(f"{source}:{line_of[k]}:{col}: {spec.period_column}: periods "
                                f"must be consecutive, got {periods_arr[k]} after "
                                f"{periods_arr[k - 1]}")
    vcol = index["value_column"] + 1
    if series:
        sizes_arr = (np.asarray(sizes, dtype=float)[order] if sizes
                     else np.full(len(periods_arr), float(spec.size)))
        return ObservedCohort(source=source, periods=periods_arr, retention=retention,
                              size=int(round(float(sizes_arr.mean()))),
                              label=str(spec.cohort) if spec.cohort_column else spec.value_column,
                              kind=spec.kind, period_sizes=sizes_arr)
    if abs(retention[0] - 1.0) > 1e-9:
        raise DataFileError(f"{source}:{line_of[0]}:{vcol}: {spec.value_column}: period 0 is the "
                            f"cohort's start: expected 1, got {retention[0]:g}")
    rises = np.flatnonzero(np.diff(retention) > 0)
    if rises.size:
        k = rises[0] + 1
        raise DataFileError(f"{source}:{line_of[k]}:{vcol}: {spec.value_column}: a cohort's "
                            f"retention cannot rise (period {periods_arr[k]}: {retention[k]:g} "
                            f"after {retention[k - 1]:g})")
    if sizes and len(set(sizes)) > 1:
        raise DataFileError(f"{source}: {spec.size_column}: one cohort has one size, got "
                            f"{sorted(set(sizes))}")
    size = sizes[0] if sizes else int(spec.size)
    label = str(spec.cohort) if spec.cohort_column else spec.value_column
    return ObservedCohort(source=source, periods=periods_arr, retention=retention, size=size,
                          label=label)
