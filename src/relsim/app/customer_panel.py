"""The panel that follows one customer: its state now and what moved it, week by week.

The customer is chosen by clicking a node of the network view or by typing its
index.  Its current state is ``model.customers.row(i)``; its past weeks come
from the app's history (:mod:`relsim.app.history`), described with the
one-line docs of the model's event fields (``relsim.metrics.Events``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import fields
from typing import Any

import solara

from relsim.app.style import CARD_STYLE, LINE_TYPES, OKABE_ITO, STAGE_COLOURS, line_chart
from relsim.stages import STAGE_NAMES

QUIET_EVENTS = frozenset({"churn_hazard", "asymmetry", "spend_firm", "positive"})
"""Event fields not listed as happenings (set for every customer in a relationship, or
shown with another field)."""

SHOWN_WEEKS = 8
"""Weeks listed in the panel's table, newest first."""

CURVES = (("trust", "blue"), ("satisfaction", "orange"), ("fairness", "bluish_green"),
          ("commitment", "reddish_purple"))
"""The followed customer's attitudes drawn over weeks, with their colours."""


def event_docs(model) -> dict[str, tuple[str, str]]:
    """``{field: (fill kind, doc)}`` of the model's event columns."""
    return {f.name: (f.metadata.get("fill", ""), f.metadata.get("doc", f.name))
            for f in fields(model.events)}


def describe_events(events: dict[str, Any], docs: dict[str, tuple[str, str]],
                    firm_names: list[str]) -> list[str]:
    """What happened to a customer in one week, one phrase per event that happened."""
    phrases = []
    for name, value in events.items():
        fill, doc = docs.get(name, ("", name))
        if name in QUIET_EVENTS:
            continue
        if fill == "firm" and value >= 0:
            text = f"{doc}: {firm_names[value]}"
            if name == "talked_about":
                text += " (positive)" if events.get("positive") else " (negative)"
            phrases.append(text)
        elif fill == "flag" and value:
            phrases.append(doc)
        elif fill in ("nan", "zero") and not math.isnan(value) and value != 0:
            phrases.append(f"{doc}: {value:.3g}")
    return phrases


def _firm_label(firm: int, firm_names: list[str]) -> str:
    return firm_names[firm] if firm >= 0 else "no firm"


def history_option(rows: list[dict], customer: int) -> dict[str, Any]:
    """The customer's trust, satisfaction, fairness and commitment over the recorded weeks."""
    series = [{"name": measure, "color": OKABE_ITO[colour],
               "lineStyle": {"type": LINE_TYPES[k % len(LINE_TYPES)]},
               "data": [round(r[measure], 4) for r in rows]}
              for k, (measure, colour) in enumerate(CURVES)]
    return line_chart(f"Customer {customer}: attitudes", "score (0-1)",
                      [r["step"] for r in rows], series, y_max=1)


def weeks_table(rows: list[dict], docs: dict, firm_names: list[str]) -> str:
    """HTML table of the newest weeks: week, stage and firm, trust, what happened."""
    body = []
    for r in reversed(rows[-SHOWN_WEEKS:]):
        stage = STAGE_NAMES[r["stage"]]
        happened = "; ".join(describe_events(r["events"], docs, firm_names)) or "nothing"
        body.append(
            f"<tr><td>{r['step']}</td>"
            f"<td><span style='color:{STAGE_COLOURS[stage]}'>&#9679;</span> {stage}, "
            f"{html.escape(_firm_label(r['firm'], firm_names))}</td>"
            f"<td>{r['trust']:.2f}</td><td>{r['satisfaction']:.2f}</td>"
            f"<td>{html.escape(happened)}</td></tr>")
    head = ("<tr><th>week</th><th>stage, firm</th><th>trust</th><th>satisfaction</th>"
            "<th>what happened that week</th></tr>")
    return (f"<table class='relsim-weeks' style='font-size:12px'>{head}{''.join(body)}"
            "</table>")


def state_table(row: dict[str, Any]) -> str:
    """HTML table of every state column of one customer (``customers.row(i)``)."""
    cells = []
    for name, value in row.items():
        if isinstance(value, float):
            value = f"{value:.4g}"
        elif isinstance(value, list):
            value = ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in value)
        cells.append(f"<tr><td>{html.escape(name)}</td><td>{html.escape(str(value))}</td></tr>")
    return f"<table style='font-size:12px'>{''.join(cells)}</table>"


@solara.component
def CustomerPanel(model, step: int, followed: int | None,
                  on_follow: Callable[[int], None]):
    """The followed customer's card; ``step`` makes it redraw after a step."""
    n = model.config.n_customers
    firm_names = [f.name for f in model.firms]
    with solara.Card("Follow one customer", classes=["relsim-customer"], style=CARD_STYLE):
        solara.InputInt(f"customer index (0-{n - 1}), or click a node",
                        value=followed if followed is not None else 0,
                        on_value=lambda i: on_follow(min(max(int(i), 0), n - 1)))
        if followed is None or not 0 <= followed < n:
            solara.Text("Click a customer in the network to follow it.")
            return
        model.history.track(followed)
        row = model.customers.row(followed)
        stage = STAGE_NAMES[row["stage"]]
        solara.HTML(tag="div", classes=["relsim-customer-now"], unsafe_innerHTML=(
            f"<b>Customer {followed}</b> in week {model.steps}: <b>{stage}</b> with "
            f"{html.escape(_firm_label(row['firm'], firm_names))}; trust {row['trust']:.2f}, "
            f"satisfaction {row['satisfaction']:.2f}, fairness {row['fairness']:.2f}, "
            f"commitment {row['commitment']:.2f}"))
        rows = model.history.of(followed)
        if rows:
            solara.FigureEcharts(option=history_option(rows, followed), responsive=True,
                                 attributes={"style": "height: 230px; width: 100%"})
            solara.HTML(tag="div", unsafe_innerHTML=weeks_table(rows, event_docs(model),
                                                                firm_names))
        else:
            solara.Text("History is kept from the next step on.")
        with solara.Details("every state column now"):
            solara.HTML(tag="div", unsafe_innerHTML=state_table(row))
