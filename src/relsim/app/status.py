"""The status card: what the running model was built with, read back from the model.

It shows the week and the applied parameters (``model.config``, not the
controls, which take effect on Reset), and carries the same as JSON in the
``data-relsim-state`` attribute, for tests and scripts that drive the page.
"""

from __future__ import annotations

import html
import json
from typing import Any

import solara

from relsim.app.params import FIRM_LEVERS, POLICY_LEVERS
from relsim.app.style import CARD_STYLE


def model_state(model) -> dict[str, Any]:
    """The week and the parameters the app's controls set, as the model runs them."""
    cfg = model.config
    firms = []
    for firm in cfg.firms:
        policies = {p.kind: getattr(p, POLICY_LEVERS[p.kind]) if p.kind in POLICY_LEVERS
                    else True for p in firm.policies}
        firms.append({"name": firm.name, **{lever: getattr(firm, lever) for lever in FIRM_LEVERS},
                      "policies": policies})
    return {"week": int(model.steps), "running": bool(model.running),
            "n_customers": cfg.n_customers, "steps": cfg.steps, "seed": model.seed_value,
            "network": {"kind": cfg.network.kind, "mean_degree": cfg.network.mean_degree},
            "adoption": {"p_per_year": cfg.adoption.p_per_year,
                         "q_per_year": cfg.adoption.q_per_year},
            "firms": firms, "error": model.app_error}


def _firm_rows(state: dict[str, Any]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ("firm", *FIRM_LEVERS, "policies"))
    rows = []
    for firm in state["firms"]:
        levers = "".join(f"<td>{firm[lever]:.3g}</td>" for lever in FIRM_LEVERS)
        policies = ", ".join(f"{k} {v:g}" if not isinstance(v, bool) else k
                             for k, v in firm["policies"].items()) or "none"
        rows.append(f"<tr><td>{html.escape(firm['name'])}</td>{levers}"
                    f"<td>{html.escape(policies)}</td></tr>")
    return (f"<table style='font-size:12px;border-spacing:8px 2px'><tr>{head}</tr>"
            f"{''.join(rows)}</table>")


@solara.component
def StatusCard(model, step: int):
    """The status card; ``step`` makes it redraw after a step."""
    state = model_state(model)
    with solara.Card("Running with", classes=["relsim-status-card"], style=CARD_STYLE):
        if state["error"]:
            solara.Error(f"Parameters not applied ({state['error']}); running the "
                         "scenario's values. Change them and press Reset.")
        summary = (f"Week {state['week']} of {state['steps']} · {state['n_customers']} customers "
                   f"· {state['network']['kind']} network, mean degree "
                   f"{state['network']['mean_degree']:g} · Bass p {state['adoption']['p_per_year']:g}"
                   f", q {state['adoption']['q_per_year']:g} · seed {state['seed']}")
        solara.v.Html(tag="div", class_="relsim-status",
                      attributes={"data-relsim-state": json.dumps(state)}, children=[summary])
        solara.HTML(tag="div", unsafe_innerHTML=_firm_rows(state))
        solara.Text("Sliders and switches take effect when you press Reset.",
                    style="font-size: 12px; color: #555")
