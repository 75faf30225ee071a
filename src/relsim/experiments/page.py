"""``analysis.html``: one self-contained page (figures embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html

import pandas as pd

from relsim.experiments.designs import design_size

_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222}table{border-collapse:collapse;font-size:13px;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f0f0}
img{max-width:100%;margin:0.5em 0}.warn{background:#fff4e0;border-left:4px solid #E69F00;
padding:0.5em 1em}code{background:#f4f4f4;padding:0 3px}"""



def file_slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name).strip("-")


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, float_format=lambda x: f"{x:.4g}", na_rep="",
                         border=0, escape=True)


def _image(images: dict[str, bytes], name: str, alt: str) -> str:
    if name not in images:
        return ""
    data = base64.b64encode(images[name]).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def render(analysis, images: dict[str, bytes]) -> str:
    """The page of an :class:`~relsim.experiments.study.Analysis` with its figures."""

    e = analysis.experiment
    esc = html.escape
    arms, reps = e.arm_names(), e.n_replications
    points = design_size(e)
    parts = [f"<h1>{esc(e.name)}</h1>", f"<p>{esc(e.description)}</p>" if e.description else "",
             "<h2>Experiment</h2>",
             (f"<p>{esc(e.design.kind)} design of {points} points x {len(arms)} arm(s) "
              f"({esc(', '.join(arms))}) x {reps} replication(s) = {points * len(arms) * reps} "
              f"runs of {e.base.n_customers} customers x {e.base.steps} weeks; replication r "
              f"uses the same seed at every point and arm (common random numbers), root seed "
              f"{e.root_seed}.</p>"),
             _table(pd.DataFrame([{"parameter": name, "field": spec.describe(),
                                   "unit": spec.unit, "varied as": _varied(e.parameters[name])}
                                  for name, spec in e.fields.items()]))]
    if analysis.warnings:
        parts.append('<div class="warn"><b>Warnings</b><ul>'
                     + "".join(f"<li>{esc(w)}</li>" for w in analysis.warnings) + "</ul></div>")
    parts += ["<h2>Replication noise</h2>",
              ("<p><code>noise_share</code>: within-point variance / variance of single runs; "
               "<code>noise_of_means</code>: share of the variance between point means that "
               "is noise (what the indices see).</p>"), _table(analysis.noise)]
    if len(analysis.indices):
        parts += ["<h2>Sensitivity indices</h2>", _table(analysis.indices)]
        if len(analysis.second_order):
            parts += ["<h3>Second-order Sobol indices</h3>", _table(analysis.second_order)]
    for name in analysis.runs.columns:
        slug = file_slug(name)
        parts.append(f"<h2>{esc(name)}</h2>")
        parts.append(_image(images, f"indices-{slug}.png", f"indices of {name}"))
        parts.append(_image(images, f"response-{slug}.png", f"{name} against each parameter"))
        for a, b in analysis.pairs:
            parts.append(_image(images, f"heatmap-{slug}-{file_slug(a)}-{file_slug(b)}.png",
                                f"heat map of {name}"))
    if analysis.conditions:
        parts.append("<h2>Scenario discovery (PRIM)</h2>")
        for i, condition in enumerate(analysis.conditions):
            boxes = analysis.boxes[analysis.boxes["condition"] == str(condition)]
            parts += [f"<h3>Where {esc(str(condition))}</h3>",
                      _table(boxes.drop(columns=["condition"])),
                      _image(images, f"prim-{i + 1}.png", f"PRIM boxes for {condition}")]
    body = "\n".join(p for p in parts if p)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{esc(e.name)}: "
            f"analysis</title><style>{_CSS}</style></head><body>{body}</body></html>\n")


def _varied(spec) -> str:
    if spec.levels is not None:
        return "levels " + ", ".join(map(str, spec.levels))
    if spec.distribution in ("normal", "lognormal"):
        trunc = f" in [{spec.low:g}, {spec.high:g}]" if spec.low is not None else ""
        return f"{spec.distribution}(mean {spec.mean:g}, sd {spec.sd:g}){trunc}"
    if spec.distribution == "triangular":
        return f"triangular [{spec.low:g}, {spec.high:g}], mode {spec.mode:g}"
    return f"{'log-uniform' if spec.log else 'uniform'} [{spec.low:g}, {spec.high:g}]"
