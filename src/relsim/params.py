"""Building blocks of relsim's configuration: the parameter declaration and the section base.

Kept apart from :mod:`relsim.config` so that policy modules can declare their
own parameters without importing the whole schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

STEPS_PER_YEAR = 52
"""One model step is one week."""


def P(default: Any, lo: float | None = None, hi: float | None = None, *, unit: str = "",
      doc: str, source: str = "") -> Any:
    """Declare one parameter: default, closed range [lo, hi], unit, doc and source."""
    extra = {"unit": unit, "source": source}
    return Field(default, ge=lo, le=hi, description=doc, json_schema_extra=extra)


class Section(BaseModel):
    """Base of every configuration section: unknown keys are errors; values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
