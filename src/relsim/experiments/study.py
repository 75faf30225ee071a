"""``analyze``: from a sweep's results to tables, figures and one HTML page.

:func:`analyze` reads a sweep directory (or a results DataFrame and its
experiment), turns the outcome rows into responses
(:mod:`relsim.experiments.responses`), measures replication noise and computes
the indices (:mod:`relsim.experiments.analysis`), and runs PRIM for each
condition (:mod:`relsim.experiments.discovery`).  :meth:`Analysis.write` writes
the tables (CSV), the figures (PNG) and ``analysis.html``, a self-contained page
with the figures embedded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from relsim.experiments import designs, store
from relsim.experiments import figures as fig
from relsim.experiments.analysis import analysis_seed, noise_table, sensitivity
from relsim.experiments.conditions import Condition, parse_condition
from relsim.experiments.designs import sample as sample_design
from relsim.experiments.discovery import discover
from relsim.experiments.loading import load_experiment
from relsim.experiments.page import file_slug
from relsim.experiments.responses import Response, run_values
from relsim.experiments.schema import Experiment, ExperimentError


@dataclass
class Analysis:
    """Everything ``relsim analyze`` computes, as DataFrames.

    ``runs``: one row per (point, replication), one column per response;
    ``points``: the mean of each response at each design point;
    ``noise``: replication noise per response; ``indices`` / ``second_order``: the
    sensitivity indices; ``boxes`` / ``trajectories``: PRIM per condition."""

    experiment: Experiment
    design: pd.DataFrame
    runs: pd.DataFrame
    points: pd.DataFrame
    noise: pd.DataFrame
    indices: pd.DataFrame
    second_order: pd.DataFrame
    boxes: pd.DataFrame
    trajectories: pd.DataFrame
    conditions: list[Condition] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def response(self, name: str) -> Response:
        """The response of a column name."""
        return next(r for r in self.experiment.responses() if r.name == name)

    def figures(self) -> dict[str, bytes]:
        """Every figure as PNG bytes, by file name."""
        units = {name: spec.unit for name, spec in self.experiment.fields.items()}
        kind = self.experiment.design.kind
        grid = kind == "grid"
        out: dict[str, bytes] = {}
        noise = self.noise.set_index("response")
        for name in self.runs.columns:
            response = self.response(name)
            slug = file_slug(name)
            table = self.indices[self.indices["response"] == name] if len(self.indices) else \
                self.indices
            if len(table):
                level = noise.loc[name, "noise_of_means"]
                if kind == "morris":
                    delta = self.experiment.design.num_levels / (
                        2 * (self.experiment.design.num_levels - 1))
                    level = np.sqrt(2 * noise.loc[name, "within"] /
                                    noise.loc[name, "replications"]) / delta
                out[f"indices-{slug}.png"] = fig.png(fig.indices_figure(table, response, kind,
                                                                        level))
            out[f"response-{slug}.png"] = fig.png(fig.response_figure(
                self.design, self.runs[name], response, units, grid))
            for a, b in self.pairs:
                out[f"heatmap-{slug}-{file_slug(a)}-{file_slug(b)}.png"] = fig.png(fig.heatmap_figure(
                    self.design, self.points[name], response, a, b, units))
        for i, condition in enumerate(self.conditions):
            boxes = self.boxes[self.boxes["condition"] == str(condition)]
            if boxes["box"].max() >= 1:
                have = self.design[self.design["point"].isin(self.points.index)]
                values = self.points[condition.response.name].reindex(have["point"])
                out[f"prim-{i + 1}.png"] = fig.png(fig.prim_figure(
                    have, condition.holds(values.to_numpy()), str(condition), boxes,
                    self.trajectories[self.trajectories["condition"] == str(condition)], units))
        return out

    def write(self, directory: str | os.PathLike) -> Path:
        """Write the tables (CSV), the figures (PNG) and ``analysis.html`` to ``directory``;
        return the page's path."""
        from relsim.experiments.page import render

        directory = Path(directory)
        (directory / "plots").mkdir(parents=True, exist_ok=True)
        tables = {"points": self.points.reset_index(), "noise": self.noise,
                  "indices": self.indices, "second_order": self.second_order,
                  "boxes": self.boxes, "trajectories": self.trajectories}
        for name, table in tables.items():
            if len(table):
                store.publish(directory / f"{name}.csv",
                              lambda tmp, t=table: t.to_csv(tmp, index=False))
        images = self.figures()
        for name, data in images.items():
            store.publish(directory / "plots" / name, lambda tmp, d=data: tmp.write_bytes(d))
        page = directory / "analysis.html"
        html = render(self, images)
        store.publish(page, lambda tmp: tmp.write_text(html, encoding="utf-8"))
        return page




