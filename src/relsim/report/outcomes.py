"""The outcomes a comparison report summarises, per variant, firm and replication.

Every outcome is computed from the tidy tables of a comparison run
(:func:`relsim.compare.run_comparison`), one value per (variant, replication,
firm), then summarised over replications with 95% Student-t intervals, and
compared with the baseline replication by replication (common random numbers:
replication ``r`` of every variant ran with the same seed, so the difference
is paired).  :data:`OUTCOMES` defines each one; ``docs/report.md`` repeats the
definitions for readers of a report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from relsim.compare import VARIANT
from relsim.config import ModelConfig
from relsim.economics import discount_factor
from relsim.params import STEPS_PER_YEAR
from relsim.retention import ends, still_running
from relsim.scenario import BASELINE
from relsim.stats import t_interval

KEYS = [VARIANT, "replication", "firm"]
"""Columns that identify one value of an outcome."""


@dataclass(frozen=True)
class Outcome:
    """One outcome of the report: its column, label, unit and definition."""

    name: str
    label: str
    unit: str
    doc: str
    higher_is_better: bool = True


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("retention", "retention at horizon", "share",
            "share of the firm's relationships running at step 0 that are still running at the "
            "horizon (a customer who left and came back counts as lost)"),
    Outcome("churn_rate", "annual churn", "share per year",
            "weekly churn w = churners in weeks 1..T / customers at the start of those weeks, "
            "as an annual rate 1 - (1 - w)^52; churners include failed explorations",
            higher_is_better=False),
    Outcome("market_share", "market share at horizon", "share",
            "the firm's customers / all customers in a relationship, at the horizon"),
    Outcome("nps", "NPS at horizon", "points (-100..100)",
            "net promoter score of the firm's customers at the horizon"),
    Outcome("customer_equity", "customer equity at horizon", "money",
            "sum of the firm's customers' expected future margins at the horizon "
            "(forward value, ODD 7.13)"),
    Outcome("npv_profit", "NPV of profit", "money",
            "profit of weeks 1..T (margin - acquisition, service and policy costs), discounted "
            "to week 0"),
    Outcome("value", "value created", "money",
            "NPV of profit + customer equity at the horizon discounted to week 0: what the "
            "firm gains during the horizon and after it"),
    Outcome("policy_roi", "policy ROI vs baseline", "per unit of extra spend",
            "(value - baseline value) / (discounted policy cost - baseline's), per replication; "
            "defined when the firm's policies differ from the baseline's and it spends more"),
)
"""The outcomes, in report order."""

OUTCOME = {o.name: o for o in OUTCOMES}
"""Outcomes by column name."""


# --------------------------------------------------------------------------- per replication

def categories(column: pd.Series) -> list:
    """The values of a column in their order: a categorical's categories, else first seen."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return list(column.cat.categories)
    return list(dict.fromkeys(column))


