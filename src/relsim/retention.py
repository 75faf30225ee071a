"""Retention curves: how many relationships of a group are still running, week by week.

Two curves: the retention of each acquisition cohort (:func:`cohort_retention`, the
``cohorts`` table, counted for all cohorts at once from a histogram of lifetimes) and
the retention of each firm's week-0 customers in a comparison report
(:func:`relsim.report.outcomes.retention_curves`, through :func:`still_running`).
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
    firm = first["firm"]
    if not isinstance(firm.dtype, pd.CategoricalDtype):
        firm = firm.astype("category")
    start = first["start"].to_numpy(np.int64)
    width = horizon + 2  # lifetimes 0..horizon, and "longer than the horizon"
    lifetime = np.minimum(ends(first) - start, width - 1).astype(np.int64)
    cohorts, group = np.unique(firm.cat.codes.to_numpy(np.int64) * width + start,
                               return_inverse=True)  # by firm, then cohort
    counts = np.bincount(group * width + lifetime, minlength=cohorts.size * width)
    longer = counts.reshape(cohorts.size, width)[:, ::-1].cumsum(axis=1)[:, ::-1]
    cohort = cohorts % width
    n_ages = horizon - cohort + 1
    row_group = np.repeat(np.arange(cohorts.size), n_ages)
    age = np.arange(row_group.size) - np.repeat(np.cumsum(n_ages) - n_ages, n_ages)
    size = longer[:, 0][row_group]
    retained = np.append(longer[:, 1:], np.zeros((cohorts.size, 1), np.int64), axis=1)[
        row_group, age]  # still running after ``age`` weeks: lifetime > age
    return pd.DataFrame({
        "firm": pd.Categorical.from_codes(cohorts[row_group] // width, firm.cat.categories),
        "cohort": cohort[row_group], "age": age, "size": size, "retained": retained,
        "retention": retained / size})
