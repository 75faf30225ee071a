"""A straightforward one-object-per-customer Mesa version of relsim's rules.

This is the model a Mesa user would write by following Mesa's own examples
(``mesa.examples.basic.virus_on_network``): every customer is a
:class:`mesa.discrete_space.FixedAgent` on a cell of a
:class:`mesa.discrete_space.Network` built from a networkx graph, every firm a
:class:`mesa.Agent`, and a step is ``self.agents.shuffle_do("step")``, each
customer updating its own state and talking to the agents in
``self.cell.neighborhood``.  It exists so that ``bench_scale.py`` can compare
relsim's column-wise step with the per-object style on the same equations.

Same equations, same parameters from :class:`relsim.config.ModelConfig`; the
equations are re-implemented below on Python floats, as a Mesa user would
write them, because calling relsim's numpy rule functions on scalars would cost
microseconds per call and make the comparison unfair to the per-object style
-- ``tests/test_benchmarks_smoke.py`` checks every scalar function against its
relsim rule, and checks the two models agree in distribution on two cases.

Two rule sets (keyword ``rules`` of :class:`NaiveRelationshipModel`):

``rules="core"``, the subset of the first benchmarks (kept, bit-identical, so
that their figure can be reproduced):

* purchase encounter (``relsim.rules.satisfaction``): a customer in a
  relationship buys with its segment's purchase probability; experienced quality
  x = clip(quality + sd * z, 0, 1), disconfirmation d = x - E, loss-averse
  value v(d), transaction satisfaction s = clip(x + gain * v, 0, 1), cumulative
  satisfaction S += rate * (s - S) and adaptive expectation E += rate * (x - E);
* promise kept with the firm's reliability, asymmetric trust update
  (``relsim.rules.trust.update_trust``);
* commitment target and lagged update (``relsim.rules.commitment``);
* churn hazard (``relsim.rules.churn.churn_hazard``, with the logit utility gap
  to the best known rival of ``relsim.rules.choice``) and churn; a churner who
  knows a rival switches to one at once with probability ``switch_share``
  (logit choice), otherwise it lapses;
* word of mouth (``relsim.rules.word_of_mouth``): a customer talks about its
  current or former firm with the talk probability; each neighbour's attitude to
  that firm shifts (``relsim.rules.trust.shift_toward``, negative messages
  weighted by ``negativity_weight``), the neighbour becomes aware of the firm,
  and a neighbour who is that firm's customer also shifts expectation and trust.

The core subset holds fairness at ``fairness_at_reference`` and dependence at
0, has no stages (every customer buys with its awareness-stage probability),
and its prospects do nothing but listen.

``rules="full"`` (default) adds, in relsim's phase order within a customer's step:

* adoption of prospects (``relsim.rules.adoption``): hazard
  1 - exp(-(p + q * share of neighbours who are customers) / 52); the adoption
  came from advertising with probability p / (p + q * share); the firm is
  drawn with logit weights times its advertising weight (advertising
  adoptions) or times the number of its customers among the neighbours (word
  of mouth adoptions);
* advertising awareness: each firm reaches each customer with probability
  ad_awareness_rate x advertising (the firm's step; the reached customers are
  found by geometric jumps, the same independent draws as relsim's without
  one draw per customer); a reached customer becomes aware of the firm and
  its attitude moves ad_attitude_rate of the way to the firm's promise;
* win-back: a lapsed customer returns with ``winback_rate`` to a firm it knows
  (logit choice, its former firm included); churn and switching as in core,
  switching only to firms in the market (``entry_step``);
* lifecycle (``relsim.rules.lifecycle``): a new relationship starts in
  exploration; ``advance_stage`` thresholds with hysteresis; purchase
  probability = base x the stage multiplier; baskets grow in expansion up to
  ``max_basket_multiple``; an explorer whose encounter satisfaction falls
  below ``exploration_failure`` ends the relationship at once;
* complaints and recovery (``relsim.rules.complaints``): a service failure
  (shortfall beyond ``failure_threshold`` or a broken promise) leads to a
  complaint with ``complaint_prob``; it is resolved with the firm's
  recovery_rate (satisfaction = recovery_quality) or not (double deviation);
  complaint handling moves fairness;
* price fairness (``relsim.rules.fairness``): the reference price adapts to the
  price paid at each purchase; fairness follows its target from the price
  against the reference and against the prices that talking peers at the same
  firm pay (without policies every customer of a firm pays its list price, so
  the peer term is 0 in both models);
* dependence (``relsim.rules.dependence``): target from switching cost, known
  alternatives and stage; the firm's dependence (importance x basket / the
  firm's mean basket, kept by the firm agent as customers come, go and grow)
  and the asymmetry, which lowers the commitment target; the trust weight and
  the trust loss multiplier of the customer's segment, and its churn multiplier.

Not modelled (relsim has them): firms' policies, the metrics beyond three
(a :class:`mesa.DataCollector` with three model reporters that loop over the
agents -- customers in a relationship, their mean satisfaction and mean
commitment -- where relsim computes ~60 metrics each step), the logs and
traces, and the accounts a firm observes (spend, margins, lifetime values).
The initial customers' tenures (relsim draws 13 to 104 weeks) are not drawn:
they start in awareness, where tenure plays no part.

Differences of style, inherent to one object per customer: customers act in a
random order and see each other's updates at once (asynchronous updating),
where relsim updates all customers simultaneously: a prospect counts the
neighbours who adopted earlier in the same week (relsim: as of the end of the
previous week), so with strong imitation the naive model diffuses a little
faster; a message shifts a listener immediately, one message at a time, where
relsim adds up a week's messages first; the peer prices a customer compares
its own with are those it heard about its current firm since its previous step
(relsim: the previous week's messages about the firm, kept per firm, so a
customer who just switched also counts what it heard about its new firm); the
firm's mean basket is that of the moment (relsim: after the week's encounters).

Randomness: one :class:`numpy.random.Generator` (``rng=`` keyword of
:class:`mesa.Model`) seeds the model's stdlib ``random.Random``, from which all
draws come; no global random state is used.
"""

