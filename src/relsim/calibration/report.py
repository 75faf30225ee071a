"""Write a calibration result: tables, plots, a Markdown and an HTML page, the fitted scenario.

``write_result(result, DIR)`` writes everything into a fresh folder beside DIR
and renames it to DIR only when complete, so DIR is either absent or whole::

    DIR/report.md, report.html      the page (HTML with the plots embedded)
    DIR/parameters.csv              estimates, standard errors, 95% intervals, bounds
    DIR/fit.csv, projection.csv     observed vs relsim vs sBG, fitted / held-out periods
    DIR/sbg.csv, mae.csv            the sBG curve; both models' mean absolute errors
    DIR/summary.json                settings, objective, sBG estimates, cost, notes
    DIR/scenario.yaml               the fitted scenario (``relsim run`` accepts it)
    DIR/plots/retention.png         observed vs relsim vs sBG
    DIR/plots/posterior_pairs.png   (ABC) pairwise posterior plot
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from relsim.outputs import atomic_path, atomic_write, claim_output
from relsim.report.render import to_html, to_markdown

OBSERVED, RELSIM, SBG = "#000000", "#0072B2", "#D55E00"
"""Okabe & Ito's colour-blind-safe palette: black, blue, vermillion."""


VALUE_LABELS = {"cohort_retention": "share of the cohort still active",
                "churn_rate": "churn rate (share of the firm's customers leaving per period)",
                "market_share": "market share (share of all customers in a relationship)"}
"""What the observed and simulated values are, per kind of target (plot axis, notes)."""


def plot_retention(result: Any):
    """Observed retention vs relsim's fit and projection vs sBG's, with their 95% bands."""
    fig = Figure(figsize=(8, 5))
    ax = fig.subplots()
    curves = pd.concat([result.fit, result.projection]).sort_values("period")
    unit = result.calibration.spec.mapping.period
    x = curves["period"]
    ax.fill_between(x, curves["relsim_lower"], curves["relsim_upper"], color=RELSIM, alpha=0.18,
                    lw=0, label="relsim 95% band")
    ax.plot(x, curves["relsim"], color=RELSIM, lw=2, marker="s", ms=4,
            label=f"relsim ({result.method} fit)")
    if curves["sbg"].notna().any():
        ax.fill_between(x, curves["sbg_lower"], curves["sbg_upper"], color=SBG, alpha=0.15,
                        lw=0, label="sBG 95% band")
        ax.plot(x, curves["sbg"], color=SBG, lw=2, ls="--", marker="^", ms=4, label="sBG (ML fit)")
    ax.plot(x, curves["observed"], color=OBSERVED, ls="none", marker="o", ms=6,
            label=f"observed ({result.calibration.observed.label}, n = "
            f"{result.calibration.observed.size:,})")
    last_fit = result.fit["period"].max()
    if len(result.projection):
        ax.axvline(last_fit + 0.5, color="grey", lw=1, ls=":")
        ax.text(last_fit + 0.6, 0.98, "held out →", transform=ax.get_xaxis_transform(),
                va="top", color="grey")
        ax.text(last_fit + 0.4, 0.98, "← fitted", transform=ax.get_xaxis_transform(),
                va="top", ha="right", color="grey")
    kind = result.calibration.spec.data.kind
    ax.set_xlabel(f"{unit}s since acquisition" if kind == "cohort_retention" else unit)
    ax.set_ylabel(VALUE_LABELS[kind])
    if kind == "cohort_retention":
        ax.set_ylim(0, 1.02)
    else:
        ax.set_ylim(0, None)
    sbg = " vs sBG" if curves["sbg"].notna().any() else ""
    ax.set_title(f"{result.name}: observed vs relsim{sbg}")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    return fig


def plot_posterior_pairs(result: Any):
    """Pairwise posterior plot of the ABC particles (pyabc's KDE matrix)."""
    from pyabc.visualization import plot_kde_matrix

    details = result.details
    frame = pd.DataFrame(details.particles, columns=details.names)
    bounds = {p.path: (p.spec.lower, p.spec.upper) for p in result.calibration.parameters}
    k = len(details.names)
    fig = Figure(figsize=(max(5.0, 2.8 * k + 1), max(3.5, 2.8 * k)))
    axes = np.atleast_2d(np.asarray(fig.subplots(k, k, squeeze=False)))
    plot_kde_matrix(frame, details.weights, limits=bounds, arr_ax=axes)
    fig.suptitle(f"{result.name}: ABC-SMC posterior (last generation)")
    return fig


