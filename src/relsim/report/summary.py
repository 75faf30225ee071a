"""The numbers of a comparison report and how they read: tables, verdict, formatting."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import yaml

from relsim.compare import VARIANT
from relsim.report.outcomes import (
    OUTCOME,
    OUTCOMES,
    categories,
    paired_difference,
    replication_outcomes,
    retention_curves,
    summarise,
)
from relsim.runs import RunResult
from relsim.scenario import BASELINE, Scenario

PLOTS = {
    "retention.png": "Retention of the focal firm's week-0 customers (mean over replications; "
                     "band: 95% interval).",
    "stages.png": "Customers by lifecycle stage over time, whole market (mean over "
                  "replications).",
    "attitudes.png": "Mean trust, satisfaction and fairness of the focal firm's customers "
                     "(band: 95% interval).",
    "wom.png": "Word-of-mouth messages about the focal firm per week, by valence (band: 95% "
               "interval).",
    "market_share.png": "Market share of every firm over time (band: 95% interval).",
    "value.png": "NPV of profit and customer equity at the horizon of the focal firm (bars: "
                 "mean; whiskers: 95% interval).",
}
"""The plots of a report: file name under ``plots/`` and caption."""


# --------------------------------------------------------------------------- formatting

def _number(outcome: str, x: float, signed: bool = False) -> str:
    """A value (or, ``signed``, a difference) of an outcome in the report's units."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    sign = "+" if signed else ""
    unit = OUTCOME[outcome].unit
    if unit.startswith("share"):
        return f"{100 * x:{sign}.1f}{' pp' if signed else '%'}"
    if unit == "money":
        return f"{x:{sign},.0f}" if abs(x) >= 100 else f"{x:{sign},.1f}"
    if outcome == "policy_roi":
        return f"{x:{sign}.2f}"
    return f"{x:{sign}.1f}"


def format_interval(outcome: str, mean: float, lo: float, hi: float,
                    signed: bool = False) -> str:
    """``mean [lo, hi]`` in the outcome's units (``mean`` alone without an interval)."""
    text = _number(outcome, mean, signed)
    if any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)) or text == "n/a":
        return text
    return f"{text} [{_number(outcome, lo, signed)}, {_number(outcome, hi, signed)}]"


def format_row(outcome: str, row: pd.Series, diff: bool = False) -> str:
    """A row of the summary (:func:`relsim.report.outcomes.summarise`) formatted: its mean
    and interval, or with ``diff`` its difference to the baseline and that interval."""
    if diff:
        return format_interval(outcome, row["diff"], row["diff_lo"], row["diff_hi"], signed=True)
    return format_interval(outcome, row["mean"], row["lo"], row["hi"])


def _judgement(lo: float, hi: float, higher_is_better: bool) -> str:
    """Plain words for a difference's interval."""
    if math.isnan(lo) or math.isnan(hi):
        return "no interval with one replication"
    if lo > 0 or hi < 0:
        better = (lo > 0) == higher_is_better
        return f"{'better' if better else 'worse'} than the baseline at 95% confidence"
    return "not distinguishable from the baseline at 95% confidence"


# --------------------------------------------------------------------------- the report

