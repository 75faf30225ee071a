"""Conditions for scenario discovery: ``RESPONSE OPERATOR NUMBER``, parsed without eval.

``policy_roi < 1``, ``retention_gain[loyalty] < 0.02`` or ``nps@B >= 20``: a response
name (see :mod:`relsim.experiments.responses`), one of ``<  <=  >  >=``, and a
number.  The text is matched by a regular expression and the operator looked up
in a table of :mod:`operator` functions, so nothing the user writes is executed.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from relsim.experiments.responses import Response, find

OPERATORS: dict[str, Callable] = {"<": operator.lt, "<=": operator.le, ">": operator.gt,
                                  ">=": operator.ge}
"""The comparisons a condition may use."""
_CONDITION = re.compile(r"\s*(?P<name>\S+?)\s*(?P<op><=|>=|<|>)\s*(?P<number>\S+)\s*")


@dataclass(frozen=True)
class Condition:
    """A parsed condition: the response it reads, the comparison and the threshold."""

    text: str
    response: Response
    op: str
    threshold: float

    def holds(self, values) -> np.ndarray:
        """Where the condition holds (NaN values never meet it)."""
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            return OPERATORS[self.op](values, self.threshold) & ~np.isnan(values)

    def __str__(self) -> str:
        return f"{self.response.name} {self.op} {self.threshold:g}"


def parse_condition(text: str, known: list[Response]) -> Condition:
    """Parse ``text`` against the experiment's responses ``known``; a ValueError says what is
    wrong in one line."""
    match = _CONDITION.fullmatch(text)
    if match is None:
        raise ValueError(f"condition {text!r}: expected RESPONSE OPERATOR NUMBER, e.g. "
                         f"'policy_roi < 1' (operators: {' '.join(OPERATORS)})")
    try:
        threshold = float(match["number"])
    except ValueError:
        threshold = math.nan
    if not math.isfinite(threshold):
        raise ValueError(f"condition {text!r}: {match['number']!r} is not a finite number")
    try:
        response = find(match["name"], known)
    except ValueError as exc:
        raise ValueError(f"condition {text!r}: {exc}") from None
    return Condition(text.strip(), response, match["op"], threshold)
