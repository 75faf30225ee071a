"""The report's plots, each a function from tidy tables to a matplotlib Figure.

The figures are built with matplotlib's object API (:class:`matplotlib.figure.Figure`),
not ``pyplot``, so making them neither needs a display nor changes the backend of a
notebook that calls them.  Bands are 95% Student-t intervals of the mean over
replications at each step (:mod:`relsim.stats`); with one replication there is no band.
Each variant keeps one colour in every plot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from relsim.compare import VARIANT
from relsim.report.outcomes import OUTCOME, categories
from relsim.stages import STAGE_NAMES
from relsim.stats import t_interval

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
"""Colours of the variants, in variant order (baseline first), repeating after ten."""
STAGE_COLOURS = ("#d9d9d9", "#c6dbef", "#9ecae1", "#6baed6", "#08519c", "#fc9272")
"""Colours of the lifecycle stages prospect ... dissolution."""


def variant_colours(variants: list[str]) -> dict[str, str]:
    """Colour of each variant."""
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(variants)}


def mean_band(frame: pd.DataFrame, column: str, by: list[str]) -> pd.DataFrame:
    """Mean of ``column`` over replications for each ``by`` group (e.g. variant and step), with
    the bounds ``lo`` and ``hi`` of its 95% t-interval (NaN with one replication)."""
    rows = [(*key, *t_interval(values)[:3]) for key, values in
            frame.groupby(by, observed=True, sort=True)[column]]
    return pd.DataFrame(rows, columns=[*by, "mean", "lo", "hi"])


def _lines(ax, frame: pd.DataFrame, column: str, colours: dict[str, str],
           scale: float = 1.0) -> None:
    """One line per variant with its band, from per-replication rows with a ``step``."""
    band = mean_band(frame, column, [VARIANT, "step"])
    for variant, colour in colours.items():
        rows = band[band[VARIANT] == variant]
        if rows.empty:
            continue
        ax.plot(rows["step"], rows["mean"] * scale, color=colour, lw=1.6, label=variant)
        ax.fill_between(rows["step"], rows["lo"] * scale, rows["hi"] * scale, color=colour,
                        alpha=0.2, lw=0)
    ax.set_xlabel("week")
    ax.grid(alpha=0.3)


def plot_retention(curves: pd.DataFrame, firm: str) -> Figure:
    """Retention curves of ``firm``'s step-0 customers, one per variant, with 95% bands."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    rows = curves[curves["firm"] == firm]
    _lines(ax, rows, "retention", variant_colours(categories(curves[VARIANT])), scale=100)
    ax.set_ylabel("% of week-0 customers retained")
    ax.set_title(f"{firm}: retention of its week-0 customers")
    ax.legend(frameon=False)
    return fig


def market_stages(firms: pd.DataFrame, market: pd.DataFrame) -> pd.DataFrame:
    """Customers in each lifecycle stage over the whole market, per variant, replication and
    step: prospects from the market table, the other stages summed over firms."""
    keys = [VARIANT, "replication", "step"]
    columns = [f"n_{s}" for s in STAGE_NAMES if s != "prospect"]
    stages = firms.groupby(keys, observed=True, sort=True)[columns].sum()
    stages.columns = [c[2:] for c in columns]
    stages.insert(0, "prospect", market.set_index(keys)["prospects"].reindex(stages.index))
    return stages.reset_index()


