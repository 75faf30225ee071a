"""The report's plots, each a function from tidy tables and a :class:`View` to a Figure.

A :class:`~relsim.report.view.View` says what the plots compare: the variants for the focal
firm, or, in a run without variants, the firms with each other; which of them are shown (at
most :data:`~relsim.report.view.MAX_SERIES`); and the colour of each (Okabe-Ito, the same in
every plot).  Without a view, a plot shows the first variants and firms of its table.

The figures are built with matplotlib's object API (:class:`matplotlib.figure.Figure`),
not ``pyplot``, so making them neither needs a display nor changes the backend of a
notebook that calls them.  They are sized for the report: 110 dpi, at most 9.5 inches
(1,045 px) wide, the width of the HTML page.  Bands are 95% intervals of the mean over
replications at each step that stay within the quantity's range
(:func:`relsim.stats.grouped_intervals`: shares within 0..100%, counts above 0); with
one replication there is no band.
"""

from __future__ import annotations

from functools import wraps

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.figure import Figure

from relsim.compare import VARIANT
from relsim.report.outcomes import COUNT, OUTCOME, SHARE, Bounds
from relsim.report.view import OKABE_ITO, View
from relsim.scenario import BASELINE
from relsim.stats import grouped_intervals

STAGE_COLOURS = {"exploration": "#A1DAB4", "awareness": "#41B6C4", "expansion": "#2C7FB8",
                 "commitment": "#253494", "dissolution": "#BBBBBB"}
"""Colours of a firm's customers by lifecycle stage: light to dark as the relationship
deepens (ColorBrewer YlGnBu, safe for colour-blind readers), lapsed customers in grey."""
BAND_LIMIT = 6
"""Plots with more lines than this draw no interval bands (they would hide each other)."""
WIDTH = 9.5
"""Width of a figure in inches: 1,045 px at 110 dpi, the width of the HTML report."""
STYLE = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9.5,
         "legend.title_fontsize": 9.5, "xtick.labelsize": 9, "ytick.labelsize": 9,
         "figure.titlesize": 12, "axes.spines.top": False, "axes.spines.right": False,
         "axes.grid": True, "grid.alpha": 0.3, "legend.frameon": False}
"""Matplotlib settings of every report figure (readable at 110 dpi on a 1,100 px page)."""
ATTITUDES = {"trust": "Trust", "satisfaction": "Satisfaction", "fairness": "Fairness"}
"""The attitudes whose trajectories the report plots, with their panel titles."""


def styled(plot):
    """Draw ``plot``'s figure with the report's :data:`STYLE`."""
    @wraps(plot)
    def draw(*args, **kwargs) -> Figure:
        with mpl.rc_context(STYLE):
            return plot(*args, **kwargs)
    return draw


# --------------------------------------------------------------------------- building blocks

def mean_band(frame: pd.DataFrame, column: str, by: list[str],
              bounds: Bounds = (None, None)) -> pd.DataFrame:
    """Mean of ``column`` over replications for each ``by`` group (e.g. variant and step),
    with the bounds ``lo`` and ``hi`` of its 95% interval within ``bounds`` (NaN with one
    replication)."""
    return grouped_intervals(frame, by, column, *bounds)[[*by, "mean", "lo", "hi"]]


WEEK_STEPS = (1, 2, 4, 13, 26, 52, 104, 260, 520)
"""Spacings of the week ticks: the smallest giving at most eight intervals is used, so a
horizon of a year or two is marked by quarters or half-years."""


def _week_axis(ax, horizon: int) -> None:
    """Weeks 0..``horizon`` on the x axis, ticked by quarters, half-years or years."""
    ax.set_xlabel("week")
    step = next((s for s in WEEK_STEPS if horizon / s <= 8), None)
    ax.xaxis.set_major_locator(ticker.MultipleLocator(step) if step else
                               ticker.MaxNLocator(nbins=8, integer=True))
    ax.set_xlim(0, max(horizon, 1))


def _percent_axis(ax, top: float | None = 1.0) -> None:
    """A share on the y axis, shown as a percentage, from 0 (to ``top``)."""
    ax.yaxis.set_major_formatter(ticker.PercentFormatter(xmax=1.0, decimals=0))
    ax.set_ylim(0, top)