from __future__ import annotations

import inspect
import math
from functools import partial
from typing import Any

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from relsim.config import FirmConfig, ModelConfig
from relsim.overrides import apply_overrides
from relsim.params import STEPS_PER_YEAR
from relsim.rules import lifecycle
from relsim.stages import (
    AWARENESS,
    COMMITMENT,
    DISSOLUTION,
    EXPANSION,
    EXPLORATION,
    PROSPECT,
)

# --------------------------------------------------------------------------- scalar rules
# Each function is the equation of the relsim rule named in its docstring, on floats.


def clip01(x: float) -> float:
    """Clip a score to [0, 1] (``np.clip(x, 0, 1)``)."""
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def experienced_quality(mean: float, sd: float, z: float) -> float:
    """relsim.rules.satisfaction.experienced_quality: x = clip(mean + sd * z, 0, 1)."""
    return clip01(mean + sd * z)


def perceived_value(d: float, loss_aversion: float) -> float:
    """relsim.rules.satisfaction.perceived_value: v(d) = d if d >= 0 else lambda * d."""
    return d if d >= 0.0 else loss_aversion * d


def transaction_satisfaction(experienced: float, value: float, gain: float) -> float:
    """relsim.rules.satisfaction.transaction_satisfaction: s = clip(x + gain * v, 0, 1)."""
    return clip01(experienced + gain * value)


def move_toward(level: float, target: float, rate: float) -> float:
    """Lagged adjustment L + rate * (target - L).

    The form of relsim's update_satisfaction, update_expectation and
    update_commitment for the customers they apply to.
    """
    return level + rate * (target - level)


def update_trust(trust: float, kept: bool, gain: float, loss: float) -> float:
    """relsim.rules.trust.update_trust for one encounter: kept T += g(1 - T), broken T -= l T."""
    return trust + gain * (1.0 - trust) if kept else trust - loss * trust


def shift_toward(level: float, positive: float, negative: float, rate: float) -> float:
    """relsim.rules.trust.shift_toward: clip(L + rate * (pos (1 - L) - neg L), 0, 1)."""
    return clip01(level + rate * (positive * (1.0 - level) - negative * level))


def commitment_target(trust: float, satisfaction: float, fairness: float, dependence: float,
                      asymmetry: float, w_trust: float, w_satisfaction: float,
                      w_fairness: float, w_dependence: float, asymmetry_penalty: float) -> float:
    """relsim.rules.commitment.commitment_target: weighted mean of drivers minus asymmetry."""
    total = w_trust + w_satisfaction + w_fairness + w_dependence
    base = (w_trust * trust + w_satisfaction * satisfaction + w_fairness * fairness
            + w_dependence * dependence) / total if total else 0.0
    return clip01(base - asymmetry_penalty * asymmetry)


def churn_hazard(proneness: float, commitment: float, rival_gap: float, switching_cost: float,
                 commitment_effect: float, alternative_effect: float,
                 switching_cost_effect: float) -> float:
    """relsim.rules.churn.churn_hazard: min(1, theta exp(-b_C (C - .5) + b_A gap+ - b_S sc))."""
    log_multiplier = (-commitment_effect * (commitment - 0.5)
                      + alternative_effect * max(0.0, rival_gap)
                      - switching_cost_effect * switching_cost)
    return min(1.0, proneness * math.exp(log_multiplier))


def firm_utility(attitude: float, price_sensitivity: float, status_seeking: float,
                 relative_price: float, status: float, quality_weight: float,
                 price_weight: float, status_weight: float) -> float:
    """relsim.rules.choice.firm_utility for one customer and firm (price relative to the mean)."""
    return (quality_weight * attitude - price_weight * relative_price * price_sensitivity
            + status_weight * status * status_seeking)


