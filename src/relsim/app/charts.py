"""The app's live charts, read from the model's Mesa DataCollector.

``model.datacollector.get_model_vars_dataframe()`` holds the market per step and
``get_agent_vars_dataframe()`` each firm per step (see ``relsim.metrics``); each
function here turns them into one ECharts option (one chart per figure, with a
title, axis names with units and a legend).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import solara

from relsim.app.style import (
    CARD_STYLE,
    CHART_HEIGHT,
    LINE_TYPES,
    STAGE_COLOURS,
    firm_colour,
    line_chart,
)
from relsim.stages import STAGE_NAMES

ATTITUDES = ("trust", "satisfaction", "fairness")
"""Mean attitudes of each firm's customers drawn in the attitudes chart (scores in [0, 1])."""


def tables(model) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(market, firms): the DataCollector's tables with a ``week`` column, firms long by name.

    Cached on the model for its current step, so the charts of one redraw
    build them once.
    """
    cached = getattr(model, "_app_tables", None)
    if cached is not None and cached[0] == model.steps:
        return cached[1], cached[2]
    dc = model.datacollector
    market = dc.get_model_vars_dataframe().reset_index(drop=True)
    market.insert(0, "week", range(len(market)))
    firms = dc.get_agent_vars_dataframe().reset_index()
    firms = firms.rename(columns={"Step": "week"})
    firms["week"] -= firms["week"].min()  # Mesa 3.3 counts from 0, others from 1
    model._app_tables = (model.steps, market, firms)
    return market, firms


def _values(values: pd.Series, scale: float = 1.0) -> list[float | None]:
    """Chart values, missing ones as None (a gap in the line)."""
    return [None if pd.isna(v) else round(float(v) * scale, 6) for v in values]


def _weeks(market: pd.DataFrame) -> list[int]:
    return market["week"].tolist()


def _firm_names(model) -> list[str]:
    return [firm.name for firm in model.firms]


def stage_option(model) -> dict[str, Any]:
    """Customers by lifecycle stage over weeks, whole market, stacked."""
    market, firms = tables(model)
    counts = firms.groupby("week")[[f"n_{s}" for s in STAGE_NAMES[1:-1]]].sum()
    counts.insert(0, "n_prospect", market.set_index("week")["prospects"])
    counts["n_dissolution"] = market.set_index("week")["lapsed"]
    counts = counts.reindex(market["week"])
    series = [{"name": stage, "data": _values(counts[f"n_{stage}"]),
               "color": STAGE_COLOURS[stage], "lineStyle": {"width": 0}}
              for stage in STAGE_NAMES]
    return line_chart("Customers by lifecycle stage", "people", _weeks(market), series,
                      stacked=True, y_max=model.config.n_customers)


def share_option(model) -> dict[str, Any]:
    """Each firm's share of the customers in a relationship, in percent."""
    market, firms = tables(model)
    series = [{"name": name, "color": firm_colour(i),
               "data": _values(rows["market_share"], 100.0)}
              for i, (name, rows) in enumerate(_by_firm(model, market, firms))]
    return line_chart("Market shares", "share of customers (%)", _weeks(market), series,
                      y_max=100)


def attitude_option(model) -> dict[str, Any]:
    """Mean trust, satisfaction and fairness of each firm's customers (line style = measure)."""
    market, firms = tables(model)
    series = []
    for i, (name, rows) in enumerate(_by_firm(model, market, firms)):
        for measure, line in zip(ATTITUDES, LINE_TYPES):
            series.append({"name": f"{name} {measure}", "color": firm_colour(i),
                           "lineStyle": {"type": line},
                           "data": _values(rows[f"mean_{measure}"])})
    return line_chart("Trust, satisfaction, fairness of each firm's customers",
                      "mean score (0-1)", _weeks(market), series, y_max=1)


def wom_option(model) -> dict[str, Any]:
    """Positive (solid) and negative (dashed) word-of-mouth messages about each firm per week."""
    market, firms = tables(model)
    series = []
    for i, (name, rows) in enumerate(_by_firm(model, market, firms)):
        for sign, line in zip(("positive", "negative"), LINE_TYPES):
            series.append({"name": f"{name} {sign}", "color": firm_colour(i),
                           "lineStyle": {"type": line},
                           "data": _values(rows[f"wom_{sign}"])})
    return line_chart("Word of mouth", "messages per week", _weeks(market), series)


def _by_firm(model, market: pd.DataFrame, firms: pd.DataFrame):
    """(name, rows) of each firm in the firms' order, rows one per week of ``market``."""
    groups = dict(tuple(firms.groupby("firm", sort=False)))
    return [(name, groups[name].set_index("week").reindex(market["week"]))
            for name in _firm_names(model) if name in groups]


CHARTS = {"stages": stage_option, "shares": share_option, "attitudes": attitude_option,
          "wom": wom_option}
"""Every live chart by name."""


@solara.component
def Chart(model, name: str, step: int):
    """One live chart (``name`` in :data:`CHARTS`); ``step`` makes it redraw after a step."""
    option = CHARTS[name](model)
    with solara.Card(classes=["relsim-chart", f"relsim-chart-{name}"], style=CARD_STYLE):
        solara.FigureEcharts(option=option, responsive=True,
                             attributes={"style": f"height: {CHART_HEIGHT}; width: 100%"})