def _money(x: float, _=None) -> str:
    """A tick label for money: thousands separated."""
    return f"{x:,.0f}"


def _lines(ax, frame: pd.DataFrame, column: str, view: View, bounds: Bounds,
           empty: str = "no data") -> None:
    """One line per series of ``view`` with its 95% band (none with more than
    :data:`BAND_LIMIT` lines), from per-replication rows with a ``step``; the note
    ``empty`` in the panel if there is nothing to draw."""
    if frame.empty or frame[column].isna().all():
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", va="center",
                color="#555555")
    band = mean_band(frame, column, [view.by, "step"], bounds)
    band[view.by] = band[view.by].astype(str)
    bands = len(view.series) <= BAND_LIMIT
    for name in view.series:
        rows = band[band[view.by] == name]
        if rows.empty:
            continue
        style = view.style(name)
        ax.plot(rows["step"], rows["mean"], lw=1.8, label=name, **style)
        if bands:
            ax.fill_between(rows["step"], rows["lo"], rows["hi"], color=style["color"],
                            alpha=0.18 if len(view.series) <= 3 else 0.12, lw=0)
    _week_axis(ax, int(frame["step"].max()) if len(frame) else 1)


def _legend(fig: Figure, view: View, axes) -> None:
    """One legend for the figure, below the panels (above them it would collide with the
    title), titled by what the lines are."""
    handles = {}
    for ax in np.ravel(axes):
        for handle, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, handle)
    ordered = [name for name in view.series if name in handles]
    if ordered:
        fig.legend([handles[n] for n in ordered], ordered, loc="outside lower center",
                   ncols=min(len(ordered), 4), title=view.legend_title())


def _title(view: View, by_variant: str, by_firm: str) -> str:
    """The figure title for the view: ``by_variant`` (with ``{focal}`` filled in) when the
    variants are compared, else ``by_firm`` (with the variant named unless the baseline)."""
    if view.by == VARIANT:
        return by_variant.format(focal=view.focal)
    return by_firm + (f" ({view.subject})" if view.subject != BASELINE else "")


# --------------------------------------------------------------------------- the plots

@styled
def plot_retention(curves: pd.DataFrame, view: View | None = None) -> Figure:
    """Retention curves of week-0 customers (``relsim.report.outcomes.retention_curves``):
    the focal firm's, one line per variant, or every firm's, with 95% bands."""
    view = view or View.of(curves)
    fig = Figure(figsize=(WIDTH, 4.3), layout="constrained")
    ax = fig.add_subplot()
    _lines(ax, view.rows(curves), "retention", view, OUTCOME["retention"].bounds,
           empty="no customers at week 0")
    _percent_axis(ax)
    ax.set_ylabel("week-0 customers still with the firm")
    fig.suptitle(_title(view, "Retention of {focal}'s week-0 customers, by variant",
                        "Retention of each firm's week-0 customers"))
    _legend(fig, view, ax)
    return fig


