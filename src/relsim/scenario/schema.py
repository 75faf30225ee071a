"""The schema of scenario files: the model configuration plus run settings and variants."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from relsim.config import ModelConfig
from relsim.inputs import InputError
from relsim.params import Name, P
from relsim.scenario.variants import BASELINE, build_variants
from relsim.yamlio import dotted


class ScenarioError(InputError):
    """A scenario that cannot be used; the message is one line for the user."""


VARIANT_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""What a variant name may be: it names output rows and, in reports, files."""
MODEL_FIELDS = frozenset(ModelConfig.model_fields)
_DEFER_VARIANTS = "relsim.scenario: variants checked by the caller"


def _variant_name(name: str) -> str:
    if not VARIANT_NAME.fullmatch(name):
        raise ValueError(f"variant names are 1 to 64 letters, digits, '-' or '_' (got {name!r})")
    return name


class Scenario(ModelConfig):
    """A scenario file: the model configuration, how to run it, and its variants."""

    name: Name = P("scenario", doc="scenario name, used in reports")
    description: str = P("", doc="what question the scenario answers")
    seed: int = P(0, 0, 2**63 - 1, doc="root seed of all randomness")
    replications: int = P(1, 1, 10_000, doc="independent replications (derived seeds)")
    focal_firm: str | None = P(None, doc="the firm whose outcomes the report headlines, by "
                               "name (default: the first firm)")
    variants: dict[Annotated[str, AfterValidator(_variant_name)], dict[str, Any]] = Field(
        {}, description="named overrides of the base scenario, compared side by side with "
        "common random numbers (none: the base scenario alone, as 'baseline')")

    _base_dir: Path | None = PrivateAttr(None)
    """Directory a variant's relative ``network.path`` resolves against (None: working dir)."""
    _source: Path | None = PrivateAttr(None)
    """The file the scenario was read from (None: built in Python)."""

    @field_validator("variants", mode="before")
    @classmethod
    def _no_overrides_is_empty(cls, variants: Any) -> Any:
        """``name:`` with nothing after it is a variant without overrides; ``variants:``
        with nothing after it (all commented out) means no variants."""
        if variants is None:
            return {}
        if isinstance(variants, dict):
            return {k: {} if v is None else v for k, v in variants.items()}
        return variants

    @model_validator(mode="after")
    def _variants_are_valid(self, info: ValidationInfo) -> Scenario:
        if self.variants and _DEFER_VARIANTS not in (info.context or {}):
            _, problems = build_variants(self)
            if problems:
                loc, msg = problems[0]
                raise ValueError(f"{dotted(loc)}: {msg}")
        return self

    def header(self) -> str:
        """The comment block at the top of the scenario's file (the question it answers, by
        convention), without the ``#`` marks; empty if there is none or no file."""
        if self._source is None:
            return ""
        try:
            lines = self._source.read_text(encoding="utf-8").splitlines()
        except OSError:
            return ""
        block = []
        for line in lines:
            if not line.lstrip().startswith("#"):
                if block or line.strip():
                    break
                continue
            text = line.lstrip()[1:]
            block.append(text[1:] if text.startswith(" ") else text)
        return "\n".join(block).strip()

    def focal(self) -> str:
        """The firm the report headlines: ``focal_firm``, or the first firm."""
        return self.focal_firm or self.firms[0].name

    def model_part(self) -> ModelConfig:
        """The model configuration of the base scenario, without the run settings."""
        data = self.model_dump(include=set(ModelConfig.model_fields))
        return ModelConfig.model_validate(data)

    def variant_names(self) -> list[str]:
        """Names of the variants, ``baseline`` first, the others in file order."""
        return [BASELINE, *(name for name in self.variants if name != BASELINE)]

    def variant_configs(self) -> dict[str, ModelConfig]:
        """The model configuration of every variant, ``baseline`` first; a relative
        ``network.path`` set by a variant resolves beside the scenario file."""
        configs, problems = build_variants(self)
        if problems:
            loc, msg = problems[0]
            raise ScenarioError(f"{dotted(loc)}: {msg}")
        return configs


