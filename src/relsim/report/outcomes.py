"""The outcomes a comparison report summarises, per variant, firm and replication.

Every outcome is computed from the tidy tables of a comparison run
(:func:`relsim.compare.run_comparison`), one value per (variant, replication,
firm), then summarised over replications with 95% intervals that respect the
outcome's declared bounds (:func:`relsim.stats.bounded_interval`: a share stays
within 0..100%, a count above 0; money has the Student-t interval), and
compared with the baseline replication by replication (common random numbers:
replication ``r`` of every variant ran with the same seed, so the difference
is paired; its t interval is clipped to the range a difference can take).
:data:`OUTCOMES` defines each one; ``docs/report.md`` repeats the definitions
for readers of a report.
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
from relsim.stats import difference_interval, grouped_intervals

KEYS = [VARIANT, "replication", "firm"]
"""Columns that identify one value of an outcome."""


Bounds = tuple[float | None, float | None]
"""The range a quantity can take, ``(lower, upper)``; ``None``: unbounded on that side."""
SHARE: Bounds = (0.0, 1.0)
"""Shares and rates: within 0..1."""
COUNT: Bounds = (0.0, None)
"""Counts: not negative."""
UNBOUNDED: Bounds = (None, None)
"""Money and ratios: the Student-t interval."""


@dataclass(frozen=True)
class Outcome:
    """One outcome of the report: its column, label, unit, definition, whether more is
    better, and the range its values can take (its intervals stay within it)."""

    name: str
    label: str
    unit: str
    doc: str
    higher_is_better: bool = True
    bounds: Bounds = UNBOUNDED

    def span(self) -> float | None:
        """Width of the range a difference of two values can reach either side of zero
        (``upper - lower``), or None if unbounded."""
        lower, upper = self.bounds
        return None if lower is None or upper is None else upper - lower


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("retention", "retention at horizon", "share",
            "share of the firm's relationships running at step 0 that are still running at the "
            "horizon (a customer who left and came back counts as lost)", bounds=SHARE),
    Outcome("churn_rate", "annual churn", "share per year",
            "weekly churn w = churners in weeks 1..T / customers at the start of those weeks, "
            "as an annual rate 1 - (1 - w)^52; churners include failed explorations",
            higher_is_better=False, bounds=SHARE),
    Outcome("market_share", "market share at horizon", "share",
            "the firm's customers / all customers in a relationship, at the horizon",
            bounds=SHARE),
    Outcome("nps", "NPS at horizon", "points (-100..100)",
            "net promoter score of the firm's customers at the horizon",
            bounds=(-100.0, 100.0)),
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
    columns = [*KEYS, "step", "initial", "retention"]
    if initial.empty:
        return pd.DataFrame(columns=columns)
    grouped = initial.groupby(KEYS, observed=True, sort=True)
    sizes = grouped.size()  # one row per group, in group order
    order = np.argsort(grouped.ngroup().to_numpy(), kind="stable")
    groups = np.split(ends(initial)[order], np.cumsum(sizes.to_numpy())[:-1])
    retention = [still_running(end, steps) / len(end) for end in groups]  # from step 0
    repeat = len(steps)
    curves = pd.DataFrame({
        **{key: np.repeat(sizes.index.get_level_values(key).to_numpy(), repeat)
           for key in KEYS},
        "step": np.tile(steps, len(sizes)), "initial": np.repeat(sizes.to_numpy(), repeat),
        "retention": np.concatenate(retention)})
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


def _policies_differ(configs: dict[str, ModelConfig], rows: pd.DataFrame) -> np.ndarray:
    """Whether each row's firm (columns variant, firm) has other policies in its variant
    than in the baseline."""
    policies = {v: {f.name: f.policies for f in c.firms} for v, c in configs.items()}
    base = policies.get(BASELINE, {})
    pairs = rows[[VARIANT, "firm"]].astype(str).drop_duplicates()
    differ = {(v, f): policies.get(v, {}).get(f) != base.get(f)
              for v, f in zip(pairs[VARIANT], pairs["firm"])}
    return np.array([differ[(v, f)] for v, f in zip(rows[VARIANT].astype(str),
                                                     rows["firm"].astype(str))], dtype=bool)


def _baseline_values(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """For each row of ``frame`` (columns variant, replication, firm, ...), the ``columns``
    of the baseline's row with the same replication and firm (NaN where there is none)."""
    base = frame[frame[VARIANT].astype(str) == BASELINE].set_index(["replication", "firm"])
    index = pd.MultiIndex.from_arrays([frame["replication"], frame["firm"]])
    return base[columns].reindex(index).set_axis(frame.index)


