"""The analysis figures, each a function from tables to a matplotlib Figure.

Built with matplotlib's object API (no ``pyplot``, no display needed).  Colours
are the Okabe-Ito palette, which readers with any common colour-vision
deficiency can tell apart, and heat maps use ``viridis``.  Bands and error bars
are 95% Student-t intervals over runs (:func:`relsim.stats.t_interval`).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from relsim.experiments.responses import Response
from relsim.report.outcomes import OUTCOME
from relsim.stats import t_interval

OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
             "#000000")
"""Colour-blind-safe palette (Okabe & Ito 2008)."""
BINS = 8
"""Bins of a numeric parameter in response plots of sampled (non-grid) designs."""


def png(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def response_label(response: Response) -> str:
    """Axis label of a response, with its unit."""
    outcome = OUTCOME[response.outcome]
    what = f"{outcome.label} gain vs baseline" if response.gain else outcome.label
    arm = f" [{response.arm}]" if response.arm else ""
    return f"{what}{arm}, {response.firm} ({outcome.unit})"


def parameter_label(name: str, unit: str) -> str:
    """Axis label of a parameter, with its unit."""
    return f"{name} ({unit})" if unit else name


def indices_figure(table: pd.DataFrame, response: Response, kind: str,
                   noise: float) -> Figure:
    """Bars of the indices of one response (Sobol S1 and ST, RBD-FAST S1, main effects) or
    Morris mu* against sigma, with 95% intervals and the replication-noise level."""
    fig = Figure(figsize=(7, 0.5 * len(table) + 2), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(table))
    if kind == "morris":
        ax.errorbar(table["mu_star"], table["sigma"], xerr=table["mu_star_conf"], fmt="o",
                    color=OKABE_ITO[0], label="parameter (95% interval of μ*)")
        for _, row in table.iterrows():
            ax.annotate(row["parameter"], (row["mu_star"], row["sigma"]), fontsize=8,
                        xytext=(4, 4), textcoords="offset points")
        if np.isfinite(noise):
            ax.axvline(noise, color=OKABE_ITO[7], ls="--", label="replication noise")
        ax.set_xlabel("μ*: mean |elementary effect| (response units per unit of range)")
        ax.set_ylabel("σ: spread of elementary effects")
        ax.set_title(f"Morris screening: {response.name}")
    else:
        bars = [("S1", "first order S1"), ("ST", "total ST")] if kind == "sobol" else \
            [("S1", "first order S1")] if kind == "lhs" else [("main_effect", "main effect")]
        height = 0.8 / len(bars)
        for i, (column, label) in enumerate(bars):
            conf = table.get(f"{column}_conf")
            ax.barh(y + i * height, table[column], height, xerr=conf, color=OKABE_ITO[i],
                    label=label, capsize=2)
        ax.set_yticks(y + height * (len(bars) - 1) / 2, table["parameter"])
        ax.invert_yaxis()
        if np.isfinite(noise):
            ax.axvline(noise, color=OKABE_ITO[7], ls="--", label="replication noise share")
        ax.set_xlabel("share of the variance of the response (95% interval)")
        name = {"sobol": "Sobol indices", "lhs": "RBD-FAST first-order indices",
                "grid": "main effects"}[kind]
        ax.set_title(f"{name}: {response.name}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def _band(x: pd.Series, runs: pd.Series) -> pd.DataFrame:
    """Mean and 95% interval of the runs at each value of ``x`` (indexed like ``runs``)."""
    rows = [(key, *t_interval(group)[:3]) for key, group in runs.groupby(x, sort=True)]
    return pd.DataFrame(rows, columns=["x", "mean", "lo", "hi"])


def response_figure(design: pd.DataFrame, runs: pd.Series, response: Response,
                    units: dict[str, str], grid: bool) -> Figure:
    """The response against each parameter: point means (dots) and the mean over runs with
    its 95% band, at each level (grids, levels) or in bins of equal count (sampled designs)."""
    names = [c for c in design.columns if c != "point"]
    cols = min(3, len(names))
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.3 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    by_point = design.set_index("point")
    values = runs.reset_index()
    means = runs.groupby(level="point").mean()
    for ax, name in zip(axes, names):
        x_runs = by_point.loc[values["point"], name].reset_index(drop=True)
        x_points = by_point.loc[means.index, name]
        numeric = pd.api.types.is_numeric_dtype(x_runs) and not pd.api.types.is_bool_dtype(x_runs)
        if numeric and not grid and x_runs.nunique() > BINS:
            edges = np.unique(np.quantile(x_points, np.linspace(0, 1, BINS + 1)))
            binned = pd.cut(x_runs, edges, include_lowest=True)
            band = _band(binned.cat.codes, values[response.name])
            centres = [(edges[i] + edges[i + 1]) / 2 for i in band["x"]]
            band = band.assign(x=centres)
        else:
            band = _band(x_runs, values[response.name])
        if numeric:
            ax.scatter(x_points, means, s=6, alpha=0.3, color=OKABE_ITO[5],
                       label="design point (mean of replications)")
            ax.plot(band["x"], band["mean"], color=OKABE_ITO[0], lw=1.8, label="mean")
            ax.fill_between(band["x"], band["lo"], band["hi"], color=OKABE_ITO[0], alpha=0.2,
                            lw=0, label="95% interval of the mean of runs")
        else:
            labels = band["x"].astype(str)
            ax.errorbar(labels, band["mean"], yerr=[band["mean"] - band["lo"],
                        band["hi"] - band["mean"]], fmt="o", color=OKABE_ITO[0], capsize=3,
                        label="mean, 95% interval")
            ax.tick_params(axis="x", labelrotation=20)
        ax.set_xlabel(parameter_label(name, units.get(name, "")), fontsize=8)
        ax.grid(alpha=0.3)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    axes[0].set_ylabel(response_label(response), fontsize=8)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{response.name} against each parameter")
    return fig


def heatmap_figure(design: pd.DataFrame, means: pd.Series, response: Response, a: str, b: str,
                   units: dict[str, str]) -> Figure:
    """Mean response over the grid's (a, b) cells, averaged over the other parameters."""
    frame = design.set_index("point").loc[means.index, [a, b]].assign(value=means.to_numpy())
    table = frame.pivot_table(index=b, columns=a, values="value", aggfunc="mean")
    fig = Figure(figsize=(6.5, 5), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [f"{v:.3g}" if isinstance(v, float) else str(v)
                                              for v in table.columns], rotation=30)
    ax.set_yticks(range(len(table.index)), [f"{v:.3g}" if isinstance(v, float) else str(v)
                                            for v in table.index])
    middle = np.nanmean([np.nanmin(table.to_numpy()), np.nanmax(table.to_numpy())])
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=7,
                color="white" if value < middle else "black")  # readable on viridis
    ax.set_xlabel(parameter_label(a, units.get(a, "")))
    ax.set_ylabel(parameter_label(b, units.get(b, "")))
    fig.colorbar(image, ax=ax, label=response_label(response))
    ax.set_title(f"{response.name}: mean over replications and other parameters")
    return fig