def _grid(fig: Figure, panels: int, max_cols: int = 4):
    """``panels`` axes in a grid of at most ``max_cols`` columns; the unused cells hidden."""
    cols = min(panels, max_cols)
    rows = -(-panels // cols)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[panels:]:
        ax.set_visible(False)
    return axes[:panels]


@styled
def plot_stages(firms: pd.DataFrame, market: pd.DataFrame, view: View | None = None
                ) -> Figure:
    """The focal firm's customers by lifecycle stage over time, one panel per variant (or
    each firm's, one panel per firm), mean over replications; lapsed former customers on
    top.  Prospects (nobody's customers yet) are in a panel of their own: they outnumber
    the customers and would hide them."""
    view = view or View.of(firms)
    stages = list(STAGE_COLOURS)
    rows = view.rows(firms)
    means = rows.groupby([view.by, "step"], observed=True, sort=True)[
        [f"n_{s}" for s in stages]].mean()
    means.index = means.index.set_levels(means.index.levels[0].astype(str), level=0)
    shown = [name for name in view.series if name in means.index.get_level_values(0)]
    cols = 2 if len(shown) + 1 <= 4 else 3 if len(shown) + 1 <= 9 else 4
    height = 2.6 * -(-(len(shown) + 1) // cols) + 1.0
    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    axes = _grid(fig, len(shown) + 1, cols)
    for ax, name in zip(axes, shown):
        data = means.xs(name, level=0)
        ax.stackplot(data.index, *(data[f"n_{s}"] for s in stages), colors=list(STAGE_COLOURS
                                                                                .values()),
                     labels=["exploration", "awareness", "expansion", "commitment",
                             "lapsed (dissolution)"], lw=0)
        ax.set_title(name)
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(_money))
        _week_axis(ax, int(data.index.max()))
        if ax is not axes[0]:
            ax.sharey(axes[0])
        if list(axes).index(ax) % cols:  # the first column's labels serve the row
            ax.tick_params(labelleft=False)
        if list(axes).index(ax) < len(axes) - cols:  # the week axis is labelled below
            ax.set_xlabel("")
    if shown:
        top = means.sum(axis=1).max()
        axes[0].set_ylim(0, top * 1.04 if top > 0 else 1)
    axes[0].set_ylabel("customers (lapsed: former customers)")
    prospects = axes[len(shown)]
    _prospect_lines(prospects, market, view)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", title="stage")
    fig.suptitle(_title(view, "{focal}'s customers by relationship stage, by variant",
                        "Each firm's customers by relationship stage"))
    return fig


def _prospect_lines(ax, market: pd.DataFrame, view: View) -> None:
    """Prospects in the whole market over time: a line per shown variant."""
    rows = market[market[VARIANT].astype(str).isin(view.variants)]
    means = rows.groupby([VARIANT, "step"], observed=True, sort=True)["prospects"].mean()
    for name in view.variants:
        if name in means.index.get_level_values(0).astype(str):
            data = means.xs(name, level=0)
            style = view.style(name) if view.by == VARIANT else {"color": "#555555"}
            ax.plot(data.index, data.to_numpy(), lw=1.6, label=name, **style)
    ax.set_title("prospects (whole market)")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(_money))
    _week_axis(ax, int(rows["step"].max()) if len(rows) else 1)
    if view.by == VARIANT and len(view.variants) <= 6:
        ax.legend(fontsize=8, loc="lower left")


@styled
def plot_attitudes(firms: pd.DataFrame, view: View | None = None) -> Figure:
    """Mean trust, satisfaction and fairness of the focal firm's customers over time, a line
    per variant (or of each firm's customers), on one shared 0..1 scale: the panels use the
    same range (at least a quarter of the scale), so equal heights mean equal changes."""
    view = view or View.of(firms)
    fig = Figure(figsize=(WIDTH, 3.8), layout="constrained")
    axes = fig.subplots(1, len(ATTITUDES), sharey=True)
    rows = view.rows(firms)
    for ax, (attitude, title) in zip(axes, ATTITUDES.items()):
        _lines(ax, rows, f"mean_{attitude}", view, SHARE)
        ax.set_title(title)
    low, high = axes[0].get_ylim()
    if high - low < 0.25:  # a small change must not look like a cliff
        middle = (low + high) / 2
        low, high = middle - 0.125, middle + 0.125
    low, high = max(0.0, low), min(1.0, high)
    axes[0].set_ylim(low, high)
    axes[0].set_ylabel("mean score (0 = worst, 1 = best)")
    fig.suptitle(_title(view, "Attitudes of {focal}'s customers, by variant",
                        "Attitudes of each firm's customers"))
    _legend(fig, view, axes)
    return fig


WOM_WINDOW = 4
"""Word of mouth is plotted as a moving average over this many weeks (within each
replication): weekly counts jump too much to read trends from."""


def moving_average(rows: pd.DataFrame, columns: list[str], weeks: int) -> pd.DataFrame:
    """``rows`` with ``columns`` replaced by their mean over the last ``weeks`` steps (fewer
    at the start) within each variant, replication and firm."""
    rows = rows.sort_values([VARIANT, "replication", "firm", "step"], kind="stable")
    grouped = rows.groupby([VARIANT, "replication", "firm"], observed=True, sort=False)
    smooth = {c: grouped[c].transform(lambda x: x.rolling(weeks, min_periods=1).mean())
              for c in columns}
    return rows.assign(**smooth)


