"""Phase 4: service encounters -- purchases, quality against expectation, promises kept or
broken, complaints and recovery, and what they do to each buyer (ODD 7.6-7.10).

Rules run on the customers they concern only (index arrays of the customers in a
relationship and of this week's buyers); the :class:`~relsim.policies.Encounter` that
policies see holds full-length arrays (NaN / False for non-buyers).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from relsim.draws import U_COMPLAIN, U_PROMISE, U_PURCHASE, U_RECOVER, Z_QUALITY, WeekDraws
from relsim.phases import accounts
from relsim.phases.market import Market
from relsim.policies import Encounter
from relsim.rules import complaints, fairness, lifecycle, satisfaction, trust
from relsim.stages import is_active


class Outcome(NamedTuple):
    """What this week's encounters did, one entry per buyer."""

    experienced: np.ndarray
    satisfaction: np.ndarray     # encounter satisfaction after recovery and policies
    kept: np.ndarray
    broken: np.ndarray
    complained: np.ndarray
    resolved: np.ndarray
    recovery_quality: np.ndarray


def encounters(model: Market, u: WeekDraws) -> None:
    """The week's purchases and their consequences, in order: who buys, the price paid, the
    encounter and the policies' say in it, the buyers' attitudes, the accounts, the
    transaction log, and exploration tests that fail."""
    c, ev = model.customers, model.events
    active = np.flatnonzero(is_active(c.stage))
    buys = purchases(model, u, active)
    buyers = active[buys]
    enc = policy_view(model, buyers)
    outcome = experience(model, u, buyers, enc)
    respond(model, buyers, outcome, enc.trust_loss[buyers])
    c.spend = np.zeros(c.n)
    c.spend[buyers] = c.price_paid[buyers] * c.basket[buyers]
    accounts.observe(model, active, buys, outcome.complained)
    c.reference_price[buyers] = fairness.update_reference_price(
        c.reference_price[buyers], c.price_paid[buyers], True,
        model.params("behaviour", buyers).reference_price_rate)
    model.records.transactions(model, ev.bought)
    ev.spend_firm[buyers] = c.firm[buyers]
    ev.spend[buyers] = c.spend[buyers]
    failed_test = buyers[lifecycle.failed_exploration(
        c.stage[buyers], outcome.satisfaction, True,
        model.params("behaviour", buyers).exploration_failure)]
    ev.failed_from[failed_test] = c.firm[failed_test]
    model.end_relationships_at(failed_test, "exploration")


def purchases(model: Market, u: WeekDraws, active: np.ndarray) -> np.ndarray:
    """Who buys this week: the positions in ``active`` of the buyers (weekly purchase
    probability by stage); every customer in a relationship pays the list price unless a
    policy sets another."""
    c, ev = model.customers, model.events
    c.purchase_prob = np.zeros(c.n)  # 0 outside a relationship (stage multiplier 0)
    c.purchase_prob[active] = lifecycle.purchase_probability(c.base_purchase_prob[active],
                                                             c.stage[active])
    buys = np.flatnonzero(u[U_PURCHASE, active] < c.purchase_prob[active])
    ev.bought[active[buys]] = True
    c.price_paid[active] = model.firm_values("price", c.firm[active], active)
    return buys


def policy_view(model: Market, buyers: np.ndarray) -> Encounter:
    """The week's encounters as policies see them (full-length arrays; writable copies only
    where a policy can write), after the policies' ``before_encounters`` hooks."""
    c, b, ev, n = model.customers, model.params("behaviour"), model.events, model.customers.n
    host = model.policies
    before, after = host.hooked("before_encounters"), host.hooked("after_encounters")
    enc = Encounter(bought=ev.bought, buyers=buyers, experienced=ev.experienced, gap=None,
                    satisfaction=ev.encounter_satisfaction, kept=ev.kept, broken=ev.broken,
                    failed=None, complained=ev.complained, resolved=ev.resolved,
                    trust_loss=model.trust_loss.copy() if before or after else model.trust_loss,
                    complaint_prob=(np.full(n, b.complaint_prob) if before
                                    else np.broadcast_to(b.complaint_prob, n)),
                    price_paid=c.price_paid, noticed=ev.noticed)
    if before:
        host.call("before_encounters", enc)
    return enc


