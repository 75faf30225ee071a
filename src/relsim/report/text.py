"""How a report's numbers and the scenario's question read: units, intervals, judgements."""

from __future__ import annotations

import math
import re

import pandas as pd

from relsim.report.outcomes import OUTCOME
from relsim.scenario import Scenario

NOT_THE_QUESTION = re.compile(r"^\s*(Run|Check)\s*:", re.IGNORECASE)
"""A line of a scenario's comment that starts its instructions (``Run: relsim run ...``,
``Check: relsim validate ...``): it and every line after it are not the question."""
MODELINE = re.compile(r"^\s*(yaml-language-server|vim?|-\*-)\s*:|^\s*\$schema\s*:", re.IGNORECASE)
"""Editor directives in a comment (``yaml-language-server: $schema=...``)."""


def question(scenario: Scenario) -> str:
    """The question a scenario asks: the comment block at the top of its file
    (:meth:`relsim.scenario.Scenario.header`) up to its ``Run:`` or ``Check:`` lines, without
    editor directives, a leading ``Question:`` or trailing blank lines.

    The filtering lives here, not in ``header()``, which returns the file's comment as
    written."""
    lines = []
    for line in scenario.header().splitlines():
        if NOT_THE_QUESTION.match(line):
            break
        if not MODELINE.match(line):
            lines.append(line)
    text = re.sub(r"^Question\s*:\s*", "", "\n".join(lines).strip(), flags=re.IGNORECASE)
    return text[:1].upper() + text[1:]


def _number(outcome: str, x: float, signed: bool = False) -> str:
    """A value (or, ``signed``, a difference) of an outcome in the report's units."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    sign = "+" if signed else ""
    unit = OUTCOME[outcome].unit
    if unit.startswith("share"):
        return f"{100 * x:{sign}.1f}{' pp' if signed else '%'}"
    if unit == "money":
        return f"{x:{sign},.0f}" if abs(x) >= 100 else f"{x:{sign},.1f}"
    if outcome == "policy_roi":
        return f"{x:{sign}.2f}"
    return f"{x:{sign}.1f}"


def format_interval(outcome: str, mean: float, lo: float, hi: float,
                    signed: bool = False) -> str:
    """``mean [lo, hi]`` in the outcome's units (``mean`` alone without an interval)."""
    text = _number(outcome, mean, signed)
    if any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)) or text == "n/a":
        return text
    return f"{text} [{_number(outcome, lo, signed)}, {_number(outcome, hi, signed)}]"


def format_row(outcome: str, row: pd.Series, diff: bool = False) -> str:
    """A row of the summary (:func:`relsim.report.outcomes.summarise`) formatted: its mean
    and interval, or with ``diff`` its difference to the baseline and that interval."""
    if diff:
        return format_interval(outcome, row["diff"], row["diff_lo"], row["diff_hi"], signed=True)
    return format_interval(outcome, row["mean"], row["lo"], row["hi"])


def judgement(lo: float, hi: float, higher_is_better: bool) -> str:
    """Plain words for the interval of a difference to the baseline."""
    if math.isnan(lo) or math.isnan(hi):
        return "no interval with one replication"
    if lo > 0 or hi < 0:
        better = (lo > 0) == higher_is_better
        return f"{'better' if better else 'worse'} than the baseline at 95% confidence"
    return "not distinguishable from the baseline at 95% confidence"


def lead_judgement(lo: float) -> str:
    """Plain words for the interval of the leader's difference to the runner-up."""
    if math.isnan(lo):
        return "no interval with one replication"
    if lo > 0:
        return "a clear lead at 95% confidence"
    return "not a clear lead at 95% confidence: more replications would tell"


def plural(n: int, word: str) -> str:
    """``1 replication``, ``5 replications``."""
    return f"{n:,} {word}{'s' * (n != 1)}"
