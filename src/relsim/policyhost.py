"""The policy host: builds every firm's policies, gives them their narrow context, calls them.

The model owns one :class:`PolicyHost`.  It builds each firm's policies with
their own random streams, allocates the customer columns the configured
policy kinds own (:attr:`relsim.policies.Policy.columns`), starts and stops
policies on schedule, resolves the per-customer hooks of the active policies
once whenever a policy starts or stops (not by name at every call), and resets
and counts down the policies' columns.  Policies see the model only through a
:class:`FirmContext`, the implementation of :class:`relsim.policies.Context`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from relsim.customers import Customers
from relsim.events import Events
from relsim.policies import Column, Policy, build_policy, policy_columns
from relsim.policies.base import HOOKS, implements


class FirmContext:
    """What one firm's policies see of the model (see :class:`relsim.policies.Context`)."""

    def __init__(self, model: Any, firm: Any) -> None:
        self._model = model
        self._firm = firm
        self.firm_index: int = firm.index
        self.behaviour = model.config.behaviour

    @property
    def customers(self) -> Customers:
        """Every customer's columns."""
        return self._model.customers

    @property
    def events(self) -> Events:
        """This week's events."""
        return self._model.events

    @property
    def offer(self) -> Any:
        """The firm's levers this week."""
        return self._firm.offer

    @property
    def step(self) -> int:
        """The current week."""
        return self._model.steps

    @property
    def mine(self) -> np.ndarray:
        """Read-only mask of the firm's current customers."""
        return self._model.firm_customers(self.firm_index)

    @property
    def mine_idx(self) -> np.ndarray:
        """Read-only increasing indices of the firm's current customers."""
        return self._model.firm_customer_indices(self.firm_index)

    def own(self, name: str) -> np.ndarray:
        """A customer column a policy kind declared (allocated by the host)."""
        return self._model.customers.policy_columns[name]

    def end_relationships(self, idx: np.ndarray, reason: str) -> None:
        """End the relationships of customers ``idx`` (increasing indices)."""
        self._model.end_relationships_at(idx, reason)


class PolicyHost:
    """Every firm's policies, their contexts and their resolved hooks."""

    def __init__(self, firm_configs: list, seed: np.random.SeedSequence) -> None:
        self.policies: list[list[Policy]] = [
            [build_policy(p, _policy_rng(seed, i, k)) for k, p in enumerate(firm.policies)]
            for i, firm in enumerate(firm_configs)]
        self.columns: dict[str, Column] = policy_columns(
            [p for firm in firm_configs for p in firm.policies])
        self.contexts: list[FirmContext] = []
        self._hooks: dict[str, list[tuple[FirmContext, Callable]]] = {h: [] for h in HOOKS}

    def attach(self, model: Any, firms: list) -> None:
        """Give each firm's policies their context (once the model's firms exist)."""
        self.contexts = [FirmContext(model, firm) for firm in firms]

    def column_dtypes(self) -> dict[str, np.dtype]:
        """The policies' own columns to allocate: name -> dtype."""
        return {name: column.dtype for name, column in self.columns.items()}

    # ---------------------------------------------------------------- the week
    def begin_week(self) -> None:
        """Firm by firm: start or stop policies on schedule, then let the active ones set
        this week's offer; re-resolve the hooks if a policy started or stopped."""
        changed = False
        for ctx, policies in zip(self.contexts, self.policies):
            for policy in policies:
                changed |= policy.update_activity(ctx)
            for policy in policies:
                if policy.active:
                    policy.begin_week(ctx)
        if changed:
            self._resolve()

    def _resolve(self) -> None:
        """The per-customer hooks of the active policies, firm by firm, in list order."""
        self._hooks = {hook: [(ctx, getattr(p, hook))
                              for ctx, policies in zip(self.contexts, self.policies)
                              for p in policies if p.active and implements(p, hook)]
                       for hook in HOOKS}

    def hooked(self, hook: str) -> bool:
        """Whether any active policy has ``hook``."""
        return bool(self._hooks[hook])

    def call(self, hook: str, *args: Any) -> list[Any]:
        """Call ``hook(ctx, *args)`` of every active policy that has it; return the results."""
        return [fn(ctx, *args) for ctx, fn in self._hooks[hook]]

    def total(self, hook: str, idx: np.ndarray) -> np.ndarray:
        """The sum over active policies of ``hook(ctx, idx)`` (0 without any)."""
        return sum(self.call(hook, idx), np.zeros(idx.size))

    # ---------------------------------------------------------------- the columns
    def reset_columns(self, customers: Customers, idx: np.ndarray) -> None:
        """Zero the columns that are forfeited when a relationship ends, for ``idx``."""
        for name, column in self.columns.items():
            if column.reset:
                customers.policy_columns[name][idx] = 0

    def count_down(self, customers: Customers) -> None:
        """One week less of every countdown column (never below zero)."""
        for name, column in self.columns.items():
            if column.countdown:
                values = customers.policy_columns[name]
                np.maximum(values - 1, 0, out=values)

    def costs(self, kind: str) -> np.ndarray:
        """This week's cost of the policies of one kind, per firm."""
        return np.array([sum(p.cost_this_week for p in policies if p.kind == kind)
                         for policies in self.policies])


def _policy_rng(seed: np.random.SeedSequence, firm: int, position: int) -> np.random.Generator:
    """The random stream of a firm's ``position``-th policy (independent of all others)."""
    return np.random.default_rng(np.random.SeedSequence(
        seed.entropy, spawn_key=(*seed.spawn_key, firm, position)))
