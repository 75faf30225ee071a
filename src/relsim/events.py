"""What happened to each customer this week: the events the rules and the metrics share.

The model starts every week with :func:`empty_events` and each phase records
what happened to whom (churned, adopted, bought, complained, heard ...); the
metrics count them per firm and the trace shows them for chosen customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np


def _firm(doc: str):
    return field(metadata={"fill": "firm", "doc": doc})


def _flag(doc: str):
    return field(metadata={"fill": "flag", "doc": doc})


def _value(doc: str, fill: str = "nan"):
    return field(metadata={"fill": fill, "doc": doc})


@dataclass
class Events:
    """What happened to each customer during the current step (arrays of length n).

    Firm fields hold a firm index or -1 (none); flags are booleans; values are
    floats (nan where the event did not happen, or 0 for amounts).
    """

    churned_from: np.ndarray = _firm("firm left by hazard churn")
    failed_from: np.ndarray = _firm("firm left after a failed exploration")
    switched_to: np.ndarray = _firm("firm switched to (at once or on return)")
    switched_from: np.ndarray = _firm("firm switched away from (at once or on return)")
    returned_to: np.ndarray = _firm("firm a lapsed customer returned to")
    winback: np.ndarray = _flag("returned to its former firm")
    adopted_ad: np.ndarray = _firm("firm adopted through advertising")
    adopted_wom: np.ndarray = _firm("firm adopted through neighbours (word of mouth)")
    bought: np.ndarray = _flag("had an encounter (purchase)")
    kept: np.ndarray = _flag("promise kept")
    broken: np.ndarray = _flag("promise broken")
    failed: np.ndarray = _flag("service failure: far below expectation or a broken promise")
    complained: np.ndarray = _flag("complained")
    resolved: np.ndarray = _flag("complaint resolved")
    churn_hazard: np.ndarray = _value("weekly churn hazard at the start of the week (customers "
                                      "in a relationship and those starting one this week)")
    noticed: np.ndarray = _flag("a broken promise was announced in advance (transparency)")
    experienced: np.ndarray = _value("experienced quality")
    encounter_satisfaction: np.ndarray = _value("satisfaction with the encounter")
    spend: np.ndarray = _value("amount spent", fill="zero")
    spend_firm: np.ndarray = _firm("firm paid")
    asymmetry: np.ndarray = _value("dependence asymmetry of the relationship")
    talked_about: np.ndarray = _firm("firm talked about")
    positive: np.ndarray = _flag("the message was positive")
    heard_positive: np.ndarray = _value("positive messages heard", fill="zero")
    heard_negative: np.ndarray = _value("negative messages heard", fill="zero")


_FILL = {"firm": (-1, np.int16), "flag": (False, bool), "nan": (np.nan, float),
         "zero": (0.0, float)}


def empty_events(n: int) -> Events:
    """Events of a step in which nothing has happened yet."""
    return Events(**{f.name: np.full(n, *_FILL[f.metadata["fill"]]) for f in fields(Events)})
