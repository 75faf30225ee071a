"""The customers' week: the phases in step order, one after another (ODD 3)."""

from __future__ import annotations

from relsim.draws import WeekDraws
from relsim.phases.adoption import adopt
from relsim.phases.attitudes import update_attitudes
from relsim.phases.churn_and_return import churn_and_return
from relsim.phases.encounters import encounters
from relsim.phases.lifecycle import advance_lifecycle
from relsim.phases.market import Market
from relsim.phases.word_of_mouth import word_of_mouth_phase


def customer_phases(model: Market, u: WeekDraws) -> None:
    """Every customer's week, phase by phase, with this week's draws ``u``: churn,
    switching and win-back; adoption and advertising; service encounters; fairness,
    dependence and commitment; lifecycle stages; word of mouth.  One schedule for
    :meth:`relsim.model.RelationshipModel.step` and :meth:`relsim.stack.Stack.step`."""
    churn_and_return(model, u)
    adopt(model, u)
    encounters(model, u)
    update_attitudes(model)
    advance_lifecycle(model)
    word_of_mouth_phase(model, u)
