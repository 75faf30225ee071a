"""Typed, plain-data configuration of a relsim model.

A :class:`ModelConfig` is everything a run needs besides its seed: it is a
pydantic model (validated, picklable, comparable) and building a
:class:`~relsim.model.RelationshipModel` from it is the one place where work
happens.  Every parameter is declared once here with its default, range, unit,
one line of documentation and its source or rationale; ``docs/parameters.md``
and the parameter tables in ``docs/ODD.md`` are generated from these
declarations (``python -m relsim.odd``).

Parameters are reached from YAML (nested mappings) and, by their path, from
keyword arguments, variants, experiments and calibrations through the one
override engine, :mod:`relsim.overrides`.  The behaviour parameters are
declared in the rule modules that read them (``relsim.rules.*``) and combined
into :class:`BehaviourConfig` here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import field_validator, model_validator

from relsim.network import NETWORK_KINDS, check_network_parameters
from relsim.params import STEPS_PER_YEAR, Name, P, Section, parameter_table
from relsim.policies import AnyPolicyConfig
from relsim.rules.choice import ChoiceParams
from relsim.rules.churn import ChurnParams
from relsim.rules.commitment import CommitmentParams
from relsim.rules.complaints import ComplaintParams
from relsim.rules.dependence import DependenceParams
from relsim.rules.fairness import FairnessParams
from relsim.rules.lifecycle import LifecycleParams
from relsim.rules.satisfaction import SatisfactionParams
from relsim.rules.trust import TrustParams
from relsim.rules.word_of_mouth import WordOfMouthParams


class NetworkConfig(Section):
    """The social network over all customers and prospects."""

    kind: Literal[NETWORK_KINDS] = P(
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

    name: Name = P("firm", doc="firm name used in outputs (1 to 64 characters, one line)")
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
    name: Name = P("b2c", doc="segment name")
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


BEHAVIOUR_SECTIONS: tuple[type[Section], ...] = (
    SatisfactionParams,
    TrustParams,
    FairnessParams,
    DependenceParams,
    CommitmentParams,
    LifecycleParams,
    ChurnParams,
    ComplaintParams,
    WordOfMouthParams,
    ChoiceParams,
)
"""The behaviour parameter sections in ODD order, each declared in its rule module."""


class BehaviourConfig(*reversed(BEHAVIOUR_SECTIONS)):  # fields in the order listed
    """Parameters of the behavioural rules: one section per rule module, declared next to
    the rule that reads it and combined here into one flat ``behaviour`` section."""


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
        names = [s.name for s in segments]
        if len(set(names)) != len(names):
            raise ValueError(f"segment names must be unique, got {names}")
        total = sum(s.share for s in segments)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"segment shares must add up to 1, got {total:g}")
        return segments

    @model_validator(mode="after")
    def _network_fits_the_market(self) -> ModelConfig:
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


__all__ = ["SEGMENT_PRESETS", "STEPS_PER_YEAR", "AdoptionConfig", "BehaviourConfig",
           "EconomicsConfig", "FirmConfig", "ModelConfig", "NetworkConfig", "RecordConfig",
           "SegmentConfig", "parameter_table"]
