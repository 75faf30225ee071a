"""Scenario files: a what-if question in YAML, its variants, validated with one-line errors.

A scenario file holds the model configuration (the layout of
:class:`~relsim.config.ModelConfig`) plus how to run it (``name``,
``description``, ``seed``, ``replications``, ``focal_firm``) and the
``variants`` compared side by side; ``scenarios/example.yaml`` is a commented
example and ``relsim schema`` prints the JSON Schema.

* :mod:`relsim.scenario.schema` -- the :class:`Scenario` schema;
* :mod:`relsim.scenario.variants` -- variants, built by the override engine;
* :mod:`relsim.scenario.loading` -- :func:`load_scenario` and :func:`validate_scenario`;
* YAML with positions and the mapping of validation errors to lines are
  shared with experiment and calibration files: :mod:`relsim.yamlio`,
  :mod:`relsim.validation`.
"""

from relsim.scenario.jsonschema import json_schema
from relsim.scenario.loading import (
    load_model_config,
    load_scenario,
    load_scenario_text,
    validate_scenario,
)
from relsim.scenario.schema import VARIANT_NAME, Scenario, ScenarioError
from relsim.scenario.variants import BASELINE

__all__ = ["BASELINE", "VARIANT_NAME", "Scenario", "ScenarioError", "json_schema", "load_model_config",
           "load_scenario", "load_scenario_text", "validate_scenario"]
