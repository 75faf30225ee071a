"""What a run records besides metrics: transactions, relationships and traces.

* the transaction log (customer, firm, step, amount), the long format that
  customer-lifetime-value libraries (``lifetimes``, ``PyMC-Marketing``) read;
* the relationship log: one row per relationship (customer, firm, start, end,
  how it ended, whether it was the customer's first), from which retention by
  acquisition cohort is computed;
* the trace of chosen customers: their state and the events that moved it,
  step by step, to follow one relationship through its lifecycle;
* on request (``record.truth``), the weekly truth: for every relationship
  and every week it lasted, the customer's true purchase probability and
  churn hazard that week, against which a CLV model's predictions can be
  scored (:mod:`relsim.clv`).

Chunks are appended as numpy arrays each step (no per-customer Python loop)
and turned into pandas DataFrames at the end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relsim.config import RecordConfig
from relsim.stages import STAGE_NAMES, is_active

TRACE_STATE = ("segment", "stage", "firm", "tenure", "trust", "satisfaction", "expectation", "fairness",
               "dependence", "commitment", "basket", "price_paid", "loyalty_points")
TRACE_EVENTS = ("bought", "experienced", "encounter_satisfaction", "kept", "broken", "failed",
                "complained",
                "resolved", "heard_positive", "heard_negative", "talked_about", "positive",
                "adopted_ad", "adopted_wom", "churned_from", "failed_from", "switched_to",
                "winback")


def _column(customers, name: str) -> np.ndarray:
    """A customer column; a policy's column that no configured policy owns is all zero."""
    column = customers.column(name)
    return np.zeros(customers.n) if column is None else column