def talk_probability(talkativeness: float, satisfaction: float, base: float,
                     unhappy_boost: float, happy_boost: float) -> float:
    """relsim.rules.word_of_mouth.talk_probability: U-shaped in satisfaction, capped at 1."""
    unhappy = 2.0 * max(0.0, 0.5 - satisfaction)
    happy = 2.0 * max(0.0, satisfaction - 0.5)
    return min(1.0, base * (talkativeness / 0.5)
               * (1.0 + unhappy_boost * unhappy + happy_boost * happy))


# ---- rules of the full model (rules="full"): adoption, complaints, fairness, dependence, lifecycle


def adoption_hazard(p_per_year: float, q_per_year: float, share: float) -> float:
    """relsim.rules.adoption.adoption_hazard: 1 - exp(-(p + q * share) / 52)."""
    return -math.expm1(-(p_per_year + q_per_year * share) / STEPS_PER_YEAR)


def advertising_share(p_per_year: float, q_per_year: float, share: float) -> float:
    """relsim.rules.adoption.advertising_share: p / (p + q * share), 1 when the total is 0."""
    total = p_per_year + q_per_year * share
    return p_per_year / total if total > 0 else 1.0


def service_failure(disconfirmation: float, broken: bool, threshold: float) -> bool:
    """relsim.rules.complaints.service_failure for a buyer: d < -threshold or a broken promise."""
    return disconfirmation < -threshold or broken


def recovered_satisfaction(encounter: float, complained: bool, resolved: bool,
                           recovery_quality: float, double_deviation: float) -> float:
    """relsim.rules.complaints.recovered_satisfaction: recovery quality, or a double deviation."""
    if resolved:
        return recovery_quality
    if complained:
        return max(0.0, encounter - double_deviation)
    return encounter


def complaint_fairness(fairness: float, complained: bool, resolved: bool,
                       recovery_quality: float, rate: float) -> float:
    """relsim.rules.complaints.complaint_fairness: F toward recovery quality (0 unresolved)."""
    if not complained:
        return fairness
    target = recovery_quality if resolved else 0.0
    return fairness + rate * (target - fairness)


def price_fairness_target(price_paid: float, reference_price: float, peer_price: float,
                          neutral: float, ref_slope: float, peer_slope: float) -> float:
    """relsim.rules.fairness.price_fairness_target (``peer_price`` NaN: no peer heard)."""
    relative = (price_paid - reference_price) / reference_price
    peer_gap = (0.0 if math.isnan(peer_price)
                else max(0.0, price_paid - peer_price) / reference_price)
    return clip01(neutral - ref_slope * relative - peer_slope * peer_gap)


def dependence_target(switching_cost: float, known_alternatives: int, n_rivals: int,
                      stage: int, switching_weight: float, alternatives_weight: float,
                      stage_weight: float) -> float:
    """relsim.rules.dependence.dependence_target: switching cost, few alternatives, stage."""
    total = switching_weight + alternatives_weight + stage_weight
    if total == 0:
        return 0.0
    few_alternatives = 1.0 - known_alternatives / n_rivals if n_rivals else 1.0
    integrated = 1.0 if stage == EXPANSION or stage == COMMITMENT else 0.0
    return clip01((switching_weight * switching_cost + alternatives_weight * few_alternatives
                   + stage_weight * integrated) / total)


def firm_dependence(volume: float, mean_volume: float, importance: float) -> float:
    """relsim.rules.dependence.firm_dependence: clip(importance * volume / mean volume, 0, 1)."""
    relative = volume / mean_volume if mean_volume > 0 else 1.0
    return clip01(importance * relative)


def dependence_asymmetry(customer_dependence: float, firm_dep: float) -> float:
    """relsim.rules.dependence.dependence_asymmetry: |customer's - firm's dependence|."""
    return abs(customer_dependence - firm_dep)


def advance_stage(stage: int, tenure: int, trust: float, commitment: float,
                  exploration_weeks: int, awareness_trust: float, expansion_commitment: float,
                  commitment_commitment: float, hysteresis: float) -> int:
    """relsim.rules.lifecycle.advance_stage for one customer: one stage forward or back.

    relsim assigns the backward moves last, so they win when both apply.
    """
    if stage == EXPLORATION:
        return AWARENESS if tenure >= exploration_weeks and trust >= awareness_trust else stage
    if stage == AWARENESS:
        return EXPANSION if commitment >= expansion_commitment else stage
    if stage == EXPANSION:
        if commitment < expansion_commitment - hysteresis:
            return AWARENESS
        return COMMITMENT if commitment >= commitment_commitment else stage
    if stage == COMMITMENT:
        return EXPANSION if commitment < commitment_commitment - hysteresis else stage
    return stage


STAGE_PURCHASE_MULTIPLIER = tuple(lifecycle.STAGE_PURCHASE_MULTIPLIER.tolist())
"""relsim's purchase frequency by stage relative to awareness (a parameter table)."""


def purchase_probability(base_prob: float, stage: int) -> float:
    """relsim.rules.lifecycle.purchase_probability: min(1, base * stage multiplier)."""
    return min(1.0, base_prob * STAGE_PURCHASE_MULTIPLIER[stage])


