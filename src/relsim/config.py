"""Typed, plain-data configuration of a relsim model.

A :class:`ModelConfig` is everything a run needs besides its seed: it is a
pydantic model (validated, picklable, comparable) and building a
:class:`~relsim.model.RelationshipModel` from it is the one place where work
happens.  Every parameter is declared once here with its default, range, unit,
one line of documentation and its source or rationale; ``docs/parameters.md``
and the parameter tables in ``docs/ODD.md`` are generated from these
declarations (``python -m relsim.odd``).

Parameters are reached from YAML (nested mappings) and from keyword arguments
(flat names: a unique leaf name such as ``trust_loss``, or a path with ``__``
such as ``adoption__q_per_year`` or ``firms__0__price``), see
:func:`apply_overrides`.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any, Literal

from pydantic import BaseModel, field_validator, model_validator

from relsim.params import STEPS_PER_YEAR, P, Section
from relsim.policies import AnyPolicyConfig

class NetworkConfig(Section):
    """The social network over all customers and prospects."""

    kind: Literal["complete", "erdos_renyi", "watts_strogatz", "barabasi_albert", "edge_list"] = P(
        "watts_strogatz", doc="network generator", source="Watts & Strogatz 1998: social "
        "networks are small worlds (high clustering, short paths)")
    mean_degree: float = P(10.0, 1.0, 1000.0, unit="contacts",
                           doc="mean number of contacts per customer",
                           source="Dunbar-scale active ties; Goldenberg et al. 2001 use 5-20")
    rewire_prob: float = P(0.1, 0.0, 1.0, unit="probability",
                           doc="Watts-Strogatz rewiring probability",
                           source="Watts & Strogatz 1998 small-world regime 0.01-0.2")
    path: str | None = P(None, doc="edge-list file (kind: edge_list): one 'i j' or 'i,j' pair "
                         "per line, optional weight column ignored, '#' comments")

    @model_validator(mode="after")
    def _edge_list_needs_path(self) -> NetworkConfig:
        if self.kind == "edge_list" and not self.path:
            raise ValueError("kind 'edge_list' needs 'path' (the edge-list file)")
        if self.kind != "edge_list" and self.path:
            raise ValueError(f"'path' is only read by kind 'edge_list', not {self.kind!r}")
        return self


class AdoptionConfig(Section):
    """Bass diffusion at the level of individuals: how prospects start a relationship."""

    enabled: bool = P(True, doc="prospects adopt (switch off to study a fixed customer base)")
    p_per_year: float = P(0.03, 0.0, 5.0, unit="per year",
                          doc="Bass coefficient of innovation: external influence (advertising)",
                          source="Sultan, Farley & Lehmann 1990 meta-analysis mean p = 0.03")
    q_per_year: float = P(0.38, 0.0, 50.0, unit="per year",
                          doc="Bass coefficient of imitation: influence of adopted neighbours",
                          source="Sultan, Farley & Lehmann 1990 meta-analysis mean q = 0.38")
    initial_customer_share: float = P(0.3, 0.0, 1.0, unit="share",
                                      doc="share of customers already with a firm at step 0",
                                      source="mature market; 0 for a pure diffusion study")


class FirmConfig(Section):
    """One competing firm: its offer and how well it delivers (its levers)."""

    name: str = P("firm", doc="firm name used in outputs")
    quality: float = P(0.7, 0.0, 1.0, unit="score",
                       doc="mean experienced quality of a service encounter",
                       source="design scale; Oliver 1980 performance")
    quality_sd: float = P(0.1, 0.0, 0.5, unit="score",
                          doc="spread of encounter quality (lower = more consistent)",
                          source="consistency, seeds: Starbucks/McDonald's")
    promise: float = P(0.7, 0.0, 1.0, unit="score",
                       doc="advertised quality promise: advertising pulls attitudes toward it; "
                       "a new customer's expectation is its attitude",
                       source="Zeithaml, Berry & Parasuraman 1993 expectations")
    reliability: float = P(0.95, 0.0, 1.0, unit="probability",
                           doc="probability that a promise made at an encounter is kept",
                           source="SERVQUAL reliability dimension")
    price: float = P(1.0, 0.01, 1e6, unit="currency per purchase", doc="list price per purchase")
    unit_cost: float = P(0.6, 0.0, 1e6, unit="currency per purchase",
                         doc="variable cost per purchase (margin = price - unit_cost)")
    advertising: float = P(1.0, 0.0, 100.0, unit="relative weight",
                           doc="advertising weight; share of voice among advertising-driven adopters",
                           source="share of voice, Jones 1990")
    acquisition_cost: float = P(5.0, 0.0, 1e9, unit="currency per new customer",
                                doc="cost of winning one new customer",
                                source="acquisition costs several times retention, seeds")
    switching_cost: float = P(0.1, 0.0, 1.0, unit="score",
                              doc="contractual/procedural cost of leaving this firm",
                              source="Burnham, Frels & Mahajan 2003")
    status: float = P(0.0, 0.0, 1.0, unit="score", doc="brand status, valued by status seekers",
                      source="seeds: Apple iPhone example")
    recovery_rate: float = P(0.5, 0.0, 1.0, unit="probability",
                             doc="probability that a complaint is resolved",
                             source="Tax, Brown & Chandrashekaran 1998")
    recovery_quality: float = P(0.6, 0.0, 1.0, unit="score",
                                doc="quality of a resolved complaint (1 = excellent recovery)",
                                source="Smith & Bolton 1998")
    entry_step: int = P(0, 0, 100_000, unit="step",
                        doc="week the firm enters the market: before it, nobody can choose it "
                        "and it does not advertise (a competitor entering)")
    service_cost: float = P(0.05, 0.0, 1e6, unit="currency per customer per week",
                            doc="cost to serve one customer for a week (retention cost)",
                            source="seeds: keeping a customer is several times cheaper "
                            "than winning one (acquisition_cost)")
    policies: list[AnyPolicyConfig] = P([], doc="retention policies the firm runs "
                                        "(see docs/ODD.md, Policies)")

    @field_validator("policies")
    @classmethod
    def _no_contradictory_policies(cls, policies: list) -> list:
        """Two policies of one kind may not run at the same time (which would win?)."""
        for i, a in enumerate(policies):
            for b in policies[i + 1:]:
                if a.kind == b.kind and a.start < (b.stop or 10**9) and b.start < (a.stop or 10**9):
                    raise ValueError(f"two '{a.kind}' policies overlap in time "
                                     f"(steps {a.start}-{a.stop} and {b.start}-{b.stop}); "
                                     "give them disjoint start/stop windows")
        return policies


SEGMENT_PRESETS: dict[str, dict[str, Any]] = {
    "b2c": {},
    "b2b": {"name": "b2b", "basket": 20.0, "importance": 0.5, "churn_multiplier": 0.5,
            "trust_weight": 0.45, "trust_loss_multiplier": 1.5, "status_seeking": 0.0,
            "price_sensitivity": 0.4, "talkativeness": 0.3, "switching_cost": 0.4,
            "purchase_prob": 0.8},
    "status_seeker": {"name": "status_seeker", "status_seeking": 0.8, "price_sensitivity": 0.3,
                      "talkativeness": 0.7, "trust_weight": 0.2},
}
"""Segment defaults by preset.  B2B: fewer, larger accounts the firm depends on more,
longer relationships, trust and reliability weigh more and status not at all
(seeds: "in B2B ... trust and performance"; Dwyer, Schurr & Oh 1987); status
seekers value brand status over quality (seeds: the iPhone example)."""


class SegmentConfig(Section):
    """A customer segment: its share and the distribution of its fixed traits.

    ``preset`` (b2c, b2b, status_seeker) fills in that segment type's defaults;
    keys given alongside it override them.
    """

    preset: Literal["b2c", "b2b", "status_seeker"] | None = P(
        None, doc="segment type whose defaults to start from (b2c, b2b, status_seeker)")
    name: str = P("b2c", doc="segment name")
    share: float = P(1.0, 0.0, 1.0, unit="share", doc="share of customers in this segment")
    price_sensitivity: float = P(0.5, 0.0, 1.0, unit="score", doc="mean price sensitivity",
                                 source="Kalyanaram & Winer 1995")
    talkativeness: float = P(0.5, 0.0, 1.0, unit="score", doc="mean word-of-mouth propensity",
                             source="Anderson 1998")
    status_seeking: float = P(0.0, 0.0, 1.0, unit="score", doc="weight given to brand status")
    switching_cost: float = P(0.2, 0.0, 1.0, unit="score",
                              doc="mean personal cost of switching (learning, set-up)",
                              source="Burnham, Frels & Mahajan 2003")
    purchase_prob: float = P(0.5, 0.0, 1.0, unit="probability per week",
                             doc="probability of a purchase in a week (awareness stage)")
    basket: float = P(1.0, 0.0, 1e6, unit="purchases", doc="units bought per purchase at the start")
    importance: float = P(0.05, 0.0, 1.0, unit="score",
                          doc="the firm's dependence on one average account of this segment",
                          source="Kumar, Scheer & Steenkamp 1995 interdependence")
    trait_sd: float = P(0.15, 0.0, 0.5, unit="score",
                        doc="spread of traits around their segment means (normal, clipped)")
    churn_multiplier: float = P(1.0, 0.0, 100.0, unit="ratio",
                                doc="multiplier on the baseline churn hazard (B2B: longer "
                                "relationships)", source="Dwyer, Schurr & Oh 1987")
    trust_weight: float | None = P(None, 0.0, 1.0, unit="weight",
                                   doc="weight of trust in commitment for this segment "
                                   "(none: behaviour.commitment_trust_weight)",
                                   source="seeds: in B2B trust and reliability weigh most")
    trust_loss_multiplier: float = P(1.0, 0.0, 5.0, unit="ratio",
                                     doc="multiplier on the trust lost per broken promise "
                                     "(reliability matters more)")

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("preset") in SEGMENT_PRESETS:
            return {**SEGMENT_PRESETS[data["preset"]], **data}
        return data


class BehaviourConfig(Section):
    """Parameters of the behavioural rules (one group per rule module)."""

    # satisfaction and expectation (rules/satisfaction.py)
    loss_aversion: float = P(2.25, 1.0, 5.0, unit="ratio",
                             doc="weight of a negative disconfirmation relative to a positive one",
                             source="Tversky & Kahneman 1992")
    disconfirmation_gain: float = P(1.0, 0.0, 5.0, unit="score per score",
                                    doc="slope of transaction satisfaction in disconfirmation",
                                    source="Oliver 1980")
    satisfaction_rate: float = P(0.2, 0.0, 1.0, unit="weight per encounter",
                                 doc="weight of the latest encounter in cumulative satisfaction",
                                 source="Johnson, Anderson & Fornell 1995 cumulative satisfaction")
    expectation_rate: float = P(0.3, 0.0, 1.0, unit="weight per encounter",
                                doc="weight of the latest experience in next expectation",
                                source="adaptive expectations, Boulding et al. 1993")
    # trust (rules/trust.py)
    trust_gain: float = P(0.05, 0.0, 1.0, unit="share of headroom",
                          doc="share of the distance to full trust gained by a kept promise",
                          source="Slovic 1993 asymmetry principle")
    trust_loss: float = P(0.2, 0.0, 1.0, unit="share of trust",
                          doc="share of trust lost by a broken promise",
                          source="Slovic 1993; Morgan & Hunt 1994")
    initial_trust: float = P(0.5, 0.0, 1.0, unit="score", doc="trust in a new supplier")
    # fairness (rules/fairness.py)
    fairness_rate: float = P(0.2, 0.0, 1.0, unit="weight per week",
                             doc="speed at which perceived fairness follows the price comparison "
                             "(and, per complaint, the justice of its handling)")
    reference_price_rate: float = P(0.05, 0.0, 1.0, unit="weight per purchase",
                                    doc="speed at which the reference price adapts to prices paid",
                                    source="Kalyanaram & Winer 1995 adaptation level")
    fairness_at_reference: float = P(0.75, 0.0, 1.0, unit="score",
                                     doc="fairness of paying exactly the reference price",
                                     source="Bolton, Warlop & Alba 2003: reference prices are "
                                     "judged fair")
    price_fairness_slope: float = P(2.0, 0.0, 20.0, unit="score per relative price",
                                    doc="fairness lost per unit relative price above reference",
                                    source="Xia, Monroe & Cox 2004")
    peer_fairness_slope: float = P(3.0, 0.0, 20.0, unit="score per relative price",
                                   doc="fairness lost per unit relative price above what peers pay",
                                   source="Fehr & Schmidt 1999 disadvantageous inequity")
    # dependence and symmetry (rules/dependence.py)
    dependence_rate: float = P(0.1, 0.0, 1.0, unit="weight per week",
                               doc="speed at which dependence follows its drivers")
    dependence_switching_weight: float = P(0.5, 0.0, 1.0, unit="weight",
                                           doc="weight of switching costs in dependence")
    dependence_alternatives_weight: float = P(0.3, 0.0, 1.0, unit="weight",
                                              doc="weight of few known alternatives in dependence",
                                              source="Emerson 1962 power-dependence")
    dependence_stage_weight: float = P(0.2, 0.0, 1.0, unit="weight",
                                       doc="dependence from integration in expansion/commitment")
    # commitment (rules/commitment.py)
    commitment_rate: float = P(0.1, 0.0, 1.0, unit="weight per week",
                               doc="speed at which commitment follows its drivers")
    commitment_trust_weight: float = P(0.3, 0.0, 1.0, unit="weight", doc="weight of trust",
                                       source="Morgan & Hunt 1994")
    commitment_satisfaction_weight: float = P(0.3, 0.0, 1.0, unit="weight",
                                              doc="weight of satisfaction",
                                              source="Garbarino & Johnson 1999")
    commitment_fairness_weight: float = P(0.15, 0.0, 1.0, unit="weight", doc="weight of fairness",
                                          source="Kumar, Scheer & Steenkamp 1995")
    commitment_dependence_weight: float = P(0.25, 0.0, 1.0, unit="weight",
                                            doc="weight of dependence (calculative commitment)",
                                            source="Gustafsson, Johnson & Roos 2005")
    asymmetry_penalty: float = P(0.1, 0.0, 1.0, unit="score per score",
                                 doc="commitment lost per unit of dependence asymmetry",
                                 source="Kumar, Scheer & Steenkamp 1995")
    # lifecycle (rules/lifecycle.py)
    exploration_weeks: int = P(4, 1, 520, unit="weeks",
                               doc="minimum tenure before exploration can become awareness",
                               source="Dwyer, Schurr & Oh 1987")
    exploration_failure: float = P(0.25, 0.0, 1.0, unit="score",
                                   doc="transaction satisfaction below which exploration ends",
                                   source="seeds: a failed test ends the relationship")
    awareness_trust: float = P(0.45, 0.0, 1.0, unit="score",
                               doc="trust needed to leave exploration for awareness")
    expansion_commitment: float = P(0.55, 0.0, 1.0, unit="score",
                                    doc="commitment needed to enter expansion")
    commitment_commitment: float = P(0.65, 0.0, 1.0, unit="score",
                                     doc="commitment needed to enter the commitment stage")
    stage_hysteresis: float = P(0.1, 0.0, 1.0, unit="score",
                                doc="drop below a threshold that moves a customer one stage back")
    expansion_growth: float = P(0.02, 0.0, 1.0, unit="share per week",
                                doc="growth of basket size per week in expansion",
                                source="Dwyer, Schurr & Oh 1987; Reinartz & Kumar 2003")
    max_basket_multiple: float = P(2.0, 1.0, 100.0, unit="ratio",
                                   doc="cap on basket growth relative to the segment basket")
    # churn, switching and win-back (rules/churn.py)
    base_churn: float = P(0.01, 0.0, 1.0, unit="probability per week",
                          doc="weekly churn hazard at neutral commitment (0.5), no better rival "
                          "and no switching cost", source="calibrated: 10-25% annual churn of "
                          "committed customers, Reichheld & Sasser 1990 range")
    churn_heterogeneity: float = P(0.0, 0.0, 1e6, unit="1/concentration",
                                   doc="spread of individual churn proneness (0 = identical; "
                                   "beta-distributed, gives shifted-beta-geometric retention)",
                                   source="Fader & Hardie 2007")
    commitment_effect: float = P(4.0, 0.0, 50.0, unit="log-hazard per score",
                                 doc="fall in log churn hazard per unit commitment above 0.5",
                                 source="Gustafsson, Johnson & Roos 2005")
    alternative_effect: float = P(2.0, 0.0, 50.0, unit="log-hazard per utility",
                                  doc="rise in log hazard per unit attractiveness gap to best rival",
                                  source="Ping 1993 alternative attractiveness")
    switching_cost_effect: float = P(2.0, 0.0, 50.0, unit="log-hazard per score",
                                     doc="fall in log hazard per unit switching cost",
                                     source="Burnham, Frels & Mahajan 2003")
    switch_share: float = P(0.5, 0.0, 1.0, unit="probability",
                            doc="probability that a churner who knows a rival switches at once")
    winback_rate: float = P(0.01, 0.0, 1.0, unit="probability per week",
                            doc="weekly probability that a lapsed customer returns to a firm",
                            source="Thomas, Blattberg & Fox 2004")
    # complaints and recovery (rules/complaints.py)
    failure_threshold: float = P(0.15, 0.0, 1.0, unit="score",
                                 doc="shortfall below expectation that counts as a service failure")
    complaint_prob: float = P(0.3, 0.0, 1.0, unit="probability",
                              doc="probability that a customer complains after a failure",
                              source="TARP 1986: most dissatisfied customers do not complain")
    double_deviation: float = P(0.2, 0.0, 1.0, unit="score",
                                doc="extra satisfaction lost when a complaint is not resolved",
                                source="Bitner, Booms & Tetreault 1990")
    # word of mouth (rules/word_of_mouth.py)
    talk_prob: float = P(0.1, 0.0, 1.0, unit="probability per week",
                         doc="weekly chance of talking about the firm at average talkativeness")
    unhappy_talk_boost: float = P(2.0, 0.0, 20.0, unit="ratio",
                                  doc="extra talking per unit dissatisfaction below neutral",
                                  source="Anderson 1998: dissatisfied customers talk more")
    happy_talk_boost: float = P(0.5, 0.0, 20.0, unit="ratio",
                                doc="extra talking per unit satisfaction above neutral",
                                source="Anderson 1998")
    negativity_weight: float = P(2.0, 1.0, 10.0, unit="ratio",
                                 doc="weight of a negative message relative to a positive one",
                                 source="Baumeister et al. 2001 bad is stronger than good")
    wom_attitude_rate: float = P(0.05, 0.0, 1.0, unit="score per message",
                                 doc="shift of a listener's attitude to the named firm per message")
    wom_expectation_rate: float = P(0.02, 0.0, 1.0, unit="score per message",
                                    doc="shift of a customer's expectation per message about the firm")
    wom_trust_rate: float = P(0.01, 0.0, 1.0, unit="score per message",
                              doc="shift of a customer's trust per message about the firm")
    promoter_satisfaction: float = P(0.7, 0.0, 1.0, unit="score",
                                     doc="satisfaction from which a customer is an NPS promoter "
                                     "(scores 9-10 of 'would you recommend')",
                                     source="Reichheld 2003 net promoter score")
    detractor_satisfaction: float = P(0.5, 0.0, 1.0, unit="score",
                                      doc="satisfaction below which a customer is an NPS detractor")
    # firm choice (rules/choice.py)
    choice_price_weight: float = P(2.0, 0.0, 50.0, unit="utility per relative price",
                                   doc="disutility of price (times price sensitivity)",
                                   source="multinomial logit, McFadden 1974")
    choice_quality_weight: float = P(3.0, 0.0, 50.0, unit="utility per score",
                                     doc="utility of the expected quality (promise and attitude)")
    ad_awareness_rate: float = P(0.01, 0.0, 1.0, unit="probability per week",
                                 doc="weekly chance that a firm's advertising (weight 1) makes a "
                                 "customer aware of it", source="Vakratsas & Ambler 1999 awareness")
    ad_attitude_rate: float = P(0.2, 0.0, 1.0, unit="share per exposure",
                                doc="share of the gap between attitude and a firm's promise "
                                "closed by one advertising exposure",
                                source="Vakratsas & Ambler 1999")
    choice_status_weight: float = P(2.0, 0.0, 50.0, unit="utility per score",
                                    doc="utility of brand status (times status seeking)")


class EconomicsConfig(Section):
    """Money: discounting for lifetime values."""

    discount_rate_per_year: float = P(0.1, 0.0, 1.0, unit="per year",
                                      doc="discount rate for lifetime value and customer equity",
                                      source="Gupta, Lehmann & Stuart 2004 use 12%")

    @property
    def discount_rate_per_step(self) -> float:
        """Weekly rate equivalent to the annual one."""
        return (1.0 + self.discount_rate_per_year) ** (1.0 / STEPS_PER_YEAR) - 1.0


class RecordConfig(Section):
    """What a run records besides per-step, per-firm metrics."""

    transactions: bool = P(True, doc="keep the transaction log (customer, firm, step, amount)")
    customers: bool = P(True, doc="output the final state and lifetime values of every customer")
    trace: list[int] = P([], doc="customer ids whose state and events are traced step by step")
    truth: bool = P(False, doc="keep the weekly truth: each customer's true purchase probability "
                    "and churn hazard in every week of a relationship (to score CLV models)")


class ModelConfig(Section):
    """Everything a run needs besides its seed."""

    n_customers: int = P(1000, 1, 50_000_000, unit="customers",
                         doc="number of customers and prospects (network nodes)")
    steps: int = P(52, 1, 100_000, unit="weeks", doc="horizon of a run")
    network: NetworkConfig = NetworkConfig()
    adoption: AdoptionConfig = AdoptionConfig()
    firms: list[FirmConfig] = P(
        [FirmConfig(name="A"), FirmConfig(name="B", quality=0.65, price=0.9, promise=0.75),
         FirmConfig(name="C", quality=0.75, price=1.1, quality_sd=0.05)],
        doc="the competing firms")
    segments: list[SegmentConfig] = P([SegmentConfig()], doc="customer segments")
    behaviour: BehaviourConfig = BehaviourConfig()
    economics: EconomicsConfig = EconomicsConfig()
    record: RecordConfig = RecordConfig()

    @field_validator("firms")
    @classmethod
    def _at_least_one_firm(cls, firms: list[FirmConfig]) -> list[FirmConfig]:
        if not firms:
            raise ValueError("at least one firm is needed")
        names = [f.name for f in firms]
        if len(set(names)) != len(names):
            raise ValueError(f"firm names must be unique, got {names}")
        return firms

    @field_validator("segments")
    @classmethod
    def _shares_sum_to_one(cls, segments: list[SegmentConfig]) -> list[SegmentConfig]:
        if not segments:
            raise ValueError("at least one segment is needed")
        total = sum(s.share for s in segments)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment shares must add up to 1, got {total:g}")
        return segments

    @model_validator(mode="after")
    def _network_fits_the_market(self) -> ModelConfig:
        from relsim.network import check_network_parameters

        net = self.network
        try:
            check_network_parameters(net.kind, self.n_customers, net.mean_degree, net.rewire_prob)
        except ValueError as exc:
            raise ValueError(f"network: {exc}") from None
        return self

    @model_validator(mode="after")
    def _trace_ids_exist(self) -> ModelConfig:
        bad = [i for i in self.record.trace if not 0 <= i < self.n_customers]
        if bad:
            raise ValueError(f"record.trace ids must lie in [0, {self.n_customers}), got {bad}")
        return self


# --------------------------------------------------------------------------- overrides

def _leaf_paths(model_cls: type[BaseModel], prefix: tuple[str, ...] = ()) -> dict[str, tuple]:
    """Map every leaf parameter name to its path in the schema (sections only, not lists)."""
    out: dict[str, tuple] = {}
    for name, field in model_cls.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, Section):
            out.update(_leaf_paths(ann, prefix + (name,)))
        else:
            out.setdefault(name, prefix + (name,))
            if name in out and out[name] != prefix + (name,):
                out[name] = ()  # ambiguous leaf name: must be given as a path
    return out


LEAF_PATHS = {k: v for k, v in _leaf_paths(ModelConfig).items() if v}
"""Unique leaf names usable as flat keyword arguments (``trust_loss`` -> behaviour.trust_loss)."""


def _set_path(data: dict, full: dict, path: tuple[str, ...], value: Any, key: str) -> None:
    """Set ``value`` at ``path`` in ``data`` (explicitly set values only), filling gaps from ``full``."""
    node: Any = data
    fallback: Any = full
    for part in path[:-1]:
        if isinstance(node, list):
            idx = _list_index(part, len(node), key)
            node, fallback = node[idx], fallback[idx]
        else:
            if part not in node:
                if not isinstance(fallback, dict) or part not in fallback:
                    raise KeyError(f"unknown parameter {key!r}")
                node[part] = copy.deepcopy(fallback[part])
            node, fallback = node[part], fallback[part]
    last = path[-1]
    if isinstance(node, list):
        node[_list_index(last, len(node), key)] = value
    else:
        node[last] = value


def _list_index(part: str, length: int, key: str) -> int:
    if not part.isdigit() or int(part) >= length:
        raise KeyError(f"{key}: list index {part!r} must be an integer in [0, {length})")
    return int(part)


def resolve_key(key: str) -> tuple[str, ...]:
    """Turn a keyword (``trust_loss``, ``behaviour__trust_loss``, ``firms.0.price``) into a path."""
    if "__" in key or "." in key:
        return tuple(key.replace(".", "__").split("__"))
    if key in ModelConfig.model_fields:
        return (key,)
    if key in LEAF_PATHS:
        return LEAF_PATHS[key]
    close = difflib.get_close_matches(key, list(LEAF_PATHS) + list(ModelConfig.model_fields), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise KeyError(f"unknown parameter {key!r}{hint}")


def apply_overrides(config: ModelConfig, overrides: dict[str, Any]) -> ModelConfig:
    """Return a validated copy of ``config`` with flat or path keyword overrides applied."""
    if not overrides:
        return config
    # only explicitly set values are carried over, so that e.g. a segment's new
    # preset fills in every key the user did not set
    data, full = config.model_dump(exclude_unset=True), config.model_dump()
    for key, value in overrides.items():
        if isinstance(value, BaseModel):
            value = value.model_dump(exclude_unset=True)
        _set_path(data, full, resolve_key(key), value, key)
    return ModelConfig.model_validate(data)


# --------------------------------------------------------------------------- documentation

def parameter_table(model_cls: type[BaseModel] = ModelConfig, prefix: str = "") -> list[dict]:
    """Rows (path, default, range, unit, doc, source) for every parameter, for docs and tests."""
    rows: list[dict] = []
    for name, field in model_cls.model_fields.items():
        path = f"{prefix}{name}"
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, Section):
            rows.extend(parameter_table(ann, path + "."))
            continue
        lo = hi = None
        for meta in field.metadata:
            lo = getattr(meta, "ge", lo) if getattr(meta, "ge", None) is not None else lo
            hi = getattr(meta, "le", hi) if getattr(meta, "le", None) is not None else hi
        extra = field.json_schema_extra or {}
        default = field.default
        if isinstance(default, list) and default and isinstance(default[0], BaseModel):
            default = f"{len(default)} x {type(default[0]).__name__}"
        rows.append({"parameter": path, "default": default, "min": lo, "max": hi,
                     "unit": extra.get("unit", ""), "doc": field.description or "",
                     "source": extra.get("source", "")})
    return rows


def all_parameter_tables() -> list[dict]:
    """Parameter rows for the model and the list-item sections (firms[], segments[])."""
    return (parameter_table(ModelConfig) + parameter_table(FirmConfig, "firms[].")
            + parameter_table(SegmentConfig, "segments[]."))
