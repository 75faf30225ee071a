"""The JSON Schema of scenario files for editors: completion, hover help and checking as you type.

:func:`json_schema` turns pydantic's schema of :class:`~relsim.scenario.Scenario` into a
Draft 2020-12 schema that editors (VS Code's YAML extension and any other client of
yaml-language-server) can use to the full:

* ``$schema`` and ``$id`` (:func:`schema_id`);
* each parameter's unit, range, default and source folded into its ``description`` and,
  formatted, its ``markdownDescription`` (editors show neither pydantic's ``unit`` nor
  ``source`` keys, so these are removed);
* every policy ``kind`` described: ``firms[].policies`` items are ``oneOf`` the policy
  kinds, each with ``kind`` as a ``const``, the policy module's docstring (what it does and
  its sources) and its parameters; ``kind`` itself is an ``enum`` with a line per kind;
* ``variants`` typed as far as JSON Schema goes: names match :data:`VARIANT_NAME`, and a
  variant's keys are the keys the override engine (:mod:`relsim.overrides`) accepts --
  model sections and unique leaf names (``trust_loss``) as ``properties``, dotted paths
  (``behaviour.trust_loss``, ``firms.0.price``, ``firms__0__price``) as
  ``patternProperties`` -- each with its type and bounds; anything else (a typo, ``steps``,
  a run setting, a path through a value) is flagged by ``additionalProperties: false``;
* what JSON Schema can state beyond the types: at least one firm and one segment, and a
  network ``path`` exactly when ``kind`` is ``edge_list``.

What it cannot state (sums of shares, firm names a variant must keep, list lengths of the
base scenario, ...) is checked by ``relsim validate``; docs/editors.md lists it.  The
schema is shipped in :mod:`relsim.schemas` and printed by ``relsim schema``.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

from relsim.config import ModelConfig
from relsim.overrides import LEAF_PATHS
from relsim.policies import POLICY_CLASSES
from relsim.scenario.schema import VARIANT_NAME, Scenario

DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect of relsim's schemas."""
ID_BASE = "https://relsim.invalid/schemas/"
"""Base of the schemas' ``$id``: an identifier, not an address (``.invalid`` is reserved,
RFC 2606); editors find the schema through the file shipped in :mod:`relsim.schemas`."""
SEPARATOR = r"(?:\.|__)"
"""What separates the parts of an override key: a dot or a double underscore."""
INDEX = "[0-9]+"
"""A list index in an override key."""
SHARED = frozenset({"steps"}) | (frozenset(Scenario.model_fields)
                                  - frozenset(ModelConfig.model_fields))
"""Keys a variant may not set: the horizon and the run settings, shared by all variants."""
REF = "#/$defs/"
"""Where a schema's own definitions are referred to."""


def schema_id(name: str) -> str:
    """The ``$id`` of relsim's schema ``name`` (scenario, experiment, calibration)."""
    return f"{ID_BASE}{name}.schema.json"


# --------------------------------------------------------------------------- walking

def subschemas(node: Any) -> Iterator[dict]:
    """The schemas directly inside a schema node (properties, items, branches, $defs ...)."""
    if not isinstance(node, dict):
        return
    for key in ("$defs", "properties", "patternProperties", "dependentSchemas"):
        yield from (s for s in node.get(key, {}).values() if isinstance(s, dict))
    for key in ("items", "additionalProperties", "propertyNames", "contains", "not", "if",
                "then", "else"):
        if isinstance(node.get(key), dict):
            yield node[key]
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        yield from node.get(key, [])


def walk(node: dict) -> Iterator[dict]:
    """Every schema node of a schema, the root first."""
    todo = [node]
    while todo:
        current = todo.pop()
        yield current
        todo.extend(subschemas(current))


# --------------------------------------------------------------------------- descriptions

