"""Tests for relsim.scenario: safe YAML, positions, strict validation, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from relsim.config import ModelConfig
from relsim.inputs import InputError
from relsim.scenario import (
    Scenario,
    ScenarioError,
    load_model_config,
    load_scenario,
    validate_scenario,
)
from relsim.yamlio import parse_yaml

EXAMPLE = Path(__file__).parents[1] / "scenarios" / "example.yaml"


def error_of(text: str, source: str = "s.yaml") -> str:
    """The one-line error of scenario text."""
    with pytest.raises(InputError) as info:  # YAML problems, or a ScenarioError
        data, positions = parse_yaml(text, source)
        validate_scenario(data, source, positions)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_positions_of_keys_and_list_items():
    _, positions = parse_yaml("seed: 1\nfirms:\n  - name: A\n  - name: B\n    price: 2.0\n", "s")
    assert positions[("seed",)] == (1, 1)
    assert positions[("firms",)] == (2, 1)
    assert positions[("firms", 1)] == (4, 5)
    assert positions[("firms", 1, "price")] == (5, 5)


def test_empty_file_is_an_error_that_suggests_an_empty_mapping(tmp_path):
    for text in ("", "# only a comment\n"):
        (tmp_path / "empty.yaml").write_text(text)
        with pytest.raises(ScenarioError, match=r"empty.yaml: the file is empty: write '\{\}'"):
            load_scenario(tmp_path / "empty.yaml")
    (tmp_path / "defaults.yaml").write_text("{}\n")
    scenario = load_scenario(tmp_path / "defaults.yaml")
    assert scenario.model_part() == ModelConfig()
    assert scenario.replications == 1


def test_example_scenario_loads_and_differs_from_defaults_only_where_written():
    scenario = load_scenario(EXAMPLE)
    assert scenario.n_customers == 5000 and scenario.replications == 3
    assert [f.name for f in scenario.firms] == ["Premium", "Budget", "Overpromise"]
    assert scenario.steps == ModelConfig().steps
    assert scenario.network == ModelConfig().network
    assert isinstance(load_model_config(EXAMPLE), ModelConfig)


def test_error_names_file_line_column_and_field():
    text = "firms:\n  - name: A\n  - name: B\n    price: -1\n"
    assert error_of(text).startswith("s.yaml:4:5: firms.1.price: Input should be greater than")


def test_unknown_key_suggests_a_close_match():
    assert "did you mean 'mean_degree'?" in error_of("network:\n  mean_degre: 4\n")
    assert "segments.0.sharre: unknown key; did you mean 'share'?" in error_of(
        "segments:\n  - sharre: 1.0\n")


def test_strict_types_no_silent_coercion():
    assert "n_customers: Input should be a valid integer" in error_of("n_customers: '500'")
    assert "adoption.p_per_year: Input should be a valid number (got True)" in error_of(
        "adoption:\n  p_per_year: true\n")
    assert "adoption.enabled: Input should be a valid boolean (got 'yes')" in error_of(
        "adoption:\n  enabled: yes\n")
    assert "name: Input should be a valid string" in error_of("name: 2024-01-01")


def test_integers_are_valid_floats():
    data, _ = parse_yaml("adoption:\n  p_per_year: 1\n", "s")
    assert validate_scenario(data, "s").adoption.p_per_year == 1.0


def test_only_the_topmost_error_is_shown_with_a_count():
    message = error_of("description: [1]\nsteps: x\nseed: y\n")
    assert message.startswith("s.yaml:1:1: description: ")
    assert message.endswith("[and 2 more errors]")


def test_model_validator_errors_point_at_their_field():
    message = error_of("n_customers: 100\nrecord:\n  trace: [3, 120]\n")
    assert message.startswith("s.yaml:3:3: record.trace: ")


def test_merge_keys_are_allowed_and_explicit_keys_override():
    text = "firms:\n  - &a {name: A, quality: 0.5}\n  - <<: *a\n    name: B\n"
    data, positions = parse_yaml(text, "s")
    firms = validate_scenario(data, "s", positions).firms
    assert [(f.name, f.quality) for f in firms] == [("A", 0.5), ("B", 0.5)]


@pytest.mark.parametrize("text", [
    "!!python/object/apply:os.system ['echo pwned']",
    "name: !!python/object/new:os.system ['echo pwned']",
    "name: !!python/name:os.system",
    "seed: !!python/object:builtins.int {}",
])
def test_python_tags_are_never_constructed(text):
    assert "is not allowed: relsim's YAML files hold plain data only" in error_of(text)


def test_duplicate_keys_name_both_lines():
    assert error_of("seed: 1\nsteps: 3\nseed: 2\n") == (
        "s.yaml:3:1: seed: invalid YAML: duplicate key 'seed' (first at line 1)")


def test_deep_nesting_is_refused_without_recursion_error():
    for depth in (100, 5000):
        assert "nested deeper than" in error_of("a: " + "[" * depth + "]" * depth)


def test_edge_list_is_checked_at_load_and_resolved_beside_the_scenario(tmp_path):
    (tmp_path / "edges.txt").write_text("0 1\n1 2\n")
    path = tmp_path / "s.yaml"
    path.write_text("n_customers: 3\nnetwork:\n  kind: edge_list\n  path: edges.txt\n")
    assert load_scenario(path).network.path == str(tmp_path / "edges.txt")
    path.write_text("n_customers: 2\nnetwork:\n  kind: edge_list\n  path: edges.txt\n")
    with pytest.raises(ScenarioError, match=r"s\.yaml:4:3: network\.path: .*edges\.txt line 2"):
        load_scenario(path)


def test_json_schema_lists_run_settings():
    properties = Scenario.model_json_schema()["properties"]
    assert {"seed", "replications", "name", "description", "n_customers"} <= set(properties)


def test_policy_errors_point_at_the_key_and_suggest_a_close_match():
    assert error_of("firms:\n  - name: A\n    policies:\n      - kind: loyalty_card\n"
                    ).startswith("s.yaml:4:9: firms.0.policies.0.kind: unknown kind "
                                 "'loyalty_card'; did you mean 'loyalty'? expected one of: ")
    assert error_of("firms:\n  - name: A\n    policies:\n      - kind: loyalty\n"
                    "        points_per_currenc: 3\n") == (
        "s.yaml:5:9: firms.0.policies.0.points_per_currenc: unknown key; did you mean "
        "'points_per_currency'?")
    assert error_of("firms:\n  - name: A\n    policies:\n      - kind: loyalty\n"
                    "        start: 5\n        stop: 5\n").startswith(
        "s.yaml:6:9: firms.0.policies.0.stop: stop (5) must come after start (5)")


def test_variant_errors_point_into_the_variant():
    text = "variants:\n  a:\n    firms.0.policies:\n      - {kind: referral, reward: -1}\n"
    message = error_of(text)
    assert message.startswith("s.yaml:4:26: variants.a.firms.0.policies.0.reward: ")
    assert error_of("variants:\n  a:\n    trust_loss: 0.1\n    trust_loss: 0.2\n") == (
        "s.yaml:4:5: variants.a.trust_loss: invalid YAML: duplicate key 'trust_loss' "
        "(first at line 3)")


@pytest.mark.parametrize(("text", "value"), [
    ("0700", 700), ("0o700", 448), ("0x1f", 31), ("1e6", 1e6), ("-2.5e-3", -2.5e-3),
    ("1:30", "1:30"), ("yes", "yes"), ("on", "on"), ("1_000", "1_000"), ("true", True),
])
def test_plain_scalars_follow_yaml_1_2_not_yaml_1_1(text, value):
    """YAML 1.1 reads 0700 as octal 448, 1:30 as 90 and yes as true; relsim reads YAML 1.2."""
    data, _ = parse_yaml(f"x: {text}\n", "s")
    assert data["x"] == value and type(data["x"]) is type(value)
