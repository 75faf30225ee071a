"""Pydantic validation errors as one line for the user: ``FILE:LINE:COLUMN: field.path: what``.

Every input relsim validates with pydantic (scenario, experiment and
calibration files; keyword overrides from Python) reports its errors through
:func:`error_message`, which names the field as the user writes its path
(``firms.0.policies.0.cadence``, without the tag pydantic adds after a member
of a tagged union), suggests a close match for an unknown key and quotes the
value given; :func:`format_validation_error` adds the file position of the
field from :func:`relsim.yamlio.read_yaml`'s positions and keeps the error
nearest the top of the file.
"""

from __future__ import annotations

import difflib
import math
import re
import reprlib
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from relsim.yamlio import Positions, at, dotted


def _sections(annotation: Any) -> list[type[BaseModel]]:
    """The model classes an annotation holds: X, list[X], X | None, a tagged union of Xs."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _sections(arg)]


def _tag(model: type[BaseModel]) -> Any:
    """The ``kind`` tag of a member of a tagged union (policies)."""
    field = model.model_fields.get("kind")
    return field.default if field else None


def _walk(path: tuple, root: type[BaseModel]
          ) -> tuple[type[BaseModel] | None, tuple, list[type[BaseModel]]]:
    """The section at ``path`` (list indices skipped; a union member's tag, which pydantic
    puts in error locations, selecting that member), ``path`` without those tags, and the
    members of the tagged union at ``path`` if there is one there."""
    model: type[BaseModel] | None = root
    members: list[type[BaseModel]] = []
    clean: list = []
    for part in path:
        if isinstance(part, int) or part == "[key]":
            if part != "[key]":
                clean.append(part)
            continue
        if members:
            member = next((m for m in members if _tag(m) == part), None)
            members = []
            if member is not None:
                model = member
                continue
        clean.append(part)
        field = model.model_fields.get(part) if model else None
        if field is None:
            model = None
            continue
        found = _sections(field.annotation)
        model, members = (found[0], []) if len(found) == 1 else (None, found)
    return model, tuple(clean), members


def section_at(path: tuple, root: type[BaseModel]) -> type[BaseModel] | None:
    """The configuration section at ``path`` under ``root``, None if there is none."""
    return _walk(path, root)[0]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def position(positions: Positions, loc: tuple) -> tuple[int, int] | None:
    """(line, column) of the deepest part of ``loc`` written in the file, if any (a key that
    YAML read as a number is found by its text)."""
    for k in range(len(loc), -1, -1):
        for path in (loc[:k], tuple(str(p) for p in loc[:k])):
            if path in positions:
                return positions[path]
    return None


def where(source: str, positions: Positions, loc: tuple) -> str:
    """``FILE:LINE:COLUMN`` of ``loc`` (just ``FILE`` if it has no position)."""
    found = position(positions, loc)
    return at(source, found) if found else source


def error_message(err: dict, root: type[BaseModel]) -> tuple[tuple, str]:
    """The location (as the user writes it) and message of one pydantic error."""
    raw = tuple(err["loc"])
    _, loc, members = _walk(raw, root)
    if err["type"] == "extra_forbidden":
        section = section_at(raw[:-1], root)
        close = difflib.get_close_matches(str(loc[-1]), list(section.model_fields), n=1) \
            if section else []
        return loc, f"unknown key{'; did you mean ' + repr(close[0]) + '?' if close else ''}"
    if err["type"] == "union_tag_invalid":  # an unknown policy kind
        ctx = err["ctx"]
        key, tag = ctx["discriminator"].strip("'"), str(ctx["tag"])
        tags = re.findall(r"'([^']*)'", ctx["expected_tags"])
        close = difflib.get_close_matches(tag, tags, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return loc + (key,), f"unknown {key} {tag!r}; {hint}expected one of: {', '.join(tags)}"
    if err["type"] == "union_tag_not_found":
        key = err["ctx"]["discriminator"].strip("'")
        return loc, f"missing {key!r}: expected one of: {', '.join(_tag(m) for m in members)}"
    msg = str(err["ctx"]["error"]) if err["type"] == "value_error" else err["msg"]
    named = re.match(r"[a-z_]+", msg)
    if err["type"] == "value_error" and named and len(raw) > len(loc) and raw[-1] != "[key]":
        section = section_at(raw, root)  # a policy's validator: point at the field it names
        if section and named.group(0) in section.model_fields:
            loc += (named.group(0),)
    named = re.match(r"([a-z_][\w.]*):? ", msg)  # a model validator naming its field
    if not loc and named:
        path = tuple(named.group(1).split("."))
        section = section_at(path[:-1], root)
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
            msg += "; write numbers without quotes"
    return loc, msg


def first_error(errors: list[tuple[tuple, str]], positions: Positions) -> tuple[tuple, str, str]:
    """The error nearest the top of the file, and ``" [and N more errors]"`` for the rest."""
    loc, msg = min(errors, key=lambda e: position(positions, e[0]) or (math.inf, 0))
    more = len(errors) - 1
    return loc, msg, f" [and {more} more error{'s' if more > 1 else ''}]" if more else ""


def format_validation_error(exc: ValidationError, source: str, positions: Positions,
                            root: type[BaseModel]) -> str:
    """One line: FILE:LINE:COLUMN: field.path: message, for the error nearest the top of the
    file, with the count of the others."""
    loc, msg, tail = first_error([error_message(err, root) for err in exc.errors()], positions)
    return f"{where(source, positions, loc)}: {dotted(loc) or '(top level)'}: {msg}{tail}"