def grow_basket(basket: float, stage: int, segment_basket: float, growth: float,
                max_multiple: float) -> float:
    """relsim.rules.lifecycle.grow_basket: in expansion min(basket (1 + g), start x max)."""
    if stage != EXPANSION:
        return basket
    return min(basket * (1.0 + growth), segment_basket * max_multiple)


def failed_exploration(stage: int, encounter: float, threshold: float) -> bool:
    """relsim.rules.lifecycle.failed_exploration for a buyer: explorer's encounter too bad."""
    return stage == EXPLORATION and encounter < threshold


# --------------------------------------------------------------------------- agents


class FirmAgent(mesa.Agent):
    """A competing firm: the attributes of its :class:`~relsim.config.FirmConfig`.

    With the full rules it advertises each week and keeps the number and
    total basket of its customers (for the mean basket of the firm's dependence).
    """

    def __init__(self, model: mesa.Model, index: int, config: FirmConfig,
                 relative_price: float) -> None:
        super().__init__(model)
        self.index = index
        for field in FirmConfig.model_fields:
            setattr(self, field, getattr(config, field))
        self.relative_price = relative_price
        self.n_customers = 0
        self.basket_total = 0.0

    @property
    def in_market(self) -> bool:
        """False before the firm's entry step (as relsim.firms.Firm.in_market)."""
        return self.model.steps >= self.entry_step

    def ad_weight(self) -> float:
        """Advertising weight this week: 0 before entry (relsim.firms.Firm.reset_offer)."""
        return self.advertising if self.in_market else 0.0

    def mean_basket(self) -> float:
        """Mean basket of the firm's current customers (0 without customers)."""
        return self.basket_total / self.n_customers if self.n_customers else 0.0

    def step(self) -> None:
        """Core rules: nothing.  Full rules: advertise."""
        if self.model.rules == "full":
            self.advertise()

    def advertise(self) -> None:
        """Reach each customer with probability ad_awareness_rate x advertising (relsim's adopt).

        The reached customers are found by jumping over the missed ones
        (geometric gaps: the same independent draw per customer as relsim's,
        without a draw for each of them).
        """
        b = self.model.config.behaviour
        reach = b.ad_awareness_rate * self.ad_weight()
        if reach <= 0.0:
            return
        customers = self.model.customer_list
        n, rnd = len(customers), self.random
        if reach >= 1.0:
            for customer in customers:
                customer.see_ad(self)
            return
        log_miss = math.log1p(-reach)
        i = -1
        while True:
            i += 1 + int(math.log(1.0 - rnd.random()) / log_miss)
            if i >= n:
                return
            customers[i].see_ad(self)