def retention_curves(relationships: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Share of each firm's step-0 relationships still running at each step 0..horizon, per
    variant and replication (columns variant, replication, firm, step, initial, retention).

    A relationship running at step 0 has ``start <= 0``; it is retained at step t while its
    ``end`` is missing (still running at the horizon) or later than t.
    """
    initial = relationships[relationships["start"] <= 0]
    steps = np.arange(horizon + 1)
    rows = []
    for key, group in initial.groupby(KEYS, observed=True, sort=True):
        end = ends(group)
        retained = still_running(end, steps)  # counted from step 0
        rows.append(pd.DataFrame({VARIANT: key[0], "replication": key[1], "firm": key[2],
                                  "step": steps, "initial": len(end),
                                  "retention": retained / len(end)}))
    columns = [*KEYS, "step", "initial", "retention"]
    if not rows:
        return pd.DataFrame(columns=columns)
    curves = pd.concat(rows, ignore_index=True)
    for column in (VARIANT, "firm"):  # keep the order of the input
        curves[column] = pd.Categorical(curves[column], categories(relationships[column]))
    return curves[columns]


def _discount(configs: dict[str, ModelConfig], variants: pd.Series, steps: pd.Series) -> np.ndarray:
    """Discount factor (1 + d)^-step of each row, with d the weekly rate of its variant."""
    rate = variants.astype(str).map({v: c.economics.discount_rate_per_step
                                     for v, c in configs.items()})
    return discount_factor(steps.to_numpy(float), rate.to_numpy(float))


def replication_outcomes(firms: pd.DataFrame, relationships: pd.DataFrame,
                         configs: dict[str, ModelConfig]) -> pd.DataFrame:
    """Every outcome of :data:`OUTCOMES` for each (variant, replication, firm), plus the
    ingredients ``pv_equity`` and ``pv_policy_cost`` (discounted to week 0).

    ``configs`` maps each variant to its model configuration (for discount rates and, for
    the policy ROI, to see whose policies differ from the baseline's).
    """
    # firms in their order in the tables (the scenario's), not by name
    firms = firms.assign(firm=pd.Categorical(firms["firm"], categories(firms["firm"])))
    firms = firms.sort_values([*KEYS, "step"], kind="stable")
    horizon = int(firms["step"].max())
    weeks = firms[firms["step"] >= 1]
    discount = _discount(configs, weeks[VARIANT], weeks["step"])
    group = weeks.assign(pv_policy_cost=weeks["policy_cost"].to_numpy() * discount,
                         start_customers=firms.groupby(KEYS, observed=True)["customers"]
                         .shift(1).loc[weeks.index]).groupby(KEYS, observed=True, sort=True)
    sums = group[["churn", "start_customers", "discounted_profit", "pv_policy_cost"]].sum()
    last = firms[firms["step"] == horizon].set_index(KEYS)
    out = pd.DataFrame(index=sums.index)
    weekly = sums["churn"] / sums["start_customers"].where(sums["start_customers"] > 0)
    out["churn_rate"] = 1.0 - (1.0 - weekly.clip(upper=1.0)) ** STEPS_PER_YEAR
    out["market_share"] = last["market_share"]
    out["nps"] = last["nps"]
    out["customer_equity"] = last["customer_equity"]
    out["npv_profit"] = sums["discounted_profit"]
    end_discount = _discount(configs, out.index.get_level_values(VARIANT).to_series(),
                             pd.Series(horizon, index=range(len(out))))
    out["pv_equity"] = out["customer_equity"].to_numpy() * end_discount
    out["value"] = out["npv_profit"] + out["pv_equity"]
    out["pv_policy_cost"] = sums["pv_policy_cost"]
    curves = retention_curves(relationships, horizon)
    at_horizon = curves[curves["step"] == horizon].set_index(KEYS)["retention"]
    out["retention"] = at_horizon.reindex(out.index)
    out["policy_roi"] = _policy_roi(out, configs)
    out = out.reset_index()
    return out[[*KEYS, *(o.name for o in OUTCOMES), "pv_equity", "pv_policy_cost"]]


def _policies_differ(configs: dict[str, ModelConfig], variant: str, firm: str) -> bool:
    """Whether ``firm`` has other policies in ``variant`` than in the baseline."""
    def policies(config: ModelConfig):
        return next((f.policies for f in config.firms if f.name == firm), None)

    return policies(configs[variant]) != policies(configs[BASELINE])


def _policy_roi(out: pd.DataFrame, configs: dict[str, ModelConfig]) -> pd.Series:
    """(value - baseline value) / (pv_policy_cost - baseline's) per row, paired by replication
    and firm; NaN for the baseline, where the firm's policies equal the baseline's, or where
    the variant does not spend more on policies."""
    base = out.xs(BASELINE, level=VARIANT) if BASELINE in out.index.get_level_values(VARIANT) \
        else None
    roi = pd.Series(np.nan, index=out.index)
    if base is None:
        return roi
    for (variant, replication, firm), row in out.iterrows():
        if variant == BASELINE or (replication, firm) not in base.index \
                or not _policies_differ(configs, variant, firm):
            continue
        ref = base.loc[(replication, firm)]
        extra = row["pv_policy_cost"] - ref["pv_policy_cost"]
        if extra > 0:
            roi[(variant, replication, firm)] = (row["value"] - ref["value"]) / extra
    return roi


# --------------------------------------------------------------------------- summary

def summarise(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Tidy summary: one row per (variant, firm, outcome) with the mean over replications,
    its 95% interval (``lo``, ``hi``), ``n`` replications, and the paired difference to the
    baseline with its interval (``diff``, ``diff_lo``, ``diff_hi``; NaN for the baseline and
    for the policy ROI, which is already relative to the baseline)."""
    names = [o.name for o in OUTCOMES]
    indexed = outcomes.set_index(KEYS)
    variants = categories(outcomes[VARIANT])
    base = indexed.xs(BASELINE, level=VARIANT) if BASELINE in variants else None
    rows = []
    for (variant, firm), group in outcomes.groupby([VARIANT, "firm"], observed=True, sort=True):
        values = group.set_index("replication")
        for name in names:
            mean, lo, hi, n = t_interval(values[name])
            diff = diff_lo = diff_hi = np.nan
            if base is not None and variant != BASELINE and name != "policy_roi":
                ref = base.xs(firm, level="firm")[name] if firm in \
                    base.index.get_level_values("firm") else pd.Series(dtype=float)
                diff, diff_lo, diff_hi, _ = paired_interval(values[name], ref)
            rows.append({VARIANT: variant, "firm": firm, "outcome": name, "n": n, "mean": mean,
                         "lo": lo, "hi": hi, "diff": diff, "diff_lo": diff_lo,
                         "diff_hi": diff_hi})
    summary = pd.DataFrame(rows)
    summary[VARIANT] = pd.Categorical(summary[VARIANT], variants)
    summary["firm"] = pd.Categorical(summary["firm"], categories(outcomes["firm"]))
    summary["outcome"] = pd.Categorical(summary["outcome"], names)
    return summary.sort_values([VARIANT, "firm", "outcome"], kind="stable", ignore_index=True)


def paired_interval(a: pd.Series, b: pd.Series) -> tuple[float, float, float, int]:
    """Mean of ``a - b`` over the replications (the index) both have, its 95% interval and
    the number of pairs."""
    return t_interval((a - b.reindex(a.index)).dropna())


def paired_difference(outcomes: pd.DataFrame, outcome: str, firm: str, variant: str,
                      other: str) -> tuple[float, float, float, int]:
    """Mean of ``variant`` minus ``other`` in ``outcome`` for ``firm``, paired by replication,
    with its 95% interval and the number of pairs."""
    rows = outcomes[outcomes["firm"] == firm].set_index([VARIANT, "replication"])[outcome]
    a = rows.xs(variant, level=VARIANT)
    b = rows.xs(other, level=VARIANT)
    return paired_interval(a, b)
