"""Colours, marker shapes and the common layout of the app's charts.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"),
which stays distinguishable under the common colour-vision deficiencies; firms
are told apart by colour in the charts and by marker shape in the network.
Charts are ECharts options (``solara.FigureEcharts``): they are drawn in the
browser, so a step redraws in milliseconds, and Solara serves ECharts from its
local assets (no CDN).
"""

from __future__ import annotations

from typing import Any

from relsim.stages import STAGE_NAMES

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7", "grey": "#999999",
}
"""The Okabe-Ito colours (plus the grey used for customers without a firm)."""

FIRM_COLOURS = [OKABE_ITO[c] for c in ("blue", "orange", "bluish_green", "reddish_purple",
                                       "sky_blue", "vermillion", "black", "yellow")]
"""Colour of firm ``i`` is ``FIRM_COLOURS[i % 8]``."""

STAGE_COLOURS = dict(zip(STAGE_NAMES, [OKABE_ITO[c] for c in (
    "grey", "sky_blue", "orange", "bluish_green", "blue", "vermillion")]))
"""Colour of each lifecycle stage, prospect to dissolution."""

FIRM_SYMBOLS = ["circle", "rect", "triangle", "diamond", "roundRect", "pin", "arrow"]
"""ECharts marker of firm ``i`` in the network is ``FIRM_SYMBOLS[i % 7]``."""

FIRM_SYMBOL_GLYPHS = {"circle": "●", "rect": "■", "triangle": "▲", "diamond": "◆",
                      "roundRect": "▢", "pin": "⬤", "arrow": "➤"}
"""The same markers as text, for legends written in words."""

LINE_TYPES = ["solid", "dashed", "dotted"]
"""Line styles told apart without colour (trust, satisfaction, fairness; positive, negative)."""

CHART_HEIGHT = "360px"
"""Height of every chart in its card (Mesa's grid gives each card 390 px)."""

CARD_STYLE = "height: 380px; overflow-y: auto"
"""Style of every card: the height of Mesa's grid cell, scrolling what does not fit."""

LEGEND_CHARACTERS_PER_ROW = 60
"""About how many characters of legend fit on one row of a chart."""


def firm_colour(index: int) -> str:
    """Colour of firm ``index`` in every chart."""
    return FIRM_COLOURS[index % len(FIRM_COLOURS)]


def firm_symbol(index: int) -> str:
    """Marker of firm ``index`` in the network view."""
    return FIRM_SYMBOLS[index % len(FIRM_SYMBOLS)]


def line_chart(title: str, y_name: str, weeks: list[int], series: list[dict], *,
               y_max: float | None = None, y_format: str | None = None,
               stacked: bool = False) -> dict[str, Any]:
    """An ECharts option: lines over weeks with a title, axis names with units and a legend.

    ``series`` items are ECharts line series whose ``data`` hold one value per
    entry of ``weeks`` (None: a gap).  Animation is off so a redraw costs one frame.
    """
    legend_rows = 1 + sum(len(s["name"]) + 4 for s in series) // LEGEND_CHARACTERS_PER_ROW
    y_axis: dict[str, Any] = {"type": "value", "name": y_name, "nameLocation": "middle",
                              "nameGap": 42, "min": 0}
    if y_max is not None:
        y_axis["max"] = y_max
    if y_format:
        y_axis["axisLabel"] = {"formatter": y_format}
    for s in series:
        s.setdefault("type", "line")
        s.setdefault("showSymbol", False)
        if stacked:
            s.update(stack="total", areaStyle={})
    return {
        "animation": False,
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "legend": {"bottom": 0, "itemGap": 6, "itemWidth": 18, "textStyle": {"fontSize": 11}},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 58, "right": 18, "top": 36, "bottom": 40 + 20 * legend_rows},
        "xAxis": {"type": "category", "data": weeks, "boundaryGap": False, "name": "week",
                  "nameLocation": "middle", "nameGap": 24},
        "yAxis": y_axis,
        "series": series,
    }
