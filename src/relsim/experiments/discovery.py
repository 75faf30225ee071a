"""Scenario discovery: PRIM boxes of the design region where a condition holds.

"Where does the loyalty programme stop paying?" is answered with the Patient
Rule Induction Method (Friedman & Fisher 1999) as used for scenario discovery
(Bryant & Lempert 2010): the design points where the condition holds (on the
mean over replications) are the cases of interest, and PRIM peels the design
space down to boxes that hold many of them (``coverage``: share of all cases
inside the box) and few others (``density``: share of cases among the points
in the box; ``mass``: share of all points in the box).

The implementation is the ``prim`` package (Project Platypus), a port of the EMA
workbench's PRIM without the workbench's other dependencies (scikit-learn, statsmodels,
seaborn, platypus-opt); it installs cleanly with numpy 2 and pandas 3 and handles
categorical parameters (``network.kind``) by peeling levels.  Along each box's
peeling trajectory, the box reported is the one with the most coverage among
those with ``density`` at or above the chosen threshold (the highest-density box
if none reaches it); up to ``max_boxes`` boxes are found one after another.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relsim.experiments.conditions import Condition
from relsim.experiments.designs import POINT
from relsim.experiments.schema import require


def _inputs(design: pd.DataFrame) -> pd.DataFrame:
    """The design's parameters as PRIM reads them: text levels as Python objects (PRIM's
    categorical peeling), numbers and true/false as they are."""
    x = design.drop(columns=[POINT]).copy()
    for name in x.columns:
        if not (pd.api.types.is_numeric_dtype(x[name]) or pd.api.types.is_bool_dtype(x[name])):
            x[name] = x[name].astype(object)
    return x


def _limits(finder, box) -> list[dict]:
    """The restricted parameters of the selected box: numeric ``low``/``high``, or the
    ``levels`` kept.  Read from the box's limits array: the package's ``box.limits`` table
    (like EMA workbench 2.5's) fails for categorical parameters under pandas 3, where a set
    cannot go into its float frame."""
    from prim.scenario_discovery_util import determine_restricted_dims, make_box

    limits = box._box_lims[box._cur_box]
    rows = []
    for name in determine_restricted_dims(limits, make_box(finder.x)):
        low, high = limits[name][0], limits[name][1]
        if isinstance(low, (set, frozenset)):
            rows.append({"parameter": name, "low": np.nan, "high": np.nan,
                         "levels": ", ".join(sorted(map(str, low)))})
        else:
            rows.append({"parameter": name, "low": float(low), "high": float(high),
                         "levels": ""})
    return rows


def discover(design: pd.DataFrame, values: pd.Series, condition: Condition,
             density: float = 0.8, max_boxes: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRIM boxes of the design points (rows of ``design``) whose response ``values`` (indexed
    by point) meet ``condition``.  Returns the boxes (one row per box and restricted
    parameter: coverage, density, mass, limits) and each box's peeling trajectory."""
    require("prim")
    import prim

    values = values.reindex(design[POINT].to_numpy())
    cases = condition.holds(values.to_numpy())
    columns = ["condition", "box", "cases", "points", "coverage", "density", "mass",
               "parameter", "low", "high", "levels"]
    head = {"condition": str(condition), "cases": int(cases.sum()), "points": len(cases)}
    if cases.all() or not cases.any():
        what = "every" if cases.all() else "no"
        return (pd.DataFrame([{**head, "box": 0, "parameter": f"({what} design point meets "
                               "the condition)"}], columns=columns), pd.DataFrame())
    x = _inputs(design)
    finder = prim.Prim(x, cases)
    boxes, trajectories = [], []
    for number in range(1, max_boxes + 1):
        box = finder.find_box()
        if box is None or box.peeling_trajectory["density"].max() == 0:
            break  # no case of interest left outside the earlier boxes
        trajectory = box.peeling_trajectory.reset_index(drop=True)
        dense = trajectory[trajectory["density"] >= density]
        chosen = int(dense["coverage"].idxmax() if len(dense) else trajectory["density"].idxmax())
        box.select(chosen)
        stats = {**head, "box": number, "coverage": float(box.coverage),
                 "density": float(box.density), "mass": float(box.mass)}
        limits = _limits(finder, box) or [{"parameter": "(no restriction)", "low": np.nan,
                                   "high": np.nan, "levels": ""}]
        boxes.extend({**stats, **limit} for limit in limits)
        trajectories.append(trajectory.assign(condition=str(condition), box=number,
                                              step=np.arange(len(trajectory)),
                                              chosen=np.arange(len(trajectory)) == chosen))
        if box.density < density:
            break
    return (pd.DataFrame(boxes, columns=columns),
            pd.concat(trajectories, ignore_index=True) if trajectories else pd.DataFrame())
