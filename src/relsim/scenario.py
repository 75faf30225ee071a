"""Scenario files: YAML in, validated configuration out, errors with file, line and field.

A scenario file holds the model configuration (the layout of
:class:`~relsim.config.ModelConfig`) plus how to run it (``name``, ``seed``,
``replications``).  YAML is parsed with ``yaml.SafeLoader`` only (no Python
objects can be constructed), duplicate keys are an error, and every
validation error is reported as one line naming the file, the line and column
of the offending key, the field path and what was expected.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from relsim.config import FirmConfig, ModelConfig, P, Section, SegmentConfig


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
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            first = seen[key].start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first at line {first})", key_node.start_mark)
        seen[key] = key_node
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _positions(node: yaml.Node, path: tuple = ()) -> dict[tuple, tuple[int, int]]:
    """Map each path in the document to the (line, column) of its key (or item), 1-based."""
    out = {path: (node.start_mark.line + 1, node.start_mark.column + 1)}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            sub = path + (key_node.value,)
            out.update(_positions(value_node, sub))
            out[sub] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.update(_positions(item, path + (i,)))
    return out


def parse_yaml(text: str, source: str) -> tuple[Any, dict[tuple, tuple[int, int]]]:
    """Parse YAML safely; return the data and the positions of its keys."""
    try:
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
        if node is None:
            return {}, {}
        loader = _UniqueKeyLoader(text)
        try:
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{where}: invalid YAML: {problem}") from None
    return data, _positions(node)


def read_yaml(path: str | os.PathLike) -> tuple[Any, dict[tuple, tuple[int, int]]]:
    """Read and parse a YAML file; a missing or unreadable file is a ScenarioError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read file: {exc}") from None
    return parse_yaml(text, str(path))


# --------------------------------------------------------------------------- errors

def _allowed_keys(loc: tuple) -> list[str]:
    """Field names allowed at the mapping that contains ``loc``'s last key."""
    model: type[Section] | None = Scenario
    for part in loc[:-1]:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        ann = field.annotation
        if part == "firms":
            model = FirmConfig
        elif part == "segments":
            model = SegmentConfig
        elif isinstance(ann, type) and issubclass(ann, Section):
            model = ann
        else:
            model = None
    return list(model.model_fields) if model else []


def format_validation_error(exc: ValidationError, source: str,
                            positions: dict[tuple, tuple[int, int]]) -> str:
    """One line: file:line:col: field.path: message (first error; count of others)."""
    err = exc.errors()[0]
    loc = tuple(err["loc"])
    field = ".".join(str(p) for p in loc) or "(top level)"
    pos = None
    for k in range(len(loc), -1, -1):
        if loc[:k] in positions:
            pos = positions[loc[:k]]
            break
    where = f"{source}:{pos[0]}:{pos[1]}" if pos else source
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(loc)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        msg = f"unknown key{'; did you mean ' + repr(close[0]) + '?' if close else ''}"
    else:
        msg = err["msg"]
        if "input" in err and err["type"] not in ("missing",) and not isinstance(
                err["input"], (dict, list)):
            msg += f" (got {err['input']!r})"
    more = len(exc.errors()) - 1
    tail = f" [and {more} more error{'s' if more > 1 else ''}]" if more else ""
    return f"{where}: {field}: {msg}{tail}"


def validate_scenario(data: Any, source: str,
                      positions: dict[tuple, tuple[int, int]] | None = None,
                      base_dir: Path | None = None) -> Scenario:
    """Validate parsed YAML as a Scenario; relative edge-list paths resolve against ``base_dir``."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping of scenario settings at the top level, "
                            f"got {type(data).__name__}")
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source, positions or {})) from None
    path = scenario.network.path
    if path is not None:
        resolved = Path(path) if Path(path).is_absolute() else (base_dir or Path.cwd()) / path
        if not resolved.is_file():
            line = (positions or {}).get(("network", "path"))
            where = f"{source}:{line[0]}:{line[1]}" if line else source
            raise ScenarioError(f"{where}: network.path: edge-list file not found: {resolved}")
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