def _policy_roi(out: pd.DataFrame, configs: dict[str, ModelConfig]) -> pd.Series:
    """(value - baseline value) / (pv_policy_cost - baseline's) per row, paired by replication
    and firm; NaN for the baseline, where the firm's policies equal the baseline's, or where
    the variant does not spend more on policies."""
    rows = out.reset_index()
    base = _baseline_values(rows, ["value", "pv_policy_cost"])
    extra = rows["pv_policy_cost"] - base["pv_policy_cost"]
    defined = (rows[VARIANT].astype(str) != BASELINE).to_numpy() & (extra > 0).to_numpy() \
        & _policies_differ(configs, rows)
    roi = ((rows["value"] - base["value"]) / extra).where(defined)
    return pd.Series(roi.to_numpy(), index=out.index)


# --------------------------------------------------------------------------- summary

def summarise(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Tidy summary: one row per (variant, firm, outcome) with the mean over replications,
    its 95% interval within the outcome's bounds (``lo``, ``hi``), ``n`` replications, and
    the paired difference to the baseline with its interval (``diff``, ``diff_lo``,
    ``diff_hi``; NaN for the baseline and for the policy ROI, which is already relative to
    the baseline).  Vectorised: thousands of firms or variants take a second."""
    outcomes = outcomes.assign(**{key: pd.Categorical(outcomes[key], categories(outcomes[key]))
                                  for key in (VARIANT, "firm")})
    has_baseline = BASELINE in outcomes[VARIANT].cat.categories
    names = [o.name for o in OUTCOMES]
    base = _baseline_values(outcomes, names) if has_baseline else None
    by = [VARIANT, "firm"]
    parts = []
    for o in OUTCOMES:
        part = grouped_intervals(outcomes, by, o.name, *o.bounds)
        part.insert(2, "outcome", o.name)
        part[["diff", "diff_lo", "diff_hi"]] = np.nan
        if base is not None and o.name != "policy_roi":
            diffs = outcomes[by].assign(d=outcomes[o.name] - base[o.name])
            diffs = diffs[diffs[VARIANT].astype(str) != BASELINE]
            d = grouped_intervals(diffs, by, "d")
            if o.span() is not None:
                d["lo"], d["hi"] = d["lo"].clip(lower=-o.span()), d["hi"].clip(upper=o.span())
            d = d.set_index(by).reindex(pd.MultiIndex.from_frame(part[by]))
            part[["diff", "diff_lo", "diff_hi"]] = d[["mean", "lo", "hi"]].to_numpy()
        parts.append(part)
    summary = pd.concat(parts, ignore_index=True)
    summary["outcome"] = pd.Categorical(summary["outcome"], names)
    summary = summary[[*by, "outcome", "n", "mean", "lo", "hi", "diff", "diff_lo", "diff_hi"]]
    return summary.sort_values([*by, "outcome"], kind="stable", ignore_index=True)


def paired_difference(outcomes: pd.DataFrame, outcome: str, first: tuple[str, str],
                      second: tuple[str, str]) -> tuple[float, float, float, int]:
    """Mean of ``first`` minus ``second`` in ``outcome``, each a (variant, firm), paired by
    replication, with its 95% interval (clipped to the range a difference of the outcome
    can take: :func:`relsim.stats.difference_interval`) and the number of pairs.  Compares
    two variants for one firm, or two firms in one variant (they ran in the same market
    with the same random numbers)."""
    def values(variant: str, firm: str) -> pd.Series:
        rows = outcomes[(outcomes[VARIANT].astype(str) == variant)
                        & (outcomes["firm"].astype(str) == firm)]
        return rows.set_index("replication")[outcome]

    a, b = values(*first), values(*second)
    return difference_interval((a - b.reindex(a.index)).dropna(), OUTCOME[outcome].span())
