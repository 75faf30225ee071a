"""The one override engine: set any model parameter by its path.

Keyword arguments (``RelationshipModel(trust_loss=0.3)``, ``relsim.run(firms__0__price=2)``),
scenario variants, experiment designs, calibration parameters and the app's
controls all change a :class:`~relsim.config.ModelConfig` through
:func:`apply_overrides`, so a parameter has one name everywhere and one set of
error messages.

Paths
-----
A key is a dotted path through sections and list entries (``behaviour.trust_loss``,
``firms.0.price``, ``firms.0.policies.1.points_per_currency``), the same path with
``__`` instead of dots (``firms__0__price``, the form keyword arguments need), or a
parameter name that is unique across the sections (``trust_loss``; see
:data:`LEAF_PATHS`).

What an override does
---------------------
It replaces the value at its path, except that a mapping given for a section
(``behaviour: {trust_loss: 0.1}``, ``firms.0: {price: 2.0}``) is merged into
it.  Only values set explicitly in the base configuration are carried over,
so that changing a segment's ``preset`` fills in every key of the new preset
that was not set by hand.  The result is validated strictly, as YAML files
are: ``"300"``, ``True`` or ``3.0`` are not integers, ``"0.1"`` is not a rate
(numpy scalars are taken as the Python numbers they hold).

Errors are :class:`ParameterError` (a ``ValueError``) with a one-line message
naming the key; an unknown key is an :class:`UnknownParameter` (also a
``KeyError``) with a close-match suggestion.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from relsim.config import SEGMENT_PRESETS, ModelConfig, SegmentConfig
from relsim.params import Section
from relsim.validation import error_message
from relsim.yamlio import InputError, dotted


class ParameterError(InputError):
    """A parameter override that cannot be applied; the message is one line."""


class UnknownParameter(ParameterError, KeyError):
    """A key that names no parameter."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def _leaf_paths(model_cls: type[BaseModel], prefix: tuple[str, ...] = ()) -> dict[str, tuple]:
    """Every leaf parameter name -> its path (sections only, not lists); () if ambiguous."""
    out: dict[str, tuple] = {}
    for name, field in model_cls.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, Section):
            for leaf, path in _leaf_paths(ann, prefix + (name,)).items():
                out[leaf] = path if leaf not in out else ()
        else:
            out[name] = prefix + (name,) if name not in out else ()
    return out


LEAF_PATHS = {k: v for k, v in _leaf_paths(ModelConfig).items() if v}
"""Unique leaf names usable alone (``trust_loss`` -> ``("behaviour", "trust_loss")``)."""


def resolve_key(key: str) -> tuple[str, ...]:
    """The path a key names: ``trust_loss``, ``behaviour__trust_loss`` and
    ``behaviour.trust_loss`` all give ``("behaviour", "trust_loss")``."""
    if "__" in key or "." in key:
        path = tuple(key.replace("__", ".").split("."))
        if "" in path:
            raise ParameterError(f"{key}: empty part in the parameter path "
                                 "(write e.g. firms.0.price)")
        return path
    if key in ModelConfig.model_fields:
        return (key,)
    if key in LEAF_PATHS:
        return LEAF_PATHS[key]
    close = difflib.get_close_matches(key, list(LEAF_PATHS) + list(ModelConfig.model_fields), n=1)
    raise UnknownParameter(f"{key}: unknown parameter"
                           f"{'; did you mean ' + repr(close[0]) + '?' if close else ''}")


# --------------------------------------------------------------------------- applying

_UNSET = object()


def _explicit(model: BaseModel) -> dict:
    """The values set explicitly in a section; for a segment with a preset, without the
    values its preset filled in, so that an override may change the preset."""
    data = model.model_dump(exclude_unset=True)
    if isinstance(model, SegmentConfig) and model.preset:
        preset = SEGMENT_PRESETS[model.preset]
        data = {k: v for k, v in data.items() if k == "preset" or preset.get(k, _UNSET) != v}
    return data


