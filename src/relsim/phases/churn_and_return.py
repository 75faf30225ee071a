"""Phase 2: customers in a relationship may churn (and switch at once); lapsed ones may
return, to their former firm (win-back) or to another (ODD 7.4)."""

from __future__ import annotations

import numpy as np

from relsim.draws import U_CHURN, U_RETURN, U_RETURN_CHOICE, U_SWITCH, U_SWITCH_CHOICE, WeekDraws
from relsim.phases import outlook
from relsim.phases.market import Market
from relsim.rules import choice
from relsim.stages import DISSOLUTION, is_active


def churn_and_return(model: Market, u: WeekDraws) -> None:
    """Churn and switching, then returns of lapsed customers.

    The hazard (reported as the event ``churn_hazard``), the draws and the choices are
    computed for the customers they concern only (index arrays), each customer using its
    own draws from the fixed block.
    """
    c = model.customers
    active = np.flatnonzero(is_active(c.stage))
    # switching costs at the start of the week: now for the customers in a relationship,
    # later (still unchanged: they have no firm) for those who start one (outlook)
    model.week_switching_cost = np.full(c.n, np.nan)
    model.week_switching_cost[active] = outlook.switching_cost(model, active)
    lapsed = np.flatnonzero(c.stage == DISSOLUTION)
    churn(model, u, active)
    win_back(model, u, lapsed)


def churn(model: Market, u: WeekDraws, active: np.ndarray) -> None:
    """Customers ``active`` churn with their hazard; a churner who knows a rival in the
    market switches to it at once with probability ``switch_share`` (logit choice)."""
    c, ev = model.customers, model.events
    value = outlook.utility(model, active)
    hazard = outlook.churn_hazard(model, active, value)
    ev.churn_hazard[active] = hazard
    churns = u[U_CHURN, active] < hazard
    churned = active[churns]
    value = value[:, churns]
    in_market = model.firm_matrix("in_market", churned).astype(bool)
    rivals = (c.aware[:, churned] & ~choice.own_firm_mask(c.firm[churned], model.n_firms)
              & in_market)  # known rivals one can switch to now
    switch = rivals.any(axis=0) & (u[U_SWITCH, churned]
                                   < model.params("behaviour", churned).switch_share)
    switching = churned[switch]
    weights = choice.logit_weights(value[:, switch]) * model.firm_matrix("in_market", switching)
    new_firm = choice.choose(weights * rivals[:, switch], u[U_SWITCH_CHOICE, switching])
    ev.churned_from[churned] = c.firm[churned]
    model.end_relationships_at(churned, "churn")
    ev.switched_to[switching] = new_firm
    ev.switched_from[switching] = ev.churned_from[switching]
    model.start_relationships_at(switching, new_firm)


def win_back(model: Market, u: WeekDraws, lapsed: np.ndarray) -> None:
    """Customers ``lapsed`` (at the start of the week) return with probability
    ``winback_rate`` to a firm they know (logit choice): their former firm is a win-back,
    another a late switch."""
    c, ev = model.customers, model.events
    returning = lapsed[u[U_RETURN, lapsed] < model.params("behaviour", lapsed).winback_rate]
    in_market = model.firm_matrix("in_market", returning).astype(bool)
    value = outlook.utility(model, returning)
    weights = choice.logit_weights(value) * in_market
    back_to = choice.choose(weights * c.aware[:, returning], u[U_RETURN_CHOICE, returning])
    found = back_to >= 0
    returning, back_to, value = returning[found], back_to[found], value[:, found]
    former = c.former_firm[returning]
    winback = back_to == former
    ev.winback[returning] = winback
    late_switch = returning[~winback]
    ev.switched_to[late_switch] = back_to[~winback]
    ev.switched_from[late_switch] = former[~winback]
    ev.returned_to[returning] = back_to
    ev.churn_hazard[returning] = outlook.churn_hazard(model, returning, value)
    model.start_relationships_at(returning, back_to)
