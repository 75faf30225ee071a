"""The numbers of a comparison report and how they read: tables, verdict, captions.

A report compares the variants for the focal firm or, in a run with one variant, the firms
with each other; its tables show what its :class:`~relsim.report.view.View` shows (at most
:data:`~relsim.report.view.MAX_SERIES` variants and firms) and say what they leave out;
``summary.csv`` and ``outcomes.csv`` hold all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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
from relsim.report.plots import BAND_LIMIT, WOM_WINDOW
from relsim.report.text import (
    format_interval,
    format_row,
    judgement,
    lead_judgement,
    plural,
    question,
)
from relsim.report.view import MAX_SERIES, View, choose_view
from relsim.runs import RunResult
from relsim.scenario import BASELINE, Scenario

PLOTS = {
    "retention.png": "Retention of week-0 customers (mean over replications; band: 95% "
                     "interval).",
    "stages.png": "Customers by relationship stage over time (mean over replications); "
                  "prospects in a panel of their own.",
    "attitudes.png": "Mean trust, satisfaction and fairness of the customers, on a shared "
                     "scale (band: 95% interval).",
    "wom.png": "Word-of-mouth messages per week, by valence (band: 95% interval).",
    "market_share.png": "Market share over time (band: 95% interval).",
    "value.png": "NPV of profit, customer equity at the horizon and value created (bars: "
                 "mean; whiskers: 95% interval).",
}
"""The plots of a report: file name under ``plots/`` and a generic caption
(:meth:`Report.captions` gives each report's own)."""
LEADS = ("value", "retention", "market_share")
"""Outcomes whose leader the verdict of a run without variants names."""


@dataclass
class Report:
    """The numbers of a comparison report, before anything is written.

    ``outcomes``: one row per variant, replication and firm; ``summary``: one row per
    variant, firm and outcome (mean, 95% interval, paired difference to the baseline);
    ``curves``: retention curves; ``focal``: the firm the report headlines; ``view``: the
    variants and firms its plots and tables show.
    """

    scenario: Scenario
    result: RunResult
    outcomes: pd.DataFrame
    summary: pd.DataFrame
    curves: pd.DataFrame
    focal: str
    view: View

    @property
    def variants(self) -> list[str]:
        """Variant names, baseline first."""
        return [str(v) for v in categories(self.summary[VARIANT])]

    @cached_property
    def _groups(self) -> dict:
        keys = self.summary[[VARIANT, "firm"]].astype(str)
        return keys.groupby([VARIANT, "firm"], sort=False).indices

    def _rows(self, firm: str, variant: str) -> pd.DataFrame:
        """The summary's rows of one firm in one variant, by outcome."""
        index = self._groups.get((str(variant), str(firm)), [])
        rows = self.summary.iloc[index]
        return rows.set_axis(rows["outcome"].astype(str), axis=0)

    def table(self, firm: str | None = None) -> pd.DataFrame:
        """One firm's outcomes (default: the focal firm) as printed by ``relsim run``: a row
        per shown variant and outcome, with the mean [95% interval] and the difference to
        the baseline [95% interval]."""
        firm = firm or self.focal
        rows = []
        for variant in self.view.variants:
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

    def by_firm(self, variant: str | None = None) -> pd.DataFrame:
        """Outcomes (rows) by shown firm (columns) in one variant (default: the first):
        mean [95% interval].  What ``relsim run`` prints for a scenario without variants."""
        variant = variant or self.variants[0]
        shown = [o for o in OUTCOMES if o.name != "policy_roi"]
        data = {}
        for firm in self.view.firms:
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
        """Outcomes (rows) by shown variant (columns) for one firm: ``column="mean"`` gives
        the means with intervals, ``"diff"`` the differences to the baseline with intervals,
        in bold where the interval excludes zero."""
        diff = column == "diff"
        shown = [o for o in OUTCOMES if not diff or o.name != "policy_roi"]
        data = {}
        for variant in self.view.variants[1:] if diff else self.view.variants:
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
        """Every shown variant and firm (rows) by outcome (columns): mean [95% interval]."""
        rows = []
        for variant in self.view.variants:
            for firm in self.view.firms:
                data = self._rows(firm, variant)
                if len(data):
                    rows.append({"variant / firm": f"{variant} / {firm}",
                                 **{o.label: format_row(o.name, data.loc[o.name])
                                    for o in OUTCOMES}})
        return pd.DataFrame(rows).set_index("variant / firm")

    # ----------------------------------------------------------------------- verdict

    def _lead(self, outcome: str, candidates: list[tuple[str, str]], name, whose: str) -> str:
        """A sentence naming the candidate (variant, firm) with the highest mean ``outcome``
        and its paired lead over the runner-up; ``name`` gives a candidate's name."""
        rows = self.summary[self.summary["outcome"].astype(str) == outcome]
        means = pd.Series(rows["mean"].to_numpy(), index=pd.MultiIndex.from_arrays(
            [rows[VARIANT].astype(str), rows["firm"].astype(str)])).reindex(
            pd.MultiIndex.from_tuples(candidates))
        ranked = means.dropna().sort_values(ascending=False, kind="stable").index.tolist()
        if len(ranked) < 2:
            return ""
        best, second = ranked[0], ranked[1]
        mean, lo, hi, _ = paired_difference(self.outcomes, outcome, best, second)
        label = OUTCOME[outcome].label
        top = format_row(outcome, self._rows(best[1], best[0]).loc[outcome])
        return (f"{'Most' if outcome == 'value' else 'Highest'} {label}{whose}: "
                f"**{name(best)}** ({top}); its lead over **{name(second)}** is "
                f"{format_interval(outcome, mean, lo, hi, signed=True)}, {lead_judgement(lo)}.")

    def verdict(self) -> list[str]:
        """Sentences that answer the scenario's question: each shown variant against the
        baseline for the focal firm and the variant with the most value created, or, with
        one variant, which firm leads in value, retention and market share."""
        firm, reps = self.focal, self.scenario.replications
        if len(self.variants) == 1:
            variant = self.variants[0]
            firms = [str(f) for f in categories(self.summary["firm"])]
            lines = [(f"One variant ({variant}) over {plural(reps, 'replication')}: the firms "
                     "are compared with each other, paired by replication (they competed "
                     "in the same simulated market).")]
            for outcome in LEADS:
                lines.append(self._lead(outcome, [(variant, f) for f in firms],
                                        lambda c: c[1], ""))
            return [line for line in lines if line]
        lines = []
        for variant in self.view.variants[1:]:
            r = self._rows(firm, variant)
            value, roi, ret = r.loc["value"], r.loc["policy_roi"], r.loc["retention"]
            parts = [(f"**{variant}** vs baseline for {firm}: value created "
                     f"{format_row('value', value, diff=True)} "
                     f"({judgement(value['diff_lo'], value['diff_hi'], True)})"),
                     f"retention {format_row('retention', ret, diff=True)}"]
            if not pd.isna(roi["mean"]):
                parts.append("policy ROI " + format_row("policy_roi", roi))
            lines.append("; ".join(parts) + ".")
        if self.view.hidden_variants:
            lines.append(f"{plural(self.view.hidden_variants, 'more variant')} with less "
                         "value created are not listed; every number is in `summary.csv`.")
        lead = self._lead("value", [(v, firm) for v in self.variants], lambda c: c[0],
                          f" for {firm}")
        return lines + ([lead] if lead else [])

    # ----------------------------------------------------------------------- the report

    def shown_note(self) -> str:
        """What the plots and tables leave out, or ``""`` if they show everything."""
        view, parts = self.view, []
        if view.hidden_variants:
            parts.append(f"{len(view.variants)} of {len(self.variants):,} variants (the "
                         f"baseline and the {len(view.variants) - 1} with the most value "
                         f"created for {self.focal})")
        if view.hidden_firms:
            parts.append(f"{len(view.firms)} of {len(view.firms) + view.hidden_firms:,} firms "
                         f"({self.focal} and the {len(view.firms) - 1} with the largest "
                         "market share at the horizon)")
        if not parts:
            return ""
        return (f"The plots and tables of this report show {' and '.join(parts)}; "
                "`summary.csv` and `outcomes.csv` hold every one.")

    def captions(self) -> dict[str, str]:
        """Each plot's caption for this report: what it shows, for whom, and what it leaves
        out."""
        view, focal = self.view, self.focal
        if view.by == VARIANT:
            captions = {
                "retention.png": f"Retention of {focal}'s week-0 customers, by variant",
                "stages.png": f"{focal}'s customers by relationship stage, by variant; "
                              "prospects (nobody's customers yet) in the last panel",
                "attitudes.png": f"Mean trust, satisfaction and fairness of {focal}'s "
                                 "customers, by variant, on a shared scale",
                "wom.png": f"Word-of-mouth messages about {focal} per week, by valence and "
                           f"variant ({WOM_WINDOW}-week moving average)",
                "market_share.png": "Market share of each firm, by variant",
                "value.png": "NPV of profit, customer equity at the horizon and value created "
                             f"for {focal}, by variant"}
        else:
            captions = {
                "retention.png": "Retention of each firm's week-0 customers",
                "stages.png": "Each firm's customers by relationship stage; prospects "
                              "(nobody's customers yet) in the last panel",
                "attitudes.png": "Mean trust, satisfaction and fairness of each firm's "
                                 "customers, on a shared scale",
                "wom.png": "Word-of-mouth messages about each firm per week, by valence "
                           f"({WOM_WINDOW}-week moving average)",
                "market_share.png": "Market share of each firm",
                "value.png": "NPV of profit, customer equity at the horizon and value created "
                             "of each firm"}
        band = "band: 95% interval" if len(view.series) <= BAND_LIMIT else \
            f"no bands with more than {BAND_LIMIT} lines"
        detail = {"stages.png": "mean over replications",
                  "value.png": "bars: mean; whiskers: 95% interval"}
        hidden = [f"{view.hidden:,} more {view.by}s not shown"] if view.hidden else []
        out = {}
        for name, text in captions.items():
            notes = [detail.get(name, f"mean over replications; {band}"), *hidden]
            if name == "market_share.png" and view.by == VARIANT and view.hidden_firms:
                notes.append(f"{view.hidden_firms:,} more firms not shown")
            out[name] = f"{text} ({'; '.join(notes)})."
        return out

    def blocks(self) -> list[tuple]:
        """The report as blocks (see :mod:`relsim.report.render`)."""
        s, firm = self.scenario, self.focal
        reps = s.replications
        blocks: list[tuple] = [("h1", f"{s.name}: comparison report")]
        if s.description:
            blocks.append(("p", s.description))
        if question(s):
            blocks += [("h2", "Question"), ("quote", question(s))]
        blocks += [("h2", "Verdict"), ("list", self.verdict()),
                   ("p", f"Intervals are 95% intervals over {plural(reps, 'replication')} "
                         "(Student-t; for shares, rates and NPS on the logit scale, so that "
                         "they stay within their range: see docs/report.md in relsim); "
                         "differences are paired by replication ("
                         + ("every variant ran with the same random numbers)."
                            if len(self.variants) > 1 else
                            "the firms competed in the same runs).")),
                   ("p", ("Value created adds customer equity at the horizon, which "
                         "extrapolates each customer's churn hazard at the horizon into the "
                         "future; NPV of profit counts only what happened within the horizon "
                         "(see docs/report.md in relsim)."))]
        if self.shown_note():
            blocks.append(("p", self.shown_note()))
        blocks += [("h2", f"Outcomes of {firm}"), ("table", self.wide(firm)),
                   ("h2", f"Differences to the baseline for {firm}"),
                   ("p", "Paired by replication; **bold**: the 95% interval excludes zero."),
                   ("table", self.wide(firm, "diff"))] if len(self.variants) > 1 else \
            [("h2", "Outcomes of every firm"), ("table", self.by_firm())]
        blocks += [("h2", "Plots")]
        blocks += [("image", name, caption) for name, caption in self.captions().items()]
        blocks += [("h2", "All firms"), ("table", self.all_firms())]
        blocks += [("h2", "Set-up"), ("table", self.setup()),
                   ("h2", "Variants"), ("table", self.variant_table())]
        blocks += [("h2", "Outcomes: definitions"),
                   ("list", [f"**{o.label}** ({o.unit}): {o.doc}." for o in OUTCOMES]),
                   ("p", ("Files beside this report: `summary.csv` (every number above), "
                         "`outcomes.csv` (per replication), `retention.csv`, `scenario.yaml` "
                         "(the complete scenario, to rerun it), and the "
                         "simulation tables (`firms`, `market`, `transactions`, "
                         "`relationships`, `cohorts`, `customers`, `trace`)."))]
        return blocks

    def setup(self) -> pd.DataFrame:
        """The scenario's settings that frame the comparison (the shown firms), and the
        software that ran it."""
        from importlib.metadata import version

        from relsim.version import __version__

        s = self.scenario
        rows = {"customers": f"{s.n_customers:,}", "horizon": f"{s.steps} weeks",
                "replications": str(s.replications), "seed": str(s.seed),
                "network": f"{s.network.kind}", "focal firm": self.focal}
        shown = set(self.view.firms)
        for f in s.firms:
            if f.name in shown:
                rows[f"firm {f.name}"] = (f"quality {f.quality}, price {f.price}, reliability "
                                          f"{f.reliability}" + (f", {len(f.policies)} "
                                                                "policies" if f.policies else ""))
        if self.view.hidden_firms:
            rows["other firms"] = f"{self.view.hidden_firms:,} more, in `scenario.yaml`"
        rows["software"] = (f"relsim {__version__}, Mesa {version('mesa')}, numpy "
                            f"{version('numpy')}; complete scenario in `scenario.yaml`")
        frame = pd.DataFrame({"value": rows})
        frame.index.name = "setting"
        return frame

    def variant_table(self) -> pd.DataFrame:
        """Each shown variant's overrides of the base scenario."""
        rows = {}
        for name in self.view.variants:
            overrides = self.scenario.variants.get(name) or {}
            rows[name] = (yaml.safe_dump(overrides, default_flow_style=True, sort_keys=False,
                                         width=10_000).strip() if overrides
                          else "the scenario as written")
        if self.view.hidden_variants:
            rows["other variants"] = (f"{self.view.hidden_variants:,} more, in "
                                      "`scenario.yaml`")
        frame = pd.DataFrame({"overrides": rows})
        frame.index.name = "variant"
        return frame


def summarise_comparison(result: RunResult, scenario: Scenario,
                         limit: int = MAX_SERIES) -> Report:
    """The report's numbers for the tables of :func:`relsim.compare.run_comparison`; its
    plots and tables show at most ``limit`` variants and ``limit`` firms."""
    configs = scenario.variant_configs()
    outcomes = replication_outcomes(result.firms, result.relationships, configs)
    horizon = int(result.firms["step"].max())
    summary = summarise(outcomes)
    focal = scenario.focal()
    return Report(scenario=scenario, result=result, outcomes=outcomes, summary=summary,
                  curves=retention_curves(result.relationships, horizon), focal=focal,
                  view=choose_view(summary, focal, limit))