class CustomerAgent(FixedAgent):
    """One customer (or prospect) on a network cell, holding its own traits and state."""

    def __init__(self, model: NaiveRelationshipModel, cell: Any, firm: FirmAgent | None,
                 traits: dict[str, float]) -> None:
        super().__init__(model)
        self.cell = cell
        b, firms = model.config.behaviour, model.firms
        self.price_sensitivity = traits["price_sensitivity"]
        self.talkativeness = traits["talkativeness"]
        self.status_seeking = traits["status_seeking"]
        self.personal_switching_cost = traits["switching_cost"]
        self.churn_proneness = traits["churn_proneness"]
        self.purchase_prob = traits["purchase_prob"]
        self.attitude = [f.promise for f in firms]
        self.aware = [False] * len(firms)
        self.firm = firm
        self.former_firm: FirmAgent | None = None
        self.trust = b.initial_trust
        self.fairness = b.fairness_at_reference
        self.dependence = 0.0
        self.commitment = 0.5
        self.satisfaction = firm.quality if firm else 0.5
        self.expectation = firm.promise if firm else 0.5
        if firm is not None:
            self.aware[firm.index] = True

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One week: maybe leave, buy, update commitment, talk to neighbours."""
        if self.firm is not None:
            self.consider_leaving()
        if self.firm is not None:
            self.purchase()
            self.update_commitment()
        self.talk()

    # ------------------------------------------------------------------ rules
    def utility(self, firm: FirmAgent) -> float:
        """Logit utility of ``firm`` to this customer."""
        b = self.model.config.behaviour
        return firm_utility(self.attitude[firm.index], self.price_sensitivity,
                            self.status_seeking, firm.relative_price, firm.status,
                            b.choice_quality_weight, b.choice_price_weight,
                            b.choice_status_weight)

    def known_rivals(self) -> list[FirmAgent]:
        """Firms this customer knows, other than its own."""
        return [f for f in self.model.firms if self.aware[f.index] and f is not self.firm]

    def churns(self, rivals: list[FirmAgent]) -> bool:
        """Draw churn with the hazard (commitment, gap to the best known rival, switching cost)."""
        b = self.model.config.behaviour
        own = self.utility(self.firm)
        gap = max(self.utility(f) for f in rivals) - own if rivals else 0.0
        switching_cost = clip01(self.personal_switching_cost + self.firm.switching_cost)
        hazard = churn_hazard(self.churn_proneness, self.commitment, gap, switching_cost,
                              b.commitment_effect, b.alternative_effect,
                              b.switching_cost_effect)
        return self.random.random() < hazard

    def consider_leaving(self) -> None:
        """Churn with the hazard; a churner who knows a rival may switch to it at once."""
        rivals = self.known_rivals()
        if not self.churns(rivals):
            return
        self.end_relationship()
        if rivals and self.random.random() < self.model.config.behaviour.switch_share:
            self.start_relationship(self.choose(rivals))

    def choose(self, firms: list[FirmAgent]) -> FirmAgent:
        """Pick one of ``firms`` by multinomial logit (weights exp(U - max U))."""
        utilities = [self.utility(f) for f in firms]
        top = max(utilities)
        return self.random.choices(firms, weights=[math.exp(u - top) for u in utilities])[0]

    def end_relationship(self) -> None:
        """Leave the firm: the attitude to it falls to at most the satisfaction with it."""
        f = self.firm.index
        self.attitude[f] = min(self.attitude[f], self.satisfaction)
        self.former_firm, self.firm = self.firm, None

    def start_relationship(self, firm: FirmAgent) -> None:
        """Start with ``firm``: fresh trust, satisfaction and commitment; expect the attitude."""
        b = self.model.config.behaviour
        self.firm = firm
        self.trust = b.initial_trust
        self.satisfaction = 0.5
        self.expectation = self.attitude[firm.index]
        self.commitment = 0.5
        self.aware[firm.index] = True

    def purchase(self) -> None:
        """Maybe buy: disconfirmation, satisfaction, expectation, promise and trust."""
        if self.random.random() >= self.purchase_prob:
            return
        b, firm, rnd = self.model.config.behaviour, self.firm, self.random
        experienced = experienced_quality(firm.quality, firm.quality_sd, rnd.gauss(0.0, 1.0))
        value = perceived_value(experienced - self.expectation, b.loss_aversion)
        encounter = transaction_satisfaction(experienced, value, b.disconfirmation_gain)
        self.satisfaction = move_toward(self.satisfaction, encounter, b.satisfaction_rate)
        self.expectation = move_toward(self.expectation, experienced, b.expectation_rate)
        kept = rnd.random() < firm.reliability
        self.trust = update_trust(self.trust, kept, b.trust_gain, b.trust_loss)

    def update_commitment(self) -> None:
        """The own firm's attitude is the expectation; commitment follows its target."""
        b = self.model.config.behaviour
        self.attitude[self.firm.index] = self.expectation
        target = commitment_target(self.trust, self.satisfaction, self.fairness,
                                   self.dependence, 0.0, b.commitment_trust_weight,
                                   b.commitment_satisfaction_weight,
                                   b.commitment_fairness_weight,
                                   b.commitment_dependence_weight, b.asymmetry_penalty)
        self.commitment = move_toward(self.commitment, target, b.commitment_rate)

    def talks_about(self) -> FirmAgent | None:
        """The (former) firm this customer talks about this week, if it talks (one draw)."""
        about = self.firm if self.firm is not None else self.former_firm
        if about is None:
            return None
        b = self.model.config.behaviour
        p = talk_probability(self.talkativeness, self.satisfaction, b.talk_prob,
                             b.unhappy_talk_boost, b.happy_talk_boost)
        return about if self.random.random() < p else None

    def talk(self) -> None:
        """Maybe talk about the (former) firm to every neighbour."""
        about = self.talks_about()
        if about is None:
            return
        positive = self.satisfaction >= 0.5
        for neighbour in self.cell.neighborhood.agents:
            neighbour.hear(about, positive)

    def hear(self, firm: FirmAgent, positive: bool) -> None:
        """A message about ``firm`` shifts attitude (and, for its customers, expectation, trust)."""
        b = self.model.config.behaviour
        pos, neg = (1.0, 0.0) if positive else (0.0, b.negativity_weight)
        f = firm.index
        self.attitude[f] = shift_toward(self.attitude[f], pos, neg, b.wom_attitude_rate)
        self.aware[f] = True
        if self.firm is firm:
            self.expectation = shift_toward(self.expectation, pos, neg, b.wom_expectation_rate)
            self.trust = shift_toward(self.trust, pos, neg, b.wom_trust_rate)


