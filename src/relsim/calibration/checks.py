"""Checks of a calibration file that need more than one of its parts: the mapping keys
against the kind of data, and the fitted and held-out periods against the data and the
scenario's horizon.  Each problem is one line from ``at.error`` (the file, line, column and
field path; :func:`relsim.calibration.schema.validate_calibration` calls these)."""

from __future__ import annotations

from typing import Any

from relsim.calibration.data import ObservedCohort
from relsim.scenario import Scenario

CalibrationFile = Any
"""A :class:`relsim.calibration.schema.CalibrationFile` (not imported: schema imports this)."""
At = Any
"""The schema's ``_At``: ``at.error(loc, message)`` makes the one-line error."""


def check_mapping(spec: CalibrationFile, at: At) -> None:
    """A cohort's mapping keys with a cohort, a series' with a series: a key that the kind of
    data does not read is refused rather than ignored."""
    given = spec.mapping.model_fields_set
    unused = (("cohort_start", "cohort_end") if spec.data.series else ("start_week",))
    for key in unused:
        if key in given:
            wanted = "start_week" if spec.data.series else "cohort_start and cohort_end"
            raise at.error(("mapping", key), f"not read for data.kind {spec.data.kind} "
                           f"(it uses {wanted})")


def check_periods(spec: CalibrationFile, scenario: Scenario, observed: ObservedCohort,
                  at: At) -> None:
    """Fitting and held-out periods: ordered, in the data, inside the horizon."""
    m = spec.mapping
    last = int(observed.periods[-1])
    for key in ("fit_periods", "holdout_periods"):
        span = getattr(spec, key)
        if span is None:
            continue
        first, end = span
        if first > end:
            raise at.error((key,), f"[first, last] must be in order, got [{first}, {end}]")
        if end > last:
            raise at.error((key,), f"period {end} is not in the data ({observed.source} "
                           f"has periods 0..{last})")
        weeks = spec.period_end(end)
        how = (f"start_week {m.start_week} + {end + 1} x {m.period_weeks} weeks - 1"
               if spec.data.series else f"cohort_end {m.cohort_end} + {end} x "
               f"{m.period_weeks} weeks")
        if weeks > scenario.steps:
            raise at.error((key,), f"period {end} ends in week {weeks} ({how}), beyond the "
                           f"scenario's horizon of {scenario.steps} steps")
    if not spec.data.series and spec.fit_periods[1] - spec.fit_periods[0] < 1:
        raise at.error(("fit_periods",), "fit at least two periods (a cohort's size and one "
                       "count after it)")
    if spec.holdout_periods and spec.holdout_periods[0] <= spec.fit_periods[1]:
        raise at.error(("holdout_periods",), f"held-out periods must come after the last "
                       f"fitted period ({spec.fit_periods[1]})")