def plain(text: str) -> str:
    """Docstring text as descriptions show it: paragraphs on one line each, reST markup
    (````x````, ``:class:`x```) as plain backquoted code."""
    text = re.sub(r":\w+:`~?([^`]+)`", r"``\1``", inspect.cleandoc(text))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(paragraphs).replace("``", "`")


def _number(x: float) -> str:
    """A bound or default as people write it: 1,000,000 rather than 1e+06."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        x = int(x)
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def _bounds(node: dict) -> tuple[Any, Any]:
    """The closed range a property declares, in itself or its non-null branch."""
    for branch in [node, *node.get("anyOf", [])]:
        if "minimum" in branch or "maximum" in branch:
            return branch.get("minimum"), branch.get("maximum")
    return None, None


def _facts(node: dict, unit: str) -> list[tuple[str, str]]:
    """(label, text) of a parameter's unit, range and scalar default."""
    facts = [("unit", unit)] if unit else []
    lo, hi = _bounds(node)
    if lo is not None and hi is not None:
        facts.append(("range", f"[{_number(lo)}, {_number(hi)}]"))
    elif lo is not None:
        facts.append(("range", f"≥ {_number(lo)}"))
    elif hi is not None:
        facts.append(("range", f"≤ {_number(hi)}"))
    default = node.get("default", ...)
    if default is None or isinstance(default, (bool, str)):
        facts.append(("default", json.dumps(default)))
    elif isinstance(default, (int, float)):
        facts.append(("default", _number(default)))
    return facts


def describe(node: dict) -> None:
    """Fold a parameter's ``unit`` and ``source`` (pydantic keys from :func:`relsim.params.P`
    that editors ignore) into its ``description`` and ``markdownDescription``, with its range
    and default; other descriptions are made plain (:func:`plain`)."""
    if isinstance(node.get("description"), str):
        node["description"] = plain(node["description"])
    if not (isinstance(node.get("unit"), str) and isinstance(node.get("source"), str)):
        return
    unit, source = node.pop("unit"), node.pop("source")
    doc = node.get("description", "").rstrip(".")
    facts = _facts(node, unit)
    text = doc + (f" ({'; '.join(f'{k}: {v}' for k, v in facts)})" if facts else "") + "."
    markdown = doc + "\n\n" + " · ".join(f"**{k}:** {v}" for k, v in facts) if facts else doc
    if source:
        text += f" Source: {source.rstrip('.')}."
        markdown += f"\n\n*Source:* {source}"
    node["description"], node["markdownDescription"] = text, markdown


def for_editors(schema: dict, name: str) -> dict:
    """A pydantic JSON Schema with ``$schema`` and ``$id`` first, descriptions folded
    (:func:`describe`) and pydantic's OpenAPI ``discriminator`` dropped."""
    for node in walk(schema):
        node.pop("discriminator", None)
        describe(node)
    return {"$schema": DIALECT, "$id": schema_id(name), **schema}


def _with_markdown(node: dict, description: str, markdown: str | None = None) -> dict:
    """``node`` with a plain ``description`` and a Markdown one (default: the same)."""
    node["description"] = description
    node["markdownDescription"] = markdown or description
    return node


# --------------------------------------------------------------------------- policies