def _default_pairs(experiment: Experiment) -> list[tuple[str, str]]:
    """Heat-map pairs: those the experiment names, else (grids) the first two parameters."""
    if experiment.analysis.heatmaps:
        return [tuple(p) for p in experiment.analysis.heatmaps]
    names = list(experiment.parameters)
    return [(names[0], names[1])] if experiment.design.kind == "grid" and len(names) > 1 else []


def analyze(source: str | os.PathLike | pd.DataFrame, experiment: Experiment | None = None, *,
            conditions: list[str] | tuple[str, ...] = (),
            pairs: list[tuple[str, str]] | tuple = (), density: float | None = None,
            out: str | os.PathLike | None = None) -> Analysis:
    """Analyse a sweep: ``source`` is its output directory, or its results DataFrame (then
    ``experiment`` is needed).  ``conditions`` (e.g. ``"policy_roi < 1"``) add to the
    experiment's own; ``pairs`` of parameters get heat maps (grid designs).  With ``out``
    the tables, figures and page are written there."""
    if isinstance(source, pd.DataFrame):
        if experiment is None:
            raise ValueError("analyze(results) needs the experiment")
        results, design = source, sample_design(experiment)
    else:
        directory = Path(source)
        if not (directory / store.EXPERIMENT).is_file():
            raise ExperimentError(f"{directory}: not a sweep directory (no "
                                  f"{store.EXPERIMENT}); run relsim sweep first")
        experiment = experiment or load_experiment(directory / store.EXPERIMENT)
        results, design = store.read_results(directory), store.read_design(directory)
    known = experiment.responses()
    parsed = [parse_condition(text, known)
              for text in dict.fromkeys([*experiment.analysis.conditions, *conditions])]
    pairs = [tuple(p) for p in pairs] or _default_pairs(experiment)
    for pair in pairs:
        unknown = [p for p in pair if p not in experiment.parameters]
        if unknown or len(pair) != 2:
            raise ExperimentError(f"heat map {','.join(pair)}: expected two parameters of the "
                                  f"experiment ({', '.join(experiment.parameters)})")
    runs = run_values(results, known)
    points = runs.groupby(level="point").mean()
    noise = noise_table(runs)
    found = designs.factors(experiment)
    matrix = designs.sample_matrix(found, experiment.design)
    complete = len(points) == len(design) and points.index.isin(design["point"]).all()
    indices = sensitivity(found, experiment.design, matrix,
                          points.reindex(design["point"]) if complete else points, noise,
                          analysis_seed(getattr(experiment.design, "seed", 0)))
    threshold = experiment.analysis.density if density is None else density
    boxes, trajectories = [], []
    have = design[design["point"].isin(points.index)]  # an unfinished sweep: finished points
    for condition in parsed:
        box, path = discover(have, points[condition.response.name], condition, threshold)
        boxes.append(box)
        trajectories.append(path)
    analysis = Analysis(
        experiment=experiment, design=design, runs=runs, points=points, noise=noise,
        indices=indices.table, second_order=indices.second_order,
        boxes=pd.concat(boxes, ignore_index=True) if boxes else pd.DataFrame(),
        trajectories=pd.concat([t for t in trajectories if len(t)], ignore_index=True)
        if any(len(t) for t in trajectories) else pd.DataFrame(),
        conditions=parsed, pairs=pairs, warnings=indices.warnings)
    if out is not None:
        analysis.write(out)
    return analysis