@dataclass
class Report:
    """The numbers of a comparison report, before anything is written.

    ``outcomes``: one row per variant, replication and firm; ``summary``: one row per
    variant, firm and outcome (mean, 95% interval, paired difference to the baseline);
    ``curves``: retention curves; ``focal``: the firm the report headlines.
    """

    scenario: Scenario
    result: RunResult
    outcomes: pd.DataFrame
    summary: pd.DataFrame
    curves: pd.DataFrame
    focal: str

    @property
    def variants(self) -> list[str]:
        """Variant names, baseline first."""
        return categories(self.summary[VARIANT])

    def _rows(self, firm: str, variant: str) -> pd.DataFrame:
        s = self.summary
        return s[(s["firm"] == firm) & (s[VARIANT] == variant)].set_index("outcome")

    def table(self, firm: str | None = None) -> pd.DataFrame:
        """One firm's outcomes (default: the focal firm) as printed by ``relsim run``: a row
        per variant and outcome, with the mean [95% interval] and the difference to the
        baseline [95% interval]."""
        firm = firm or self.focal
        rows = []
        for variant in self.variants:
            data = self._rows(firm, variant)
            for o in OUTCOMES:
                if o.name not in data.index:
                    continue
                r = data.loc[o.name]
                rows.append({VARIANT: variant, "outcome": o.label,
                             "mean [95% CI]": format_row(o.name, r),
                             "vs baseline [95% CI]": "" if variant == BASELINE
                             or o.name == "policy_roi" else format_row(o.name, r, diff=True)})
        table = pd.DataFrame(rows).set_index([VARIANT, "outcome"])
        table.columns.name = f"firm {firm}"
        return table

    def by_firm(self, variant: str = BASELINE) -> pd.DataFrame:
        """Outcomes (rows) by firm (columns) in one variant: mean [95% interval].  What
        ``relsim run`` prints for a scenario without variants."""
        shown = [o for o in OUTCOMES if o.name != "policy_roi"]
        data = {}
        for firm in categories(self.summary["firm"]):
            rows = self._rows(firm, variant)
            if len(rows):
                data[firm] = [format_row(o.name, rows.loc[o.name]) for o in shown]
        frame = pd.DataFrame(data, index=[o.label for o in shown])
        frame.index.name = "outcome"
        frame.columns.name = f"{variant}: mean [95% CI]"
        return frame

    def printed(self) -> pd.DataFrame:
        """The table ``relsim run`` prints: the focal firm's outcomes per variant
        (:meth:`table`), or, without variants, every firm's (:meth:`by_firm`)."""
        return self.table() if len(self.variants) > 1 else self.by_firm()

    def wide(self, firm: str, column: str = "mean") -> pd.DataFrame:
        """Outcomes (rows) by variant (columns) for one firm: ``column="mean"`` gives the
        means with intervals, ``"diff"`` the differences to the baseline with intervals, in
        bold where the interval excludes zero."""
        diff = column == "diff"
        shown = [o for o in OUTCOMES if not diff or o.name != "policy_roi"]
        data = {}
        for variant in self.variants[1:] if diff else self.variants:
            rows = self._rows(firm, variant)
            cells = []
            for o in shown:
                if o.name not in rows.index:
                    cells.append("n/a")
                    continue
                row = rows.loc[o.name]
                text = format_row(o.name, row, diff)
                cells.append(f"**{text}**" if diff and (row["diff_lo"] > 0 or row["diff_hi"] < 0)
                             else text)
            data[variant] = cells
        frame = pd.DataFrame(data, index=[o.label for o in shown])
        frame.index.name = "outcome"
        return frame

    def all_firms(self) -> pd.DataFrame:
        """Every variant and firm (rows) by outcome (columns): mean [95% interval]."""
        rows = []
        for (variant, firm), group in self.summary.groupby([VARIANT, "firm"], observed=True,
                                                           sort=True):
            data = group.set_index("outcome")
            rows.append({"variant / firm": f"{variant} / {firm}",
                         **{o.label: format_row(o.name, data.loc[o.name]) for o in OUTCOMES}})
        return pd.DataFrame(rows).set_index("variant / firm")

    def verdict(self) -> list[str]:
        """Sentences that answer the scenario's question for the focal firm."""
        firm, reps = self.focal, self.scenario.replications
        lines = []
        if len(self.variants) == 1:
            return [f"One variant (the baseline) over {reps} replication"
                    f"{'s' * (reps > 1)}: nothing to compare; the tables describe it."]
        for variant in self.variants[1:]:
            r = self._rows(firm, variant)
            value, roi, ret = r.loc["value"], r.loc["policy_roi"], r.loc["retention"]
            parts = [f"**{variant}** vs baseline for {firm}: value created "
                     f"{format_row('value', value, diff=True)} "
                     f"({_judgement(value['diff_lo'], value['diff_hi'], True)})",
                     f"retention {format_row('retention', ret, diff=True)}"]
            if not math.isnan(roi["mean"]):
                parts.append("policy ROI " + format_row("policy_roi", roi))
            lines.append("; ".join(parts) + ".")
        values = self.summary[(self.summary["firm"] == firm)
                              & (self.summary["outcome"] == "value")].set_index(VARIANT)["mean"]
        ranked = values.dropna().sort_values(ascending=False).index.tolist()
        if len(ranked) >= 2:
            best, second = ranked[0], ranked[1]
            mean, lo, hi, _ = paired_difference(self.outcomes, "value", firm, best, second)
            sure = ("a clear lead at 95% confidence" if lo > 0 else
                    "not a clear lead at 95% confidence: more replications would tell"
                    if not math.isnan(lo) else "no interval with one replication")
            top = self._rows(firm, best).loc["value"]
            lines.append(f"Most value created for {firm}: **{best}** "
                         f"({format_row('value', top)}); "
                         f"its lead over **{second}** is "
                         f"{format_interval('value', mean, lo, hi, signed=True)}, {sure}.")
        return lines

    def blocks(self) -> list[tuple]:
        """The report as blocks (see :mod:`relsim.report.render`)."""
        s, firm = self.scenario, self.focal
        reps = s.replications
        blocks: list[tuple] = [("h1", f"{s.name}: comparison report")]
        if s.description:
            blocks.append(("p", s.description))
        if s.header():
            blocks += [("h2", "Question"), ("quote", s.header())]
        blocks += [("h2", "Verdict"), ("list", self.verdict()),
                   ("p", f"Intervals are 95% Student-t intervals over {reps} replication"
                         f"{'s' * (reps > 1)}; differences are paired by replication (every "
                         "variant ran with the same random numbers)."),
                   ("p", "Value created adds customer equity at the horizon, which "
                         "extrapolates each customer's churn hazard at the horizon into the "
                         "future; NPV of profit counts only what happened within the horizon "
                         "(see docs/report.md in relsim).")]
        blocks += [("h2", f"Outcomes of {firm}"), ("table", self.wide(firm)),
                   ("h2", f"Differences to the baseline for {firm}"),
                   ("p", "Paired by replication; **bold**: the 95% interval excludes zero."),
                   ("table", self.wide(firm, "diff"))] if len(self.variants) > 1 else \
            [("h2", "Outcomes of every firm"), ("table", self.by_firm())]
        blocks += [("h2", "Plots")]
        blocks += [("image", name, caption) for name, caption in PLOTS.items()]
        blocks += [("h2", "All firms"), ("table", self.all_firms())]
        blocks += [("h2", "Set-up"), ("table", self.setup()),
                   ("h2", "Variants"), ("table", self.variant_table())]
        blocks += [("h2", "Outcomes: definitions"),
                   ("list", [f"**{o.label}** ({o.unit}): {o.doc}." for o in OUTCOMES]),
                   ("p", "Files beside this report: `summary.csv` (every number above), "
                         "`outcomes.csv` (per replication), `retention.csv`, `scenario.yaml` "
                         "(the complete scenario, to rerun it), and the "
                         "simulation tables (`firms`, `market`, `transactions`, "
                         "`relationships`, `cohorts`, `customers`, `trace`).")]
        return blocks

    def setup(self) -> pd.DataFrame:
        """The scenario's settings that frame the comparison, and the software that ran it."""
        from importlib.metadata import version

        from relsim.version import __version__

        s = self.scenario
        rows = {"customers": f"{s.n_customers:,}", "horizon": f"{s.steps} weeks",
                "replications": str(s.replications), "seed": str(s.seed),
                "network": f"{s.network.kind}", "focal firm": self.focal}
        for f in s.firms:
            rows[f"firm {f.name}"] = (f"quality {f.quality}, price {f.price}, reliability "
                                      f"{f.reliability}" + (f", {len(f.policies)} "
                                                            "policies" if f.policies else ""))
        rows["software"] = (f"relsim {__version__}, Mesa {version('mesa')}, numpy "
                            f"{version('numpy')}; complete scenario in `scenario.yaml`")
        frame = pd.DataFrame({"value": rows})
        frame.index.name = "setting"
        return frame

    def variant_table(self) -> pd.DataFrame:
        """Each variant's overrides of the base scenario."""
        rows = {}
        for name in self.variants:
            overrides = self.scenario.variants.get(name) or {}
            rows[name] = (yaml.safe_dump(overrides, default_flow_style=True, sort_keys=False,
                                         width=10_000).strip() if overrides
                          else "the scenario as written")
        frame = pd.DataFrame({"overrides": rows})
        frame.index.name = "variant"
        return frame


def summarise_comparison(result: RunResult, scenario: Scenario) -> Report:
    """The report's numbers for the tables of :func:`relsim.compare.run_comparison`."""
    configs = scenario.variant_configs()
    outcomes = replication_outcomes(result.firms, result.relationships, configs)
    horizon = int(result.firms["step"].max())
    return Report(scenario=scenario, result=result, outcomes=outcomes,
                  summary=summarise(outcomes), curves=retention_curves(result.relationships,
                                                                       horizon),
                  focal=scenario.focal())