def prim_figure(design: pd.DataFrame, cases: np.ndarray, title: str, boxes: pd.DataFrame,
                trajectory: pd.DataFrame, units: dict[str, str]) -> Figure:
    """PRIM: the coverage/density trade-off along the first box's peeling trajectory (the
    chosen box marked), and the design points in the box's two first numeric restrictions."""
    first = boxes[boxes["box"] == 1]
    numeric = first.dropna(subset=["low"])["parameter"].tolist()[:2]
    fig = Figure(figsize=(11 if len(numeric) == 2 else 6, 4.5), layout="constrained")
    axes = fig.subplots(1, 2 if len(numeric) == 2 else 1, squeeze=False).ravel()
    path = trajectory[trajectory["box"] == 1]
    ax = axes[0]
    points = ax.scatter(path["coverage"], path["density"], c=path["res dim"], cmap="viridis",
                        s=14, label="peeling step")
    chosen = path[path["chosen"]]
    ax.scatter(chosen["coverage"], chosen["density"], s=90, facecolors="none",
               edgecolors=OKABE_ITO[1], lw=2, label="box reported")
    fig.colorbar(points, ax=ax, label="restricted parameters")
    ax.set_xlabel("coverage (share of cases in the box)")
    ax.set_ylabel("density (share of the box that are cases)")
    ax.set_title("peeling trajectory, box 1")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    if len(numeric) == 2:
        ax = axes[1]
        x, y = design[numeric[0]], design[numeric[1]]
        ax.scatter(x[~cases], y[~cases], s=8, color=OKABE_ITO[5], alpha=0.5,
                   label="condition does not hold")
        ax.scatter(x[cases], y[cases], s=10, color=OKABE_ITO[1], label="condition holds")
        lim = first.set_index("parameter")
        (x0, x1), (y0, y1) = (lim.loc[n, ["low", "high"]] for n in numeric)
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, lw=2,
                               edgecolor=OKABE_ITO[7], label="box 1"))
        ax.set_xlabel(parameter_label(numeric[0], units.get(numeric[0], "")))
        ax.set_ylabel(parameter_label(numeric[1], units.get(numeric[1], "")))
        ax.set_title("design points (means of replications)")
        ax.legend(fontsize=8, loc="best", framealpha=0.9)
    fig.suptitle(f"Scenario discovery: {title}")
    return fig
