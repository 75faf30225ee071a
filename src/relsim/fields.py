"""Scenario fields by path: find one and read its type, bounds, unit and doc.

The override engine (:mod:`relsim.overrides`) sets a field by its path; this
module says what that field is, for every tool that offers a field to the user:
experiment parameters, calibration parameters, the app's controls.  A path
names one scalar field of the scenario
(``behaviour.trust_loss``, ``firms.0.price``, ``network.kind``,
``firms.0.policies.0.points_per_currency``).  :func:`lookup` walks the pydantic
models from :class:`relsim.config.ModelConfig` down that path: through
sections, through lists by index (the index must exist in the base scenario)
and through the policy union, where the ``kind`` of the policy at that index in
the base scenario says which policy class holds the field.  The leaf's bounds,
unit and documentation come from :func:`relsim.config.parameter_table` of the
class that declares it, so an experiment checks its ranges against the same
declaration the scenario validator uses.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from relsim.config import ModelConfig, parameter_table
from relsim.overrides import ParameterError, resolve_key

Kind = Literal["float", "int", "bool", "choice", "text"]
"""What values a field takes: numbers, integers, true/false, one of fixed names, any text."""


class FieldLookupError(LookupError):
    """A path that names no scalar field of the scenario; the message is for the user."""


@dataclass(frozen=True)
class FieldSpec:
    """One scalar field of the scenario: its path, type, closed range or choices, unit, doc."""

    path: str
    kind: Kind
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    unit: str = ""
    doc: str = ""

    def describe(self) -> str:
        """The values the field accepts, in words (for error messages)."""
        if self.kind == "choice":
            return "one of " + ", ".join(map(str, self.choices))
        if self.kind in ("bool", "text"):
            return {"bool": "true or false", "text": "text"}[self.kind]
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        return f"{'an integer' if self.kind == 'int' else 'a number'} in [{low}, {high}]"


def _strip_optional(annotation: Any) -> Any:
    """``X | None`` -> X (other unions are returned as they are)."""
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _classes(annotation: Any) -> list[type[BaseModel]]:
    """The model classes a list item annotation holds: X, or the members of a tagged union."""
    if get_origin(annotation) is typing.Annotated:
        annotation = get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]


def _leaf_kind(annotation: Any) -> tuple[Kind | None, tuple]:
    """The kind of a leaf annotation and its choices (None: not a scalar field)."""
    annotation = _strip_optional(annotation)
    if get_origin(annotation) is Literal:
        return "choice", tuple(get_args(annotation))
    return {bool: "bool", int: "int", float: "float", str: "text"}.get(annotation), ()


def _unknown(part: str, known: list[str], where: str) -> FieldLookupError:
    close = difflib.get_close_matches(part, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return FieldLookupError(f"unknown field {part!r}{' in ' + where if where else ''}{hint}")


def lookup(path: str, base: dict[str, Any] | BaseModel) -> FieldSpec:
    """The scalar field at ``path`` (a dotted path, its ``__`` form or a unique leaf name,
    as :func:`relsim.overrides.resolve_key` reads it) of a scenario or configuration
    ``base`` (or its full data, ``model_dump()``); raises :class:`FieldLookupError` naming
    what is wrong."""
    if isinstance(base, BaseModel):
        base = base.model_dump()
    if "." not in path and "__" not in path:
        try:
            path = ".".join(resolve_key(path))
        except ParameterError as exc:
            raise FieldLookupError(str(exc)) from None
    parts = path.replace("__", ".").split(".")
    if "" in parts:
        raise FieldLookupError("empty part in the path (write e.g. firms.0.price)")
    model: type[BaseModel] = ModelConfig
    data: Any = base
    i = 0
    while i < len(parts):
        part, where = parts[i], ".".join(parts[:i])
        if part not in model.model_fields:
            raise _unknown(part, list(model.model_fields), where)
        field = model.model_fields[part]
        annotation = _strip_optional(field.annotation)
        data = data.get(part) if isinstance(data, dict) else None
        here = ".".join(parts[:i + 1])
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model, i = annotation, i + 1
            continue
        if get_origin(annotation) is list and _classes(get_args(annotation)[0]):
            items = data if isinstance(data, list) else []
            if i + 1 == len(parts) or i + 2 == len(parts):
                raise FieldLookupError(f"{here} is a list of sections, not one value: name a "
                                       f"field of one entry, e.g. {here}.0.<field>")
            index = parts[i + 1]
            if not (index.isdigit() and int(index) < len(items)):
                size = f"has {len(items)} entr{'y' if len(items) == 1 else 'ies'}" \
                    if items else "is empty"
                raise FieldLookupError(f"{here} {size} in the base scenario: no entry {index!r}")
            item = items[int(index)]
            classes = _classes(get_args(annotation)[0])
            if len(classes) > 1:  # the policy union: the entry's kind picks the class
                kind = item.get("kind")
                model = next(c for c in classes if c.model_fields["kind"].default == kind)
            else:
                model = classes[0]
            data, i = item, i + 2
            continue
        if i + 1 != len(parts):
            raise FieldLookupError(f"{here} is a value, not a section: it has no {parts[i + 1]!r}")
        kind, choices = _leaf_kind(field.annotation)
        if kind is None:
            raise FieldLookupError(f"{here} holds a list or mapping, not one value: it cannot "
                                   "be a design parameter")
        row = next(r for r in parameter_table(model) if r["parameter"] == part)
        return FieldSpec(path=path, kind=kind, low=row["min"], high=row["max"], choices=choices,
                         unit=row["unit"], doc=row["doc"])
    raise FieldLookupError(f"{path} is a section, not one value: name one of its fields, e.g. "
                           f"{path}.{next(iter(model.model_fields))}")
