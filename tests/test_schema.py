"""The JSON Schemas for editors: shipped and current, valid Draft 2020-12, as strict as JSON
Schema allows and never stricter than relsim.

The scenario schema must accept every bundled scenario and every key the override engine
accepts in a variant, flag every malformed scenario that a schema can see (unknown keys,
wrong types, out-of-range values, unknown policy kinds, typos in variants) and carry each
parameter's unit and source where editors show them.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from relsim import schemas
from relsim.cli import main
from relsim.config import FirmConfig, ModelConfig, SegmentConfig, parameter_table
from relsim.inputs import InputError
from relsim.overrides import LEAF_PATHS, ParameterError, apply_overrides
from relsim.policies import POLICY_CLASSES
from relsim.report.text import question
from relsim.scenario import Scenario, load_scenario
from relsim.scenario.jsonschema import DIALECT, SHARED, json_schema, walk
from relsim.schemas import NAMES, render, stale, text, write
from relsim.yamlio import read_yaml

HERE = Path(__file__).parent
ROOT = HERE.parent
BAD = HERE / "bad_scenarios"
SCHEMA = json.loads(text("scenario"))
VALIDATOR = Draft202012Validator(SCHEMA)
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(text(name)))


def error_paths(errors) -> list[str]:
    """Dotted locations of schema errors, those inside oneOf/anyOf branches included."""
    out = []
    for error in errors:
        out.append(".".join(str(p) for p in error.absolute_path))
        out.extend(error_paths(error.context or []))
    return out


# --------------------------------------------------------------------------- the files

@pytest.mark.parametrize("name", NAMES)
def test_shipped_schema_files_are_current(name):
    assert schemas.path(name).read_text(encoding="utf-8") == render(name), (
        f"{schemas.path(name).name} is out of date: run python -m relsim.schemas")


@pytest.mark.parametrize("name", NAMES)
def test_schemas_are_draft_2020_12_with_an_id(name):
    schema = json.loads(text(name))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://") and schema["$id"].endswith(
        f"/{name}.schema.json")
    assert list(schema)[:2] == ["$schema", "$id"]


@pytest.mark.parametrize(("flags", "name"), [([], "scenario"), (["--experiment"], "experiment"),
                                             (["--calibration"], "calibration")])
def test_relsim_schema_prints_the_shipped_file(flags, name, capsys):
    assert main(["schema", *flags]) == 0
    assert capsys.readouterr().out == schemas.path(name).read_text(encoding="utf-8")


def test_the_regeneration_command_writes_and_checks_the_files(tmp_path):
    assert schemas.main(["--check", "--out", str(tmp_path)]) == 1  # missing
    assert sorted(p.name for p in write(tmp_path)) == sorted(f"{n}.schema.json" for n in NAMES)
    assert stale(tmp_path) == [] and schemas.main(["--check", "--out", str(tmp_path)]) == 0
    edited = tmp_path / "scenario.schema.json"
    edited.write_text(edited.read_text().replace("trust_loss", "trust_lost", 1))
    assert stale(tmp_path) == [edited]


def test_json_schema_is_what_is_shipped():
    assert json_schema() == SCHEMA


# --------------------------------------------------------------------------- bundled files

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_every_bundled_scenario_validates_against_the_schema(scenario):
    data, _ = read_yaml(scenario)
    assert error_paths(VALIDATOR.iter_errors(data)) == []


def test_bundled_experiments_and_calibrations_validate_against_their_schemas():
    files = sorted((ROOT / "experiments").glob("*.yaml")) + sorted(
        (ROOT / "calibration").glob("*.yaml"))
    kinds = []
    for file in files:
        data, _ = read_yaml(file)
        kind = ("experiment" if "design" in data else
                "calibration" if "fit_periods" in data else "scenario")
        kinds.append(kind)
        assert error_paths(validator(kind).iter_errors(data)) == [], file
    assert {"experiment", "calibration"} <= set(kinds)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.name)
def test_bundled_scenarios_name_the_shipped_schema_above_their_question(scenario):
    lines = scenario.read_text(encoding="utf-8").splitlines()
    schema = MODELINE.match(lines[0])
    assert schema, f"{scenario.name}: first line is not the yaml-language-server modeline"
    assert (scenario.parent / schema.group(1)).resolve() == schemas.path("scenario").resolve()
    asked = question(load_scenario(scenario))
    assert asked and "yaml-language-server" not in asked and "$schema" not in asked
    assert asked.splitlines()[0].lower() in lines[1].lower()  # still the first comment


# --------------------------------------------------------------------------- malformed scenarios

SCHEMA_DETECTABLE = {
    # unknown keys
    "unknown_firm_key", "unknown_key_close_match", "unknown_key_no_match",
    "unknown_nested_key", "policy_unknown_parameter",
    # wrong types
    "replications_wrong_type", "seed_wrong_type", "wrong_type_bool", "wrong_type_firms_mapping",
    "wrong_type_float_for_int", "wrong_type_list_for_float", "wrong_type_quoted_number",
    "wrong_type_section_scalar", "wrong_type_string_for_int", "wrong_type_trace",
    "top_level_list", "top_level_scalar",
    # out-of-range values and unknown choices
    "out_of_range_negative", "out_of_range_probability", "policy_negative_rate",
    "replications_zero", "seed_too_large", "unknown_network_kind", "policy_unknown_kind",
    "policy_missing_kind", "empty_firms", "edge_list_without_path",
    # variants
    "variant_bad_name", "variant_horizon", "variant_not_a_mapping",
    "variant_path_through_a_value", "variant_run_setting",
    "variant_unknown_field_close_match", "variant_unknown_leaf_name",
    "variant_unknown_network_kind", "variant_unknown_policy_parameter",
    "variant_unknown_section", "variant_value_out_of_range", "variant_wrong_type",
    "variant_wrong_type_in_section",
}
"""Malformed scenarios whose fault a JSON Schema can state."""

NOT_SCHEMA_DETECTABLE = {
    "float_for_an_integer": "1e3 is 1000.0, an integer to JSON Schema (any number with a zero "
                            "fraction); relsim wants an integer written as one",
    "out_of_range_nan": ".nan is no JSON number; every comparison with NaN is false, so "
                        "minimum and maximum let it pass",
    "duplicate_firm_names": "unique names across list entries (uniqueItems compares whole "
                            "entries)",
    "segment_shares": "a sum over list entries",
    "focal_firm_unknown": "a value that must name another entry (a firm)",
    "network_too_dense": "a relation between two fields (mean_degree and n_customers)",
    "trace_out_of_range": "a relation between two fields (trace ids and n_customers)",
    "policy_stop_before_start": "a relation between two fields (stop > start)",
    "policy_pricing_overlap": "time windows of two list entries",
    "edge_list_bad_content": "the contents of another file",
    "edge_list_missing_file": "whether another file exists",
    "edge_list_node_out_of_range": "the contents of another file",
    "variant_breaks_a_model_rule": "a model rule across entries (unique firm names) after "
                                   "the override",
    "variant_edge_list_missing": "whether another file exists",
    "variant_index_out_of_range": "the length of the base scenario's list (3 firms)",
    "variant_names_differ_in_case": "names that differ only in case (propertyNames sees one "
                                    "name at a time)",
    "variant_network_too_dense": "a relation between the variant and the base scenario",
    "variant_policy_stop_before_start": "a relation between two fields (stop > start)",
    "variant_pricing_overlap": "time windows of two list entries",
    "variant_same_parameter_twice": "two keys (trust_loss, behaviour.trust_loss) that name "
                                    "the same parameter",
}
"""Malformed scenarios that parse but whose fault JSON Schema cannot state: relsim validate
reports them."""

NOT_YAML_DATA = {
    "alias_bomb": "too many nodes: refused by the YAML reader",
    "recursive_alias": "a recursive alias: refused by the YAML reader",
    "custom_include_tag": "a tag: the YAML reader refuses it (editors: unresolved tag)",
    "python_name_tag": "a tag", "python_object_apply_tag": "a tag",
    "duplicate_key": "duplicate keys: the YAML reader refuses them (editors flag them too)",
    "duplicate_nested_key": "duplicate keys",
    "multiple_documents": "several documents (a schema checks one document)",
    "non_utf8": "not UTF-8 text",
    "syntax_bad_indentation": "YAML syntax", "syntax_unclosed_flow": "YAML syntax",
    "syntax_unclosed_quote": "YAML syntax", "tab_indentation": "YAML syntax",
    "undefined_alias": "YAML syntax", "unhashable_key": "a key that is a list",
}
"""Malformed scenarios that are not YAML data a schema could check at all."""


def test_every_malformed_scenario_is_classified_once():
    names = [p.stem for p in BAD.glob("*.yaml")]
    groups = [SCHEMA_DETECTABLE, set(NOT_SCHEMA_DETECTABLE), set(NOT_YAML_DATA)]
    assert sorted(names) == sorted(n for group in groups for n in group)


def expected_location(file: Path) -> str | None:
    """The field the suite's ``# expect:`` line names (``(top level)``: the root; None if it
    names none)."""
    expect = file.read_text(encoding="utf-8").splitlines()[0].removeprefix("# expect: ")
    if ": " not in expect:
        return None
    where = expect.split(": ", 1)[0]
    return "" if where == "(top level)" else where


@pytest.mark.parametrize("name", sorted(SCHEMA_DETECTABLE))
def test_schema_detectable_malformed_scenarios_fail_the_schema_where_relsim_says(name):
    file = BAD / f"{name}.yaml"
    data, _ = read_yaml(file)
    found = error_paths(VALIDATOR.iter_errors(data))
    assert found, f"{name} passes the schema"
    where = expected_location(file)
    if where is not None:
        assert any(p == "" or where == p or where.startswith(p + ".") for p in found), (where,
                                                                                       found)


@pytest.mark.parametrize("name", sorted(NOT_SCHEMA_DETECTABLE))
def test_other_malformed_scenarios_pass_the_schema_and_fail_relsim(name):
    file = BAD / f"{name}.yaml"
    data, _ = read_yaml(file)
    assert error_paths(VALIDATOR.iter_errors(data)) == []  # else: move it to SCHEMA_DETECTABLE
    with pytest.raises(InputError):
        load_scenario(file)


@pytest.mark.parametrize("name", sorted(NOT_YAML_DATA))
def test_malformed_yaml_never_reaches_a_schema(name):
    with pytest.raises(InputError):
        read_yaml(BAD / f"{name}.yaml")


# --------------------------------------------------------------------------- variant keys

BASE = {
    "n_customers": 50, "steps": 5,
    "firms": [{"name": "A", "policies": [{"kind": kind} for kind in POLICY_CLASSES]},
              {"name": "B"}],
    "segments": [{"name": "b2c", "share": 0.5}, {"name": "b2b", "preset": "b2b", "share": 0.5}],
    "record": {"trace": [0, 1]},
}
"""A scenario with a list entry of every kind: every policy kind, two segments, traces."""


def parameter_paths(value, path=()):
    """(path, value) of every section, list entry and value below ``value``."""
    if path:
        yield path, value
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from parameter_paths(sub, (*path, key))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            yield from parameter_paths(sub, (*path, str(i)))


def spellings(path: tuple[str, ...]) -> list[str]:
    """A path with dots, with double underscores, and with the two alternating."""
    mixed = path[0] + "".join(("__" if i % 2 else ".") + p for i, p in enumerate(path[1:]))
    return list(dict.fromkeys([".".join(path), "__".join(path), mixed]))


def engine_accepts(config: ModelConfig, key: str, value) -> bool:
    try:
        apply_overrides(config, {key: value})
    except ParameterError:
        return False
    return True


VARIANT = Draft202012Validator({"$schema": DIALECT, "$defs": SCHEMA["$defs"],
                                 "$ref": "#/$defs/Variant"})
"""The schema of one variant."""


def schema_accepts(overrides: dict) -> bool:
    return VARIANT.is_valid(overrides)


@pytest.fixture(scope="module")
def accepted_keys() -> dict[str, object]:
    """Every key the override engine accepts in a variant of BASE, with a value it takes."""
    config = Scenario.model_validate(BASE).model_part()
    data = config.model_dump()
    keys = {}
    for path, value in parameter_paths(data):
        if path[0] not in SHARED:
            keys.update({key: value for key in spellings(path)})
    for leaf, path in LEAF_PATHS.items():
        if path[0] not in SHARED:
            value = data
            for part in path:
                value = value[part]
            keys[leaf] = value
    return keys


def test_the_schema_accepts_every_key_the_override_engine_accepts(accepted_keys):
    config = Scenario.model_validate(BASE).model_part()
    assert len(accepted_keys) > 600
    for key, value in accepted_keys.items():
        assert engine_accepts(config, key, value), key
    assert [key for key, value in accepted_keys.items() if not schema_accepts({key: value})] == []
    variants = {f"v{i}": {key: value} for i, (key, value) in enumerate(accepted_keys.items())}
    assert VALIDATOR.is_valid({**BASE, "variants": variants})  # as variants of a scenario


def typos(key: str) -> list[str]:
    """A letter too many at either end, one too few at the end, a capital."""
    return [key + "x", "x" + key, key[:-1], key[:-1] + key[-1].upper()]


def test_the_schema_and_the_engine_agree_on_typos_in_every_key(accepted_keys):
    config = Scenario.model_validate(BASE).model_part()
    disagree = []
    for key, value in accepted_keys.items():
        for typo in typos(key):
            if typo in accepted_keys:
                continue
            if engine_accepts(config, typo, value) != schema_accepts({typo: value}):
                disagree.append(typo)
    assert disagree == []


@pytest.mark.parametrize("key", sorted(SHARED))
def test_a_variant_may_not_set_the_horizon_or_a_run_setting(key):
    value = Scenario.model_validate(BASE).model_dump()[key]
    assert not schema_accepts({key: value})
    with pytest.raises(ValueError, match="shared by all variants"):
        Scenario.model_validate({**BASE, "variants": {"v": {key: value}}})


def test_a_variant_merging_into_a_section_or_a_policy_needs_no_required_key():
    for overrides in ({"network": {"path": "edges.txt"}}, {"firms.0.policies.5": {"stop": 4}},
                      {"firms.0": {"price": 2.0}}, {"segments__1": {"preset": "b2c"}}):
        assert schema_accepts(overrides), overrides
    assert not schema_accepts({"firms.0.policies.5": {"stopp": 4}})
    assert not schema_accepts({"firms.0.policies": [{"stop": 4}]})  # a new list: kinds needed


# --------------------------------------------------------------------------- descriptions

def schema_of(path: str, root: dict) -> dict:
    """The schema of a dotted parameter path below ``root`` (sections followed by $ref)."""
    node = root
    for part in path.split("."):
        while "$ref" in node:
            node = SCHEMA["$defs"][node["$ref"].removeprefix("#/$defs/")]
        node = node["properties"][part]
    return node


SECTIONS = [(ModelConfig, SCHEMA), (FirmConfig, SCHEMA["$defs"]["FirmConfig"]),
            (SegmentConfig, SCHEMA["$defs"]["SegmentConfig"])] + [
    (cls.config_class, SCHEMA["$defs"][cls.config_class.__name__])
    for cls in POLICY_CLASSES.values()]


@pytest.mark.parametrize(("section", "root"), SECTIONS, ids=lambda s: getattr(s, "__name__", ""))
def test_descriptions_carry_units_and_sources(section, root):
    rows = [r for r in parameter_table(section) if r["unit"] or r["source"]]
    assert rows
    for row in rows:
        node = schema_of(row["parameter"], root)
        for key in ("description", "markdownDescription"):
            assert row["doc"].rstrip(".") in node[key], (row["parameter"], key)
            assert row["unit"] in node[key] and row["source"].rstrip(".") in node[key]
        if row["unit"]:
            assert f"unit: {row['unit']}" in node["description"]
        if row["source"]:
            assert f"Source: {row['source'].rstrip('.')}" in node["description"]


@pytest.mark.parametrize("name", NAMES)
def test_no_schema_keeps_keys_editors_do_not_show(name):
    nodes = list(walk(json.loads(text(name))))
    assert not [n for n in nodes if isinstance(n.get("unit"), str) or "discriminator" in n]


def test_every_policy_kind_is_described_with_its_parameters():
    defs = SCHEMA["$defs"]
    assert schema_of("firms", SCHEMA)["items"] == {"$ref": "#/$defs/FirmConfig"}
    assert defs["FirmConfig"]["properties"]["policies"]["items"] == {"$ref": "#/$defs/Policy"}
    policy = defs["Policy"]
    assert policy["properties"]["kind"]["enum"] == list(POLICY_CLASSES)
    assert len(policy["properties"]["kind"]["enumDescriptions"]) == len(POLICY_CLASSES)
    members = [defs[m["$ref"].removeprefix("#/$defs/")] for m in policy["oneOf"]]
    for kind, member in zip(POLICY_CLASSES, members, strict=True):
        cls = POLICY_CLASSES[kind]
        assert member["properties"]["kind"]["const"] == kind and member["required"] == ["kind"]
        headline = inspect.cleandoc(sys.modules[cls.__module__].__doc__).splitlines()[0]
        assert headline in member["description"] and headline in member["markdownDescription"]
        assert set(member["properties"]) == set(cls.config_class.model_fields)
        assert member["additionalProperties"] is False


def test_leaf_names_say_which_parameter_they_stand_for():
    variant = SCHEMA["$defs"]["Variant"]["properties"]
    assert variant["trust_loss"] == {"$ref": "#/$defs/BehaviourConfig/properties/trust_loss",
                                     "title": "trust_loss = behaviour.trust_loss"}


def test_the_network_path_goes_with_an_edge_list_and_only_with_it():
    def ok(network):
        return not list(VALIDATOR.iter_errors({"network": network}))

    assert ok({"kind": "edge_list", "path": "edges.txt"}) and ok({"kind": "complete"})
    assert not ok({"kind": "edge_list"}) and not ok({"path": "edges.txt"})


def test_experiment_arms_are_typed_as_variants_and_inline_scenarios_as_scenarios():
    experiment = validator("experiment")
    data, _ = read_yaml(ROOT / "experiments" / "loyalty_service_grid.yaml")
    assert not list(experiment.iter_errors({**data, "arms": {"cheap": {"firms.0.price": 0.8}}}))
    assert list(experiment.iter_errors({**data, "arms": {"cheap": {"firms.0.pricee": 0.8}}}))
    assert not list(experiment.iter_errors({**data, "scenario": {"n_customers": 100}}))
    assert list(experiment.iter_errors({**data, "scenario": {"n_customer": 100}}))
