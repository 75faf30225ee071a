"""Scenario files: YAML in, validated configuration out, errors with file, line and field.

A scenario file holds the model configuration (the layout of
:class:`~relsim.config.ModelConfig`) plus how to run it (``name``,
``description``, ``seed``, ``replications``); ``scenarios/example.yaml`` is a
commented example and ``relsim schema`` prints the JSON Schema.

Loading is strict, and every problem is a :class:`ScenarioError` whose
message is one line, ``FILE:LINE:COLUMN: field.path: what was expected``:

* the text must be UTF-8 and at most :data:`MAX_BYTES` long;
* YAML is parsed with ``yaml.SafeLoader`` only, so tags such as
  ``!!python/object/apply`` are errors, never constructed objects; duplicate
  keys are errors (merge keys ``<<: *anchor`` are allowed); documents nested
  deeper than :data:`MAX_DEPTH` or with more than :data:`MAX_NODES` nodes
  (recursive or exponential aliases) are refused;
* values are validated by pydantic in strict mode: no silent coercion of
  ``"5000"`` or ``yes`` to numbers, or of ``5000.0`` to an integer;
  pydantic's error location is mapped back to the line and column of the
  offending key, and an unknown key gets a close-match suggestion;
* an edge-list file (``network.path``, relative to the scenario file) is
  parsed at load time, so a missing or malformed file is reported before any
  run starts.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import reprlib
from collections.abc import Hashable
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from relsim.config import ModelConfig, P
from relsim.network import NetworkFileError, read_edge_list

MAX_BYTES = 16 * 2**20
"""Largest scenario file read (bytes)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists accepted in a scenario file."""
MAX_NODES = 200_000
"""Most YAML nodes accepted in a scenario file once aliases are expanded."""

Positions = dict[tuple, tuple[int, int]]
"""Field path (keys and list indices) -> (line, column), 1-based, of its key or list item."""


def _pos(mark: yaml.Mark) -> tuple[int, int]:
    """1-based (line, column) of a YAML mark."""
    return mark.line + 1, mark.column + 1


def _at(source: str, position: tuple[int, int]) -> str:
    return f"{source}:{position[0]}:{position[1]}"


def _dotted(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message is one line for the user."""


class Scenario(ModelConfig):
    """A scenario file: the model configuration plus how to run it."""

    name: str = P("scenario", doc="scenario name, used in reports")
    description: str = P("", doc="what question the scenario answers")
    seed: int = P(0, 0, 2**63 - 1, doc="root seed of all randomness")
    replications: int = P(1, 1, 10_000, doc="independent replications (derived seeds)")

    def model_part(self) -> ModelConfig:
        """The model configuration without the run settings."""
        data = self.model_dump(include=set(ModelConfig.model_fields))
        return ModelConfig.model_validate(data)


# --------------------------------------------------------------------------- YAML with positions