def _policies(defs: dict) -> None:
    """Make ``firms[].policies`` items the described union ``$defs/Policy`` of the policy
    kinds, and add ``$defs/PolicyOverride``: one policy's keys, any kind's, all optional
    (what a variant may merge into a policy, ``firms.0.policies.0: {stop: 40}``)."""
    members, first_lines, params = [], [], {}
    for kind, cls in POLICY_CLASSES.items():
        name = cls.config_class.__name__
        member = defs[name]
        text = plain(sys.modules[cls.__module__].__doc__ or cls.config_class.__doc__ or kind)
        first_lines.append(text.split("\n\n")[0])
        member["title"] = f"{kind} policy"
        _with_markdown(member, text.replace("`", ""), text)
        member["required"] = ["kind"]
        member["properties"]["kind"] = _with_markdown(
            {"title": "Kind", "const": kind}, first_lines[-1])
        members.append({"$ref": REF + name})
        for key, prop in member["properties"].items():
            if key != "kind":  # one reference per distinct schema of a parameter
                same = params.setdefault(key, {}).setdefault(json.dumps(prop, sort_keys=True), [])
                same.append(f"{REF}{name}/properties/{key}")
    kinds = list(POLICY_CLASSES)
    kind = _with_markdown({"title": "Kind", "enum": kinds, "enumDescriptions": first_lines,
                           "markdownEnumDescriptions": first_lines},
                          "which policy: " + ", ".join(kinds))
    what = ("A retention policy the firm runs: `kind` names it, the other keys are its "
            "parameters (docs/ODD.md, Policies).")
    defs["Policy"] = _with_markdown({"title": "Policy", "type": "object", "required": ["kind"],
                                     "properties": {"kind": kind}, "oneOf": members},
                                    what.replace("`", ""), what)
    merged: dict[str, dict] = {"kind": kind}
    for key, schemas in params.items():
        refs = [{"$ref": pointers[0]} for pointers in schemas.values()]
        merged[key] = refs[0] if len(refs) == 1 else {"anyOf": refs}
    what = ("Keys merged into a policy of the base scenario: any kind's parameters (the "
            "result must be a valid policy of its kind).")
    defs["PolicyOverride"] = _with_markdown({"title": "Policy override", "type": "object",
                                             "properties": merged,
                                             "additionalProperties": False}, what)
    defs["FirmConfig"]["properties"]["policies"]["items"] = {"$ref": REF + "Policy"}


# --------------------------------------------------------------------------- variants

def _resolve(schema: dict, pointer: str) -> dict:
    """The node a local ``$ref`` (``#/$defs/X/properties/y``) points at."""
    node = schema
    for part in pointer.removeprefix("#/").split("/"):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _target(schema: dict, pointer: str) -> str:
    """Where a node's ``$ref`` chain ends; a policy (``$defs/Policy``) becomes a policy
    override (``$defs/PolicyOverride``): a variant merges keys into an existing policy."""
    while "$ref" in (node := _resolve(schema, pointer)):
        pointer = node["$ref"]
    return REF + "PolicyOverride" if pointer == REF + "Policy" else pointer


def _children(schema: dict, pointer: str) -> Iterator[tuple[str, str]]:
    """(pattern of the next key part, pointer to its schema) of what a path may reach below
    the node at ``pointer``: a section's keys, a list's entries, an optional value's."""
    pointer = _target(schema, pointer)
    node = _resolve(schema, pointer)
    for key in node.get("properties", {}):
        yield re.escape(key), _target(schema, f"{pointer}/properties/{key}")
    if isinstance(node.get("items"), dict):
        yield INDEX, _target(schema, f"{pointer}/items")
    for i, _ in enumerate(node.get("anyOf", [])):
        yield from _children(schema, f"{pointer}/anyOf/{i}")


def _path_patterns(schema: dict, parts: list[str], pointer: str, out: dict) -> None:
    """Add to ``out`` a pattern (and a ``$ref`` to its schema) for every path of two parts
    or more below ``parts``."""
    for part, target in _children(schema, pointer):
        path = [*parts, part]
        out[f"^{SEPARATOR.join(path)}$"] = {"$ref": target}
        _path_patterns(schema, path, target, out)


