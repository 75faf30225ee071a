"""The data dictionary: every column of every table relsim writes, declared once.

Each table of a run (:data:`relsim.runs.TABLES`) is a tuple of :class:`Column`:
name, dtype, unit and meaning.  The declarations are used

* by :func:`conform`, which gives every table its declared columns, order and
  dtypes (``firm`` is a categorical of the firms' names in every table, steps
  and customer ids are ``int32``, counts are integers), so tables join
  across libraries (pandas, polars, DuckDB);
* by :func:`arrow_table`, which writes the unit and meaning of each column into
  the Parquet file's field metadata (keys ``unit`` and ``description``);
* by ``docs/tables.md`` (``python -m relsim.odd --tables``), checked by the tests
  against the tables actually written.

Comparison tables carry a ``variant`` column first (:data:`VARIANT_COLUMN`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

from relsim.policies import POLICY_CLASSES
from relsim.stages import STAGE_NAMES


@dataclass(frozen=True)
class Column:
    """One column of a table."""

    name: str
    dtype: str
    """pandas dtype: int32, int64, float64, bool, or a categorical with fixed categories:
    firm (the firm names), segment (the segment names), stage (:data:`STAGE_NAMES`),
    ending (:data:`ENDINGS`); or category (the variant names)."""
    unit: str
    doc: str


def _c(name: str, dtype: str, unit: str, doc: str) -> Column:
    return Column(name, dtype, unit, doc)


ENDINGS = ("churn", "exploration", "firm", "running")
"""How a relationship ended (``firm``: the firm ended it) or that it is still running."""

VARIANT_COLUMN = _c("variant", "category", "", "variant of the scenario (comparisons only; "
                    "baseline first)")
RUN = (_c("replication", "int32", "", "replication number (0, 1, ...)"),
       _c("seed", "int64", "", "the replication's seed (replication_seed(scenario seed, r))"))
STEP = _c("step", "int32", "week", "week of the run (0: the initial state)")
FIRM = _c("firm", "firm", "", "firm name")
CUSTOMER = _c("customer", "int32", "", "customer id (network node), unique within a run")

_STAGE_DOCS = {"exploration": "testing the firm", "awareness": "settled buyers",
               "expansion": "buying more", "commitment": "committed",
               "dissolution": "lapsed customers whose last firm is the firm"}
_STATES = ("trust", "satisfaction", "expectation", "fairness", "dependence", "commitment")

FIRMS = (*RUN, STEP, FIRM,
         *[_c(f"n_{s}", "int64", "customers",
              f"customers of the firm in the {s} stage ({_STAGE_DOCS[s]})"
              if s != "dissolution" else _STAGE_DOCS[s])
           for s in STAGE_NAMES if s != "prospect"],
         _c("customers", "int64", "customers", "the firm's customers (every active stage)"),
         _c("market_share", "float64", "share", "the firm's customers / all customers in a "
            "relationship"),
         _c("adoptions_advertising", "int64", "customers per week",
            "prospects who adopted the firm through advertising"),
         _c("adoptions_wom", "int64", "customers per week",
            "prospects who adopted the firm through neighbours (word of mouth)"),
         _c("churn", "int64", "customers per week", "relationships ended by the churn hazard "
            "and by failed explorations"),
         _c("exploration_failures", "int64", "customers per week",
            "explorers whose failed test ended the relationship"),
         _c("switches_out", "int64", "customers per week",
            "churners who switched to a rival at once"),
         _c("switches_in", "int64", "customers per week",
            "customers who came from another firm"),
         _c("winbacks", "int64", "customers per week",
            "lapsed former customers who came back"),
         _c("returns", "int64", "customers per week",
            "lapsed customers of any firm who started with the firm"),
         *[_c(f"mean_{s}", "float64", "score (0-1)", f"mean {s} of the firm's customers "
              "(NaN without customers)") for s in _STATES],
         _c("mean_asymmetry", "float64", "score (0-1)",
            "mean dependence asymmetry |D - D_firm| of the firm's customers"),
         _c("nps", "float64", "points (-100..100)", "net promoter score of the firm's "
            "customers"),
         _c("wom_positive", "float64", "messages per week", "positive messages about the firm "
            "(each talker once per neighbour)"),
         _c("wom_negative", "float64", "messages per week", "negative messages about the "
            "firm (each talker once per neighbour)"),
         _c("encounters", "int64", "purchases per week", "purchases from the firm"),
         _c("promises_kept", "int64", "per week", "promises kept at those encounters"),
         _c("promises_broken", "int64", "per week", "promises broken at those encounters"),
         _c("service_failures", "int64", "per week", "encounters far below expectation or "
            "with a broken promise"),
         _c("complaints", "int64", "per week", "complaints about the week's encounters"),
         _c("recoveries", "int64", "per week", "complaints resolved"),
         _c("revenue", "float64", "currency per week", "spend of the week's purchases"),
         _c("gross_margin", "float64", "currency per week", "revenue minus unit costs"),
         _c("acquisition_cost", "float64", "currency per week",
            "acquisition cost of the week's new customers"),
         _c("service_cost", "float64", "currency per week", "cost to serve the customers"),
         *[_c(f"cost_{kind}", "float64", "currency per week",
              f"cost of the firm's {kind} policies") for kind in POLICY_CLASSES],
         _c("policy_cost", "float64", "currency per week", "sum of the cost_<kind> columns"),
         _c("profit", "float64", "currency per week",
            "gross margin - acquisition, service and policy costs"),
         _c("discounted_profit", "float64", "currency (week 0)",
            "profit discounted to week 0"),
         _c("customer_equity", "float64", "currency",
            "sum of the customers' forward lifetime values, valued at this week"))

MARKET = (*RUN, STEP,
          _c("prospects", "int64", "customers", "customers who never had a relationship"),
          _c("market_customers", "int64", "customers", "customers in a relationship"),
          _c("lapsed", "int64", "customers", "customers whose relationship ended"),
          _c("adopted_share", "float64", "share", "market_customers / all customers"),
          _c("ever_adopted_share", "float64", "share", "share of customers who ever had a "
             "relationship (the Bass F(t))"),
          _c("market_revenue", "float64", "currency per week", "spend over all firms"),
          _c("market_wom_positive", "float64", "messages per week",
             "positive messages over all firms"),
          _c("market_wom_negative", "float64", "messages per week",
             "negative messages over all firms"))

TRANSACTIONS = (*RUN, CUSTOMER, FIRM, STEP,
                _c("amount", "float64", "currency", "spend of the purchase (price x basket)"))

RELATIONSHIPS = (*RUN, CUSTOMER, FIRM,
                 _c("start", "int32", "week", "week the relationship started (0 or earlier "
                    "for the initial base)"),
                 _c("end", "Int32", "week", "week it ended (missing: running at the horizon)"),
                 _c("ended_by", "ending", "", "churn, exploration (failed test), firm "
                    "(pruned), or running"),
                 _c("first", "bool", "", "the customer's first relationship"))

COHORTS = (*RUN, FIRM,
           _c("cohort", "int32", "week", "week the cohort was acquired"),
           _c("age", "int32", "weeks", "weeks since acquisition"),
           _c("size", "int32", "customers", "customers acquired that week (first "
              "relationships)"),
           _c("retained", "int32", "customers", "of them, still in that relationship at age"),
           _c("retention", "float64", "share", "retained / size"))

CUSTOMERS = (*RUN, CUSTOMER,
             _c("segment", "segment", "", "segment name"),
             _c("firm", "firm", "", "firm at the horizon (missing: none)"),
             _c("stage", "stage", "", "lifecycle stage at the horizon"),
             _c("tenure", "int32", "weeks", "weeks with the current firm"),
             _c("acquired_step", "int32", "week", "week of first adoption (-1 never, -2 "
                "customer from the start)"),
             *[_c(s, "float64", "score (0-1)", f"{s} at the horizon") for s in _STATES],
             _c("realised_value", "float64", "currency (week 0)",
                "discounted margin brought so far"),
             _c("forward_value", "float64", "currency", "forward lifetime value at the "
                "horizon (0 without a firm)"))

_EVENT_FIRM = "firm (missing: none)"
TRACE = (*RUN, STEP, CUSTOMER,
         _c("segment", "segment", "", "segment name"),
         _c("stage", "stage", "", "lifecycle stage at the end of the week"),
         _c("stage_before", "stage", "", "lifecycle stage at the start of the week"),
         _c("firm", "firm", "", _EVENT_FIRM),
         _c("tenure", "int32", "weeks", "weeks with the current firm"),
         *[_c(s, "float64", "score (0-1)", f"{s} at the end of the week") for s in _STATES],
         _c("basket", "float64", "units", "units per purchase"),
         _c("price_paid", "float64", "currency", "unit price paid"),
         _c("loyalty_points", "float64", "points", "unredeemed loyalty points"),
         _c("bought", "bool", "", "had an encounter this week"),
         _c("experienced", "float64", "score (0-1)", "quality experienced (NaN: no purchase)"),
         _c("encounter_satisfaction", "float64", "score (0-1)",
            "satisfaction with the encounter (NaN: no purchase)"),
         _c("kept", "bool", "", "promise kept"),
         _c("broken", "bool", "", "promise broken"),
         _c("failed", "bool", "", "service failure (far below expectation or a broken "
            "promise)"),
         _c("complained", "bool", "", "complained"),
         _c("resolved", "bool", "", "complaint resolved"),
         _c("heard_positive", "float64", "messages", "positive messages heard"),
         _c("heard_negative", "float64", "messages", "negative messages heard"),
         _c("talked_about", "firm", "", "firm the customer talked about (missing: silent)"),
         _c("positive", "bool", "", "what it said was positive"),
         _c("adopted_ad", "firm", "", "firm adopted through advertising"),
         _c("adopted_wom", "firm", "", "firm adopted through word of mouth"),
         _c("churned_from", "firm", "", "firm left by the churn hazard"),
         _c("failed_from", "firm", "", "firm left after a failed exploration"),
         _c("switched_to", "firm", "", "firm switched to"),
         _c("winback", "bool", "", "returned to its former firm"))

WEEKLY_TRUTH = (*RUN, STEP, CUSTOMER, FIRM,
                _c("start", "int32", "week", "week the relationship started"),
                _c("purchase_prob", "float64", "probability per week",
                   "true purchase probability this week"),
                _c("churn_hazard", "float64", "probability per week",
                   "true churn hazard this week (NaN in the week the relationship starts)"),
                _c("bought", "bool", "", "bought this week"))

TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {
    "firms": FIRMS, "market": MARKET, "transactions": TRANSACTIONS,
    "relationships": RELATIONSHIPS, "cohorts": COHORTS, "customers": CUSTOMERS,
    "trace": TRACE, "weekly_truth": WEEKLY_TRUTH}
"""Every table and its columns, in output order (without the ``variant`` column)."""

TABLE_DOCS = {
    "firms": "one row per step and firm: the per-firm metrics (the Mesa DataCollector's "
             "agent reporters)",
    "market": "one row per step: the market-level metrics (the model reporters)",
    "transactions": "one row per purchase: the shape CLV libraries read (see docs/clv.md)",
    "relationships": "one row per relationship, ended or running",
    "cohorts": "retention of each acquisition cohort (first relationships) by age",
    "customers": "one row per customer at the horizon",
    "trace": "one row per traced customer and step (record.trace)",
    "weekly_truth": "one row per customer and week in a relationship (record.truth)",
}


def conform(frame: pd.DataFrame, table: str, firms: list[str],
            segments: list[str] | None = None) -> pd.DataFrame:
    """``frame`` with the declared columns of ``table``, in order, with the declared dtypes:
    a categorical column gets its fixed categories (``firms``, ``segments``, the stages,
    the endings), so that tables of different runs concatenate and compare; integer firm
    indices become names.  An empty table gets every declared column (but the run's
    ``replication`` and ``seed``)."""
    if not len(frame.columns):  # (a run's trace when no customer is traced)
        return _empty(table, tuple(firms),
                      None if segments is None else tuple(segments)).copy(deep=True)
    run = {c.name for c in RUN}  # added by relsim.runs.run_one, not by the model
    categories = {"firm": list(firms), "stage": list(STAGE_NAMES), "ending": list(ENDINGS),
                  "segment": list(segments) if segments is not None else None}
    columns = [c for c in TABLE_COLUMNS[table]
               if c.name in frame.columns or (not len(frame) and c.name not in run)]
    out = {}
    for column in columns:
        values = frame[column.name] if column.name in frame.columns else pd.Series(
            [], dtype="float64")
        out[column.name] = _as_array(values, column.dtype, categories)
    # arrays, not Series: the frame is built without aligning 50 indexes (3x faster)
    return pd.DataFrame(out, index=frame.index if len(frame) else None)


@lru_cache(maxsize=32)
def _empty(table: str, firms: tuple[str, ...], segments: tuple[str, ...] | None
           ) -> pd.DataFrame:
    """The empty ``table`` (every declared column but the run's), built once."""
    return conform(pd.DataFrame({"_": []}), table, list(firms),
                   None if segments is None else list(segments))


_NUMPY = ("float64", "int32", "int64", "bool")


def _as_array(values: pd.Series, dtype: str, categories: dict[str, list | None]):
    """The values of :func:`_as`, as an array; a cast between numpy dtypes is numpy's own
    (what pandas does after its check that no NaN or infinity becomes an integer, which
    is kept: such values go through pandas and raise)."""
    source = values.dtype
    if (dtype in _NUMPY and source != dtype and isinstance(source, np.dtype)
            and source.kind in "biuf"):
        array = values.to_numpy()
        if not (source.kind == "f" and dtype != "float64" and not np.isfinite(array).all()):
            return array.astype(dtype)
    return _as(values, dtype, categories).array


def _as(values: pd.Series, dtype: str, categories: dict[str, list | None]) -> pd.Series:
    if dtype in categories:
        names = categories[dtype]
        if names is None:  # not known here: the values seen
            return values if isinstance(values.dtype, pd.CategoricalDtype) else \
                values.astype("category")
        if isinstance(values.dtype, pd.CategoricalDtype) \
                and list(values.cat.categories) == names:
            return values
        if pd.api.types.is_integer_dtype(values) and not isinstance(values.dtype,
                                                                   pd.CategoricalDtype):
            codes = values.to_numpy()
            return pd.Series(pd.Categorical.from_codes(np.where(codes >= 0, codes, -1),
                                                       categories=names), index=values.index)
        return values.astype(pd.CategoricalDtype(names))
    if dtype == "category":
        return values if isinstance(values.dtype, pd.CategoricalDtype) else \
            values.astype("category")
    return values if values.dtype == dtype else values.astype(dtype)


def arrow_table(frame: pd.DataFrame, table: str) -> pa.Table:
    """A pyarrow Table of ``frame`` whose fields carry the unit and meaning of each column
    (Parquet field metadata ``unit`` and ``description``)."""
    declared = {c.name: c for c in (VARIANT_COLUMN, *TABLE_COLUMNS[table])}
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    fields = []
    for field in arrow.schema:
        column = declared.get(field.name)
        meta = {"unit": column.unit, "description": column.doc} if column else {}
        fields.append(field.with_metadata(meta))
    return arrow.cast(pa.schema(fields, metadata=arrow.schema.metadata))


def dictionary_markdown() -> str:
    """docs/tables.md: every table and column with its type, unit and meaning."""
    parts = ["# relsim tables\n\n<!-- generated by `python -m relsim.odd --tables > "
             "docs/tables.md`: do not edit -->\n\nEvery table a run writes (`relsim run`: "
             "CSV or Parquet; `relsim.run`: pandas DataFrames), with each column's type, "
             "unit and meaning. The same units and meanings are in every Parquet file's "
             "field metadata (`unit`, `description`). Types are the same in every table: "
             "`firm` is a categorical of the firm names in the scenario's order, steps and "
             "customer ids are `int32`, counts are integers. Comparison tables (`relsim "
             "run`) add a first column `variant` (categorical, baseline first).\n"]
    for table, columns in TABLE_COLUMNS.items():
        parts.append(f"\n## {table}\n\n{TABLE_DOCS[table]}.\n\n| column | type | unit | "
                     "meaning |\n|---|---|---|---|\n")
        for c in columns:
            kind = {"firm": "categorical (firm names)", "segment": "categorical (segment "
                    "names)", "stage": "categorical (stages)", "ending": "categorical "
                    "(endings)"}.get(c.dtype, c.dtype)
            parts.append(f"| `{c.name}` | {kind} | {c.unit} | {c.doc} |\n")
    return "".join(parts)
