"""A short history of the customers the app shows: their state and events, week by week.

``model.events`` holds only the current week's events (see ``relsim.metrics.Events``),
so the app keeps, for the customers drawn in the network view and any customer
followed by index, a copy of a few state columns and every event column after
each step (a few column slices per step: microseconds).  The newest
:data:`HISTORY_WEEKS` weeks are kept.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

STATE = ("stage", "firm", "trust", "satisfaction", "expectation", "fairness", "dependence",
         "commitment")
"""Customer columns kept per week (``model.customers``)."""

HISTORY_WEEKS = 104
"""Weeks of history kept per customer."""


@dataclass(frozen=True)
class Week:
    """One week of the tracked customers: their ids, state columns and event columns."""

    step: int
    ids: np.ndarray
    state: dict[str, np.ndarray]
    events: dict[str, np.ndarray]


class CustomerHistory:
    """State and events of the tracked customers over the last :data:`HISTORY_WEEKS` weeks."""

    def __init__(self, ids: np.ndarray, weeks: int = HISTORY_WEEKS) -> None:
        self.ids = np.unique(np.asarray(ids, dtype=np.int64))
        self.weeks: deque[Week] = deque(maxlen=weeks)

    def track(self, customer: int) -> None:
        """Keep the history of ``customer`` too, from the next recorded week on."""
        if customer not in self.ids:
            self.ids = np.union1d(self.ids, [customer])

    def record(self, model) -> None:
        """Copy the tracked customers' state and this week's events."""
        c, ev, ids = model.customers, model.events, self.ids
        state = {name: getattr(c, name)[ids].copy() for name in STATE}
        events = {f.name: getattr(ev, f.name)[ids].copy() for f in fields(ev)}
        self.weeks.append(Week(int(model.steps), ids, state, events))

    def of(self, customer: int) -> list[dict[str, Any]]:
        """The customer's weeks, oldest first: ``{"step", state..., "events": {name: value}}``."""
        rows = []
        for week in self.weeks:
            k = int(np.searchsorted(week.ids, customer))
            if k == len(week.ids) or week.ids[k] != customer:
                continue
            row: dict[str, Any] = {"step": week.step}
            row.update({name: values[k].item() for name, values in week.state.items()})
            row["events"] = {name: values[k].item() for name, values in week.events.items()}
            rows.append(row)
        return rows
