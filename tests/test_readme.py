"""The README's examples work as written."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from relsim.scenario import validate_scenario

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_yaml_scenario_is_valid():
    blocks = re.findall(r"```yaml\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks
    for block in blocks:
        data = yaml.safe_load(block)
        if set(data) == {"variants"}:  # a fragment: variants of the default scenario
            assert validate_scenario(data, "README.md").variant_configs()
            continue
        assert validate_scenario(data, "README.md").firms[0].policies


def test_readme_quick_start_test_command_is_what_ci_runs():
    text = README.read_text()
    ci = (README.parent / ".ci" / "run").read_text()
    command = re.search(r"# 2\. .*\n(.*)\n", text).group(1)
    assert command in ci


def test_readme_example_report_is_the_committed_one():
    """The verdict and table quoted in the README are those of docs/example-report."""
    text = README.read_text()
    report = (README.parent / "docs" / "example-report" / "report.md").read_text()
    quoted = re.findall(r"^> - (.*)$", text, flags=re.M)
    assert quoted and all(f"- {line}" in report for line in quoted)
    for row in re.findall(r"^\| (retention at horizon|NPV of profit) (\|.*)$", text, flags=re.M):
        assert f"| {row[0]} {row[1]}" in report
    for link in re.findall(r"\]\((docs/example-report/[^)]+)\)", text):
        assert (README.parent / link).exists(), link