def _percent(x: float) -> str:
    return "" if pd.isna(x) else f"{100 * x:.1f}%"


def report_blocks(result: Any, images: list[tuple[str, str]]) -> list[tuple]:
    """The report as blocks for :mod:`relsim.report.render`."""
    s, cost = result.summary, result.cost
    mae = result.mae.set_index("model")
    blocks: list[tuple] = [("h1", f"Calibration: {result.name}")]
    if s["description"]:
        blocks.append(("p", s["description"]))
    verdict = []
    if len(result.projection):
        r, b = mae.loc["relsim", "mae_holdout"], mae.loc["sbg", "mae_holdout"]
        held = "-".join(map(str, s["holdout_periods"]))
        line = f"Mean absolute error on the held-out {s['period']}s {held}: relsim " \
               f"**{100 * r:.2f} points**"
        if pd.notna(b):
            line += (f", sBG **{100 * b:.2f} points**" + (" (relsim as good or better)"
                     if r <= b else f" (relsim worse by {100 * (r - b):.2f} points)"))
        verdict.append(line)
    verdict.append(f"Cost: {cost['wall_seconds']:.0f} s wall time, {cost['simulations']} "
                   f"simulations ({cost['simulations_reused']} reused), {cost['workers']} "
                   f"worker(s), {cost['cpu']}")
    blocks.append(("list", verdict))
    params = result.parameters.set_index("parameter")
    table = pd.DataFrame({
        "estimate" if result.method == "point" else "posterior mean":
            params["estimate"].map(lambda v: f"{v:.4g}"),
        "standard error": params["se"].map(lambda v: "" if pd.isna(v) else f"{v:.2g}"),
        "95% interval": [f"[{lo:.4g}, {hi:.4g}]" if pd.notna(lo) else "n/a"
                         for lo, hi in zip(params["lower95"], params["upper95"])],
        "searched": [f"[{lo:g}, {hi:g}] {prior}" for lo, hi, prior in
                     zip(params["bound_lower"], params["bound_upper"], params["prior"])]},
        index=params.index)
    blocks += [("h2", "Fitted parameters"), ("table", table)]
    curves = pd.concat([result.fit.assign(role="fit"), result.projection.assign(role="held out")])
    shown = pd.DataFrame({
        "role": curves["role"].to_numpy(), "observed": curves["observed"].map(_percent).to_numpy(),
        "relsim": curves["relsim"].map(_percent).to_numpy(),
        "relsim 95% band": [f"[{_percent(lo)}, {_percent(hi)}]" for lo, hi in
                            zip(curves["relsim_lower"], curves["relsim_upper"])],
        "sBG": curves["sbg"].map(_percent).to_numpy(),
        "sBG 95% band": [f"[{_percent(lo)}, {_percent(hi)}]" for lo, hi in
                         zip(curves["sbg_lower"], curves["sbg_upper"])]},
        index=pd.Index(curves["period"].to_numpy(), name=s["period"]))
    mae_table = (mae * 100).round(2).rename(columns={"mae_fit": "MAE fitted (points)",
                                                     "mae_holdout": "MAE held out (points)"})
    heading = "Observed vs relsim vs sBG"
    if "sbg" not in s:  # a series, or fitted periods not from 0: no sBG
        shown = shown.drop(columns=["sBG", "sBG 95% band"])
        mae_table = mae_table.drop(index="sbg")
        heading = "Observed vs relsim"
    blocks += [("h2", heading), ("table", shown), ("table", mae_table)]
    blocks += [("image", name, caption) for name, caption in images]
    mapping = result.calibration.spec.mapping
    if result.calibration.spec.data.series:
        notes = [(f"Data: `{s['data']}` ({s['cohort']}: {VALUE_LABELS[s['kind']]}, about "
                  f"{s['cohort_size']:,} customers measured per {s['period']}); simulated: "
                  f"firm {s['firm']}'s {s['kind'].replace('_', ' ')}, period 0 starting in "
                  f"week {mapping.start_week}.")]
    else:
        notes = [(f"Data: `{s['data']}` ({s['cohort']}, {s['cohort_size']:,} customers); "
                  f"simulated cohort: firm {s['firm']}'s first relationships started in weeks "
                  f"{mapping.cohort_start}-{mapping.cohort_end}.")]
    fitted_counts = s["fit_periods"][1] - s["fit_periods"][0] + (
        1 if result.calibration.spec.data.series else 0)
    if result.method == "point":
        notes.append(f"Objective (negative log-likelihood) {s['objective']:.2f}, deviance "
                     f"{s['deviance']:.2f} on {fitted_counts} "
                     f"fitted counts; {s['optimizer']}: {s['optimizer_message'].rstrip('.')}.")
    if "sbg" in s:
        g = s["sbg"]
        notes.append(f"sBG: alpha {g['alpha']:.3f} (se {g['alpha_se']:.3f}), beta "
                     f"{g['beta']:.3f} (se {g['beta_se']:.3f}), log-likelihood "
                     f"{g['log_likelihood']:.2f}.")
    notes += s["notes"]
    if "sbg" in s:
        notes.append("Bands: relsim's from the parameters' uncertainty (point fit: draws from "
                     "the Hessian's normal approximation; ABC: the posterior predictive); "
                     "sBG's from its estimates' normal approximation. Neither includes the "
                     "binomial noise of a new cohort. See docs/calibration.md.")
    else:
        notes.append("Band: relsim's, from the parameters' uncertainty (point fit: draws from "
                     "the Hessian's normal approximation; ABC: the posterior predictive); it "
                     "does not include the binomial noise of new observations. See "
                     "docs/calibration.md.")
    blocks += [("h2", "Notes"), ("list", notes)]
    return blocks


