"""The documentation matches the code: parameter tables, rule names, tests and metrics."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from relsim import rules
from relsim.config import all_parameter_tables
from relsim.metrics import FIRM_METRICS, MARKET_METRICS
from relsim.odd import REGENERATE, parameter_markdown, update_odd

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


def test_every_test_named_in_the_patterns_exists(odd):
    """`test_x` must be in tests/test_facts.py; `tests/other.py::test_x` in that file."""
    named = re.findall(r"`(?:(tests/\w+\.py)::)?(test_\w+)`", section(odd, "1"))
    assert named, "ODD.md section 1 names no test"
    missing = [f"{path or FACTS.relative_to(ROOT)}::{name}" for path, name in named
               if name not in defined_tests(ROOT / path if path else FACTS)]
    assert not missing, f"tests named in ODD.md section 1 do not exist: {missing}"


def test_every_metric_is_defined_in_odd(odd):
    observation = section(odd, "4")
    missing = [m for m in (*FIRM_METRICS, *MARKET_METRICS) if f"`{m}`" not in observation]
    assert not missing, f"metrics not defined in ODD.md section 4 (Observation): {missing}"