def experience(model: Market, u: WeekDraws, buyers: np.ndarray, enc: Encounter) -> Outcome:
    """Each buyer's encounter: quality experienced against expectation (loss aversion),
    the promise kept or broken, a failure, a complaint and its recovery; recorded in the
    events, then the policies' ``after_encounters`` hooks may change it."""
    c, b, ev = model.customers, model.params("behaviour", buyers), model.events
    n, f = c.n, c.firm[buyers]
    experienced = satisfaction.experienced_quality(model.firm_values("quality", f, buyers),
                                                   model.firm_values("quality_sd", f, buyers),
                                                   u.normal(Z_QUALITY, buyers))
    gap = satisfaction.disconfirmation(experienced, c.expectation[buyers])
    encounter = satisfaction.transaction_satisfaction(
        experienced, satisfaction.perceived_value(gap, b.loss_aversion), b.disconfirmation_gain)
    kept = trust.promise_outcome(u[U_PROMISE, buyers],
                                 model.firm_values("reliability", f, buyers))
    broken = ~kept
    failed = complaints.service_failure(True, gap, broken, b.failure_threshold)
    complained = failed & (u[U_COMPLAIN, buyers] < enc.complaint_prob[buyers])
    resolved = complained & (u[U_RECOVER, buyers]
                             < model.firm_values("recovery_rate", f, buyers))
    recovery_quality = model.firm_values("recovery_quality", f, buyers)
    encounter = complaints.recovered_satisfaction(encounter, complained, resolved,
                                                  recovery_quality, b.double_deviation)
    ev.experienced[buyers] = experienced  # the Encounter's full-length arrays
    ev.encounter_satisfaction[buyers] = encounter
    ev.kept[buyers], ev.broken[buyers], ev.failed[buyers] = kept, broken, failed
    ev.complained[buyers], ev.resolved[buyers] = complained, resolved
    if model.policies.hooked("after_encounters"):
        enc.gap = _spread(n, buyers, gap, np.nan)
        enc.failed = _spread(n, buyers, failed, False)
        model.policies.call("after_encounters", enc)
        encounter = enc.satisfaction[buyers]
        kept, broken = enc.kept[buyers], enc.broken[buyers]
        complained, resolved = enc.complained[buyers], enc.resolved[buyers]
    return Outcome(experienced, encounter, kept, broken, complained, resolved,
                   recovery_quality)


def respond(model: Market, buyers: np.ndarray, outcome: Outcome, trust_loss: np.ndarray
            ) -> None:
    """The buyers' attitudes after the encounter: cumulative satisfaction, next
    expectation, trust (asymmetric), the fairness of complaint handling, complaints made."""
    c, b = model.customers, model.params("behaviour", buyers)
    c.satisfaction[buyers] = satisfaction.update_satisfaction(
        c.satisfaction[buyers], outcome.satisfaction, True, b.satisfaction_rate)
    c.expectation[buyers] = satisfaction.update_expectation(
        c.expectation[buyers], outcome.experienced, True, b.expectation_rate)
    c.trust[buyers] = trust.update_trust(c.trust[buyers], outcome.kept, outcome.broken,
                                         b.trust_gain, trust_loss)
    c.fairness[buyers] = complaints.complaint_fairness(c.fairness[buyers], outcome.complained,
                                                       outcome.resolved,
                                                       outcome.recovery_quality, b.fairness_rate)
    c.complaints[buyers] += outcome.complained


def _spread(n: int, idx: np.ndarray, values: np.ndarray, fill) -> np.ndarray:
    """A length-``n`` array holding ``values`` at ``idx`` and ``fill`` elsewhere."""
    out = np.full(n, fill, dtype=values.dtype)
    out[idx] = values
    return out