@styled
def plot_wom(firms: pd.DataFrame, view: View | None = None) -> Figure:
    """Word-of-mouth messages heard per week about the focal firm (or each firm), positive
    and negative, a line per variant (or firm), as a :data:`WOM_WINDOW`-week moving
    average; negative messages are often far fewer, so each panel has its own scale, from
    zero."""
    view = view or View.of(firms)
    fig = Figure(figsize=(WIDTH, 3.8), layout="constrained")
    axes = fig.subplots(1, 2)
    rows = moving_average(view.rows(firms), ["wom_positive", "wom_negative"], WOM_WINDOW)
    for ax, valence in zip(axes, ("positive", "negative")):
        _lines(ax, rows, f"wom_{valence}", view, COUNT)
        ax.set_title(f"{valence} messages")
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(ticker.FuncFormatter(_money))
    axes[0].set_ylabel("messages heard per week")
    fig.suptitle(_title(view, "Word of mouth about {focal}, by variant",
                        "Word of mouth about each firm") + f" ({WOM_WINDOW}-week moving average)")
    _legend(fig, view, axes)
    return fig


@styled
def plot_share(firms: pd.DataFrame, view: View | None = None) -> Figure:
    """Market share over time: with variants, one panel per shown firm and a line per
    variant; without, one panel with a line per firm."""
    view = view or View.of(firms)
    panels = view.firms if view.by == VARIANT else (view.subject,)
    cols = min(len(panels), 4)
    fig = Figure(figsize=(WIDTH, 3.2 * -(-len(panels) // cols) + 0.9), layout="constrained")
    axes = _grid(fig, len(panels), cols)
    top = 0.0
    for ax, name in zip(axes, panels):
        if view.by == VARIANT:
            rows = firms[(firms["firm"].astype(str) == name)
                         & firms[VARIANT].astype(str).isin(view.variants)]
            ax.set_title(name)
        else:
            rows = view.rows(firms)
        _lines(ax, rows, "market_share", view, OUTCOME["market_share"].bounds)
        top = max(top, ax.get_ylim()[1])
    for ax in axes:
        _percent_axis(ax, min(1.0, top * 1.02))
        if ax is not axes[0]:
            ax.sharey(axes[0])
    axes[0].set_ylabel("share of customers in a relationship")
    title = _title(view, "Market share of each firm, by variant", "Market share of each firm")
    fig.suptitle(title + (f" ({len(panels)} of {len(panels) + view.hidden_firms} firms shown)"
                          if view.by == VARIANT and view.hidden_firms else ""))
    _legend(fig, view, axes)
    return fig


VALUE_PANELS = ("npv_profit", "customer_equity", "value")
"""The outcomes of the value plot, in panel order."""


@styled
def plot_value(summary: pd.DataFrame, view: View | None = None) -> Figure:
    """NPV of profit, customer equity at the horizon and value created of the focal firm per
    variant (or of each firm): bars at the mean with 95% intervals."""
    view = view or View.of(summary)
    names = list(view.series)
    fig = Figure(figsize=(WIDTH, 1.4 + 0.38 * len(names)), layout="constrained")
    axes = fig.subplots(1, len(VALUE_PANELS), sharey=True)
    rows = view.rows(summary)
    y = np.arange(len(names))
    for ax, outcome in zip(axes, VALUE_PANELS):
        data = rows[rows["outcome"].astype(str) == outcome].assign(
            name=lambda d: d[view.by].astype(str)).set_index("name").reindex(names)
        err = np.vstack([data["mean"] - data["lo"], data["hi"] - data["mean"]])
        bars = ax.barh(y, data["mean"].fillna(0), color=[view.style(n)["color"] for n in names],
                       alpha=0.9, xerr=np.nan_to_num(err), capsize=3, height=0.7,
                       error_kw={"lw": 1.1})
        for i, bar in enumerate(bars):  # the 9th and later series repeat a colour: hatched
            bar.set_hatch("//" * (i // len(OKABE_ITO) % 2))
        ax.set_title(OUTCOME[outcome].label)
        ax.axvline(0, color="black", lw=0.7)
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(_money))
        ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins=4))
        ax.grid(axis="y", visible=False)
        ax.set_xlabel("money (price units)")
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()  # the baseline (or focal firm) on top
    fig.suptitle(_title(view, "{focal}: profit, customer equity and value created, by variant",
                        "Profit, customer equity and value created, by firm")
                 + " (95% intervals)")
    return fig
