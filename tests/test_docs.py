"""The documentation matches the code: parameter tables, rule and policy names, tests, metrics."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

from relsim import policies, rules
from relsim.config import SegmentConfig
from relsim.customers import Customers
from relsim.metrics import FIRM_METRICS, MARKET_METRICS
from relsim.odd import (
    BLOCKS,
    REGENERATE,
    all_parameter_tables,
    parameter_markdown,
    policy_hooks,
    update_odd,
)
from relsim.policies import POLICY_CLASSES, PolicyConfig

ROOT = Path(__file__).resolve().parents[1]
PARAMETERS = ROOT / "docs" / "parameters.md"
ODD = ROOT / "docs" / "ODD.md"
FACTS = ROOT / "tests" / "test_facts.py"


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


def section(text: str, number: str) -> str:
    """The body of the level-2 section whose heading starts with ``number.``."""
    match = re.search(rf"^## {re.escape(number)}\. .*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/ODD.md has no section '## {number}. ...'"
    return match.group(1)


def mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) is not None


def test_parameters_md_is_generated_from_the_code():
    assert PARAMETERS.read_text(encoding="utf-8") == parameter_markdown(), (
        f"docs/parameters.md is out of date: regenerate it with `{REGENERATE}`")


def test_odd_parameter_tables_are_generated_from_the_code(odd):
    assert odd == update_odd(odd), (
        "the parameter tables in docs/ODD.md are out of date: regenerate them with "
        "`python -m relsim.odd --odd docs/ODD.md`")


def test_every_parameter_is_documented(odd):
    documented = PARAMETERS.read_text(encoding="utf-8")
    rows = all_parameter_tables()
    missing = [r["parameter"] for r in rows if f"`{r['parameter']}`" not in documented]
    assert not missing, f"parameters missing from docs/parameters.md: {missing}"
    submodels = section(odd, "7")
    behaviour = [r["parameter"].split(".", 1)[1] for r in rows
                 if r["parameter"].startswith("behaviour.")]
    missing = [name for name in behaviour if not mentions(submodels, name)]
    assert not missing, f"behaviour parameters not described in ODD.md section 7: {missing}"


def rule_functions() -> list[str]:
    """Public functions defined in the rule modules (not imported into them)."""
    names = []
    for module_name in rules.__all__:
        module = getattr(rules, module_name)
        names += [f"{module_name}.{name}" for name, fn in inspect.getmembers(module,
                                                                             inspect.isfunction)
                  if fn.__module__ == module.__name__ and not name.startswith("_")]
    return names


def test_every_rule_function_is_named_in_odd(odd):
    functions = rule_functions()
    assert len(functions) > 20
    missing = [f for f in functions if not mentions(odd, f.split(".")[1])]
    assert not missing, f"rule functions not named in docs/ODD.md: {missing}"


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


TEST_NAME = re.compile(r"`(?:(tests/\w+\.py)::)?(test_\w+)`")
"""A test written as a test name: `test_x` (in tests/test_facts.py) or `tests/file.py::test_x`.