class Records:
    """Accumulates the logs of one run."""

    def __init__(self, config: RecordConfig, initial: np.ndarray, segment_names: list[str]
                 ) -> None:
        self.config = config
        self._segment_names = segment_names
        self._transactions: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
        self._ended: list[tuple[np.ndarray, ...]] = []
        # is each customer's running relationship its first? (initial base: yes)
        self._first = initial.copy()
        self._trace_ids = np.asarray(config.trace, dtype=np.int64)
        self._trace_rows: list[dict] = []
        self._stage_before: np.ndarray | None = None
        self._truth: list[tuple[np.ndarray, ...]] = []
        self._truth_step = -1  # the last step whose encounter-phase truth is recorded

    # ---------------------------------------------------------------- hooks
    def relationships_started(self, idx: np.ndarray, first: np.ndarray) -> None:
        """Remember which running relationships are customers' first ones."""
        self._first[idx] = first

    def relationships_ended(self, model, idx: np.ndarray, reason: str) -> None:
        """Log ended relationships (called before the customer's state is reset)."""
        c = model.customers
        self._ended.append((idx.astype(np.int32), c.firm[idx].copy(), c.started_step[idx].copy(),
                            np.full(len(idx), model.steps, dtype=np.int32),
                            np.full(len(idx), reason), self._first[idx].copy()))
        if self.config.truth and self._truth_step != model.steps:
            # ended before this week's encounters (churn): the week's row, without a purchase
            c, at_risk = model.customers, reason == "churn"
            hazard = model.events.churn_hazard[idx] if at_risk else np.full(len(idx), np.nan)
            self._truth.append((idx.astype(np.int32), c.firm[idx].copy(),
                                c.started_step[idx].copy(), np.full(len(idx), model.steps,
                                                                    dtype=np.int32),
                                np.zeros(len(idx)), hazard.astype(np.float64),
                                np.zeros(len(idx), dtype=bool)))

    def transactions(self, model, bought: np.ndarray) -> None:
        """Append this step's purchases to the transaction log (and the week's truth, if kept)."""
        if self.config.truth:
            self._truth_week(model, bought)
        if not self.config.transactions:
            return
        idx = np.flatnonzero(bought).astype(np.int32)
        c = model.customers
        self._transactions.append((model.steps, idx, c.firm[idx].copy(),
                                   c.spend[idx].astype(np.float64)))

    def _truth_week(self, model, bought: np.ndarray) -> None:
        """Record, for every customer in a relationship at this week's encounters, the
        relationship (customer, firm, start), its purchase probability and churn hazard this week
        and whether the customer bought.

        The hazard is ``events.churn_hazard`` (the probability of churning this week, from the
        state at the start of the week, which the customer survived); it is NaN in the week a
        relationship starts, since churn is drawn before relationships start.
        """
        c, step = model.customers, model.steps
        idx = np.flatnonzero(is_active(c.stage)).astype(np.int32)
        started = c.started_step[idx].copy()
        hazard = np.where(started == step, np.nan, model.events.churn_hazard[idx])
        self._truth.append((idx, c.firm[idx].copy(), started, np.full(len(idx), step,
                                                                        dtype=np.int32),
                            c.purchase_prob[idx].astype(np.float64), hazard, bought[idx].copy()))
        self._truth_step = step

    def before_step(self, model) -> None:
        """Note stages at the start of the step (for stage changes in the trace)."""
        if len(self._trace_ids):
            self._stage_before = model.customers.stage[self._trace_ids].copy()

    def trace_step(self, model, step: int) -> None:
        """Record traced customers' state and this step's events."""
        if not len(self._trace_ids):
            return
        c, ev, ids = model.customers, model.events, self._trace_ids
        state = {name: _column(c, name)[ids] for name in TRACE_STATE}
        events = {name: getattr(ev, name)[ids] for name in TRACE_EVENTS}
        before = self._stage_before if self._stage_before is not None else state["stage"]
        for k, cid in enumerate(ids.tolist()):
            row = {"step": step, "customer": cid}
            row.update({name: values[k].item() for name, values in state.items()})
            row.update({name: values[k].item() for name, values in events.items()})
            row["stage"] = STAGE_NAMES[row["stage"]]
            row["segment"] = self._segment_names[row["segment"]]
            row["stage_before"] = STAGE_NAMES[int(before[k])]
            self._trace_rows.append(row)

    # ---------------------------------------------------------------- tables
    def transactions_frame(self, firm_names: list[str]) -> pd.DataFrame:
        """The transaction log: customer, firm, step, amount."""
        if not self._transactions:
            return pd.DataFrame({"customer": pd.Series(dtype="int32"),
                                 "firm": pd.Categorical([], categories=firm_names),
                                 "step": pd.Series(dtype="int32"),
                                 "amount": pd.Series(dtype="float64")})
        steps = np.concatenate([np.full(len(i), s, dtype=np.int32)
                                for s, i, _, _ in self._transactions])
        return pd.DataFrame({
            "customer": np.concatenate([i for _, i, _, _ in self._transactions]),
            "firm": pd.Categorical.from_codes(
                np.concatenate([f for _, _, f, _ in self._transactions]), firm_names),
            "step": steps,
            "amount": np.concatenate([a for _, _, _, a in self._transactions]),
        })

    def relationships_frame(self, model) -> pd.DataFrame:
        """One row per relationship: ended ones with their end, running ones with end = NaN."""
        c = model.customers
        running = np.flatnonzero(c.firm >= 0).astype(np.int32)
        first = self._first
        parts = self._ended + [(running, c.firm[running].copy(), c.started_step[running].copy(),
                                np.full(len(running), -1, dtype=np.int32),
                                np.full(len(running), "running"), first[running].copy())]
        cols = [np.concatenate([p[k] for p in parts]) for k in range(6)]
        frame = pd.DataFrame({
            "customer": cols[0],
            "firm": pd.Categorical.from_codes(cols[1].astype(np.int16),
                                              [f.name for f in model.firms]),
            "start": cols[2], "end": pd.array(np.where(cols[3] < 0, 0, cols[3]), dtype="Int32"),
            "ended_by": cols[4], "first": cols[5].astype(bool),
        })
        frame.loc[cols[3] < 0, "end"] = pd.NA
        return frame

    def customers_frame(self, model) -> pd.DataFrame:
        """Every customer at the end: segment, firm, stage, tenure, attitudes, realised and
        forward value."""
        if not self.config.customers:
            return pd.DataFrame()
        c = model.customers
        names = [f.name for f in model.firms]
        return pd.DataFrame({
            "customer": np.arange(c.n, dtype=np.int32),
            "segment": pd.Categorical.from_codes(c.segment, self._segment_names),
            "firm": pd.Categorical.from_codes(c.firm, names),
            "stage": pd.Categorical.from_codes(c.stage, STAGE_NAMES),
            "tenure": c.tenure,
            "acquired_step": c.acquired_step,
            **{state: getattr(c, state) for state in ("trust", "satisfaction", "expectation",
                                                       "fairness", "dependence", "commitment")},
            "realised_value": c.realised_value,
            "forward_value": model.forward_values(),
        })

    def trace_frame(self) -> pd.DataFrame:
        """The trace of chosen customers, one row per customer and step."""
        return pd.DataFrame(self._trace_rows)

    def truth_frame(self, firm_names: list[str]) -> pd.DataFrame:
        """The weekly truth (``record.truth``; an empty frame without columns if not recorded).

        One row per relationship and week from its start (week 1 for the initial base) to
        its end (or the horizon): customer, firm, start (the relationship's start step),
        step, purchase_prob (0 in a week it ended by churn, before any purchase),
        churn_hazard (NaN in the week it started, or ended other than by churn before the
        encounters), bought.
        """
        if not self.config.truth:
            return pd.DataFrame()
        names = ("customer", "firm", "start", "step", "purchase_prob", "churn_hazard", "bought")
        dtypes = (np.int32, np.int16, np.int32, np.int32, np.float64, np.float64, bool)
        cols = [np.concatenate([part[k] for part in self._truth]) if self._truth
                else np.zeros(0, dtype=dtype) for k, dtype in enumerate(dtypes)]
        frame = pd.DataFrame(dict(zip(names, cols, strict=True)))
        frame["firm"] = pd.Categorical.from_codes(cols[1].astype(np.int16), firm_names)
        return frame
