"""RelationshipModel: a Mesa model of customer relationships on a social network.

The model is a real :class:`mesa.Model`: firms are :class:`mesa.Agent` s, a
:class:`mesa.DataCollector` records per-firm and market metrics every step, and
``mesa.batch_run`` can sweep its flat keyword parameters.  Customers' state
lives in columns (:class:`relsim.customers.Customers`) and every step updates
all customers at once, rule by rule (``relsim.rules``), in this order:

1. firms act (policies);
2. churn, switching and win-back of existing customers;
3. adoption of prospects (Bass, individual level) and advertising awareness;
4. service encounters: purchases, quality vs. expectation, promises kept or
   broken, complaints and recovery, exploration failures;
5. fairness, dependence, commitment;
6. lifecycle transitions and basket growth;
7. word of mouth along the network;
8. metrics.

Randomness: one seed feeds a :class:`numpy.random.SeedSequence` whose children
drive network building, initialisation and dynamics separately.  Every step
draws a fixed block of random numbers per customer, whatever the state
(:class:`relsim.draws.WeekDraws`), so the same seed gives the same customer the
same luck in every variant of a scenario (common random numbers).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from relsim import economics
from relsim import metrics as metrics_module
from relsim.config import ModelConfig, apply_overrides
from relsim.customers import Customers, at_firm, columns, initial_customers, set_at_firm
from relsim.draws import WeekDraws
from relsim.firms import Firm
from relsim.network import SocialNetwork, build_network
from relsim.policies.base import Encounter, implements
from relsim.records import Records
from relsim.rules import (
    adoption,
    choice,
    churn,
    commitment,
    complaints,
    dependence,
    fairness,
    lifecycle,
    satisfaction,
    trust,
    word_of_mouth,
)
from relsim.stages import DISSOLUTION, EXPANSION, EXPLORATION, PROSPECT, is_active

# rows of the weekly block of draws (fixed layout: common random numbers); Z_QUALITY
# is read as normals, the others as uniforms
(U_CHURN, U_SWITCH, U_SWITCH_CHOICE, U_RETURN, U_RETURN_CHOICE, U_ADOPT, U_SOURCE,
 U_ADOPT_CHOICE, U_PURCHASE, U_PROMISE, U_COMPLAIN, U_RECOVER, U_TALK, Z_QUALITY) = range(14)
N_DRAW_ROWS = 14


def seed_sequence(rng: Any) -> np.random.SeedSequence:
    """Turn a seed (None, int, SeedSequence or Generator) into the run's root SeedSequence.

    A SeedSequence is copied (spawning from the caller's object would advance
    it, so reusing it would give a different run); a Generator is asked for an
    integer seed, which advances it as any draw would.
    """
    if isinstance(rng, np.random.SeedSequence):
        return np.random.SeedSequence(rng.entropy, spawn_key=rng.spawn_key,
                                      pool_size=rng.pool_size)
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    return np.random.SeedSequence(rng)


def _spread(n: int, idx: np.ndarray, values: np.ndarray, fill: Any) -> np.ndarray:
    """A length-``n`` array holding ``values`` at ``idx`` and ``fill`` elsewhere."""
    out = np.full(n, fill, dtype=values.dtype)
    out[idx] = values
    return out


class RelationshipModel(mesa.Model):
    """Customers and competing firms in relationships over a social network.

    Build it from a :class:`~relsim.config.ModelConfig`, from flat keyword
    parameters, or both (keywords override the config)::

        RelationshipModel(n_customers=2000, trust_loss=0.4, firms__0__price=0.9, rng=42)

    Keyword names are unique parameter names (``trust_loss``) or paths with
    ``__`` (``adoption__q_per_year``, ``firms__1__quality``).  ``rng`` is the
    seed (int, SeedSequence, Generator or None for fresh entropy); ``seed`` is
    accepted as its alias, the name Mesa 3.3's tools pass.  The catch-all is
    named ``kwargs`` because Mesa 3.3's SolaraViz requires that name.
    """

    def __init__(self, config: ModelConfig | None = None, *, rng: Any = None,
                 seed: Any = None, network: SocialNetwork | None = None,
                 **kwargs: Any) -> None:
        if seed is not None and rng is not None:
            raise ValueError("give the seed as rng= or as seed= (Mesa's older name), not both")
        root = seed_sequence(rng if seed is None else seed)
        super().__init__(rng=np.random.default_rng(root.spawn(1)[0]))
        self.config = apply_overrides(config or ModelConfig(), kwargs)
        self.seed_entropy = root.entropy
        network_ss, init_ss, dynamics_ss, self._policy_ss = root.spawn(4)
        cfg = self.config
        self.network = network or build_network(
            cfg.network.kind, cfg.n_customers, np.random.default_rng(network_ss),
            mean_degree=cfg.network.mean_degree, rewire_prob=cfg.network.rewire_prob,
            path=cfg.network.path)
        if self.network.n != cfg.n_customers:
            raise ValueError(f"network has {self.network.n} nodes but n_customers is "
                             f"{cfg.n_customers}")
        self.firms = [Firm(self, i, f) for i, f in enumerate(cfg.firms)]
        self.customers: Customers = initial_customers(cfg, np.random.default_rng(init_ss))
        self._firm_masks: dict[int, np.ndarray] = {}  # see firm_customers
        self.dynamics_rng = np.random.default_rng(dynamics_ss)
        # share of trust a broken promise costs each customer (fixed traits and parameters)
        self._trust_loss = np.minimum(1.0, cfg.behaviour.trust_loss
                                      * self.customers.trust_loss_multiplier)
        self.records = Records(cfg.record, initial=self.customers.acquired_step == -2,
                               segment_names=[s.name for s in cfg.segments])
        self.events = metrics_module.empty_events(cfg.n_customers)
        self._neighbour_info = self._listen()
        self.datacollector = metrics_module.make_datacollector(self)
        metrics_module.update(self)
        self.datacollector.collect(self)
        self.records.trace_step(self, 0)
        self.running = True

    # ------------------------------------------------------------------ helpers
    def firm_array(self, attribute: str) -> np.ndarray:
        """One firm attribute as an array over firms (read each step, so policies can change it)."""
        return np.array([getattr(f, attribute) for f in self.firms], dtype=float)

    @property
    def n_firms(self) -> int:
        """Number of competing firms."""
        return len(self.firms)

    def policy_rng(self, firm_index: int, position: int) -> np.random.Generator:
        """The random stream of a firm's ``position``-th policy (independent of all others)."""
        ss = self._policy_ss
        return np.random.default_rng(np.random.SeedSequence(
            ss.entropy, spawn_key=(*ss.spawn_key, firm_index, position)))

    def firm_customers(self, index: int) -> np.ndarray:
        """Read-only mask of firm ``index``'s current customers.

        Kept until a relationship starts or ends (``start_relationships_at`` and
        ``end_relationships_at``, the only places a customer's firm changes), so the
        policy hooks of a phase share one mask per firm.
        """
        mask = self._firm_masks.get(index)
        if mask is None:
            mask = self.customers.firm == index
            mask.flags.writeable = False
            self._firm_masks[index] = mask
        return mask

    def hooked(self, hook: str) -> bool:
        """Whether any active policy of any firm has ``hook``."""
        return any(implements(p, hook) for firm in self.firms for p in firm.active_policies)

    def policy_hook(self, hook: str, *args: Any) -> list[Any]:
        """Call ``hook(model, mine, *args)`` on every active policy that has it; return results."""
        results = []
        for firm in self.firms:
            policies = [p for p in firm.active_policies if implements(p, hook)]
            if policies:
                mine = self.firm_customers(firm.index)
                results.extend(getattr(p, hook)(self, mine, *args) for p in policies)
        return results

    def _utility(self, idx: np.ndarray) -> np.ndarray:
        """Each firm's utility to customers ``idx``, shape (firms, len(idx)).

        Newcomers see advertised newcomer deals.  Phases 4 and 5 ask for the
        customers who can churn or choose, before any of those customers'
        attitudes change in the week: the utilities of the start of the week.
        """
        c, b = self.customers, self.config.behaviour
        price = self.firm_array("price")
        deal = price * (1.0 - self.firm_array("newcomer_discount"))
        sensitivity = c.price_sensitivity[idx]
        utility = choice.firm_utility(columns(c.attitude, idx), sensitivity, c.status_seeking[idx],
                                      deal, self.firm_array("status"),
                                      b.choice_quality_weight, b.choice_price_weight,
                                      b.choice_status_weight)
        if np.any(deal != price):  # the firm's own customers pay the list price
            own = choice.own_firm_mask(c.firm[idx], self.n_firms)
            surcharge = b.choice_price_weight * ((price - deal) / deal.mean())[:, None]
            utility -= np.where(own, surcharge * sensitivity[None, :], 0.0)
        return utility

    def _switching_cost(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Cost of leaving: personal, the firm's contractual cost and policy ties (points).

        ``idx``: only these customers (default: all).
        """
        c = self.customers
        idx = slice(None) if idx is None else idx
        firm_cost = self.firm_array("switching_cost")[np.maximum(c.firm[idx], 0)]
        personal = c.personal_switching_cost[idx]
        ties = sum(self.policy_hook("switching_cost", None if isinstance(idx, slice) else idx),
                   np.zeros(personal.size))
        return np.clip(personal + firm_cost + ties, 0.0, 1.0)

    def start_relationships_at(self, idx: np.ndarray, firm: np.ndarray) -> None:
        """Customers ``idx`` (increasing indices) start exploring firms ``firm`` (one per index)."""
        c, b = self.customers, self.config.behaviour
        self._firm_masks.clear()
        f = firm.astype(np.int16)
        c.stage[idx] = EXPLORATION
        c.firm[idx] = f
        c.tenure[idx] = 0
        c.started_step[idx] = self.steps
        first = c.acquired_step[idx] == -1
        c.acquired_step[idx[first]] = self.steps
        c.trust[idx] = b.initial_trust
        c.satisfaction[idx] = 0.5
        c.expectation[idx] = c.attitude[f, idx]
        c.dependence[idx] = 0.0
        c.fairness[idx] = b.fairness_at_reference
        c.commitment[idx] = 0.5
        c.basket[idx] = c.segment_basket[idx]
        c.weeks_since_purchase[idx] = 0
        c.recent_complaints[idx] = 0.0
        c.recent_margin[idx] = 0.0
        c.price_paid[idx] = self.firm_array("price")[f]
        c.aware[f, idx] = True
        self.records.relationships_started(idx, first)

    def end_relationships(self, who: np.ndarray, reason: str) -> None:
        """Customers in mask ``who`` leave their firm and lapse (dissolution stage)."""
        self.end_relationships_at(np.flatnonzero(who), reason)

    def end_relationships_at(self, idx: np.ndarray, reason: str) -> None:
        """Customers ``idx`` (increasing indices) leave their firm and lapse (dissolution stage)."""
        c = self.customers
        self._firm_masks.clear()
        f = c.firm[idx]
        self.records.relationships_ended(self, idx, reason)
        c.attitude[f, idx] = np.minimum(c.attitude[f, idx], c.satisfaction[idx])
        c.former_firm[idx] = f
        c.firm[idx] = -1
        c.stage[idx] = DISSOLUTION
        c.tenure[idx] = 0
        c.spend[idx] = 0.0
        # ties to the firm are forfeited on leaving
        c.loyalty_points[idx] = 0.0
        c.loyalty_earned[idx] = 0.0
        c.loyalty_tier[idx] = 0
        c.loyalty_member[idx] = False
        c.community_member[idx] = False
        c.offer_weeks_left[idx] = 0

    # ------------------------------------------------------------------ step phases
    def churn_and_return(self, u: WeekDraws) -> None:
        """Existing customers may churn (and switch at once); lapsed ones may return.

        The hazard (reported as the event ``churn_hazard``), the draws and the
        choices are computed for the customers they concern only (index arrays),
        each customer using its own draws from the fixed block.
        """
        c, b, ev = self.customers, self.config.behaviour, self.events
        active = np.flatnonzero(is_active(c.stage))
        # switching costs at the start of the week: now for the customers in a relationship,
        # later (still unchanged: they have no firm) for those who start one (_churn_hazard)
        self._week_switching_cost = np.full(c.n, np.nan)
        self._week_switching_cost[active] = self._switching_cost(active)
        utility = self._utility(active)
        hazard = self._churn_hazard(active, utility)
        ev.churn_hazard[active] = hazard
        churns = u[U_CHURN, active] < hazard
        churned = active[churns]
        utility = utility[:, churns]
        in_market = self.firm_array("in_market")[:, None].astype(bool)
        rivals = (c.aware[:, churned] & ~choice.own_firm_mask(c.firm[churned], self.n_firms)
                  & in_market)  # known rivals one can switch to now
        switch = rivals.any(axis=0) & (u[U_SWITCH, churned] < b.switch_share)
        switching = churned[switch]
        weights = choice.logit_weights(utility[:, switch]) * in_market
        new_firm = choice.choose(weights * rivals[:, switch], u[U_SWITCH_CHOICE, switching])
        lapsed = np.flatnonzero(c.stage == DISSOLUTION)
        ev.churned_from[churned] = c.firm[churned]
        self.end_relationships_at(churned, "churn")
        ev.switched_to[switching] = new_firm
        ev.switched_from[switching] = ev.churned_from[switching]
        self.start_relationships_at(switching, new_firm)

        returning = lapsed[u[U_RETURN, lapsed] < b.winback_rate]
        utility = self._utility(returning)
        weights = choice.logit_weights(utility) * in_market
        back_to = choice.choose(weights * c.aware[:, returning], u[U_RETURN_CHOICE, returning])
        found = back_to >= 0
        returning, back_to, utility = returning[found], back_to[found], utility[:, found]
        former = c.former_firm[returning]
        winback = back_to == former
        ev.winback[returning] = winback
        late_switch = returning[~winback]
        ev.switched_to[late_switch] = back_to[~winback]
        ev.switched_from[late_switch] = former[~winback]
        ev.returned_to[returning] = back_to
        ev.churn_hazard[returning] = self._churn_hazard(returning, utility)
        self.start_relationships_at(returning, back_to)

    def _churn_hazard(self, idx: np.ndarray, utility: np.ndarray,
                      cost: np.ndarray | None = None) -> np.ndarray:
        """Churn hazard of customers ``idx`` at their state at the start of the week.

        ``utility`` holds the firms' utilities to these customers (``_utility(idx)``);
        ``cost`` their switching costs (default: those of the start of the week).

        Called in phase 4 for the customers in a relationship, and for the
        customers who start one this week (returning, adopting) just before
        they do, when their state is still that of the start of the week; it
        is stored as the event ``churn_hazard`` (their forward value uses it).
        """
        c, b = self.customers, self.config.behaviour
        own = choice.own_firm_mask(c.firm[idx], self.n_firms)
        gap = choice.best_rival_gap(utility, own, columns(c.aware, idx))
        if cost is None:
            cost = self._week_switching_cost[idx]
            later = np.isnan(cost)  # starting a relationship: no firm since the week began
            if later.any():
                cost[later] = self._switching_cost(idx[later])
        return churn.churn_hazard(c.churn_proneness[idx], c.commitment[idx], gap,
                                  cost, b.commitment_effect,
                                  b.alternative_effect, b.switching_cost_effect)

    def adopt(self, u: WeekDraws) -> None:
        """Prospects adopt by advertising (p) or imitation of customer neighbours (q), then choose a firm."""
        c, a, b, ev = self.customers, self.config.adoption, self.config.behaviour, self.events
        members = self._neighbour_info["members"]
        prospects = np.flatnonzero(c.stage == PROSPECT) if a.enabled else np.zeros(0, np.intp)
        share = (members.sum(axis=0)[prospects]
                 / np.maximum(self.network.degree[prospects], 1))  # customer neighbours
        adopt = u[U_ADOPT, prospects] < adoption.adoption_hazard(a.p_per_year, a.q_per_year, share)
        adopting, share = prospects[adopt], share[adopt]
        from_ads = u[U_SOURCE, adopting] < adoption.advertising_share(a.p_per_year, a.q_per_year,
                                                                       share)
        advertising = self.firm_array("advertising")
        scale = np.where(from_ads[None, :], advertising[:, None], members[:, adopting])
        in_market = self.firm_array("in_market")[:, None]
        utility = self._utility(adopting)
        picked = choice.choose(choice.logit_weights(utility) * scale * in_market,
                               u[U_ADOPT_CHOICE, adopting])
        found = picked >= 0
        adopting, picked, from_ads = adopting[found], picked[found], from_ads[found]
        utility = utility[:, found]
        ev.adopted_ad[adopting[from_ads]] = picked[from_ads]
        ev.adopted_wom[adopting[~from_ads]] = picked[~from_ads]
        ev.churn_hazard[adopting] = self._churn_hazard(adopting, utility)
        self.start_relationships_at(adopting, picked)
        # advertising reaches customers: they learn of the firm and hear its promise
        reach = b.ad_awareness_rate * advertising
        promise = self.firm_array("promise")
        for f in range(self.n_firms):
            idx = self._reached(reach[f])
            c.aware[f, idx] = True
            c.attitude[f, idx] += b.ad_attitude_rate * (promise[f] - c.attitude[f, idx])

    def _reached(self, probability: float) -> np.ndarray:
        """Customers reached, each independently with ``probability``: increasing indices.

        Draws how many are reached (binomial), then which ones (uniformly
        without replacement): the same distribution as one Bernoulli draw per
        customer, at a cost proportional to the customers reached.
        """
        rng, n = self.dynamics_rng, self.customers.n
        count = rng.binomial(n, min(max(probability, 0.0), 1.0))
        return np.sort(rng.choice(n, count, replace=False, shuffle=False))

    def encounters(self, u: WeekDraws) -> None:
        """Service encounters: disconfirmation, promises, complaints, recovery, exploration tests.

        Rules run on the customers they concern only (index arrays of the
        active customers and of this week's buyers); the Encounter that
        policies see holds full-length arrays (NaN / False for non-buyers).
        """
        c, b, ev = self.customers, self.config.behaviour, self.events
        n = c.n
        active = np.flatnonzero(is_active(c.stage))
        c.purchase_prob = np.zeros(n)  # 0 outside a relationship (stage multiplier 0)
        c.purchase_prob[active] = lifecycle.purchase_probability(c.base_purchase_prob[active],
                                                                 c.stage[active])
        # positions (in active) of this week's buyers
        buys = np.flatnonzero(u[U_PURCHASE, active] < c.purchase_prob[active])
        buyers = active[buys]
        bought = ev.bought
        bought[buyers] = True
        # the list price; policies may set the price their customers pay
        c.price_paid[active] = self.firm_array("price")[c.firm[active]]
        # full-length, writable copies only for policies that can write them
        before, after = self.hooked("before_encounters"), self.hooked("after_encounters")
        hooked = before or after
        enc = Encounter(bought=bought, buyers=buyers, experienced=ev.experienced, gap=None,
                        satisfaction=ev.encounter_satisfaction, kept=ev.kept, broken=ev.broken,
                        failed=None, complained=ev.complained, resolved=ev.resolved,
                        trust_loss=self._trust_loss.copy() if hooked else self._trust_loss,
                        complaint_prob=(np.full(n, b.complaint_prob) if before
                                        else np.broadcast_to(b.complaint_prob, n)),
                        price_paid=c.price_paid, noticed=ev.noticed)
        if before:
            self.policy_hook("before_encounters", enc)
        f = c.firm[buyers]
        experienced = satisfaction.experienced_quality(self.firm_array("quality")[f],
                                                       self.firm_array("quality_sd")[f],
                                                       u.normal(Z_QUALITY, buyers))
        gap = satisfaction.disconfirmation(experienced, c.expectation[buyers])
        encounter = satisfaction.transaction_satisfaction(
            experienced, satisfaction.perceived_value(gap, b.loss_aversion),
            b.disconfirmation_gain)
        had = bought[buyers]  # all True
        kept = had & trust.promise_outcome(u[U_PROMISE, buyers], self.firm_array("reliability")[f])
        broken = had & ~kept
        failed = complaints.service_failure(had, gap, broken, b.failure_threshold)
        complained = failed & (u[U_COMPLAIN, buyers] < enc.complaint_prob[buyers])
        resolved = complained & (u[U_RECOVER, buyers] < self.firm_array("recovery_rate")[f])
        recovery_quality = self.firm_array("recovery_quality")[f]
        encounter = complaints.recovered_satisfaction(encounter, complained, resolved,
                                                      recovery_quality, b.double_deviation)
        ev.experienced[buyers] = experienced  # the Encounter's full-length arrays
        ev.encounter_satisfaction[buyers] = encounter
        ev.kept[buyers], ev.broken[buyers] = kept, broken
        ev.complained[buyers], ev.resolved[buyers] = complained, resolved
        if after:
            enc.gap = _spread(n, buyers, gap, np.nan)
            enc.failed = _spread(n, buyers, failed, False)
            self.policy_hook("after_encounters", enc)
            encounter = enc.satisfaction[buyers]
            kept, broken = enc.kept[buyers], enc.broken[buyers]
            complained, resolved = enc.complained[buyers], enc.resolved[buyers]
        c.satisfaction[buyers] = satisfaction.update_satisfaction(
            c.satisfaction[buyers], encounter, had, b.satisfaction_rate)
        c.expectation[buyers] = satisfaction.update_expectation(
            c.expectation[buyers], experienced, had, b.expectation_rate)
        c.trust[buyers] = trust.update_trust(c.trust[buyers], kept, broken, b.trust_gain,
                                             enc.trust_loss[buyers])
        c.fairness[buyers] = complaints.complaint_fairness(c.fairness[buyers], complained,
                                                           resolved, recovery_quality,
                                                           b.fairness_rate)
        c.complaints[buyers] += complained
        c.spend = np.zeros(n)
        c.spend[buyers] = c.price_paid[buyers] * c.basket[buyers]
        self.observe_accounts(active, buys, complained)
        c.reference_price[buyers] = fairness.update_reference_price(
            c.reference_price[buyers], c.price_paid[buyers], had, b.reference_price_rate)
        self.records.transactions(self, bought)
        ev.spend_firm[buyers] = f
        ev.spend[buyers] = c.spend[buyers]
        failed_test = buyers[lifecycle.failed_exploration(c.stage[buyers], encounter, had,
                                                          b.exploration_failure)]
        ev.failed_from[failed_test] = c.firm[failed_test]
        self.end_relationships_at(failed_test, "exploration")

    def observe_accounts(self, active: np.ndarray, buys: np.ndarray,
                         complained: np.ndarray) -> None:
        """Update what a firm can observe of each account, and each customer's realised value.

        weeks since the last purchase; complaints fading by 10% a week; weekly
        margin after cost to serve, fading likewise; discounted margin to date.
        ``active`` indexes the customers in a relationship, ``buys`` holds the
        positions in ``active`` of those who bought, ``complained`` marks the
        buyers who complained.
        """
        c, d = self.customers, self.config.economics.discount_rate_per_step
        buyers = active[buys]
        f = c.firm[active]
        bought = (c.price_paid[buyers] - self.firm_array("unit_cost")[c.firm[buyers]]) \
            * c.basket[buyers]  # margin of each buyer
        margin = np.zeros(active.size)
        margin[buys] = bought
        c.weeks_since_purchase[active] += 1
        c.weeks_since_purchase[buyers] = 0
        np.multiply(c.recent_complaints, 0.9, out=c.recent_complaints)
        c.recent_complaints[buyers] += complained
        weekly = margin - self.firm_array("service_cost")[f]
        recent = c.recent_margin[active]
        c.recent_margin[active] = recent + 0.1 * (weekly - recent)
        c.realised_value[buyers] += bought * (1.0 + d) ** -self.steps

    def forward_values(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Each customer's forward lifetime value at its current state (0 without a firm).

        ``idx``: only these customers (default: all).
        """
        c = self.customers
        idx = np.arange(c.n) if idx is None else idx
        firm = c.firm[idx]
        f = np.maximum(firm, 0)
        buys = lifecycle.purchase_probability(c.base_purchase_prob[idx], c.stage[idx])
        weekly = (buys * c.basket[idx] * (c.price_paid[idx] - self.firm_array("unit_cost")[f])
                  - self.firm_array("service_cost")[f])
        hazard = self.events.churn_hazard[idx]  # not yet drawn at step 0: the baseline proneness
        hazard = np.where(np.isnan(hazard), c.churn_proneness[idx], hazard)
        # customers who started a relationship this week: their hazard with their new firm
        joined = (firm >= 0) & (c.started_step[idx] == self.steps) & (self.steps > 0)
        if joined.any():
            new = idx[joined]
            hazard[joined] = self._churn_hazard(new, self._utility(new), self._switching_cost(new))
        value = economics.forward_clv(weekly, 1.0 - hazard,
                                      self.config.economics.discount_rate_per_step)
        return np.where(firm >= 0, value, 0.0)

    def update_attitudes(self) -> None:
        """Fairness, dependence, symmetry and commitment of every customer in a relationship."""
        c, b, ev = self.customers, self.config.behaviour, self.events
        active = np.flatnonzero(is_active(c.stage))
        everyone = np.ones(active.size, dtype=bool)
        f = c.firm[active]
        set_at_firm(c.attitude, f, active, c.expectation[active])
        info = self._neighbour_info
        heard_count = at_firm(info["count"], f, active)
        heard_price = at_firm(info["talk_price"], f, active)
        peer_price = np.divide(heard_price, heard_count, out=np.full(active.size, np.nan),
                               where=heard_count > 0)
        target = fairness.price_fairness_target(c.price_paid[active], c.reference_price[active],
                                                peer_price, b.fairness_at_reference,
                                                b.price_fairness_slope, b.peer_fairness_slope)
        c.fairness[active] = fairness.update_fairness(c.fairness[active], target, everyone,
                                                      b.fairness_rate)
        own = choice.own_firm_mask(f, self.n_firms)
        known_rival = columns(c.aware, active) & ~own
        known_rivals = known_rival[0].astype(np.intp)
        for row in known_rival[1:]:  # count over the few firms
            known_rivals += row
        dep_target = dependence.dependence_target(
            self._switching_cost(active), known_rivals, self.n_firms - 1, c.stage[active],
            b.dependence_switching_weight, b.dependence_alternatives_weight,
            b.dependence_stage_weight)
        c.dependence[active] = dependence.update_dependence(c.dependence[active], dep_target,
                                                            everyone, b.dependence_rate)
        slot = f + 1  # 0: no firm
        basket = c.basket[active]
        basket_by_firm = np.bincount(slot, weights=basket, minlength=self.n_firms + 1)
        count_by_firm = np.bincount(slot, minlength=self.n_firms + 1)
        mean_basket = np.divide(basket_by_firm, count_by_firm,
                                out=np.zeros(self.n_firms + 1), where=count_by_firm > 0)
        c.firm_dependence = np.zeros(c.n)
        c.firm_dependence[active] = dependence.firm_dependence(
            basket, mean_basket[slot], c.importance[active])  # volume: units per purchase
        asymmetry = dependence.dependence_asymmetry(c.dependence[active],
                                                    c.firm_dependence[active])
        ev.asymmetry[active] = asymmetry
        target = commitment.commitment_target(
            c.trust[active], c.satisfaction[active], c.fairness[active], c.dependence[active],
            asymmetry, c.trust_weight[active], b.commitment_satisfaction_weight,
            b.commitment_fairness_weight, b.commitment_dependence_weight, b.asymmetry_penalty)
        bonus = sum(self.policy_hook("commitment_bonus", active), np.zeros(active.size))
        target = np.minimum(1.0, target + bonus)
        c.commitment[active] = commitment.update_commitment(c.commitment[active], target,
                                                            everyone, b.commitment_rate)

    def advance_lifecycle(self) -> None:
        """Stage transitions, basket growth in expansion, and tenure."""
        c, b = self.customers, self.config.behaviour
        c.stage = lifecycle.advance_stage(c.stage, c.tenure, c.trust, c.commitment,
                                          b.exploration_weeks, b.awareness_trust,
                                          b.expansion_commitment, b.commitment_commitment,
                                          b.stage_hysteresis)
        expanding = np.flatnonzero(c.stage == EXPANSION)  # the only baskets that grow
        c.basket[expanding] = lifecycle.grow_basket(c.basket[expanding], c.stage[expanding],
                                                    c.segment_basket[expanding],
                                                    b.expansion_growth, b.max_basket_multiple)
        c.tenure += is_active(c.stage)

    def word_of_mouth(self, u: WeekDraws) -> None:
        """Customers talk about their (former) firm; listeners update attitude, expectation and trust.

        Only customers with a (former) firm can talk, only customers who heard
        a message change their attitudes, and only customers in a relationship
        their expectation and trust; the rules run on those customers only.
        """
        c, b, ev = self.customers, self.config.behaviour, self.events
        speakers = np.flatnonzero((c.firm >= 0) | (c.former_firm >= 0))
        p_talk = word_of_mouth.talk_probability(c.talkativeness[speakers],
                                                c.satisfaction[speakers], b.talk_prob,
                                                b.unhappy_talk_boost, b.happy_talk_boost)
        for multiplier in self.policy_hook("talk_multiplier", speakers):
            p_talk = np.minimum(1.0, p_talk * multiplier)
        talkers = speakers[u[U_TALK, speakers] < p_talk]
        firm, former = c.firm[talkers], c.former_firm[talkers]
        ev.talked_about[talkers] = np.where(firm >= 0, firm, former)  # current, else former
        ev.positive[talkers] = word_of_mouth.message_valence(c.satisfaction[talkers])
        info = self._listen()
        self._neighbour_info = info
        ev.heard_positive[:] = info["positive"].sum(axis=0)
        ev.heard_negative[:] = info["negative"].sum(axis=0)
        for f in range(self.n_firms):  # listeners of messages about firm f
            positive, negative = info["positive"][f], info["negative"][f]
            listeners = np.flatnonzero(info["count"][f] > 0)
            attitude = c.attitude[f]
            attitude[listeners] = trust.shift_toward(
                attitude[listeners], positive[listeners],
                b.negativity_weight * negative[listeners], b.wom_attitude_rate)
            c.aware[f, listeners] = True
        # customers who heard about their own firm (no message leaves a score unchanged)
        customers = np.flatnonzero(c.firm >= 0)
        hearers = customers[at_firm(info["count"], c.firm[customers], customers) > 0]
        own = c.firm[hearers]
        pos_own = at_firm(info["positive"], own, hearers)
        neg_own = b.negativity_weight * at_firm(info["negative"], own, hearers)
        c.expectation[hearers] = trust.shift_toward(c.expectation[hearers], pos_own,
                                                    neg_own, b.wom_expectation_rate)
        c.trust[hearers] = trust.shift_toward(c.trust[hearers], pos_own, neg_own,
                                              b.wom_trust_rate)

    def _listen(self) -> dict[str, np.ndarray]:
        """What each customer's neighbours are and say, per firm (firm-major sums).

        Columns summed over neighbours: customers of each firm, positive and
        negative talkers about each firm (and their sum, ``count``), and the
        prices talkers pay.  Only the rows that can be non-zero take part (this
        week's talkers about firm f for firm f's columns): the same sums as one
        product over all customers, at a fraction of its cost.  Membership counts are kept
        from the previous call and corrected for the customers whose firm
        changed since.
        """
        c, ev, n_f = self.customers, self.events, self.n_firms
        talkers = np.flatnonzero(ev.talked_about >= 0)
        about, positive = ev.talked_about[talkers], ev.positive[talkers]
        heard = np.empty((3, n_f, c.n), dtype=np.float32)  # positive, negative, price
        for f in range(n_f):  # talkers about firm f: each adds to firm f's sums only
            nodes = talkers[about == f]
            said = np.empty((nodes.size, 3), dtype=np.float32)
            said[:, 0] = positive[about == f]
            said[:, 1] = ~positive[about == f]
            # every talker tells the unit price it pays (or last paid, if it has left)
            said[:, 2] = c.price_paid[nodes]
            self.network.neighbour_sum_from(nodes, said, out=heard[:, f])
        return {"members": self._neighbour_members(), "positive": heard[0],
                "negative": heard[1], "count": heard[0] + heard[1], "talk_price": heard[2]}

    def _neighbour_members(self) -> np.ndarray:
        """Customers of each firm among each customer's neighbours, shape (firms, customers).

        The first call sums over all customers in a relationship; later calls
        add the change since the previous call (-1 at the old firm, +1 at the
        new one) for the customers whose firm changed.  The counts are small
        integers, exact in float32, so the result equals a fresh sum.
        """
        c, n_f = self.customers, self.n_firms
        before = getattr(self, "_members_firm", None)
        if before is None:
            nodes = np.flatnonzero(c.firm >= 0)
            values = np.zeros((nodes.size, n_f), dtype=np.float32)
            values[np.arange(nodes.size), c.firm[nodes]] = 1.0
            self._members = self.network.neighbour_sum_from(nodes, values)
        else:
            nodes = np.flatnonzero(c.firm != before)
            if nodes.size:
                old, new = before[nodes], c.firm[nodes]
                values = np.zeros((nodes.size, n_f), dtype=np.float32)
                rows = np.arange(nodes.size)
                values[rows[old >= 0], old[old >= 0]] = -1.0
                values[rows[new >= 0], new[new >= 0]] += 1.0
                self._members += self.network.neighbour_sum_from(nodes, values)
        self._members_firm = c.firm.copy()
        return self._members

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One week: firms act, then all customers are updated rule by rule."""
        self.firms_act()
        n = self.config.n_customers
        u = WeekDraws.draw(self.dynamics_rng, N_DRAW_ROWS, n)
        self.events = metrics_module.empty_events(n)
        self.records.before_step(self)
        self.churn_and_return(u)
        self.adopt(u)
        self.encounters(u)
        self.update_attitudes()
        self.advance_lifecycle()
        self.word_of_mouth(u)
        np.maximum(self.customers.offer_weeks_left - 1, 0, out=self.customers.offer_weeks_left)
        self.policy_hook("end_week")
        metrics_module.update(self)
        self.datacollector.collect(self)
        self.records.trace_step(self, self.steps)
        if self.steps >= self.config.steps:
            self.running = False

    def firms_act(self) -> None:
        """Each firm applies its policies for the week (Mesa AgentSet over the firm agents)."""
        self.agents_by_type[Firm].do("step")

    def run(self, steps: int | None = None) -> RelationshipModel:
        """Run for ``steps`` weeks (default: the configured horizon); returns self."""
        for _ in range(self.config.steps if steps is None else steps):
            self.step()
        return self
