"""The CLV export: dated, keyed transactions and the truth per relationship and per week.

See :mod:`relsim.clv` for why each column is there, and docs/clv.md for a worked example.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_START = "2024-01-01"
"""Date of step 0 (the start of observation)."""
DEFAULT_PERIOD = "W"
"""Length of one step: one week, as in the model."""
ENDED_BY = {"churn": "churn", "exploration": "exploration", "firm": "pruning",
            "running": "censored"}
"""How relsim's ``ended_by`` reads in the truth; a churn followed at once by a relationship
with a rival firm is a ``switch``."""
SEPARATOR = "/"
"""Between the parts of a ``customer_id``."""


class ClvInputError(ValueError):
    """Bad input to the CLV export (a firm, a date, a period, a table); the message is one line."""


# --------------------------------------------------------------------------- dates and keys

def parse_start(start: Any) -> pd.Timestamp:
    """The date of step 0: a date such as ``"2024-01-01"`` (or anything pandas reads as one)."""
    try:
        stamp = pd.Timestamp(start)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise ClvInputError("not a date; expected YYYY-MM-DD, e.g. 2024-01-01")
    return stamp


def parse_period(period: Any) -> pd.Timedelta:
    """The length of a step: ``"W"`` (a week), ``"D"`` (a day) or a multiple (``"2W"``)."""
    match = re.fullmatch(r"(\d*)([WD])", str(period).strip().upper())
    count = int(match.group(1) or 1) if match else 0
    if count < 1:
        raise ClvInputError("expected the length of a step: W (a week), D (a day) or a "
                            "multiple such as 2W or 7D")
    return pd.Timedelta(days=count * (7 if match.group(2) == "W" else 1))


def step_dates(steps: Any, *, start: Any = DEFAULT_START,
               period: str = DEFAULT_PERIOD) -> pd.DatetimeIndex | pd.Timestamp:
    """The date of each step: ``start + step * period`` (step 0 is ``start``).

    ``period`` is ``"W"`` (a week, the model's step), ``"D"`` or a multiple (``"2W"``,
    ``"7D"``); tell the CLV library the same unit (``freq="W"``, ``time_unit="W"``).
    A scalar step gives a Timestamp.
    """
    try:
        origin = parse_start(start)
    except ClvInputError as exc:
        raise ClvInputError(f"start {start!r}: {exc}") from None
    try:
        days = parse_period(period).days
    except ClvInputError as exc:
        raise ClvInputError(f"period {period!r}: {exc}") from None
    offsets = np.asarray(steps, dtype=np.int64) * days
    if offsets.ndim == 0:
        return origin + pd.Timedelta(days=int(offsets))
    return origin + pd.to_timedelta(offsets, unit="D")


def _groups(frame: pd.DataFrame) -> list[str]:
    """The columns that tell runs apart: variant (in a comparison) and replication."""
    return [c for c in ("variant", "replication") if c in frame.columns]


def customer_keys(frame: pd.DataFrame) -> pd.Series:
    """``"<variant>/<replication>/<firm>/<customer>"`` of each row (parts present in
    ``frame``): one CLV customer per firm, replication and variant."""
    parts = _groups(frame) + ["firm", "customer"]
    for column in ("variant", "firm"):
        if column in frame.columns and any(SEPARATOR in str(v) for v in frame[column].unique()):
            raise ClvInputError(f"a {column} name contains {SEPARATOR!r}, which customer_id "
                                "uses to separate its parts")
    key = frame[parts[0]].astype(str)
    for column in parts[1:]:
        key = key + SEPARATOR + frame[column].astype(str)
    return key.rename("customer_id")


def firm_names(frame: pd.DataFrame) -> list[str]:
    """The firms of a table: its categories, or the names found in it (a CSV file)."""
    firm = frame["firm"]
    return [str(f) for f in (firm.cat.categories if isinstance(firm.dtype, pd.CategoricalDtype)
                             else sorted(firm.astype(str).unique()))]


def check_firm(firm: Any, known: list[str]) -> None:
    """Raise :class:`ClvInputError` unless ``firm`` is one of ``known``."""
    if str(firm) not in known:
        raise ClvInputError(f"no such firm; expected one of {', '.join(known)}")


def select_firm(frame: pd.DataFrame, firm: str | None, known: list[str]) -> pd.DataFrame:
    """The rows of ``frame`` of firm ``firm`` (all rows when None); ``known``: the firms."""
    if firm is None:
        return frame
    try:
        check_firm(firm, known)
    except ClvInputError as exc:
        raise ClvInputError(f"firm {firm!r}: {exc}") from None
    return frame[frame["firm"].astype(str) == str(firm)]


def _relationships(result: Any) -> pd.DataFrame:
    """The relationships with nullable integer ends and their customer keys."""
    rel = result.relationships.copy()
    rel["start"] = rel["start"].astype(np.int64)
    rel["end"] = pd.to_numeric(rel["end"]).astype("Int64")
    rel["customer_id"] = customer_keys(rel)
    return rel


def _left_censored(rel: pd.DataFrame) -> pd.Index:
    """Keys of the customers already in the relationship at step 0 (acquired earlier)."""
    return pd.Index(rel.loc[rel["start"] == 0, "customer_id"].unique())


# --------------------------------------------------------------------------- exports

def clv_transactions(result: Any, *, firm: str | None = None, start: Any = DEFAULT_START,
                     period: str = DEFAULT_PERIOD,
                     drop_left_censored: bool = False) -> pd.DataFrame:
    """The transaction log in the shape CLV libraries read.

    ``result`` is a :class:`relsim.runs.RunResult` (of ``relsim.run`` or a comparison) or
    :class:`RunTables`.  Columns: [variant], replication, firm, customer, ``customer_id``
    (unique per firm, replication and variant), step, ``date`` (:func:`step_dates`),
    amount, ``left_censored`` (the customer was already the firm's customer at step 0).
    ``firm``: that firm's customers only; ``drop_left_censored``: without the
    left-censored customers.  For lifetimes::

        summary_data_from_transaction_data(tx, "customer_id", "date", "amount", freq="W")
    """
    rel = _relationships(result)
    tx = select_firm(result.transactions, firm, firm_names(rel))
    dates = step_dates(tx["step"].to_numpy(), start=start, period=period)
    out = tx[_groups(tx) + ["firm", "customer"]].copy()
    out["customer_id"] = customer_keys(tx)
    out["step"] = tx["step"]
    out["date"] = dates
    out["amount"] = tx["amount"]
    out["left_censored"] = out["customer_id"].isin(_left_censored(rel))
    if drop_left_censored:
        out = out[~out["left_censored"]]
    return out.reset_index(drop=True)


def _horizons(result: Any, rel: pd.DataFrame) -> pd.Series:
    """The last step of the run each relationship belongs to."""
    groups = _groups(rel)
    market = result.market
    if not groups:
        return pd.Series(int(market["step"].max()), index=rel.index)
    last = market.groupby(groups, observed=True)["step"].max().rename("horizon").reset_index()
    keys = rel[groups].astype(str)
    last[groups] = last[groups].astype(str)
    return keys.merge(last, on=groups, how="left")["horizon"].set_axis(rel.index)


def _switched(rel: pd.DataFrame) -> pd.Series:
    """True for relationships ended by churn whose customer started one with a rival firm the
    same week (churn and switch are drawn together)."""
    on = _groups(rel) + ["customer"]
    starts = rel[on + ["start", "firm"]].rename(columns={"start": "end", "firm": "next_firm"})
    starts[on] = starts[on].astype(str)
    ended = rel.loc[rel["ended_by"] == "churn", on + ["end", "firm"]]
    ended = ended.assign(end=ended["end"].astype(np.int64), **{c: ended[c].astype(str)
                                                                for c in on})
    matched = ended.reset_index().merge(starts, on=on + ["end"], how="inner")
    matched = matched[matched["firm"].astype(str) != matched["next_firm"].astype(str)]
    return pd.Series(rel.index.isin(matched["index"]), index=rel.index)


def clv_truth(result: Any, *, firm: str | None = None, start: Any = DEFAULT_START,
              period: str = DEFAULT_PERIOD, drop_left_censored: bool = False) -> pd.DataFrame:
    """The truth per relationship, keyed like :func:`clv_transactions`.

    Columns: [variant], replication, firm, customer, customer_id, start_step, start_date,
    end_step and end_date (NA while the relationship runs at the horizon), ended_by
    (churn, switch -- to a rival in the same week --, exploration -- a failed first test --,
    pruning -- ended by the firm -- or censored), censored, duration (weeks from start to
    end, or to the horizon when censored), left_censored (the relationship started before
    observation: step 0), first (the customer's first relationship).

    A relationship that ends at step ``e`` is alive until the end of week ``e - 1``: churn
    is drawn at the start of week ``e``, before any purchase; a failed exploration or a
    pruning ends it after week ``e``'s purchase.  See :func:`alive_at`.
    """
    rel = _relationships(result)
    switched = _switched(rel)
    horizon = _horizons(result, rel)
    keep = select_firm(rel, firm, firm_names(rel)).index
    if drop_left_censored:
        keep = keep.difference(rel.index[rel["customer_id"].isin(_left_censored(rel))])
    rel, switched, horizon = rel.loc[keep], switched.loc[keep], horizon.loc[keep]
    out = rel[_groups(rel) + ["firm", "customer", "customer_id"]].copy()
    out["start_step"] = rel["start"]
    out["start_date"] = step_dates(rel["start"].to_numpy(), start=start, period=period)
    out["end_step"] = rel["end"]
    ended = rel["end"].notna().to_numpy()
    dates = step_dates(rel["end"].fillna(0).to_numpy(dtype=np.int64), start=start,
                       period=period)
    out["end_date"] = pd.Series(dates, index=rel.index).where(ended)
    how = rel["ended_by"].astype(str).map(ENDED_BY).fillna(rel["ended_by"].astype(str))
    out["ended_by"] = how.where(~switched, "switch")
    out["censored"] = ~ended
    out["duration"] = (rel["end"].fillna(horizon.astype("Int64")) - rel["start"]).astype("Int64")
    out["left_censored"] = rel["start"] == 0
    out["first"] = rel["first"].astype(bool)
    return out.reset_index(drop=True)


def clv_weekly_truth(result: Any, *, firm: str | None = None, start: Any = DEFAULT_START,
                     period: str = DEFAULT_PERIOD,
                     drop_left_censored: bool = False) -> pd.DataFrame:
    """The weekly truth keyed like :func:`clv_transactions`: one row per relationship and week
    (``record.truth``; see :meth:`relsim.records.Records.truth_frame`) with customer_id, date,
    purchase_prob, churn_hazard, bought and left_censored (the relationship started at step 0).
    """
    weekly = getattr(result, "weekly_truth", None)
    if weekly is None:
        raise ClvInputError("no weekly truth: record it with record.truth on "
                            "(relsim.run(..., record__truth=True)); comparisons and "
                            "`relsim run` do not carry it yet")
    rel = _relationships(result)
    weekly = select_firm(weekly, firm, firm_names(rel))
    out = weekly[_groups(weekly) + ["firm", "customer"]].copy()
    out["customer_id"] = customer_keys(weekly)
    out["start_step"] = weekly["start"]
    out["step"] = weekly["step"]
    out["date"] = step_dates(weekly["step"].to_numpy(), start=start, period=period)
    for column in ("purchase_prob", "churn_hazard", "bought"):
        out[column] = weekly[column]
    out["left_censored"] = weekly["start"] == 0
    if drop_left_censored:
        out = out[~out["customer_id"].isin(_left_censored(rel))]
    return out.reset_index(drop=True)


