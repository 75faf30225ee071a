"""Phase 5: fairness, dependence, the symmetry of the relationship and commitment of every
customer in a relationship (ODD 7.11)."""

from __future__ import annotations

import numpy as np

from relsim.customers import at_firm, columns, set_at_firm
from relsim.phases import outlook
from relsim.phases.market import Market
from relsim.rules import choice, commitment, dependence, fairness
from relsim.stages import is_active


def update_attitudes(model: Market) -> None:
    """Price fairness against the reference and what peers say they pay, dependence on the
    firm and the firm's on the customer, then commitment (with the policies' bonuses)."""
    c = model.customers
    active = np.flatnonzero(is_active(c.stage))
    f = c.firm[active]
    set_at_firm(c.attitude, f, active, c.expectation[active])
    price_fairness(model, active, f)
    asymmetry = dependence_and_symmetry(model, active, f)
    update_commitment(model, active, asymmetry)


def price_fairness(model: Market, active: np.ndarray, f: np.ndarray) -> None:
    """Fairness follows the price paid against the reference price and against the prices
    neighbours who talked about the firm said they pay (Xia, Monroe & Cox 2004)."""
    c, b = model.customers, model.params("behaviour", active)
    heard = model.listening.heard
    heard_count = at_firm(heard["count"], f, active)
    heard_price = at_firm(heard["talk_price"], f, active)
    peer_price = np.divide(heard_price, heard_count, out=np.full(active.size, np.nan),
                           where=heard_count > 0)
    target = fairness.price_fairness_target(c.price_paid[active], c.reference_price[active],
                                            peer_price, b.fairness_at_reference,
                                            b.price_fairness_slope, b.peer_fairness_slope)
    c.fairness[active] = fairness.update_fairness(c.fairness[active], target, True,
                                                  b.fairness_rate)


def dependence_and_symmetry(model: Market, active: np.ndarray, f: np.ndarray) -> np.ndarray:
    """The customer's dependence follows switching costs, few known alternatives and
    integration; the firm's dependence on the customer follows its volume; returns their
    asymmetry (Emerson 1962; Kumar, Scheer & Steenkamp 1995)."""
    c, b, n_firms = model.customers, model.params("behaviour", active), model.n_firms
    own = choice.own_firm_mask(f, n_firms)
    known_rival = columns(c.aware, active) & ~own
    known_rivals = known_rival[0].astype(np.intp)
    for row in known_rival[1:]:  # count over the few firms
        known_rivals += row
    target = dependence.dependence_target(
        outlook.switching_cost(model, active), known_rivals, n_firms - 1, c.stage[active],
        b.dependence_switching_weight, b.dependence_alternatives_weight,
        b.dependence_stage_weight)
    c.dependence[active] = dependence.update_dependence(c.dependence[active], target, True,
                                                        b.dependence_rate)
    group, groups = model.firm_groups(active, f)  # each customer's firm (in its run)
    basket = c.basket[active]
    basket_by_firm = np.bincount(group, weights=basket, minlength=groups)
    count_by_firm = np.bincount(group, minlength=groups)
    mean_basket = np.divide(basket_by_firm, count_by_firm, out=np.zeros(groups),
                            where=count_by_firm > 0)
    c.firm_dependence = np.zeros(c.n)
    c.firm_dependence[active] = dependence.firm_dependence(
        basket, mean_basket[group], c.importance[active])  # volume: units per purchase
    asymmetry = dependence.dependence_asymmetry(c.dependence[active],
                                                c.firm_dependence[active])
    model.events.asymmetry[active] = asymmetry
    return asymmetry


def update_commitment(model: Market, active: np.ndarray, asymmetry: np.ndarray) -> None:
    """Commitment follows trust, satisfaction, fairness and dependence, less the asymmetry,
    plus what policies add (Morgan & Hunt 1994)."""
    c, b = model.customers, model.params("behaviour", active)
    target = commitment.commitment_target(
        c.trust[active], c.satisfaction[active], c.fairness[active], c.dependence[active],
        asymmetry, c.trust_weight[active], b.commitment_satisfaction_weight,
        b.commitment_fairness_weight, b.commitment_dependence_weight, b.asymmetry_penalty)
    target = np.minimum(1.0, target + model.policies.total("commitment_bonus", active))
    c.commitment[active] = commitment.update_commitment(c.commitment[active], target, True,
                                                        b.commitment_rate)
