"""YAML input files with positions: safe, strict, YAML 1.2 numbers, one-line errors.

Every YAML file relsim reads (scenarios, experiments, calibrations) goes
through :func:`read_yaml`, which returns the data and the line and column of
every key, so that a validation error can point at the offending key
(:mod:`relsim.validation`).  Every problem is an :class:`InputError` whose
message is one line naming the file:

* the file must be a regular file (not a FIFO or a device) of at most
  :data:`MAX_BYTES`, in UTF-8 (a byte-order mark is skipped);
* YAML is parsed with ``yaml.SafeLoader`` only, so tags such as
  ``!!python/object/apply`` are errors, never constructed objects; duplicate
  keys are errors (merge keys ``<<: *anchor`` are allowed); documents nested
  deeper than :data:`MAX_DEPTH` or with more than :data:`MAX_NODES` nodes
  (recursive or exponential aliases) are refused;
* plain scalars follow the YAML 1.2 core schema, not YAML 1.1: ``true`` and
  ``false`` are the only booleans (``yes``, ``on`` stay text), ``0700`` is
  seven hundred (not octal 448), ``1:30`` is text (not 90), ``1e6`` is a
  number; octal and hexadecimal need ``0o`` and ``0x``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable
from typing import Any

import yaml

from relsim.inputs import InputError, decode_text, read_regular_file

MAX_BYTES = 16 * 2**20
"""Largest YAML file read (bytes)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted."""
MAX_NODES = 200_000
"""Most YAML nodes accepted once aliases are expanded."""

Positions = dict[tuple, tuple[int, int]]
"""Field path (keys and list indices) -> (line, column), 1-based, of its key or list item."""


def at(source: str, position: tuple[int, int]) -> str:
    """``FILE:LINE:COLUMN``."""
    return f"{source}:{position[0]}:{position[1]}"


def dotted(loc: tuple) -> str:
    """A field path as written in messages: ``firms.0.price``."""
    return ".".join(str(p) for p in loc)


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    """1-based (line, column) of a YAML mark."""
    return mark.line + 1, mark.column + 1


# --------------------------------------------------------------------------- the loader

class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema for plain scalars and no duplicate keys."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int",
                           "tag:yaml.org,2002:float")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool",
                              re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int",
                              re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
                              list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+.0123456789"))


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool:
    return loader.construct_scalar(node).lower() == "true"


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text, 10)


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return float("-inf") if text.startswith("-") else float("inf")
    return float("nan") if text == ".nan" else float(text)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False):
    seen: dict[Any, yaml.Node] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<: *base' is resolved by SafeLoader; explicit keys override merged ones
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, Hashable):
            continue  # SafeLoader reports the unhashable key
        if key in seen:
            first = seen[key].start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {first})", key_node.start_mark)
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --------------------------------------------------------------------------- positions

_Entry = tuple[tuple, yaml.Mark, yaml.Node]
"""A path in a YAML document, the mark of its key (or list item) and its value node."""


def _walk(root: yaml.Node, source: str) -> list[_Entry]:
    """Every path in a composed document (paths under a duplicate key appear twice).

    Refuses documents nested deeper than MAX_DEPTH or with more than MAX_NODES
    nodes (recursive or exponentially repeated aliases).
    """
    out: list[_Entry] = []
    stack: list[_Entry] = [((), root.start_mark, root)]
    while stack:
        path, mark, node = entry = stack.pop()
        out.append(entry)
        if len(path) > MAX_DEPTH or len(out) > MAX_NODES:
            raise InputError(f"{at(source, _pos(mark))}: invalid YAML: nested deeper than "
                             f"{MAX_DEPTH} or more than {MAX_NODES} nodes (recursive or "
                             "repeated aliases?)")
        if isinstance(node, yaml.MappingNode):  # complex keys cannot be constructed: skip them
            stack.extend((path + (k.value,), k.start_mark, v) for k, v in node.value
                         if isinstance(k, yaml.ScalarNode))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((path + (i,), item.start_mark, item) for i, item in enumerate(node.value))
    return out


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What went wrong, in the user's terms."""
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if "'\\t'" in problem:
        return "tab character: YAML is indented with spaces, never tabs"
    tag = re.match(r"could not determine a constructor for the tag '(.*)'", problem)
    if tag:
        name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
        return f"tag {name!r} is not allowed: relsim's YAML files hold plain data only"
    context, mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and mark:
        context += f" at line {mark.line + 1}"
    return f"{problem} ({context})" if context else problem


def _yaml_error(exc: yaml.YAMLError, source: str, entries: list[_Entry]) -> str:
    """One line for a YAML error; it names the field if the document was composed."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return f"{source}: invalid YAML: {_yaml_problem(exc)}"
    here = _pos(mark)
    found = [path for path, key, node in entries if here in (_pos(key), _pos(node.start_mark))]
    field = max(found, key=len, default=())
    return (f"{at(source, here)}:{' ' + dotted(field) + ':' if field else ''} "
            f"invalid YAML: {_yaml_problem(exc)}")


def parse_yaml(text: str, source: str) -> tuple[Any, Positions]:
    """Parse YAML safely; return the data and the positions of its keys (an empty document
    is ``None``)."""
    entries: list[_Entry] = []
    try:
        root = yaml.compose(text, Loader=_Loader)
        if root is None:
            return None, {}
        entries = _walk(root, source)
        loader = _Loader(text)
        try:
            data = loader.construct_document(root)
        finally:
            loader.dispose()
    except RecursionError:
        raise InputError(f"{source}: invalid YAML: nested deeper than {MAX_DEPTH}") from None
    except yaml.YAMLError as exc:
        raise InputError(_yaml_error(exc, source, entries)) from None
    return data, {path: _pos(mark) for path, mark, _ in reversed(entries)}


# --------------------------------------------------------------------------- files

def read_yaml(path: str | os.PathLike, what: str = "YAML file") -> tuple[Any, Positions]:
    """Read and parse a YAML file (see the module docstring for what is refused)."""
    raw = read_regular_file(path, max_bytes=MAX_BYTES, what=what)
    return parse_yaml(decode_text(raw, str(path)), str(path))