def plot_stages(firms: pd.DataFrame, market: pd.DataFrame) -> Figure:
    """Customers by lifecycle stage over time (whole market, mean over replications), one
    panel per variant."""
    stages = market_stages(firms, market)
    variants = categories(firms[VARIANT])
    cols = min(len(variants), 3)
    rows = -(-len(variants) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
    means = stages.groupby([VARIANT, "step"], observed=True, sort=True)[list(STAGE_NAMES)].mean()
    for ax, variant in zip(axes.flat, variants):
        data = means.xs(variant, level=VARIANT)
        ax.stackplot(data.index, *(data[s] for s in STAGE_NAMES), labels=STAGE_NAMES,
                     colors=STAGE_COLOURS, lw=0)
        ax.set_title(variant)
        ax.set_xlabel("week")
        ax.margins(x=0)
    for ax in axes.flat[len(variants):]:
        ax.set_visible(False)
    axes[0, 0].set_ylabel("customers")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", frameon=False)
    fig.suptitle("Customers by lifecycle stage (all firms)")
    return fig


ATTITUDES = ("trust", "satisfaction", "fairness")
"""The attitudes whose trajectories the report plots."""


def _firm_panels(firms: pd.DataFrame, firm: str, columns: dict[str, str], ylabel: str,
                 title: str, width: float) -> Figure:
    """One panel per metric column (title by column) for ``firm``, a line per variant;
    each panel keeps its own scale."""
    fig = Figure(figsize=(width, 3.4), layout="constrained")
    axes = fig.subplots(1, len(columns), squeeze=False)[0]
    rows = firms[firms["firm"] == firm]
    colours = variant_colours(categories(firms[VARIANT]))
    for ax, (column, panel) in zip(axes, columns.items()):
        _lines(ax, rows, column, colours)
        ax.set_title(panel)
    axes[0].set_ylabel(ylabel)
    axes[-1].legend(frameon=False)
    fig.suptitle(title)
    return fig


def plot_attitudes(firms: pd.DataFrame, firm: str) -> Figure:
    """Mean trust, satisfaction and fairness of ``firm``'s customers over time, per variant."""
    return _firm_panels(firms, firm, {f"mean_{a}": f"mean {a}" for a in ATTITUDES},
                        "score (0..1)", f"{firm}: attitudes of its customers", 11)


def plot_wom(firms: pd.DataFrame, firm: str) -> Figure:
    """Word-of-mouth messages about ``firm`` per week, positive and negative, per variant
    (negative messages are often far fewer, so each panel has its own scale)."""
    return _firm_panels(firms, firm, {f"wom_{v}": f"{v} messages" for v in
                                      ("positive", "negative")},
                        "messages heard per week", f"Word of mouth about {firm}", 9)


def plot_share(firms: pd.DataFrame) -> Figure:
    """Market share of every firm over time, one panel per firm, a line per variant."""
    names = categories(firms["firm"])
    fig = Figure(figsize=(3.6 * len(names), 3.2), layout="constrained")
    axes = fig.subplots(1, len(names), sharey=True, squeeze=False)[0]
    colours = variant_colours(categories(firms[VARIANT]))
    for ax, name in zip(axes, names):
        _lines(ax, firms[firms["firm"] == name], "market_share", colours, scale=100)
        ax.set_title(str(name))
    axes[0].set_ylabel("market share (%)")
    axes[-1].legend(frameon=False)
    return fig


def plot_value(summary: pd.DataFrame, firm: str) -> Figure:
    """NPV of profit and customer equity at the horizon per variant, for ``firm``: bars at the
    mean with 95% intervals."""
    names = ("npv_profit", "customer_equity")
    fig = Figure(figsize=(4.0 * len(names) + 1, 3.6), layout="constrained")
    axes = fig.subplots(1, len(names))
    rows = summary[summary["firm"] == firm]
    variants = categories(summary[VARIANT])
    colours = variant_colours(variants)
    for ax, name in zip(axes, names):
        data = rows[rows["outcome"] == name].set_index(VARIANT).reindex(variants)
        x = np.arange(len(variants))
        err = np.vstack([data["mean"] - data["lo"], data["hi"] - data["mean"]])
        ax.bar(x, data["mean"], color=[colours[v] for v in variants], alpha=0.85,
               yerr=np.nan_to_num(err), capsize=4)
        ax.set_xticks(x, variants, rotation=20, ha="right")
        ax.set_title(OUTCOME[name].label)
        ax.axhline(0, color="black", lw=0.6)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("money (price units)")
    fig.suptitle(f"{firm}: profit and customer equity")
    return fig
