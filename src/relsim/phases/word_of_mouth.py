"""Phase 7: customers talk about their (former) firm; listeners update their attitude to
the firm named, and its customers their expectation and trust (ODD 7.14)."""

from __future__ import annotations

import numpy as np

from relsim.customers import at_firm
from relsim.draws import U_TALK, WeekDraws
from relsim.phases.market import Market
from relsim.rules import trust, word_of_mouth


def word_of_mouth_phase(model: Market, u: WeekDraws) -> None:
    """Who talks (unhappy customers more, policies may boost it), what they say, and what
    the listeners make of it.

    Only customers with a (former) firm can talk, only customers who heard a message change
    their attitudes, and only customers in a relationship their expectation and trust; the
    rules run on those customers only.
    """
    talk(model, u)
    heard = model.listening.listen(model)
    listen(model, heard)


def talk(model: Market, u: WeekDraws) -> None:
    """Customers with a (former) firm talk about it with their talk probability; a message
    is positive when the speaker is satisfied (Anderson 1998)."""
    c, ev = model.customers, model.events
    speakers = np.flatnonzero((c.firm >= 0) | (c.former_firm >= 0))
    b = model.params("behaviour", speakers)
    p_talk = word_of_mouth.talk_probability(c.talkativeness[speakers], c.satisfaction[speakers],
                                            b.talk_prob, b.unhappy_talk_boost,
                                            b.happy_talk_boost)
    for multiplier in model.policies.call("talk_multiplier", speakers):
        p_talk = np.minimum(1.0, p_talk * multiplier)
    talkers = speakers[u[U_TALK, speakers] < p_talk]
    firm, former = c.firm[talkers], c.former_firm[talkers]
    ev.talked_about[talkers] = np.where(firm >= 0, firm, former)  # current, else former
    ev.positive[talkers] = word_of_mouth.message_valence(c.satisfaction[talkers])


def listen(model: Market, heard: dict[str, np.ndarray]) -> None:
    """Listeners' attitudes to each firm named move toward the messages (negative ones
    weigh more); customers who heard about their own firm update expectation and trust."""
    c, ev = model.customers, model.events
    ev.heard_positive[:] = heard["positive"].sum(axis=0)
    ev.heard_negative[:] = heard["negative"].sum(axis=0)
    for f in range(model.n_firms):  # listeners of messages about firm f
        positive, negative = heard["positive"][f], heard["negative"][f]
        listeners = np.flatnonzero(heard["count"][f] > 0)
        b = model.params("behaviour", listeners)
        attitude = c.attitude[f]
        attitude[listeners] = trust.shift_toward(
            attitude[listeners], positive[listeners],
            _weighted(b.negativity_weight, negative[listeners]), b.wom_attitude_rate)
        c.aware[f, listeners] = True
    # customers who heard about their own firm (no message leaves a score unchanged)
    customers = np.flatnonzero(c.firm >= 0)
    hearers = customers[at_firm(heard["count"], c.firm[customers], customers) > 0]
    own, b = c.firm[hearers], model.params("behaviour", hearers)
    pos_own = at_firm(heard["positive"], own, hearers)
    neg_own = _weighted(b.negativity_weight, at_firm(heard["negative"], own, hearers))
    c.expectation[hearers] = trust.shift_toward(c.expectation[hearers], pos_own, neg_own,
                                                b.wom_expectation_rate)
    c.trust[hearers] = trust.shift_toward(c.trust[hearers], pos_own, neg_own, b.wom_trust_rate)


def _weighted(weight, counts: np.ndarray) -> np.ndarray:
    """``weight * counts`` in the dtype of the (float32) message counts, whether ``weight``
    is a number or one per customer (numpy keeps float32 for a Python number only)."""
    return np.multiply(weight, counts, dtype=counts.dtype)