class FullCustomerAgent(CustomerAgent):
    """A customer under the full rules: adoption, ads, lifecycle, complaints, fairness, dependence.

    The step follows relsim's phases for one customer: leave (churn, switch)
    or return (win-back) or adopt; buy (encounter, complaint, recovery,
    failed exploration); fairness, dependence, commitment; lifecycle; talk.
    """

    def __init__(self, model: NaiveRelationshipModel, cell: Any, firm: FirmAgent | None,
                 traits: dict[str, float]) -> None:
        super().__init__(model, cell, firm, traits)
        b = model.config.behaviour
        segment = traits["segment"]
        self.churn_proneness = min(1.0, self.churn_proneness * segment.churn_multiplier)
        self.importance = segment.importance
        self.trust_weight = (b.commitment_trust_weight if segment.trust_weight is None
                             else segment.trust_weight)
        self.trust_loss = min(1.0, b.trust_loss * segment.trust_loss_multiplier)
        self.segment_basket = self.basket = segment.basket
        self.stage = AWARENESS if firm is not None else PROSPECT
        self.tenure = 0
        self.complaints = 0
        prices = [f.price for f in model.firms]
        self.price_paid = firm.price if firm is not None else 0.0
        self.reference_price = firm.price if firm is not None else sum(prices) / len(prices)
        self.peer_price_sum, self.peer_count = 0.0, 0  # prices heard from the own firm's talkers
        if firm is not None:
            firm.n_customers += 1
            firm.basket_total += self.basket

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One week, relsim's phases in order for this customer."""
        stage = self.stage
        if stage == PROSPECT:
            if self.model.config.adoption.enabled:
                self.consider_adopting()
        elif stage == DISSOLUTION:
            self.consider_returning()
        else:
            self.consider_leaving()
        if self.firm is not None:
            self.purchase()
        if self.firm is not None:  # a failed exploration may have ended it
            self.update_attitudes()
            self.advance_lifecycle()
        self.talk()

    # ------------------------------------------------------------------ relationships
    def start_relationship(self, firm: FirmAgent) -> None:
        """Start exploring ``firm`` (relsim's start_relationships_at)."""
        super().start_relationship(firm)
        b = self.model.config.behaviour
        self.stage = EXPLORATION
        self.tenure = 0
        self.dependence = 0.0
        self.fairness = b.fairness_at_reference
        self.basket = self.segment_basket
        self.price_paid = firm.price
        self.peer_price_sum, self.peer_count = 0.0, 0
        firm.n_customers += 1
        firm.basket_total += self.basket

    def end_relationship(self) -> None:
        """Leave the firm and lapse (dissolution stage)."""
        firm = self.firm
        firm.n_customers -= 1
        firm.basket_total -= self.basket
        super().end_relationship()
        self.stage = DISSOLUTION
        self.tenure = 0

    def in_market_options(self, firms: list[FirmAgent]) -> list[FirmAgent]:
        """The firms of ``firms`` one can choose now."""
        return [f for f in firms if f.in_market]

    def weighted_choice(self, firms: list[FirmAgent], scale: list[float]) -> FirmAgent | None:
        """Logit choice weights exp(U - max U) times ``scale`` (relsim's choose); None if all 0."""
        utilities = [self.utility(f) for f in firms]
        top = max(utilities)
        weights = [math.exp(u - top) * s for u, s in zip(utilities, scale)]
        if not sum(weights) > 0:
            return None
        return self.random.choices(firms, weights=weights)[0]

    def consider_leaving(self) -> None:
        """Churn with the hazard; a churner may switch at once to a known rival in the market."""
        rivals = self.known_rivals()
        if not self.churns(rivals):
            return
        self.end_relationship()
        options = self.in_market_options(rivals)
        if options and self.random.random() < self.model.config.behaviour.switch_share:
            self.start_relationship(self.choose(options))

    def consider_returning(self) -> None:
        """Win-back: a lapsed customer returns with winback_rate to a known firm (logit choice)."""
        if self.random.random() >= self.model.config.behaviour.winback_rate:
            return
        options = self.in_market_options(
            [f for f in self.model.firms if self.aware[f.index]])
        if options:
            self.start_relationship(self.choose(options))

    def consider_adopting(self) -> None:
        """Bass adoption: hazard from p and the share of customer neighbours, then a firm.

        An adoption comes from advertising with probability p / (p + q share);
        the firm is then chosen by logit weights times advertising weight, or
        times the number of the firm's customers among the neighbours.
        """
        a = self.model.config.adoption
        rnd = self.random
        u = rnd.random()
        # the hazard rises with the share (q >= 0): no neighbour count needed when even an
        # all-customer neighbourhood would not make this prospect adopt (same draws, and
        # most prospects' weeks; without this shortcut the naive full model is ~2x slower)
        if u >= adoption_hazard(a.p_per_year, a.q_per_year, 1.0):
            return
        firms = self.model.firms
        members = [0] * len(firms)
        degree = 0
        for neighbour in self.cell.neighborhood.agents:
            degree += 1
            if neighbour.firm is not None:
                members[neighbour.firm.index] += 1
        share = sum(members) / max(degree, 1)
        if u >= adoption_hazard(a.p_per_year, a.q_per_year, share):
            return
        from_ads = rnd.random() < advertising_share(a.p_per_year, a.q_per_year, share)
        scale = [(f.ad_weight() if from_ads else members[f.index]) * f.in_market for f in firms]
        firm = self.weighted_choice(firms, scale)
        if firm is not None:
            self.start_relationship(firm)

    def see_ad(self, firm: FirmAgent) -> None:
        """An advertising exposure: aware of the firm, attitude toward its promise."""
        f = firm.index
        self.aware[f] = True
        self.attitude[f] += self.model.config.behaviour.ad_attitude_rate * (
            firm.promise - self.attitude[f])

    # ------------------------------------------------------------------ encounter and attitudes
    def purchase(self) -> None:
        """Maybe buy (by stage): encounter, complaint and recovery, trust, reference price."""
        stage = self.stage
        rnd = self.random
        if rnd.random() >= purchase_probability(self.purchase_prob, stage):
            return
        b, firm = self.model.config.behaviour, self.firm
        experienced = experienced_quality(firm.quality, firm.quality_sd, rnd.gauss(0.0, 1.0))
        gap = experienced - self.expectation
        encounter = transaction_satisfaction(experienced, perceived_value(gap, b.loss_aversion),
                                             b.disconfirmation_gain)
        kept = rnd.random() < firm.reliability
        if service_failure(gap, not kept, b.failure_threshold) \
                and rnd.random() < b.complaint_prob:
            resolved = rnd.random() < firm.recovery_rate
            encounter = recovered_satisfaction(encounter, True, resolved, firm.recovery_quality,
                                               b.double_deviation)
            self.fairness = complaint_fairness(self.fairness, True, resolved,
                                               firm.recovery_quality, b.fairness_rate)
            self.complaints += 1
        self.satisfaction = move_toward(self.satisfaction, encounter, b.satisfaction_rate)
        self.expectation = move_toward(self.expectation, experienced, b.expectation_rate)
        self.trust = update_trust(self.trust, kept, b.trust_gain, self.trust_loss)
        self.reference_price = move_toward(self.reference_price, self.price_paid,
                                           b.reference_price_rate)
        if failed_exploration(stage, encounter, b.exploration_failure):
            self.end_relationship()

    def update_attitudes(self) -> None:
        """Attitude to the own firm, price fairness, dependence, asymmetry, commitment."""
        b, firm, firms = self.model.config.behaviour, self.firm, self.model.firms
        self.attitude[firm.index] = self.expectation
        peer_price = (self.peer_price_sum / self.peer_count if self.peer_count else math.nan)
        self.peer_price_sum, self.peer_count = 0.0, 0
        target = price_fairness_target(self.price_paid, self.reference_price, peer_price,
                                       b.fairness_at_reference, b.price_fairness_slope,
                                       b.peer_fairness_slope)
        self.fairness = move_toward(self.fairness, target, b.fairness_rate)
        known = sum(self.aware) - 1  # known rivals: the own firm is known
        switching_cost = clip01(self.personal_switching_cost + firm.switching_cost)
        target = dependence_target(switching_cost, known, len(firms) - 1, self.stage,
                                   b.dependence_switching_weight,
                                   b.dependence_alternatives_weight, b.dependence_stage_weight)
        self.dependence = move_toward(self.dependence, target, b.dependence_rate)
        asymmetry = dependence_asymmetry(
            self.dependence, firm_dependence(self.basket, firm.mean_basket(), self.importance))
        target = commitment_target(self.trust, self.satisfaction, self.fairness,
                                   self.dependence, asymmetry, self.trust_weight,
                                   b.commitment_satisfaction_weight,
                                   b.commitment_fairness_weight,
                                   b.commitment_dependence_weight, b.asymmetry_penalty)
        self.commitment = move_toward(self.commitment, target, b.commitment_rate)

    def advance_lifecycle(self) -> None:
        """Stage transition, basket growth in expansion, tenure."""
        b = self.model.config.behaviour
        self.stage = stage = advance_stage(self.stage, self.tenure, self.trust, self.commitment,
                                           b.exploration_weeks, b.awareness_trust,
                                           b.expansion_commitment, b.commitment_commitment,
                                           b.stage_hysteresis)
        if stage == EXPANSION:
            grown = grow_basket(self.basket, stage, self.segment_basket, b.expansion_growth,
                                b.max_basket_multiple)
            self.firm.basket_total += grown - self.basket
            self.basket = grown
        self.tenure += 1

    # ------------------------------------------------------------------ word of mouth
    def talk(self) -> None:
        """Maybe talk about the (former) firm to every neighbour, telling the price paid."""
        about = self.talks_about()
        if about is None:
            return
        positive, price = self.satisfaction >= 0.5, self.price_paid
        for neighbour in self.cell.neighborhood.agents:
            neighbour.hear(about, positive, price)

    def hear(self, firm: FirmAgent, positive: bool, price: float = math.nan) -> None:
        """As the core rules; a customer of ``firm`` also notes the price the talker pays."""
        super().hear(firm, positive)
        if self.firm is firm:
            self.peer_price_sum += price
            self.peer_count += 1


