"""The policy component: what every retention policy shares, and what it may see.

A firm switches a policy on by listing it in ``firms[].policies`` with its
``kind`` and parameters.  Each policy may start and stop at given steps, so a
programme can be launched or withdrawn mid-run, and a firm may combine
several.  At run time each listed policy becomes a :class:`Policy` object of
its firm.

What a policy sees
------------------
A policy never sees the whole model.  Its hooks receive a :class:`Context`:
the customers' columns, the current step, the mask of its firm's customers,
the week's events, the behaviour parameters, its firm's offer (the levers
it may set), a way to end relationships, and its own customer columns.
Randomness comes from the policy's own stream (:meth:`Policy.draw`), so
switching a policy on leaves every other random number of a run unchanged.

A policy class declares the customer columns it owns in :attr:`Policy.columns`
(name -> :class:`Column`: dtype, whether the value is forfeited when the
customer's relationship ends, whether it counts down by one each week); the
model allocates the columns of the policies configured, resets and counts
them down, and nothing else writes them.

Hooks, in step order (all optional)
-----------------------------------
``launch(ctx)`` / ``withdraw(ctx)``
    once, at the step the policy starts / stops (phase 1).
``begin_week(ctx)``
    firm-level levers before customers act: set ``ctx.offer.price``, ``.quality`` ...
``switching_cost(ctx, idx) -> array``
    extra cost of leaving the firm (e.g. loyalty points forfeited) of customers ``idx``.
``before_encounters(ctx, encounter)``
    set prices paid and complaint propensity before the week's encounters.
``after_encounters(ctx, encounter)``
    change what this week's encounters did (satisfaction, trust loss, points).
``commitment_bonus(ctx, idx) -> array``
    added to the commitment target (relationship maintenance) of customers ``idx``.
``talk_multiplier(ctx, idx) -> array``
    multiplies the chance of talking (referral, community) of customers ``idx``.
``end_week(ctx)``
    actions after the week (retention offers, ending relationships).

``idx`` is an increasing index array of the customers concerned; hooks that take it
return one value per entry, so their cost follows the customers concerned, not the
population.  The per-customer hooks a policy class defines are found once, when the
policy becomes active (:data:`HOOKS`).

Every policy books its cost through :meth:`Policy.spend`; the model reports it
per firm and step as ``cost_<kind>`` and in total as ``policy_cost``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, NamedTuple, Protocol

import numpy as np
from pydantic import model_validator

from relsim.customers import Customers
from relsim.draws import Uniforms
from relsim.events import Events
from relsim.params import P, Section


class PolicyConfig(Section):
    """Parameters shared by every policy: when it runs."""

    kind: str
    start: int = P(0, 0, 100_000, unit="step", doc="first step at which the policy is active")
    stop: int | None = P(None, 1, 100_000, unit="step",
                         doc="first step at which it is no longer active (withdrawn); "
                         "none: runs to the end")

    @model_validator(mode="after")
    def _stops_after_it_starts(self) -> PolicyConfig:
        if self.stop is not None and self.stop <= self.start:
            raise ValueError(f"stop ({self.stop}) must come after start ({self.start}): "
                             "the programme would stop before it starts")
        return self

    def active_at(self, step: int) -> bool:
        """True while the policy runs (start <= step < stop)."""
        return self.start <= step and (self.stop is None or step < self.stop)


class Column(NamedTuple):
    """A customer column a policy owns (zero at the start)."""

    dtype: Any
    doc: str
    reset: bool = True
    """Set back to zero when the customer's relationship ends (a tie forfeited on leaving)."""
    countdown: bool = False
    """Counted down by one (to zero) every week, after word of mouth (weeks left of a
    benefit)."""


@dataclass
class Encounter:
    """This week's service encounters, for all customers (arrays of length n).

    Policies may change the fields marked *writable* for their own customers.
    The encounter fields (experienced ... resolved) are NaN or False for
    customers who did not buy this week.
    """

    bought: np.ndarray            # had an encounter
    buyers: np.ndarray            # indices of the customers who bought (increasing)
    experienced: np.ndarray       # quality experienced
    gap: np.ndarray               # disconfirmation (experienced - expectation)
    satisfaction: np.ndarray      # encounter satisfaction (writable)
    kept: np.ndarray              # promise kept
    broken: np.ndarray            # promise broken
    failed: np.ndarray            # service failure
    complained: np.ndarray        # complaint made
    resolved: np.ndarray          # complaint resolved
    trust_loss: np.ndarray        # share of trust a broken promise costs (writable)
    complaint_prob: np.ndarray    # probability of complaining after a failure (writable, before)
    price_paid: np.ndarray        # unit price paid (writable, before)
    noticed: np.ndarray           # broken promise announced in advance (writable)


