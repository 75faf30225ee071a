"""Scenario variants: named overrides of the base scenario, compared side by side.

``variants`` maps a name (letters, digits, ``-``, ``_``) to overrides of the
base scenario, keyed and applied by the one override engine
(:mod:`relsim.overrides`): a dotted path (``firms.0.policies``,
``behaviour.trust_loss``) or a unique leaf name (``trust_loss``)::

    variants:
      baseline: {}
      loyalty-programme:
        firms.0.policies: [{kind: loyalty}]
      forgiving:
        trust_loss: 0.1

The variant named ``baseline`` is the base scenario (it may have overrides
too); without one, the base scenario is added as ``baseline``.  Variants share
the run settings and the horizon (``steps``), and compare the same firms (a
variant may change anything about a firm but its name).  Every variant is
validated like the base, its errors pointing at the variant's key:
``FILE:LINE:COLUMN: variants.NAME.KEY: ...``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from relsim.config import ModelConfig
from relsim.network import NetworkFileError, load_edge_list
from relsim.overrides import Base, ParameterError, resolve_key, validate
from relsim.validation import error_message
from relsim.yamlio import dotted

BASELINE = "baseline"
"""Name of the base scenario among the variants (always the first variant)."""
MODEL_FIELDS = frozenset(ModelConfig.model_fields)

Problem = tuple[tuple, str]
"""(location in the file, message)."""


def _override_path(key: str, settings: frozenset[str]) -> tuple[str, ...]:
    """The parameter path a variant key names; run settings (``settings``: the scenario's
    fields that are not model parameters) and the horizon are shared by all variants."""
    head = re.split(r"\.|__", key, maxsplit=1)[0]
    if head in settings:
        raise ParameterError(f"{head!r} is a run setting shared by all variants: set it at "
                             "the top level")
    if head == "steps":
        raise ParameterError("the horizon is shared by all variants (they are compared week "
                             "by week): set 'steps' at the top level")
    try:
        return resolve_key(key)
    except ParameterError as exc:
        raise type(exc)(str(exc).removeprefix(f"{key}: ")) from None


def _blame(at: tuple, loc: tuple, msg: str, paths: dict[str, tuple]) -> Problem:
    """Where in the file (under the variant ``at``) an error at config path ``loc`` belongs:
    inside an override's value, at the override that changed something under ``loc``, or
    at the variant itself."""
    text = tuple(str(p) for p in loc)
    for key, path in paths.items():
        if text[:len(path)] == path:
            return at + (key,) + tuple(loc[len(path):]), msg
    related = [key for key, path in paths.items() if loc and path[:len(text)] == text]
    if related or len(paths) == 1:  # else the variant as a whole is to blame
        return at + ((related or list(paths))[0],), f"{dotted(loc) or '(top level)'}: {msg}"
    return at, f"{dotted(loc) or '(top level)'}: {msg}"


def _overridden(base: Base, overrides: dict[str, Any], at: tuple, settings: frozenset[str],
                problems: list[Problem]) -> tuple[Base, dict[str, tuple]] | None:
    """The base with one variant's overrides applied, and the path of each key; None (and
    the problems appended) if a key cannot be applied."""
    data, paths, ok = base.copy(), {}, True
    for key, value in overrides.items():
        try:
            path = _override_path(key, settings)
            clash = next((k for k, p in paths.items()
                          if p[:len(path)] == path or path[:len(p)] == p), None)
            if clash is not None:
                raise ParameterError(f"sets the same parameter as {clash!r}"
                                     if paths[clash] == path
                                     else f"overlaps {clash!r}: give one or the other")
            data.assign(path, value)
        except ParameterError as exc:
            problems.append((at + (key,), str(exc)))
            ok = False
            continue
        paths[key] = path
    return (data, paths) if ok else None


def build_variants(scenario: Any, checked: dict | None = None
                   ) -> tuple[dict[str, ModelConfig], list[Problem]]:
    """The configuration of every variant of a :class:`~relsim.scenario.Scenario`, and the
    problems as (location in the file, message).  With ``checked`` ({(edge-list file,
    n_customers): error or None}), edge-list files that variants use are parsed too."""
    base = Base.of(scenario)
    base_dir = scenario._base_dir or Path.cwd()
    settings = frozenset(type(scenario).model_fields) - MODEL_FIELDS
    firms = [f.name for f in scenario.firms]
    configs: dict[str, ModelConfig] = {}
    problems: list[Problem] = []
    lower: dict[str, str] = {}
    for name in scenario.variant_names():
        at = ("variants", name)
        if lower.setdefault(name.lower(), name) != name:
            other = lower[name.lower()]
            problems.append((at, f"variant names must differ in more than case (see {other!r})"))
            continue
        done = _overridden(base, scenario.variants.get(name, {}), at, settings, problems)
        if done is None:
            continue
        data, paths = done
        try:
            config = validate(data.data)
        except ValidationError as exc:
            problems.extend(_blame(at, *error_message(err, ModelConfig), paths)
                            for err in exc.errors())
            continue
        names = [f.name for f in config.firms]
        if names != firms:
            problems.append(_blame(at, ("firms",), "variants compare the same firms: keep "
                                   f"them and their names ({', '.join(firms)}), got "
                                   f"{', '.join(names)}", paths))
            continue
        if config.network.path is not None:
            resolved = base_dir / config.network.path
            if checked is not None:
                file = (resolved, config.n_customers)
                if file not in checked:
                    try:
                        load_edge_list(resolved, config.n_customers)
                        checked[file] = None
                    except NetworkFileError as exc:
                        checked[file] = str(exc)
                if checked[file]:
                    problems.append(_blame(at, ("network", "path"), checked[file], paths))
                    continue
            config = config.model_copy(update={"network": config.network.model_copy(
                update={"path": str(resolved)})})
        configs[name] = config
    return configs, problems
