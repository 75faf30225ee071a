"""Experiment files: validation to the scenario files' standard, field lookup, arm semantics."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from bad_files import expectation

from relsim.experiments import loading, schema
from relsim.experiments.cli import add_parsers, command_sweep
from relsim.experiments.designs import sample as sample_design
from relsim.experiments.loading import load_experiment
from relsim.experiments.schema import ExperimentError
from relsim.fields import FieldLookupError, lookup

HERE = Path(__file__).parent
BAD = sorted((HERE / "bad_experiments").glob("*.yaml"))
EXAMPLES = sorted((HERE.parent / "experiments").glob("*.yaml"))

GOOD = """name: good
scenario:
  n_customers: 200
  steps: 5
  replications: 2
  firms:
    - {name: A, policies: [{kind: loyalty}]}
    - {name: B}
parameters:
  behaviour.trust_loss: {low: 0.05, high: 0.4}
  firms.0.policies.0.points_per_currency: {low: 2, high: 20, log: true}
  network.kind: {levels: [watts_strogatz, barabasi_albert]}
design: {kind: lhs, size: 8, seed: 1}
arms:
  baseline: {firms.0.policies: []}
  loyalty: {}
outcomes: [retention, policy_roi]
analysis:
  conditions: ["policy_roi < 1"]
"""


def test_there_are_enough_bad_experiments():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_experiment_is_one_line_naming_file_line_and_field(path):
    fragment, line = expectation(path, need_line=True)
    with pytest.raises(ExperimentError) as raised:
        load_experiment(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}:"), message
    assert fragment in message, message


@pytest.mark.parametrize("name", ["unknown_parameter_path", "range_outside_field_bounds",
                                  "unknown_design", "bad_condition_operator"])
def test_bad_experiment_on_the_command_line_exits_2_and_writes_nothing(name, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_parsers(parser.add_subparsers(dest="command"))
    out = tmp_path / "out"
    args = parser.parse_args(["sweep", str(HERE / "bad_experiments" / f"{name}.yaml"),
                              "--out", str(out)])
    assert command_sweep(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert expectation(HERE / "bad_experiments" / f"{name}.yaml")[0] in err
    assert not out.exists()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_bundled_experiments_are_valid(path):
    summary = loading.validate_experiment(path)
    assert summary.startswith(f"{path}: ok (experiment:")
    assert loading.is_experiment_file(path)


def test_scenario_files_are_not_experiment_files():
    assert not loading.is_experiment_file(HERE.parent / "scenarios" / "example.yaml")


def test_json_schema_describes_parameters_designs_and_arms():
    found = schema.experiment_json_schema()
    assert {"scenario", "parameters", "design", "arms", "outcomes"} <= set(found["properties"])
    text = str(found)
    for kind in ("grid", "lhs", "sobol", "morris"):
        assert f"'{kind}'" in text
    assert found["additionalProperties"] is False


def test_policy_fields_are_found_through_the_kind_of_the_entry(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text(GOOD)
    base = load_experiment(path).base.model_dump()
    loyalty = lookup("firms.0.policies.0.points_per_currency", base)
    assert (loyalty.kind, loyalty.low, loyalty.high) == ("float", 0.0, 1e6)
    base["firms"][0]["policies"] = [{"kind": "service_quality"}]
    assert lookup("firms.0.policies.0.budget_per_customer", base).kind == "float"
    with pytest.raises(FieldLookupError, match="unknown field 'points_per_currency'"):
        lookup("firms.0.policies.0.points_per_currency", base)
    assert lookup("network.kind", base).choices[:2] == ("complete", "erdos_renyi")
    assert lookup("n_customers", base).kind == "int"


def test_parameters_change_the_base_and_arms_override_it(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text(GOOD)
    experiment = load_experiment(path)
    configs = experiment.configs({"firms.0.policies.0.points_per_currency": 7.5,
                                  "behaviour.trust_loss": 0.3})
    assert list(configs) == ["baseline", "loyalty"]
    assert configs["loyalty"].firms[0].policies[0].points_per_currency == 7.5
    assert configs["baseline"].firms[0].policies == []
    assert configs["baseline"].behaviour.trust_loss == configs["loyalty"].behaviour.trust_loss \
        == 0.3


def test_resolved_experiment_reloads_to_the_same_experiment(tmp_path):
    path = tmp_path / "e.yaml"
    path.write_text(GOOD)
    experiment = load_experiment(path)
    again = tmp_path / "resolved.yaml"
    again.write_text(schema.dump_yaml(experiment.resolved()))
    reloaded = load_experiment(again)
    assert reloaded.resolved() == experiment.resolved()
    assert sample_design(reloaded).equals(sample_design(experiment))
    assert (reloaded.root_seed, reloaded.n_replications) == (0, 2)


def test_conditions_name_responses_by_a_unique_short_name(tmp_path):
    from relsim.experiments.conditions import parse_condition

    path = tmp_path / "e.yaml"
    path.write_text(GOOD.replace("outcomes: [retention, policy_roi]",
                                 "outcomes: [retention, policy_roi]\noutcome_firms: all")
                    .replace('"policy_roi < 1"', '"policy_roi@A < 1"'))
    known = load_experiment(path).responses()
    condition = parse_condition("retention_gain@B >= 0.01", known)
    assert condition.response.name == "retention_gain[loyalty]@B"
    assert list(condition.holds([0.0, 0.01, float("nan")])) == [False, True, False]
    with pytest.raises(ValueError, match="could be any of"):
        parse_condition("policy_roi < 1", known)  # firms A and B