@dataclass
class Offer:
    """A firm's levers this week (see :class:`relsim.config.FirmConfig` for each): reset to
    the configured values every week (:meth:`base`), then set by the active policies."""

    quality: float
    quality_sd: float
    promise: float
    reliability: float
    price: float
    unit_cost: float
    advertising: float
    acquisition_cost: float
    switching_cost: float
    status: float
    recovery_rate: float
    recovery_quality: float
    service_cost: float
    newcomer_discount: float = 0.0
    """Share off the price advertised to newcomers (set by a pricing policy)."""

    @classmethod
    def base(cls, config: Any, in_market: bool) -> Offer:
        """The configured offer of a firm (a :class:`relsim.config.FirmConfig`); a firm not
        yet in the market does not advertise."""
        offer = cls(**{f.name: getattr(config, f.name) for f in fields(cls)
                       if f.name != "newcomer_discount"})
        if not in_market:
            offer.advertising = 0.0
        return offer


class Context(Protocol):
    """What a policy sees of the model (one context per firm)."""

    customers: Customers
    """Every customer's columns; a policy changes them for its firm's customers only."""
    events: Events
    """What happened to each customer this week (read only)."""
    behaviour: Any
    """The behaviour parameters (:class:`relsim.config.BehaviourConfig`, read only)."""
    offer: Offer
    """The firm's levers this week."""
    firm_index: int
    """The firm's position among the firms."""

    @property
    def step(self) -> int:
        """The current week."""

    @property
    def mine(self) -> np.ndarray:
        """Read-only mask of the firm's current customers."""

    @property
    def mine_idx(self) -> np.ndarray:
        """Read-only increasing indices of the firm's current customers."""

    def own(self, name: str) -> np.ndarray:
        """A column the policy declared in :attr:`Policy.columns`."""

    def end_relationships(self, idx: np.ndarray, reason: str) -> None:
        """End the relationships of customers ``idx`` (increasing) with this firm."""


class Policy:
    """A policy of one firm: its configuration, its state and its hooks."""

    kind: ClassVar[str]
    config_class: ClassVar[type[PolicyConfig]]
    columns: ClassVar[dict[str, Column]] = {}
    """Customer columns this policy kind owns."""

    def __init__(self, config: PolicyConfig, rng: np.random.Generator) -> None:
        self.config = config
        self.active = False
        self.cost_this_week = 0.0
        self.rng = rng

    def draw(self, ctx: Context) -> Uniforms:
        """One uniform number per customer from the policy's own stream, read as
        ``u[idx]`` for the customers the policy concerns (only those are converted).

        Policies never draw from the model's dynamics stream, so switching a
        policy on leaves every other random number of the run unchanged
        (common random numbers between policy variants).
        """
        return Uniforms.draw(self.rng, ctx.customers.n)

    # -------------------------------------------------------------- bookkeeping
    def spend(self, amount: float) -> None:
        """Book a cost for this week."""
        self.cost_this_week += float(amount)

    def update_activity(self, ctx: Context) -> bool:
        """Start or stop at the configured steps, calling launch/withdraw once; True if the
        policy started or stopped."""
        self.cost_this_week = 0.0
        now = self.config.active_at(ctx.step)
        if now and not self.active:
            self.active = True
            self.launch(ctx)
            return True
        if self.active and not now:
            self.active = False
            self.withdraw(ctx)
            return True
        return False

    # -------------------------------------------------------------- hooks
    def launch(self, ctx: Context) -> None:
        """Called once when the policy starts."""

    def withdraw(self, ctx: Context) -> None:
        """Called once when the policy stops."""

    def begin_week(self, ctx: Context) -> None:
        """Firm-level levers before customers act."""


class MembershipPolicy(Policy):
    """A programme customers join: each week, every customer of the firm who is not a member
    joins with probability ``join_rate``, and the firm pays ``cost_per_member`` for each
    member (its config has both fields; membership is its own column ``member_column``)."""

    member_column: ClassVar[str]

    def members(self, ctx: Context) -> np.ndarray:
        """Mask of the firm's current customers who are members."""
        return ctx.mine & ctx.own(self.member_column)

    def end_week(self, ctx: Context) -> None:
        """Enrol this week's joiners, then book the members' cost."""
        column, mine = ctx.own(self.member_column), ctx.mine_idx
        u = self.draw(ctx)
        outside = mine[~column[mine]]  # the firm's customers not yet members
        column[outside[u[outside] < self.config.join_rate]] = True
        self.spend(np.count_nonzero(column[mine]) * self.config.cost_per_member)


HOOKS = ("switching_cost", "before_encounters", "after_encounters", "commitment_bonus",
         "talk_multiplier", "end_week")
"""Per-customer hooks a policy class may define, in step order."""


def implements(policy: Policy, hook: str) -> bool:
    """True when the policy's class defines the hook."""
    return callable(getattr(type(policy), hook, None))