class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
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


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


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
            raise ScenarioError(f"{_at(source, _pos(mark))}: invalid YAML: nested deeper than "
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
        return f"tag {name!r} is not allowed: scenario files hold plain data only"
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
    at = [path for path, key, node in entries if here in (_pos(key), _pos(node.start_mark))]
    field = max(at, key=len, default=())
    return (f"{_at(source, here)}:{' ' + _dotted(field) + ':' if field else ''} "
            f"invalid YAML: {_yaml_problem(exc)}")


def parse_yaml(text: str, source: str) -> tuple[Any, Positions]:
    """Parse YAML safely; return the data and the positions of its keys."""
    entries: list[_Entry] = []
    try:
        root = yaml.compose(text, Loader=_UniqueKeyLoader)
        if root is None:
            return {}, {}
        entries = _walk(root, source)
        loader = _UniqueKeyLoader(text)
        try:
            data = loader.construct_document(root)
        finally:
            loader.dispose()
    except RecursionError:
        raise ScenarioError(f"{source}: invalid YAML: nested deeper than {MAX_DEPTH}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(_yaml_error(exc, source, entries)) from None
    return data, {path: _pos(mark) for path, mark, _ in reversed(entries)}


def read_yaml(path: str | os.PathLike) -> tuple[Any, Positions]:
    """Read and parse a YAML file; a missing, unreadable or non-UTF-8 file is a ScenarioError."""
    path = Path(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise ScenarioError(f"{path}: file larger than {MAX_BYTES} bytes: not a scenario file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise ScenarioError(f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                            f"offset {exc.start})") from None
    return parse_yaml(text, str(path))


# --------------------------------------------------------------------------- errors

def _section_at(path: tuple) -> type[BaseModel] | None:
    """The configuration section at ``path`` (list indices skipped), None if there is none."""
    model: type[BaseModel] | None = Scenario
    for part in path:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if model else None
        if field is None:
            return None
        # a section is annotated X or list[X] with X a model
        model = next((c for c in (field.annotation, *get_args(field.annotation))
                      if isinstance(c, type) and issubclass(c, BaseModel)), None)
    return model


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _position(positions: Positions, loc: tuple) -> tuple[int, int] | None:
    """(line, column) of the deepest part of ``loc`` written in the file, if any."""
    return next((positions[loc[:k]] for k in range(len(loc), -1, -1) if loc[:k] in positions),
                None)


def _where(source: str, positions: Positions, loc: tuple) -> str:
    """``FILE:LINE:COLUMN`` of ``loc`` (just ``FILE`` if it has no position)."""
    position = _position(positions, loc)
    return _at(source, position) if position else source


def _message(err: dict) -> tuple[tuple, str]:
    """The location and message of one pydantic error, in the user's terms."""
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        section = _section_at(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), list(section.model_fields), n=1) \
            if section else []
        return loc, f"unknown key{'; did you mean ' + repr(close[0]) + '?' if close else ''}"
    msg = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
    named = re.match(r"([a-z_][\w.]*):? ", msg)  # a model validator naming its field
    if not loc and named:
        path = tuple(named.group(1).split("."))
        section = _section_at(path[:-1])
        if section and path[-1] in section.model_fields:
            loc, msg = path, msg.removeprefix(named.group(1) + ": ")
    value = err.get("input")
    if err["type"] in ("missing", "value_error"):
        pass  # nothing was given, or the validator's message says what was
    elif isinstance(value, (dict, list)):
        msg += f" (got a {'mapping' if isinstance(value, dict) else 'list'})"
    else:
        msg += f" (got {reprlib.repr(value)})"
        if isinstance(value, str) and _is_number(value):
            msg += "; write numbers without quotes, exponents with a dot (1.0e6)"
    return loc, msg


def format_validation_error(exc: ValidationError, source: str, positions: Positions) -> str:
    """One line: FILE:LINE:COLUMN: field.path: message, for the error nearest the top of the
    file, with the count of the others."""
    errors = [_message(err) for err in exc.errors()]
    loc, msg = min(errors, key=lambda e: _position(positions, e[0]) or (math.inf, 0))
    more = len(errors) - 1
    tail = f" [and {more} more error{'s' if more > 1 else ''}]" if more else ""
    return f"{_where(source, positions, loc)}: {_dotted(loc) or '(top level)'}: {msg}{tail}"


# --------------------------------------------------------------------------- validation

def validate_scenario(data: Any, source: str, positions: Positions | None = None,
                      base_dir: Path | None = None) -> Scenario:
    """Validate parsed YAML as a Scenario; a relative ``network.path`` resolves against
    ``base_dir`` (default: the working directory) and the edge list is parsed now."""
    positions = positions or {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{_where(source, positions, ())}: (top level): expected a mapping of "
                            f"scenario settings, got {type(data).__name__}")
    try:
        scenario = Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source, positions)) from None
    if scenario.network.path is not None:
        resolved = (base_dir or Path.cwd()) / scenario.network.path
        try:
            read_edge_list(resolved, scenario.n_customers)
        except NetworkFileError as exc:
            where = _where(source, positions, ("network", "path"))
            raise ScenarioError(f"{where}: network.path: {exc}") from None
        scenario = scenario.model_copy(
            update={"network": scenario.network.model_copy(update={"path": str(resolved)})})
    return scenario


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Read, parse and validate a scenario file."""
    data, positions = read_yaml(path)
    return validate_scenario(data, str(path), positions, base_dir=Path(path).resolve().parent)


def load_model_config(path: str | os.PathLike) -> ModelConfig:
    """The model configuration of a scenario file."""
    return load_scenario(path).model_part()
