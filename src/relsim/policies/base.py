"""The policy component: what every retention policy shares.

A firm switches a policy on by listing it in ``firms[].policies`` with its
``kind`` and parameters.  Each policy may start and stop at given steps, so a
programme can be launched or withdrawn mid-run, and a firm may combine
several.  At run time each listed policy becomes a :class:`Policy` object
attached to its firm; the model calls its hooks at fixed points of the step,
passing a boolean mask of the firm's own customers, and every hook works on
all of those customers at once.

Hooks, in step order (all optional):

``begin_week(model)``
    firm-level levers before customers act (prices, quality, status).
``launch(model)`` / ``withdraw(model)``
    once, at the step the policy starts / stops.
``switching_cost(model, mine, idx) -> array``
    extra cost of leaving the firm (e.g. loyalty points forfeited), for customers ``idx``
    (an index array; None: every customer), one value per customer asked about.
``before_encounters(model, mine, encounter)``
    set prices paid and complaint propensity before the week's encounters.
``after_encounters(model, mine, encounter)``
    change what this week's encounters did (satisfaction, trust loss, points).
``commitment_bonus(model, mine, idx) -> array``
    added to the commitment target (relationship maintenance) of customers ``idx``.
``talk_multiplier(model, mine, idx) -> array``
    multiplies the chance of talking (referral, community) of customers ``idx``.

``mine`` is the mask (over all customers) of the firm's current customers; hooks that
take ``idx`` (an increasing index array of the customers concerned) return one value per
entry of ``idx``, so their cost follows the customers concerned, not the population.
``end_week(model, mine)``
    actions after the week (retention offers, ending relationships).

Every policy books its cost through :meth:`Policy.spend`; the model reports it
per firm and step as ``cost_<kind>`` and in total as ``policy_cost``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import model_validator

from relsim.params import P, Section

if TYPE_CHECKING:
    from relsim.firms import Firm
    from relsim.model import RelationshipModel


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


class Policy:
    """A policy attached to one firm: its configuration, its state and its hooks."""

    kind: ClassVar[str]
    config_class: ClassVar[type[PolicyConfig]]

    def __init__(self, firm: Firm, config: PolicyConfig, position: int = 0) -> None:
        self.firm = firm
        self.config = config
        self.active = False
        self.cost_this_week = 0.0
        self.rng = firm.model.policy_rng(firm.index, position)

    def draw(self, model: RelationshipModel) -> np.ndarray:
        """One uniform number per customer from the policy's own stream.

        Policies never draw from the model's dynamics stream, so switching a
        policy on leaves every other random number of the run unchanged
        (common random numbers between policy variants).
        """
        return self.rng.random(model.customers.n, dtype=np.float32)

    # -------------------------------------------------------------- bookkeeping
    def spend(self, amount: float) -> None:
        """Book a cost for this week."""
        self.cost_this_week += float(amount)

    def update_activity(self, model: RelationshipModel) -> None:
        """Start or stop at the configured steps, calling launch/withdraw once."""
        self.cost_this_week = 0.0
        now = self.config.active_at(model.steps)
        if now and not self.active:
            self.active = True
            self.launch(model)
        elif self.active and not now:
            self.active = False
            self.withdraw(model)

    def mine(self, model: RelationshipModel) -> np.ndarray:
        """Read-only mask of the firm's current customers (``model.firm_customers``)."""
        return model.firm_customers(self.firm.index)

    # -------------------------------------------------------------- hooks
    def launch(self, model: RelationshipModel) -> None:
        """Called once when the policy starts."""

    def withdraw(self, model: RelationshipModel) -> None:
        """Called once when the policy stops."""

    def begin_week(self, model: RelationshipModel) -> None:
        """Firm-level levers before customers act."""


class MembershipPolicy(Policy):
    """A programme customers join: each week, every customer of the firm who is not a member
    joins with probability ``join_rate``, and the firm pays ``cost_per_member`` for each
    member (its config has both fields; membership is the customer column
    ``member_column``)."""

    member_column: ClassVar[str]

    def members(self, model: RelationshipModel, mine: np.ndarray) -> np.ndarray:
        """Mask of the firm's current customers who are members."""
        return mine & getattr(model.customers, self.member_column)

    def end_week(self, model: RelationshipModel, mine: np.ndarray) -> None:
        """Enrol this week's joiners, then book the members' cost."""
        column = getattr(model.customers, self.member_column)
        u = self.draw(model)
        outside = np.flatnonzero(mine & ~column)  # the firm's customers not yet members
        column[outside[u[outside] < self.config.join_rate]] = True
        self.spend(np.count_nonzero(self.members(model, mine)) * self.config.cost_per_member)


HOOKS = ("switching_cost", "before_encounters", "after_encounters", "commitment_bonus",
         "talk_multiplier", "end_week")
"""Per-customer hooks a policy class may define (detected by name)."""


def implements(policy: Policy, hook: str) -> bool:
    """True when the policy's class defines the hook."""
    return callable(getattr(type(policy), hook, None))