def variant_overrides(schema: dict) -> dict:
    """The schema of one variant of the scenario ``schema`` (after :func:`_policies`): every
    key the override engine accepts in a variant, referring to the schema of what it sets
    (``name:`` with nothing after it, null, is a variant without overrides)."""
    model = [k for k in schema["properties"] if k in ModelConfig.model_fields and k not in SHARED]
    keys = {}
    for name in model:  # inline or a reference into $defs: a variant works in any schema's $defs
        target = _target(schema, f"#/properties/{name}")
        keys[name] = ({"$ref": target} if target.startswith(REF) else
                      {k: v for k, v in _resolve(schema, target).items() if k != "default"})
    for leaf, path in LEAF_PATHS.items():
        if leaf not in keys and path[0] not in SHARED:
            pointer = _target(schema, f"#/properties/{path[0]}")
            for part in path[1:]:
                pointer = _target(schema, f"{pointer}/properties/{part}")
            keys[leaf] = {"$ref": pointer, "title": f"{leaf} = {'.'.join(path)}"}
    patterns: dict[str, dict] = {}
    for name in model:
        _path_patterns(schema, [re.escape(name)], f"#/properties/{name}", patterns)
    what = ("Overrides of the base scenario, by the one override engine: a model section "
            "(`behaviour: {trust_loss: 0.1}` is merged into it), a unique parameter name "
            "(`trust_loss`) or a dotted path (`behaviour.trust_loss`, `firms.0.price`, "
            "`firms.0.policies`; `__` may stand for the dots). `steps` and the run settings "
            "are shared by all variants.")
    return _with_markdown({"title": "Variant", "type": ["object", "null"], "properties": keys,
                           "patternProperties": patterns, "additionalProperties": False},
                          what.replace("`", ""), what)


def variants_schema() -> dict:
    """The schema of ``variants`` (a name -> overrides or nothing)."""
    what = ("Named overrides of the base scenario, compared side by side with common random "
            "numbers; `baseline` is the base scenario (added first if not named). A name is "
            "1 to 64 letters, digits, `-` or `_`.")
    return _with_markdown({"title": "Variants", "type": ["object", "null"], "default": {},
                           "propertyNames": {"pattern": f"^{VARIANT_NAME.pattern}$"},
                           "additionalProperties": {"$ref": REF + "Variant"}},
                          what.replace("`", ""), what)


def _edge_list_needs_path(network: dict) -> dict:
    """The scenario's ``network`` (a whole section, not an override): ``path`` is given
    exactly when ``kind`` is ``edge_list``."""
    return {**network,
            "if": {"properties": {"kind": {"const": "edge_list"}}, "required": ["kind"]},
            "then": {"required": ["path"], "properties": {"path": {"type": "string"}}},
            "else": {"properties": {"path": {"type": "null"}}}}


# --------------------------------------------------------------------------- the schema

def json_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of scenario files, for editors and checkers."""
    schema = for_editors(Scenario.model_json_schema(), "scenario")
    defs, properties = schema["$defs"], schema["properties"]
    _policies(defs)
    for name in ("firms", "segments"):
        properties[name]["minItems"] = 1
    defs["Variant"] = variant_overrides(schema)
    properties["variants"] = variants_schema()
    properties["network"] = _edge_list_needs_path(properties["network"])
    schema["description"] = plain(Scenario.__doc__ or "") + (
        " Every key is optional: `relsim schema` lists the defaults.".replace("`", ""))
    return schema


def embed_scenario(schema: dict, scenario: dict | None = None) -> None:
    """Add the scenario schema (default :func:`json_schema`) to another schema's ``$defs``:
    its definitions, and the scenario itself as ``$defs/Scenario``, so that ``{"$ref":
    "#/$defs/Scenario"}`` types an inline scenario and ``{"$ref": "#/$defs/Variant"}`` a
    variant.  Raises ValueError if definition names clash."""
    scenario = json_schema() if scenario is None else scenario
    defs = schema.setdefault("$defs", {})
    clash = set(defs) & ({"Scenario"} | set(scenario["$defs"]))
    if clash:
        raise ValueError(f"schema definitions clash: {sorted(clash)}")
    defs.update(scenario["$defs"])
    defs["Scenario"] = {k: v for k, v in scenario.items()
                        if k not in ("$schema", "$id", "$defs")}
