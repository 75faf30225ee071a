"""The network view: a sample of the customers, coloured by stage, shaped by firm.

A market of more than :data:`MAX_NODES` customers is drawn as a snowball
sample (breadth-first from a few random customers, so neighbourhoods, and word
of mouth along them, stay visible).  The sample and its layout (networkx's
spring layout) are computed once per reset, from the model's network
(``model.network.to_networkx()``) and a random stream of the app's own, so the
model's random numbers are untouched.  Clicking a node follows that customer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import solara

from relsim.app.style import (
    CARD_STYLE,
    CHART_HEIGHT,
    FIRM_SYMBOL_GLYPHS,
    OKABE_ITO,
    STAGE_COLOURS,
    firm_symbol,
)
from relsim.stages import PROSPECT, STAGE_NAMES

MAX_NODES = 300
"""Most customers drawn in the network view."""

SNOWBALL_STARTS = 6
"""Random customers the snowball sample grows from."""

LAYOUT_ITERATIONS = 60
"""Iterations of the spring layout (once per reset)."""

ASPECT = 1.8
"""Width over height of the drawn network (ECharts keeps the aspect of the positions)."""


@dataclass(frozen=True)
class NetworkSample:
    """The customers drawn, their positions in [0, 1]^2 and the ties among them."""

    nodes: np.ndarray           # customer ids, increasing
    positions: np.ndarray       # (len(nodes), 2)
    edges: list[tuple[int, int]]  # pairs of customer ids, both in nodes
    complete: bool              # the complete graph: ties are not drawn


def snowball(graph: nx.Graph, max_nodes: int, rng: np.random.Generator,
             starts: int = SNOWBALL_STARTS) -> np.ndarray:
    """Up to ``max_nodes`` customers: breadth-first from random starts, an equal share each.

    All customers when there are no more than ``max_nodes``.
    """
    n = graph.number_of_nodes()
    if n <= max_nodes:
        return np.arange(n)
    chosen: dict[int, None] = {}
    share = max(1, max_nodes // starts)
    for start in rng.permutation(n).tolist():
        if len(chosen) >= max_nodes:
            break
        if start in chosen:
            continue
        taken = 0
        for node in _breadth_first(graph, start):
            if node not in chosen:
                chosen[node] = None
                taken += 1
            if taken >= share or len(chosen) >= max_nodes:
                break
    return np.array(sorted(chosen), dtype=np.int64)


def _breadth_first(graph: nx.Graph, start: int):
    yield start
    for _, node in nx.bfs_edges(graph, start):
        yield node


def draw_sample(network, max_nodes: int = MAX_NODES, seed: int = 0) -> NetworkSample:
    """The sample of ``network`` (a :class:`relsim.network.SocialNetwork`) and its layout."""
    rng = np.random.default_rng(seed)
    if network.complete:  # every pair is tied: draw customers only, on a circle
        nodes = np.sort(rng.choice(network.n, size=min(network.n, max_nodes), replace=False))
        angle = np.linspace(0, 2 * np.pi, len(nodes), endpoint=False)
        positions = 0.5 + 0.45 * np.column_stack([np.cos(angle), np.sin(angle)])
        return NetworkSample(nodes, positions, [], True)
    graph = network.to_networkx()
    nodes = snowball(graph, max_nodes, rng)
    sub = graph.subgraph(nodes.tolist())
    layout = nx.spring_layout(sub, seed=int(rng.integers(2**31)), iterations=LAYOUT_ITERATIONS)
    positions = np.array([layout[i] for i in nodes.tolist()])
    span = np.ptp(positions, axis=0)
    positions = (positions - positions.min(axis=0)) / np.where(span > 0, span, 1.0)
    return NetworkSample(nodes, positions, [(int(u), int(v)) for u, v in sub.edges()], False)


def network_option(model, sample: NetworkSample, followed: int | None) -> dict[str, Any]:
    """ECharts graph of the sample: colour = stage, shape = firm (the former firm for
    lapsed customers), small grey dots = prospects, black ring = the followed customer."""
    c = model.customers
    stage = c.stage[sample.nodes]
    firm = np.where(c.firm[sample.nodes] >= 0, c.firm[sample.nodes], c.former_firm[sample.nodes])
    nodes = []
    for k, cid in enumerate(sample.nodes.tolist()):
        node = {"value": cid, "category": int(stage[k]),
                "x": round(float(sample.positions[k, 0]) * 1000 * ASPECT, 1),
                "y": round(float(sample.positions[k, 1]) * 1000, 1),
                "symbol": "circle" if firm[k] < 0 else firm_symbol(int(firm[k])),
                "symbolSize": 5 if stage[k] == PROSPECT else 10}
        if cid == followed:
            node.update(symbolSize=18, itemStyle={"borderColor": OKABE_ITO["black"],
                                                  "borderWidth": 3})
        nodes.append(node)
    position = {cid: k for k, cid in enumerate(sample.nodes.tolist())}
    links = [{"source": position[u], "target": position[v]} for u, v in sample.edges]
    shapes = "  ".join(f"{FIRM_SYMBOL_GLYPHS[firm_symbol(i)]} {f.name}"
                       for i, f in enumerate(model.firms))
    drawn = f"{len(sample.nodes)} of {model.config.n_customers} customers"
    subtitle = f"{drawn}; shape: firm {shapes}; click a customer to follow it"
    if sample.complete:
        subtitle += " (complete network: ties not drawn)"
    return {
        "animation": False,
        "title": {"text": "Customers on the social network, by stage", "left": "center",
                  "subtext": subtitle, "textStyle": {"fontSize": 14}},
        "legend": {"bottom": 0, "data": STAGE_NAMES},
        "tooltip": {"formatter": "customer {c}"},
        "series": [{
            "type": "graph", "layout": "none", "roam": True, "top": 62, "bottom": 34,
            "categories": [{"name": s, "itemStyle": {"color": STAGE_COLOURS[s]}}
                           for s in STAGE_NAMES],
            "data": nodes, "links": links,
            "lineStyle": {"color": OKABE_ITO["grey"], "opacity": 0.35, "width": 0.6},
            "emphasis": {"scale": 1.6},
        }],
    }


@solara.component
def NetworkView(model, step: int, followed: int | None,
                on_follow: Callable[[int], None]):
    """The network card; ``step`` makes it redraw after a step."""
    option = network_option(model, model.sample, followed)

    def clicked(event: dict) -> None:
        if event.get("dataType") == "node" and isinstance(event.get("value"), int):
            on_follow(event["value"])

    with solara.Card(classes=["relsim-network"], style=CARD_STYLE):
        solara.FigureEcharts(option=option, on_click=clicked, responsive=True,
                             attributes={"style": f"height: {CHART_HEIGHT}; width: 100%"})
