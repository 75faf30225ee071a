"""What a calibration's run is reduced to: the counts its target compares with the data.

A cohort target reads the relationships table (:func:`cohort_counts`), a series target
the firms table (:func:`series_counts`); :func:`simulate_runs` runs several runs (runs that
can share a stack advance together, :mod:`relsim.stack`) and reduces each.  All are pure,
picklable functions, so tasks can go to worker processes or Dask.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relsim.config import ModelConfig
from relsim.runs import run_many


def cohort_counts(relationships: pd.DataFrame, firm: str, first_week: int, last_week: int,
                  ages: np.ndarray) -> tuple[int, np.ndarray]:
    """Size of the firm's acquisition cohort of weeks first_week..last_week (first
    relationships only) and how many of it are still in that relationship after each age
    (weeks).  At age 0 the whole cohort counts (a relationship that ends in the week it
    started is lost in the first period, as a subscriber who cancels at once is)."""
    rel = relationships
    chosen = rel[rel["first"] & (rel["firm"] == firm) & (rel["start"] >= first_week)
                 & (rel["start"] <= last_week)]
    lifetime = (chosen["end"].astype("float").fillna(np.inf) - chosen["start"]).to_numpy()
    ages = np.asarray(ages)[:, None]
    alive = ((lifetime[None, :] > ages) | (ages == 0)).sum(axis=1)
    return len(chosen), alive


def simulate_cohort(config: ModelConfig, seed: int, replication: int, firm: str,
                    first_week: int, last_week: int, ages: tuple[int, ...]
                    ) -> tuple[int, np.ndarray]:
    """One run of ``config`` reduced to its cohort counts (a pure, picklable function)."""
    return simulate_runs("relationships", [(config, seed, replication)],
                         (firm, first_week, last_week, ages))[0]


def series_counts(firms: pd.DataFrame, firm: str, kind: str, start_week: int,
                  period_weeks: int, periods: int) -> tuple[np.ndarray, np.ndarray]:
    """A series target's simulated counts per period, from the firms table: for
    ``churn_rate`` the firm's customers at the end of the week before period t (those at
    risk) and how many relationships with it ended during the period's weeks (churn and
    failed explorations); for ``market_share`` all customers in a relationship and the
    firm's own, at the end of the period's last week.  Period t spans weeks
    ``start_week + t * period_weeks`` to ``start_week + (t + 1) * period_weeks - 1``."""
    table = firms[firms["firm"] == firm].set_index("step")
    starts = start_week + period_weeks * np.arange(periods)
    ends = starts + period_weeks - 1
    customers = table["customers"].to_numpy(dtype=float)  # rows are steps 0..horizon
    if kind == "churn_rate":
        churn = np.r_[0.0, np.cumsum(table["churn"].to_numpy(dtype=float))]
        # churn[w + 1] - churn[v] = churners in weeks v..w
        return customers[starts - 1], churn[ends + 1] - churn[starts]
    totals = firms.groupby("step", observed=True)["customers"].sum().to_numpy(dtype=float)
    return totals[ends], customers[ends]


def simulate_series(config: ModelConfig, seed: int, replication: int, firm: str, kind: str,
                    start_week: int, period_weeks: int, periods: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """One run of ``config`` reduced to a series target's counts (:func:`series_counts`; a
    pure, picklable function)."""
    return simulate_runs("firms", [(config, seed, replication)],
                         (firm, kind, start_week, period_weeks, periods))[0]


def simulate_runs(table: str, runs: list[tuple[ModelConfig, int, int]], args: tuple
                  ) -> list[tuple]:
    """The counts of each ``(config, seed, replication)`` of ``runs``
    (:func:`relsim.runs.run_many`: runs that can share a stack advance together), reduced
    from its ``table`` by :func:`cohort_counts` (``relationships``) or
    :func:`series_counts` (``firms``) with ``args`` (a pure, picklable task function)."""
    results = run_many(runs, tables=(table,))
    if table == "firms":
        return [series_counts(r.firms, *args) for r in results]
    firm, first, last, ages = args
    return [cohort_counts(r.relationships, firm, first, last, np.asarray(ages))
            for r in results]