def write_files(result: Any, directory: Path) -> None:
    """Write the tables, plots, report pages and fitted scenario of a
    :class:`~relsim.calibration.result.CalibrationResult` into the new, empty
    ``directory`` (a claimed output's staging directory, published whole)."""
    (directory / "plots").mkdir(parents=True)
    for name in ("parameters", "fit", "projection", "sbg", "mae"):
        atomic_write(directory / f"{name}.csv", getattr(result, name).to_csv(index=False),
                     durable=False)
    summary = {**result.summary, "cost": result.cost,
               "mae": result.mae.set_index("model").to_dict(orient="index")}
    atomic_write(directory / "summary.json", json.dumps(summary, indent=2, default=float),
                 durable=False)
    atomic_write(directory / "scenario.yaml", result.fitted_scenario, durable=False)
    if "sbg" in result.summary:
        caption = ("Observed retention vs relsim's fit and projection vs the sBG model's, "
                   "with 95% bands")
    else:
        what = VALUE_LABELS[result.calibration.spec.data.kind].split(" (")[0]
        caption = f"Observed {what} vs relsim's fit and projection, with its 95% band"
    images = [("retention.png", caption)]
    figures = [plot_retention(result)]
    if result.method == "abc":
        images.append(("posterior_pairs.png", ("Pairwise ABC-SMC posterior of the freed "
                                               "parameters (last generation)")))
        figures.append(plot_posterior_pairs(result))
    for (name, _), fig in zip(images, figures, strict=True):
        with atomic_path(directory / "plots" / name, durable=False) as tmp:
            fig.savefig(tmp, dpi=120, bbox_inches="tight")
    blocks = report_blocks(result, images)
    atomic_write(directory / "report.md", to_markdown(blocks), durable=False)
    atomic_write(directory / "report.html", to_html(blocks, directory / "plots",
                                                    f"Calibration: {result.name}"),
                 durable=False)


def write_result(result: Any, out: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write a calibration result to the new directory ``out`` (claimed like every relsim
    output: all or nothing; an existing ``out`` is replaced only with ``overwrite`` and only
    if relsim wrote it); returns its path."""
    with claim_output(out, overwrite=overwrite, command="relsim calibrate") as claim:
        staged = claim.staging("result")
        write_files(result, staged)
        claim.publish(staged)
    return claim.path
