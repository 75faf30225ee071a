"""Building blocks of relsim's configuration: the parameter declaration and the section base.

Kept apart from :mod:`relsim.config` so that policy modules can declare their
own parameters without importing the whole schema.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

STEPS_PER_YEAR = 52
"""One model step is one week."""


def P(default: Any, lo: float | None = None, hi: float | None = None, *, unit: str = "",
      doc: str, source: str = "") -> Any:
    """Declare one parameter: default, closed range [lo, hi], unit, doc and source."""
    extra = {"unit": unit, "source": source}
    return Field(default, ge=lo, le=hi, description=doc, json_schema_extra=extra)


def _check_name(name: str) -> str:
    """A name shown in tables and reports: 1 to 64 characters, not blank, no line breaks
    or other control characters."""
    if not name.strip():
        raise ValueError("a name must not be empty or blank")
    if len(name) > 64:
        raise ValueError(f"a name has at most 64 characters, got {len(name)}")
    if any(unicodedata.category(ch)[0] == "C" for ch in name):
        raise ValueError(f"a name must be one line without control characters, got {name!r}")
    return name


Name = Annotated[str, AfterValidator(_check_name)]
"""A firm, segment or scenario name (see :func:`_check_name`)."""


class Section(BaseModel):
    """Base of every configuration section: unknown keys are errors; values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def field_bounds(field: FieldInfo) -> tuple[float | None, float | None]:
    """The closed range [lo, hi] a field declares (None where it declares no bound)."""
    lo = hi = None
    for meta in field.metadata:
        lo = meta.ge if getattr(meta, "ge", None) is not None else lo
        hi = meta.le if getattr(meta, "le", None) is not None else hi
    return lo, hi


def parameter_table(model_cls: type[BaseModel], prefix: str = "") -> list[dict]:
    """Rows (parameter path, default, min, max, unit, doc, source) for every parameter of a
    configuration section, its sub-sections included; for docs, tests and tools."""
    rows: list[dict] = []
    for name, field in model_cls.model_fields.items():
        path = f"{prefix}{name}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, Section):
            rows.extend(parameter_table(ann, path + "."))
            continue
        lo, hi = field_bounds(field)
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        default = field.default
        if isinstance(default, list) and default and isinstance(default[0], BaseModel):
            default = f"{len(default)} x {type(default[0]).__name__}"
        rows.append({"parameter": path, "default": default, "min": lo, "max": hi,
                     "unit": extra.get("unit", ""), "doc": field.description or "",
                     "source": extra.get("source", "")})
    return rows
