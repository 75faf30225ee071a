"""The app's controls, derived from relsim's parameter declarations.

Every slider, switch and menu takes its default from the base configuration
(the scenario, or relsim's defaults) and its range from the declaration of the
parameter (``relsim.config.parameter_table``: pydantic ``ge``/``le``).  Some
declared ranges are far wider than a slider can show (``n_customers`` up to 50
million, ``price`` up to a million); :data:`SLIDER_WINDOWS` narrows those to a
window a slider can use, always inside the declared range and always
containing the default.

Controls are keyed by flat names that :class:`relsim.RelationshipModel`
understands (``n_customers``, ``network__kind``, ``firms__0__quality``), plus
one name per policy switch and its main parameter
(``firms__0__policies__loyalty`` and
``firms__0__policies__loyalty__points_per_currency``), which
:func:`split_policy_controls` turns into the firm's ``policies`` list.
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any

from relsim.config import ModelConfig, parameter_table
from relsim.policies import POLICY_CLASSES

MARKET_LEVERS = ("n_customers", "steps", "network.kind", "network.mean_degree",
                 "adoption.p_per_year", "adoption.q_per_year")
"""Market parameters with a control, in display order (paths in ``parameter_table``)."""

FIRM_LEVERS = ("quality", "quality_sd", "reliability", "price", "promise")
"""Each firm's offer levers with a slider."""

POLICY_LEVERS = {
    "loyalty": "points_per_currency",
    "complaint_handling": "recovery_rate",
    "transparency": "notice_prob",
    "communication": "cadence",
    "pricing": "new_customer_discount",
}
"""Policies with an on/off switch per firm, and the parameter each gets a slider for."""

LABELS = {
    "n_customers": "customers", "steps": "horizon (weeks)", "network.kind": "network",
    "network.mean_degree": "mean contacts per customer", "adoption.p_per_year":
    "Bass p: advertising (per year)", "adoption.q_per_year": "Bass q: imitation (per year)",
    "quality": "quality", "quality_sd": "inconsistency (quality sd)", "reliability":
    "reliability (promises kept)", "price": "price", "promise": "promise (advertised quality)",
    "loyalty": "loyalty programme", "points_per_currency": "loyalty points per currency",
    "complaint_handling": "complaint handling", "recovery_rate": "complaints resolved (share)",
    "transparency": "transparency", "notice_prob": "broken promises announced (share)",
    "communication": "communication", "cadence": "contacts per week",
    "pricing": "new-customer discount", "new_customer_discount": "discount (share of price)",
}
"""Short control labels (the parameter's doc line is in docs/app.md and parameter_table)."""

SLIDER_WINDOWS: dict[str, tuple[str, float, float, float]] = {
    "n_customers": ("absolute", 50, 10_000, 50),
    "steps": ("absolute", 4, 520, 4),
    "network.mean_degree": ("absolute", 2, 40, 1),
    "adoption.p_per_year": ("absolute", 0.0, 0.5, 0.01),
    "adoption.q_per_year": ("absolute", 0.0, 2.0, 0.02),
    "price": ("relative", 0.25, 3.0, 0.05),
    "points_per_currency": ("absolute", 0.0, 50.0, 1.0),
    "cadence": ("absolute", 0.0, 5.0, 0.25),
}
"""Slider windows where the declared range is too wide: (kind, low, high, step).

``absolute`` bounds are values; ``relative`` bounds are multiples of the
default (a B2B price of 20 gets a slider from 5 to 60).  Parameters not listed
use their declared range with :data:`DEFAULT_STEP`.
"""

DEFAULT_STEP = 0.01
"""Slider step of parameters declared on [0, 1]-like ranges."""

HIDDEN_NETWORK_KINDS = ("edge_list",)
"""Network kinds offered only when the base configuration uses them (they need a file)."""


@dataclass(frozen=True)
class Declared:
    """What relsim declares about one parameter: default, range, unit, doc."""

    default: Any
    low: float | None
    high: float | None
    unit: str
    doc: str


def _declarations(model_cls: type, prefix: str = "") -> dict[str, Declared]:
    """Declarations of a config class's parameters by path (``network.kind``, ``quality``)."""
    return {row["parameter"][len(prefix):]: Declared(row["default"], row["min"], row["max"],
                                                     row["unit"], row["doc"])
            for row in parameter_table(model_cls, prefix)}


def firm_config_class() -> type:
    """The pydantic class of one firm (``ModelConfig.firms`` items)."""
    return type(ModelConfig().firms[0])


def policy_config_class(kind: str) -> type:
    """The pydantic class of one policy kind's parameters."""
    return POLICY_CLASSES[kind].config_class


def slider_range(name: str, declared: Declared, value: float) -> tuple[float, float, float]:
    """(low, high, step) of the slider of parameter ``name`` showing ``value``.

    The declared range, narrowed to :data:`SLIDER_WINDOWS` where listed (bounds
    on whole steps), then widened to contain ``value`` (a scenario may set a
    value outside the window, never outside the declared range).
    """
    low = -math.inf if declared.low is None else declared.low
    high = math.inf if declared.high is None else declared.high
    if name in SLIDER_WINDOWS:
        kind, w_low, w_high, step = SLIDER_WINDOWS[name]
        if kind == "relative":
            step = nice_step(step * value)
            w_low = math.floor(w_low * value / step) * step
            w_high = math.ceil(w_high * value / step) * step
        low, high = max(low, w_low), min(high, w_high)
    else:
        step = DEFAULT_STEP
    return round(min(low, value), 10), round(max(high, value), 10), step


