"""The experiment file's model: :class:`Experiment`, what a design point means, its schema.

Loading and validation are in :mod:`relsim.experiments.loading`.  An experiment file names a scenario, the scenario fields to vary and how
(``parameters``), the design that samples them, the policy arms compared at
every design point, the replications and the outcomes to record.  Loading is as
strict as for scenario files (:mod:`relsim.scenario`): safe YAML, unknown keys
are errors, and every problem is one line ``FILE:LINE:COLUMN: field.path:
message`` (an :class:`ExperimentError`, exit status 2 on the command line).

Beyond the types, each parameter is checked against the scenario field it
names (:mod:`relsim.experiments.fields`): a range or distribution must lie
within the field's declared bounds, levels must be values the field accepts,
and the scenario is validated at each parameter's extreme values, so no design
point can be invalid.  Semantics of a design point: the parameters' values
change the base scenario; each arm is then a variant of that scenario (its
overrides win where they touch the same field); replication ``r`` of every
point and arm runs with ``relsim.runs.replication_seed(seed, r)``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, PrivateAttr, field_validator

from relsim.config import ModelConfig
from relsim.experiments import responses as resp
from relsim.experiments.spec import AnalysisSpec, AnyDesign, ParameterSpec, Strict
from relsim.fields import FieldSpec
from relsim.overrides import apply_overrides
from relsim.report.outcomes import OUTCOMES
from relsim.scenario import BASELINE, Scenario, ScenarioError

OutcomeName = Literal[tuple(o.name for o in OUTCOMES)]  # type: ignore[valid-type]
"""The outcomes an experiment can record: those of the comparison report."""


class ExperimentError(ScenarioError):
    """An experiment that cannot be used; the message is one line for the user."""


EXTRA = "pip install 'relsim[experiments]'"
"""How to install the experiments' optional dependencies (SALib, Dask distributed, PRIM)."""


def require(module: str) -> None:
    """A one-line :class:`ExperimentError` if an optional dependency is not installed."""
    if importlib.util.find_spec(module) is None:
        raise ExperimentError(f"experiments need the {module} package: {EXTRA}")


class Experiment(Strict):
    """An experiment file: the scenario, the parameters, the design, the arms and outcomes."""

    name: str = Field("experiment", description="experiment name, used in outputs")
    description: str = Field("", description="what question the experiment answers")
    scenario: str | dict[str, Any] = Field(..., description="scenario file (relative to the "
                                           "experiment file) or an inline scenario mapping")
    parameters: dict[str, ParameterSpec] = Field(..., min_length=1, description="scenario "
                                                 "field path -> range, levels or distribution")
    design: AnyDesign = Field(..., description="how the parameters are sampled")
    arms: dict[str, dict[str, Any] | None] = Field({}, description="policy arms compared at "
                                                   "every design point, written like scenario "
                                                   "variants (baseline first; none: the "
                                                   "scenario alone)")
    seed: int | None = Field(None, ge=0, le=2**63 - 1, description="root seed of the "
                             "replications (default: the scenario's)")
    replications: int | None = Field(None, ge=1, le=10_000, description="replications at every "
                                     "design point and arm (default: the scenario's)")
    outcomes: list[OutcomeName] = Field(["retention", "customer_equity", "value"], min_length=1,
                                        description="outcomes recorded (relsim.report.outcomes)")
    outcome_firms: Literal["focal", "all"] = Field("focal", description="record the outcomes "
                                                   "of the scenario's focal firm or of every firm")
    out: str | None = Field(None, description="default output directory of relsim sweep")
    batch_size: int | None = Field(None, ge=1, le=100_000, description="(design point, "
                                   "replication) pairs per task (default: chosen from run size)")
    analysis: AnalysisSpec = Field(AnalysisSpec(), description="conditions for PRIM, heat maps")

    _scenario: Scenario | None = PrivateAttr(None)
    _fields: dict[str, FieldSpec] = PrivateAttr(default_factory=dict)
    _source: Path | None = PrivateAttr(None)

    @field_validator("arms", mode="before")
    @classmethod
    def _empty_arm(cls, arms: Any) -> Any:
        if isinstance(arms, dict):
            return {k: {} if v is None else v for k, v in arms.items()}
        return {} if arms is None else arms

    @field_validator("outcomes")
    @classmethod
    def _once_each(cls, outcomes: list[str]) -> list[str]:
        if len(set(outcomes)) != len(outcomes):
            raise ValueError("each outcome once")
        return outcomes

    # ------------------------------------------------------------ derived
    @property
    def base(self) -> Scenario:
        """The base scenario (its own variants are not used: the arms are)."""
        assert self._scenario is not None, "experiment not loaded through load_experiment"
        return self._scenario

    @property
    def fields(self) -> dict[str, FieldSpec]:
        """The scenario field each parameter varies."""
        return self._fields

    @property
    def root_seed(self) -> int:
        """Root seed of the replications."""
        return self.base.seed if self.seed is None else self.seed

    @property
    def n_replications(self) -> int:
        """Replications at every design point and arm."""
        return self.base.replications if self.replications is None else self.replications

    def arm_names(self) -> list[str]:
        """The arms, baseline first."""
        return [BASELINE, *(a for a in self.arms if a != BASELINE)]

    def firm_names(self) -> list[str]:
        """The firms whose outcomes are recorded."""
        if self.outcome_firms == "all":
            return [f.name for f in self.base.firms]
        return [self.base.focal()]

    def responses(self) -> list[resp.Response]:
        """Every response the analysis reads (see :mod:`relsim.experiments.responses`)."""
        return resp.responses(list(self.outcomes), self.arm_names(), self.firm_names(),
                              self.outcome_firms == "all")

    def configs(self, values: dict[str, Any]) -> dict[str, ModelConfig]:
        """The model configuration of every arm at the design point ``values``."""
        return arm_configs(self.base, self.arms, values)

    def resolved(self) -> dict[str, Any]:
        """The experiment as plain data with the scenario inlined and every default filled
        in: what ``experiment.yaml`` in an output directory holds."""
        data = self.model_dump(mode="json", exclude={"scenario", "parameters"})
        data["parameters"] = {path: spec.model_dump(mode="json", exclude_defaults=True)
                              for path, spec in self.parameters.items()}
        data["scenario"] = self.base.model_dump(mode="json", exclude_unset=True,
                                                exclude={"variants"})
        data.update(seed=self.root_seed, replications=self.n_replications)
        return data


def arm_configs(scenario: Scenario, arms: dict[str, dict], values: dict[str, Any]
                ) -> dict[str, ModelConfig]:
    """The configuration of every arm (baseline first) when the parameters take ``values``:
    the values change the base scenario, and each arm is a variant of the result."""
    base = apply_overrides(scenario.model_part(), values) if values else scenario
    update = {name: getattr(base, name) for name in ModelConfig.model_fields}
    return scenario.model_copy(update={**update, "variants": arms}).variant_configs()


def experiment_json_schema() -> dict[str, Any]:
    """The JSON Schema of experiment files, for ``relsim schema --experiment``."""
    return Experiment.model_json_schema()




def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text of plain data, keys in their order."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
