"""A straightforward one-object-per-customer Mesa version of a subset of relsim's rules.

This is the model a Mesa user would write by following Mesa's own examples
(``mesa.examples.basic.virus_on_network``): every customer is a
:class:`mesa.discrete_space.FixedAgent` on a cell of a
:class:`mesa.discrete_space.Network` built from a networkx graph, every firm a
:class:`mesa.Agent`, and a step is ``self.agents.shuffle_do("step")``, each
customer updating its own state and talking to the agents in
``self.cell.neighborhood``.  It exists so that ``bench_scale.py`` can compare
relsim's column-wise step with the per-object style on the same equations.

The subset of relsim's rules (same equations, same parameters from
:class:`relsim.config.ModelConfig`; the equations are re-implemented below on
Python floats, as a Mesa user would write them, because calling relsim's numpy
rule functions on scalars would cost microseconds per call and make the
comparison unfair to the per-object style -- ``tests/test_benchmarks_smoke.py``
checks every scalar function against its relsim rule):

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
  and a neighbour who is that firm's customer also shifts expectation and trust;
* per-step metrics, as in Mesa's examples: a :class:`mesa.DataCollector` with
  three model reporters that loop over the agents (customers in a relationship,
  their mean satisfaction and mean commitment), where relsim computes ~45
  per-firm metrics each step.

Not modelled (relsim has them): adoption of prospects and advertising
awareness, win-back, complaints and recovery, price fairness (held at
``fairness_at_reference``), dependence and the firm's dependence (held at 0, so
the asymmetry term of commitment is 0), lifecycle stages (every customer buys
with its awareness-stage probability), the other metrics and the logs.  Differences of style,
inherent to one object per customer: customers act in a random order and see
each other's updates at once (asynchronous updating), where relsim updates all
customers simultaneously; a message shifts a listener immediately, one message
at a time, where relsim adds up a week's messages first.

Randomness: one :class:`numpy.random.Generator` (``rng=`` keyword of
:class:`mesa.Model`) seeds the model's stdlib ``random.Random``, from which all
draws come; no global random state is used.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import FixedAgent, Network

from relsim.config import FirmConfig, ModelConfig, apply_overrides

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


# --------------------------------------------------------------------------- agents


class FirmAgent(mesa.Agent):
    """A competing firm: the attributes of its :class:`~relsim.config.FirmConfig`."""

    def __init__(self, model: mesa.Model, index: int, config: FirmConfig,
                 relative_price: float) -> None:
        super().__init__(model)
        self.index = index
        for field in FirmConfig.model_fields:
            setattr(self, field, getattr(config, field))
        self.relative_price = relative_price

    def step(self) -> None:
        """Firms have no policies in this subset."""


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

    def consider_leaving(self) -> None:
        """Churn with the hazard; a churner who knows a rival may switch to it at once."""
        b = self.model.config.behaviour
        rivals = self.known_rivals()
        own = self.utility(self.firm)
        gap = max(self.utility(f) for f in rivals) - own if rivals else 0.0
        switching_cost = clip01(self.personal_switching_cost + self.firm.switching_cost)
        hazard = churn_hazard(self.churn_proneness, self.commitment, gap, switching_cost,
                              b.commitment_effect, b.alternative_effect,
                              b.switching_cost_effect)
        if self.random.random() >= hazard:
            return
        self.end_relationship()
        if rivals and self.random.random() < b.switch_share:
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

    def talk(self) -> None:
        """Maybe talk about the (former) firm to every neighbour."""
        about = self.firm if self.firm is not None else self.former_firm
        if about is None:
            return
        b = self.model.config.behaviour
        p = talk_probability(self.talkativeness, self.satisfaction, b.talk_prob,
                             b.unhappy_talk_boost, b.happy_talk_boost)
        if self.random.random() >= p:
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


# --------------------------------------------------------------------------- model


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
    """relsim's rule subset (module docstring) with one Mesa agent per customer.

    Parameters come from a :class:`~relsim.config.ModelConfig` and/or the same
    flat keywords as :class:`relsim.RelationshipModel` (``n_customers=``,
    ``talk_prob=``, ``firms=``...).  ``rng`` is an int seed or a numpy
    Generator; ``graph`` an optional networkx graph on nodes ``0 .. n-1``
    (default: :func:`default_graph`, drawn from the model's generator).
    """

    def __init__(self, config: ModelConfig | None = None, *, rng: Any = None,
                 graph: nx.Graph | None = None, **params: Any) -> None:
        super().__init__(rng=np.random.default_rng(rng))
        self.config = cfg = apply_overrides(config or ModelConfig(), params)
        graph = graph if graph is not None else default_graph(cfg, self.rng)
        self.grid = Network(graph, capacity=1, random=self.random)
        prices = [f.price for f in cfg.firms]
        mean_price = sum(prices) / len(prices)
        self.firms = [FirmAgent(self, i, f, f.price / mean_price)
                      for i, f in enumerate(cfg.firms)]
        for cell in self.grid.all_cells:
            CustomerAgent(self, cell, self.initial_firm(), self.draw_traits())
        self.customers = self.agents_by_type[CustomerAgent]
        self.datacollector = mesa.DataCollector(model_reporters={
            "customers": customers_in_relationship,
            "mean_satisfaction": partial(mean_customer_state, "satisfaction"),
            "mean_commitment": partial(mean_customer_state, "commitment"),
        })
        self.datacollector.collect(self)

    def initial_firm(self) -> FirmAgent | None:
        """A firm (chosen by advertising weight) for the initial customer share, else None."""
        if self.random.random() >= self.config.adoption.initial_customer_share:
            return None
        weights = [f.advertising for f in self.firms]
        return self.random.choices(self.firms, weights=weights if sum(weights) else None)[0]

    def draw_traits(self) -> dict[str, float]:
        """Fixed traits of one customer: segment means plus clipped normal noise."""
        cfg, rnd = self.config, self.random
        segment = rnd.choices(cfg.segments, weights=[s.share for s in cfg.segments])[0]
        traits = {name: clip01(rnd.gauss(getattr(segment, name), segment.trait_sd))
                  for name in ("price_sensitivity", "talkativeness", "status_seeking",
                               "switching_cost")}
        traits["churn_proneness"] = self.churn_proneness()
        traits["purchase_prob"] = segment.purchase_prob
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
