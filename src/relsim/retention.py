"""Retention curves: how many relationships of a group are still running, week by week.

One primitive, :func:`still_running`, serves both curves relsim reports: the
retention of each acquisition cohort (:func:`cohort_retention`, the
``cohorts`` table) and the retention of each firm's week-0 customers in a
comparison report (:func:`relsim.report.outcomes.retention_curves`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def ends(relationships: pd.DataFrame) -> np.ndarray:
    """The end step of each relationship, infinity for those still running."""
    return relationships["end"].astype("float").fillna(np.inf).to_numpy()


def still_running(lifetimes: np.ndarray, ages: np.ndarray) -> np.ndarray:
    """For each age, how many of the relationships with these ``lifetimes`` (end minus
    origin, infinite if still running) last longer than that age."""
    return (lifetimes[None, :] > ages[:, None]).sum(axis=1)


def cohort_retention(relationships: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Retention by acquisition cohort: share of a cohort's first relationships still running.

    A cohort is the customers a firm acquired (first relationship) in one step;
    ``retained`` at ``age`` counts those whose first relationship had not ended
    ``age`` weeks after it started.  Ages run while the cohort is observed.
    """
    first = relationships[relationships["first"] & (relationships["start"] > 0)]
    if first.empty:
        return pd.DataFrame(columns=["firm", "cohort", "age", "size", "retained", "retention"])
    end = ends(first)
    start = first["start"].to_numpy()
    rows = []
    for (firm, cohort), idx in first.groupby(["firm", "start"], observed=True).indices.items():
        ages = np.arange(0, horizon - cohort + 1)
        retained = still_running(end[idx] - start[idx], ages)
        rows.append(pd.DataFrame({"firm": firm, "cohort": cohort, "age": ages,
                                  "size": len(idx), "retained": retained,
                                  "retention": retained / len(idx)}))
    return pd.concat(rows, ignore_index=True)