def nice_step(step: float) -> float:
    """The step of the 1-2-5 series closest to ``step`` (0.045 -> 0.05, 1.3 -> 1)."""
    magnitude = 10.0 ** math.floor(math.log10(step))
    best = min((1.0, 2.0, 5.0, 10.0), key=lambda m: abs(math.log(step / (m * magnitude))))
    return round(best * magnitude, 12)


def _slider(label: str, name: str, declared: Declared, value: Any) -> dict:
    """A SolaraViz slider specification for one numeric parameter (label with its unit)."""
    low, high, step = slider_range(name, declared, value)
    integer = isinstance(declared.default, int) and not isinstance(declared.default, bool)
    if declared.unit and "(" not in label and declared.unit not in label:
        label = f"{label} ({declared.unit})"
    spec = {"type": "SliderInt" if integer else "SliderFloat", "label": label,
            "value": value, "min": low, "max": high, "step": step}
    if integer:
        spec.update(value=int(value), min=int(low), max=int(high), step=max(1, int(step)))
    return spec


def _choices(config_cls: type, field: str) -> list[str]:
    """The allowed values of a ``Literal`` field."""
    annotation = config_cls.model_fields[field].annotation
    return [str(v) for v in typing.get_args(annotation)]


def _get(config: Any, path: str) -> Any:
    for part in path.split("."):
        config = getattr(config, part)
    return config


def market_controls(base: ModelConfig) -> dict[str, dict]:
    """Controls of the market parameters, keyed by flat model keyword."""
    declared = _declarations(ModelConfig)
    controls = {}
    for path in MARKET_LEVERS:
        key, value = path.replace(".", "__"), _get(base, path)
        if path == "network.kind":
            network_cls = type(base.network)
            kinds = [k for k in _choices(network_cls, "kind")
                     if k not in HIDDEN_NETWORK_KINDS or k == value]
            controls[key] = {"type": "Select", "label": LABELS[path], "value": value,
                             "values": kinds}
        else:
            controls[key] = _slider(LABELS[path], path, declared[path], value)
    return controls


def firm_controls(base: ModelConfig, index: int) -> dict[str, dict]:
    """Controls of firm ``index``: its offer levers, then a switch and a slider per policy."""
    firm = base.firms[index]
    declared = _declarations(firm_config_class())
    prefix, who = f"firms__{index}__", firm.name
    controls = {f"{prefix}{lever}": _slider(f"{who}: {LABELS[lever]}", lever, declared[lever],
                                            getattr(firm, lever))
                for lever in FIRM_LEVERS}
    for kind, parameter in POLICY_LEVERS.items():
        present = [p for p in firm.policies if p.kind == kind]
        key = f"{prefix}policies__{kind}"
        controls[key] = {"type": "Checkbox", "label": f"{who}: {LABELS[kind]}",
                         "value": bool(present)}
        policy_declared = _declarations(policy_config_class(kind))[parameter]
        value = getattr(present[0], parameter) if present else policy_declared.default
        controls[f"{key}__{parameter}"] = _slider(f"{who}: {LABELS[parameter]}", parameter,
                                                  policy_declared, value)
    return controls


def model_controls(base: ModelConfig, seed: int = 0) -> dict[str, Any]:
    """Every SolaraViz ``model_params`` entry: the base config (fixed), the seed, market
    and firm controls, in display order."""
    controls: dict[str, Any] = {"config": base,
                                "seed": {"type": "InputText", "label": "random seed",
                                         "value": str(seed)}}
    controls.update(market_controls(base))
    for index in range(len(base.firms)):
        controls.update(firm_controls(base, index))
    return controls


def split_policy_controls(base: ModelConfig, values: dict[str, Any]
                          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Turn control values into model overrides.

    Returns ``(overrides, rest)``: ``overrides`` holds ``firms__i__policies`` lists
    built from the switches (a switched-on kind keeps the base policy's other
    parameters, start and stop; a switched-off kind is removed; kinds without a
    switch are kept as they are); ``rest`` holds every other value unchanged.
    """
    overrides: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    switches: dict[int, dict[str, dict[str, Any]]] = {}
    for key, value in values.items():
        parts = key.split("__")
        if len(parts) in (4, 5) and parts[0] == "firms" and parts[2] == "policies" \
                and parts[3] in POLICY_LEVERS:
            entry = switches.setdefault(int(parts[1]), {}).setdefault(parts[3], {})
            entry["on" if len(parts) == 4 else parts[4]] = value
        else:
            rest[key] = value
    for index, kinds in switches.items():
        if not 0 <= index < len(base.firms):
            raise KeyError(f"firms__{index}: there is no firm {index} "
                           f"({len(base.firms)} firms)")
        policies = [{**p.model_dump(exclude_unset=True), "kind": p.kind}
                    for p in base.firms[index].policies]
        for kind, setting in kinds.items():
            setting = dict(setting)
            position = next((k for k, p in enumerate(policies) if p["kind"] == kind), None)
            if not setting.pop("on", position is not None):
                policies = [p for p in policies if p["kind"] != kind]
            elif position is None:
                policies.append({"kind": kind, **setting})
            else:  # same place in the list: the policy keeps its random stream
                policies[position] = {**policies[position], **setting}
        overrides[f"firms__{index}__policies"] = policies
    return overrides, rest