# --------------------------------------------------------------------------- model

NETWORK_OPTIONS: dict[str, Any] = (
    {"layout": None} if "layout" in inspect.signature(Network.__init__).parameters else {})
"""Mesa >= 3.4 computes a spring layout of the graph by default (minutes at 20,000 nodes);
a network of customers needs no positions."""



def default_graph(config: ModelConfig, rng: np.random.Generator) -> nx.Graph:
    """``networkx.watts_strogatz_graph`` with the configured size, mean degree and rewiring.

    The lattice degree is the mean degree rounded down to even (at least 2), as in relsim.
    """
    net = config.network
    k = max(2, int(round(net.mean_degree)) // 2 * 2)
    return nx.watts_strogatz_graph(config.n_customers, k, net.rewire_prob, seed=rng)


def customers_in_relationship(model: NaiveRelationshipModel) -> int:
    """Model reporter: number of customers who have a firm."""
    return sum(1 for a in model.customers if a.firm is not None)


def mean_customer_state(name: str, model: NaiveRelationshipModel) -> float:
    """Model reporter: mean of one state variable over customers who have a firm."""
    values = [getattr(a, name) for a in model.customers if a.firm is not None]
    return sum(values) / len(values) if values else math.nan


class NaiveRelationshipModel(mesa.Model):
    """relsim's rules (module docstring) with one Mesa agent per customer.

    Parameters come from a :class:`~relsim.config.ModelConfig` and/or the same
    flat keywords as :class:`relsim.RelationshipModel` (``n_customers=``,
    ``talk_prob=``, ``firms=``...).  ``rng`` is an int seed or a numpy
    Generator; ``graph`` an optional networkx graph on nodes ``0 .. n-1``
    (default: :func:`default_graph`, drawn from the model's generator).
    ``rules``: ``"full"`` (default) for every rule the module docstring lists,
    ``"core"`` for the first subset only (encounters, trust, commitment, churn
    and switching, word of mouth), exactly the model of the first benchmarks.
    """

    RULES = ("full", "core")

    def __init__(self, config: ModelConfig | None = None, *, rng: Any = None,
                 graph: nx.Graph | None = None, rules: str = "full", **params: Any) -> None:
        if rules not in self.RULES:
            raise ValueError(f"rules must be one of {self.RULES}, got {rules!r}")
        super().__init__(rng=np.random.default_rng(rng))
        self.rules = rules
        self.config = cfg = apply_overrides(config or ModelConfig(), params)
        graph = graph if graph is not None else default_graph(cfg, self.rng)
        self.grid = Network(graph, capacity=1, random=self.random, **NETWORK_OPTIONS)
        prices = [f.price for f in cfg.firms]
        mean_price = sum(prices) / len(prices)
        self.firms = [FirmAgent(self, i, f, f.price / mean_price)
                      for i, f in enumerate(cfg.firms)]
        customer_class = FullCustomerAgent if rules == "full" else CustomerAgent
        for cell in self.grid.all_cells:
            customer_class(self, cell, self.initial_firm(), self.draw_traits())
        self.customers = self.agents_by_type[customer_class]
        self.customer_list = list(self.customers)  # for the firms' advertising
        self.datacollector = mesa.DataCollector(model_reporters={
            "customers": customers_in_relationship,
            "mean_satisfaction": partial(mean_customer_state, "satisfaction"),
            "mean_commitment": partial(mean_customer_state, "commitment"),
        })
        self.datacollector.collect(self)

    def initial_firm(self) -> FirmAgent | None:
        """A firm (chosen by advertising weight) for the initial customer share, else None.

        Full rules: only firms in the market at step 0 (relsim.customers.initial_customers).
        """
        if self.random.random() >= self.config.adoption.initial_customer_share:
            return None
        weights = [f.advertising * (self.rules == "core" or f.entry_step == 0)
                   for f in self.firms]
        return self.random.choices(self.firms, weights=weights if sum(weights) else None)[0]

    def draw_traits(self) -> dict[str, Any]:
        """Fixed traits of one customer: segment means plus clipped normal noise."""
        cfg, rnd = self.config, self.random
        segment = rnd.choices(cfg.segments, weights=[s.share for s in cfg.segments])[0]
        traits = {name: clip01(rnd.gauss(getattr(segment, name), segment.trait_sd))
                  for name in ("price_sensitivity", "talkativeness", "status_seeking",
                               "switching_cost")}
        traits["churn_proneness"] = self.churn_proneness()
        traits["purchase_prob"] = segment.purchase_prob
        traits["segment"] = segment
        return traits

    def churn_proneness(self) -> float:
        """Baseline weekly churn probability, drawn as relsim.rules.churn.churn_proneness."""
        b = self.config.behaviour
        mean, heterogeneity = b.base_churn, b.churn_heterogeneity
        if heterogeneity <= 0 or mean <= 0 or mean >= 1:
            return mean
        return self.random.betavariate(mean / heterogeneity, (1.0 - mean) / heterogeneity)

    def step(self) -> None:
        """One week: every agent steps once in random order (Mesa's shuffle_do), then metrics."""
        self.agents.shuffle_do("step")
        self.datacollector.collect(self)

    def run(self, steps: int) -> NaiveRelationshipModel:
        """Run ``steps`` weeks; returns self."""
        for _ in range(steps):
            self.step()
        return self

    def state(self, name: str) -> np.ndarray:
        """One attribute of every customer as an array (for comparisons with relsim)."""
        return np.array([getattr(a, name) for a in self.customers], dtype=float)

    def in_relationship(self) -> np.ndarray:
        """True for customers who currently have a firm."""
        return np.array([a.firm is not None for a in self.customers])