Only a backticked name that starts with ``test_`` and ends at the backtick counts, so file
names (`tests/test_facts_policies.py`, `test_docs.py`) are never taken for tests."""


def test_every_test_named_in_the_patterns_exists(odd):
    """Section 1 names tests for the facts."""
    assert TEST_NAME.findall(section(odd, "1")), "ODD.md section 1 names no test"


def test_every_test_named_in_odd_exists(odd):
    """`test_x` must be in tests/test_facts.py; `tests/other.py::test_x` in that file."""
    missing = []
    for path, name in TEST_NAME.findall(odd):
        file = ROOT / path if path else FACTS
        if not file.exists() or name not in defined_tests(file):
            missing.append(f"{file.relative_to(ROOT)}::{name}")
    assert not missing, f"tests named in docs/ODD.md do not exist: {missing}"


def test_every_metric_is_defined_in_odd(odd):
    observation = section(odd, "4")
    missing = [m for m in (*FIRM_METRICS, *MARKET_METRICS) if f"`{m}`" not in observation]
    assert not missing, f"metrics not defined in ODD.md section 4 (Observation): {missing}"


def test_every_customer_column_and_segment_field_is_described(odd):
    entities = section(odd, "2")
    columns = [f.name for f in dataclasses.fields(Customers) if f.name != "policy_columns"]
    columns += [name for cls in POLICY_CLASSES.values() for name in cls.columns]
    missing = [c for c in columns if f"`{c}`" not in entities]
    assert not missing, f"customer columns not described in ODD.md section 2: {missing}"
    missing = [f for f in SegmentConfig.model_fields if f"`{f}`" not in entities]
    assert not missing, f"segment fields not described in ODD.md section 2: {missing}"


def test_generated_blocks_are_in_odd(odd):
    missing = [name for name in BLOCKS if f"<!-- BEGIN {name} -->" not in odd]
    assert not missing, f"generated blocks missing from docs/ODD.md: {missing}"


# --------------------------------------------------------------------------- policies


def policy_subsections(odd: str) -> dict[str, str]:
    """Kind -> body of its subsection `#### 7.15.k Title (`kind`)` in section 7."""
    found = re.findall(r"^#### 7\.15\.\d+ [^\n]*\(`(\w+)`\)\n(.*?)(?=^#{2,4} |\Z)",
                       section(odd, "7"), re.M | re.S)
    return dict(found)


def policy_parameter_names(kind: str) -> list[str]:
    """The documented names of a kind's own parameters (not those every policy shares)."""
    return [f"firms[].policies[{kind}].{name}"
            for name in POLICY_CLASSES[kind].config_class.model_fields
            if name not in PolicyConfig.model_fields]


def test_every_policy_kind_has_a_subsection(odd):
    subsections = policy_subsections(odd)
    missing = [kind for kind in POLICY_CLASSES if kind not in subsections]
    assert not missing, f"policy kinds without a subsection 7.15.k in docs/ODD.md: {missing}"
    unknown = [kind for kind in subsections if kind not in POLICY_CLASSES]
    assert not unknown, f"docs/ODD.md describes policy kinds the code lacks: {unknown}"


@pytest.mark.parametrize("kind", list(POLICY_CLASSES))
def test_each_policy_subsection_has_its_table_hooks_and_cost(odd, kind):
    body = policy_subsections(odd).get(kind, "")
    tables = re.findall(r"<!-- BEGIN parameters: ([^>]*?) -->", body)
    assert tables, f"the subsection of {kind!r} has no generated parameter table"
    assert set(policy_parameter_names(kind)) <= set(" ".join(tables).split()), (
        f"the parameter table of {kind!r} does not list all its parameters")
    missing = [hook for hook in policy_hooks(kind) if not mentions(body, hook)]
    assert not missing, f"hooks of {kind!r} not named in its subsection: {missing}"
    assert f"`cost_{kind}`" in body, f"the subsection of {kind!r} does not say what it costs"


def test_every_policy_parameter_is_documented():
    documented = PARAMETERS.read_text(encoding="utf-8")
    names = [f"firms[].policies[].{name}" for name in PolicyConfig.model_fields]
    names += [name for kind in POLICY_CLASSES for name in policy_parameter_names(kind)]
    missing = [name for name in names if f"`{name}`" not in documented]
    assert not missing, f"policy parameters missing from docs/parameters.md: {missing}"


def policy_functions() -> list[str]:
    """Public functions defined in relsim.policies and its modules (not imported into them)."""
    modules = [policies] + [importlib.import_module(f"{policies.__name__}.{info.name}")
                            for info in pkgutil.iter_modules(policies.__path__)]
    return [f"{module.__name__}.{name}" for module in modules
            for name, fn in inspect.getmembers(module, inspect.isfunction)
            if fn.__module__ == module.__name__ and not name.startswith("_")]


def test_every_policy_function_is_named_in_odd(odd):
    functions = policy_functions()
    assert len(functions) >= 10
    # named bare (`tier_of`) or qualified by its module (`policies.base.implements`)
    missing = [f for f in functions if not mentions(odd, f.rsplit(".", 1)[1])
               and f.removeprefix("relsim.") not in odd]
    assert not missing, f"policy functions not named in docs/ODD.md: {missing}"