@dataclass
class Base:
    """A configuration as data to override: its explicitly set values (``data``, changed in
    place by :meth:`assign`), all its values, and its lists of sections as set values."""

    data: dict
    full: dict
    lists: dict

    @classmethod
    def of(cls, config: ModelConfig) -> Base:
        include = set(ModelConfig.model_fields)
        lists = {}
        for name in include:
            items = getattr(config, name)
            if isinstance(items, list) and items and all(isinstance(i, BaseModel) for i in items):
                lists[name] = [_explicit(item) for item in items]
        data = config.model_dump(include=include, exclude_unset=True)
        data.update({name: value for name, value in lists.items() if name in data})
        return cls(data, config.model_dump(include=include), lists)

    def copy(self) -> Base:
        """An independent copy (overrides of one variant do not reach another)."""
        return Base(copy.deepcopy(self.data), self.full, self.lists)

    def assign(self, path: tuple[str, ...], value: Any) -> None:
        """Set ``value`` at ``path``, merging a mapping into a section; a gap (a section or
        list left at its default) is filled from the full values first.  An unknown last
        key is left for validation to report.  Raises ParameterError (message without the
        key) for a path that cannot exist."""
        node, fallback = self.data, self.full
        value = plain(value)
        for depth, part in enumerate(path):
            last = depth == len(path) - 1
            here = ".".join(path[:depth])
            if isinstance(node, list):
                size = len(node)
                if not (part.isdigit() and int(part) < size):
                    entries = f"has {size} entr{'y' if size == 1 else 'ies'}" if size \
                        else "is empty"
                    raise ParameterError(f"{here} {entries}: no entry {part!r}")
                part = int(part)
                current = node[part]
                fallback = fallback[part] if isinstance(fallback, list) and part < len(fallback) \
                    else None
            elif isinstance(node, dict):
                known = fallback if isinstance(fallback, dict) else {}
                if part not in node and part not in known and not last:
                    close = difflib.get_close_matches(part, list(known), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise UnknownParameter(f"unknown key {part!r}{' in ' + here if here else ''}"
                                           f"{hint}")
                current, fallback = node.get(part, _UNSET), known.get(part)
            else:
                raise ParameterError(f"{here} is a value, not a section: it has no {part!r}")
            if last:
                node[part] = copy.deepcopy(value) if current is _UNSET else _merged(current, value)
            else:
                if current is _UNSET:  # a section left at its defaults, or a default list
                    current = node[part] = {} if isinstance(fallback, dict) else copy.deepcopy(
                        self.lists[part] if depth == 0 and part in self.lists else fallback)
                node = current


def _merged(old: Any, new: Any) -> Any:
    """``new`` merged into ``old`` where both are mappings, else ``new``."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = dict(old)
        for key, value in new.items():
            out[key] = _merged(old[key], value) if key in old else copy.deepcopy(value)
        return out
    return copy.deepcopy(new)


def plain(value: Any) -> Any:
    """``value`` with numpy scalars (and those inside lists and mappings) as Python ones, and
    configuration sections as their explicitly set values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, BaseModel):
        return value.model_dump(exclude_unset=True)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def validate(data: dict) -> ModelConfig:
    """A ModelConfig from data, validated strictly (raises pydantic's ValidationError)."""
    return ModelConfig.model_validate(data, strict=True)


def apply_overrides(config: ModelConfig, overrides: Mapping[str, Any]) -> ModelConfig:
    """A validated copy of ``config`` with ``overrides`` (key -> value) applied.

    Raises :class:`UnknownParameter` for a key that names nothing and
    :class:`ParameterError` for a value that does not validate, each with a
    one-line message naming the key.
    """
    if not overrides:
        return config
    base = Base.of(config)
    paths = {}
    for key, value in overrides.items():
        path = resolve_key(key)
        try:
            base.assign(path, value)
        except ParameterError as exc:
            raise type(exc)(f"{key}: {exc}") from None
        paths[key] = path
    try:
        return validate(base.data)
    except ValidationError as exc:
        loc, msg = error_message(exc.errors()[0], ModelConfig)
        more = len(exc.errors()) - 1
        raise ParameterError(f"{dotted(loc) or '(top level)'}: {msg}"
                             f"{f' [and {more} more]' if more else ''}") from None
