"""Several runs advanced together, as one population.

A short run (1,000 customers) spends most of its time in the fixed cost of each
numpy call, not in the arithmetic: a week costs about the same for 1,000 customers as
for several thousand.  :class:`Stack` therefore advances ``R`` runs as one population of
all their customers: the week's phases (:mod:`relsim.phases`) run once over the stacked
columns, on a block-diagonal network (no run's customer has a neighbour in another run).
The runs may be replications of a configuration, or configurations that differ in what a
run's set-up reads (:data:`MEMBER_FIELDS`), in the weekly parameters
(:data:`VARYING_FIELDS`) and in the firms' offers and entry.  Each run keeps its own

* random streams: each run draws its own week block and advertising reach from its
  own generators, in the same order as alone (:meth:`Stack.reach`);
* configuration, firms, market metrics, Mesa DataCollector and records: every run is a
  real :class:`~relsim.model.RelationshipModel` (a *member*) whose customers and events
  are views of its block of the stacked columns (:class:`_Block`);
* parameters and firms: each customer reads its own run's (:meth:`Stack.params`,
  :meth:`Stack.firm_values`, :meth:`Stack.firm_matrix`);
* sums over a firm's customers: the firm metrics (:func:`relsim.metrics.firm_metrics`,
  computed once for the stack) and the firm's mean basket
  (:func:`relsim.phases.attitudes.dependence_and_symmetry`) group customers by run and
  firm (:meth:`Stack.firm_groups`).

Every rule is elementwise per customer, and every sum runs over one run's customers in
the same order as alone, so each run's tables are identical, bit for bit, to
:func:`relsim.runs.run_one` of its seed (``tests/test_stack.py`` checks them with every
parameter that may differ differing).  One trap for phase code: numpy keeps float32 when
a float32 array meets a Python number but not when it meets a float64 array, so a
parameter times float32 counts fixes the result's dtype
(:func:`relsim.phases.word_of_mouth._weighted`).  :func:`stackable` says which
configurations qualify: no policies (a policy's hooks see its firm's customers, which
would mix runs) and a network that is not the implicit complete graph (its sums are
computed in another order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

import numpy as np
from scipy import sparse

from relsim import metrics as metrics_module
from relsim.config import FirmConfig, ModelConfig
from relsim.customers import Customers
from relsim.draws import N_DRAW_ROWS, WeekDraws
from relsim.events import Events, empty_events
from relsim.firms import Firm
from relsim.model import RelationshipModel
from relsim.network import SocialNetwork
from relsim.phases import accounts, relationships
from relsim.phases.listening import Listening
from relsim.phases.week import customer_phases

MAX_CUSTOMERS = 16_000
"""Customers per stack: beyond a few thousand customers a week's cost grows with them, so
larger stacks gain nothing (and hold more memory)."""

_CUSTOMER_FIELDS = frozenset(f.name for f in fields(Customers)) - {"policy_columns"}
_EVENT_FIELDS = frozenset(f.name for f in fields(Events))


MEMBER_FIELDS = ("n_customers", "network", "segments", "record",
                 "adoption.initial_customer_share", "behaviour.trust_loss",
                 "behaviour.base_churn", "behaviour.churn_heterogeneity",
                 "behaviour.commitment_trust_weight")
"""Parameters only a run's set-up reads (its network, its customers' traits and starting
state, what it records), never the week's phases: runs that differ in these can share a
stack, each set up from its own configuration."""

VARYING_FIELDS = ("behaviour", "adoption.p_per_year", "adoption.q_per_year")
"""Parameters the week's phases read through ``model.params``, customer by customer: runs
that differ in these can share a stack too (each customer reads its own run's value).
So can runs whose firms differ in their offers and entry (``model.firm_values``,
``model.firm_matrix``): only the firms' names and number must agree."""

_DEFAULT = ModelConfig()


def stack_key(config: ModelConfig) -> ModelConfig:
    """``config`` with the :data:`MEMBER_FIELDS` and :data:`VARYING_FIELDS` at their
    defaults: runs whose keys are equal can be stacked."""
    update: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for path in MEMBER_FIELDS + VARYING_FIELDS:
        section, _, name = path.rpartition(".")
        if section:
            nested.setdefault(section, {})[name] = getattr(getattr(_DEFAULT, section), name)
        else:
            update[name] = getattr(_DEFAULT, name)
    for section, values in nested.items():
        if section not in update:  # (a section reset whole stays so)
            update[section] = getattr(config, section).model_copy(update=values)
    update["firms"] = [FirmConfig(name=firm.name, policies=firm.policies)
                       for firm in config.firms]  # offers and entry: per run
    return config.model_copy(update=update)


def stackable(config: ModelConfig) -> bool:
    """Whether runs of ``config`` can be stacked: no firm has policies and the network is
    not the implicit complete graph."""
    return (not any(firm.policies for firm in config.firms)
            and config.network.kind != "complete")


def stacks(configs: Sequence[ModelConfig]) -> list[list[int]]:
    """Positions of ``configs`` grouped into stacks, in order: runs with equal
    :func:`stack_key` s, each into the first of their stacks with room for it (at most
    :data:`MAX_CUSTOMERS` customers; a larger run is a stack of its own), and every run that
    is not :func:`stackable` alone."""
    groups: list[tuple[ModelConfig | None, list[list[int]]]] = []
    for k, config in enumerate(configs):
        key = stack_key(config) if stackable(config) else None
        found = next((chunks for g, chunks in groups if key is not None and g == key), None)
        if found is None:
            groups.append((key, [[k]]))
            continue
        room = next((chunk for chunk in found if sum(configs[i].n_customers for i in chunk)
                     + config.n_customers <= MAX_CUSTOMERS), None)
        if room is None:
            found.append([k])
        else:
            room.append(k)
    return [chunk for _, chunks in groups for chunk in chunks]


class _Block:
    """One member's block of the stack's customers or events: each column read is a view
    of the stacked column (read when asked, so columns a phase replaces are seen too)."""

    def __init__(self, source: Any, names: frozenset[str], lo: int, hi: int) -> None:
        self._source, self._names, self._lo, self._hi = source, names, lo, hi

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_") or name not in self._names:
            raise AttributeError(name)
        return getattr(self._source(), name)[..., self._lo:self._hi]

    @property
    def n(self) -> int:
        """Customers in the block."""
        return self._hi - self._lo

    @property
    def policy_columns(self) -> dict[str, np.ndarray]:
        """Empty: stacked runs have no policies."""
        return {}

    def column(self, name: str) -> np.ndarray | None:
        """A column by name, as :meth:`Customers.column`."""
        return getattr(self, name) if name in self._names else None


class _Params:
    """A parameter section as it applies to some customers: the shared values as numbers,
    the others as each customer's run's value."""

    def __init__(self, shared: Any, varying: dict[str, np.ndarray], run: np.ndarray) -> None:
        self._shared, self._varying, self._run = shared, varying, run

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        values = self._varying.get(name)
        return getattr(self._shared, name) if values is None else values[self._run]


def _differing(sections: list[Any]) -> dict[str, np.ndarray]:
    """The fields in which the runs' sections differ: name -> one value per run."""
    first = sections[0]
    return {name: np.array([getattr(s, name) for s in sections])
            for name in type(first).model_fields
            if any(getattr(s, name) != getattr(first, name) for s in sections)}


class _Records:
    """The phases' calls to the records, passed on to each member with its own customer
    numbers."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack

    def relationships_started(self, idx: np.ndarray, first: np.ndarray) -> None:
        for member, lo, part in self._stack.split(idx):
            member.records.relationships_started(idx[part] - lo, first[part])

    def relationships_ended(self, model: Any, idx: np.ndarray, reason: str) -> None:
        for member, lo, part in self._stack.split(idx):
            member.records.relationships_ended(member, idx[part] - lo, reason)

    def transactions(self, model: Any, bought: np.ndarray) -> None:
        for member, lo, hi in self._stack.blocks():
            member.records.transactions(member, bought[lo:hi])


class Stack:
    """Runs advanced week by week as one population (module docstring).  Satisfies
    :class:`relsim.phases.market.Market`; ``members`` are the runs, each a
    :class:`RelationshipModel` whose customers and events are its block of the stack's."""

    def __init__(self, members: Sequence[RelationshipModel]) -> None:
        if not members:
            raise ValueError("a stack needs at least one run")
        first = members[0]
        key = stack_key(first.config)
        if not stackable(first.config) or any(stack_key(m.config) != key for m in members):
            raise ValueError("stacked runs need stackable configurations with equal "
                             "stack keys (stackable(), stack_key())")
        self.members = list(members)
        self.config, self.n_firms, self.policies = first.config, first.n_firms, first.policies
        sizes = [m.customers.n for m in members]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
        self.customers = Customers(**{
            name: np.concatenate([getattr(m.customers, name) for m in members], axis=-1)
            for name in _CUSTOMER_FIELDS})
        self.network = SocialNetwork(int(self.offsets[-1]), sparse.csr_array(
            sparse.block_diag([m.network.adjacency for m in members], format="csr")))
        self.trust_loss = np.concatenate([m.trust_loss for m in members])
        self.week_switching_cost = np.concatenate([m.week_switching_cost for m in members])
        self.events: Events = empty_events(self.customers.n)
        self.records = _Records(self)
        self._run = np.repeat(np.arange(len(members)), sizes)  # each customer's run
        self._varying = {section: _differing([getattr(m.config, section) for m in members])
                         for section in ("behaviour", "adoption")}
        self._same_firms = all(m.config.firms == first.config.firms for m in members)
        self._tables: dict[str, np.ndarray] = {}  # this week's levers by run (_table)
        self.listening = Listening()
        self.listening.listen(self)
        for member, lo, hi in self.blocks():
            member.customers = _Block(lambda: self.customers, _CUSTOMER_FIELDS, lo, hi)
            member.events = _Block(lambda: self.events, _EVENT_FIELDS, lo, hi)

    # ------------------------------------------------------------------ the runs
    def blocks(self):
        """(member, first customer, end) of each run."""
        return zip(self.members, self.offsets[:-1].tolist(), self.offsets[1:].tolist())

    def split(self, idx: np.ndarray):
        """(member, first customer, slice of ``idx``) of each run with customers in the
        increasing indices ``idx``."""
        bounds = np.searchsorted(idx, self.offsets).tolist()
        for (member, lo, _), a, b in zip(self.blocks(), bounds[:-1], bounds[1:]):
            if b > a:
                yield member, lo, slice(a, b)

    @property
    def steps(self) -> int:
        """Weeks run (the same in every run)."""
        return self.members[0].steps

    # ------------------------------------------------------------------ the Market protocol
    def firm_array(self, lever: str) -> np.ndarray:
        """One lever of every run's firms, run after run (the groups of
        :meth:`firm_groups`)."""
        return np.concatenate([m.firm_array(lever) for m in self.members])

    def _table(self, lever: str) -> np.ndarray:
        """One lever of each run's firms this week, shape (runs, firms)."""
        table = self._tables.get(lever)
        if table is None:
            table = self._tables[lever] = np.stack([
                m.firms_in_market() if lever == "in_market" else m.firm_array(lever)
                for m in self.members])
        return table

    def firm_values(self, lever: str, firm: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``lever`` of firm ``firm[k]`` of customer ``idx[k]``'s run."""
        if self._same_firms:
            return self.members[0].firm_values(lever, firm, idx)
        return self._table(lever)[self._run[idx], firm]

    def firm_matrix(self, lever: str, idx: np.ndarray) -> np.ndarray:
        """``lever`` of every firm of each customer's run, shape (firms, len(idx)) (or
        (firms, 1) when the runs' firms are alike)."""
        if self._same_firms:
            return self.members[0].firm_matrix(lever, idx)
        return self._table(lever)[self._run[idx]].T

    def firm_groups(self, idx: np.ndarray, firm: np.ndarray) -> tuple[np.ndarray, int]:
        """Each customer's (run, firm) group, run * firms + firm, and the number of groups:
        per-firm sums add up each run's customers apart, in the same order as alone."""
        run = np.searchsorted(self.offsets, idx, side="right") - 1
        return run * self.n_firms + firm, self.n_firms * len(self.members)

    def params(self, section: str, idx: np.ndarray | None = None) -> Any:
        """The ``section`` parameters for customers ``idx`` (None: all): those the runs
        share as numbers, those they differ in as each customer's run's value."""
        varying = self._varying.get(section)
        if not varying:
            return getattr(self.config, section)
        return _Params(getattr(self.config, section), varying,
                       self._run if idx is None else self._run[idx])

    def reach(self, firm: int) -> np.ndarray:
        """Customers reached by firm ``firm``'s advertising: each run draws from its own
        stream with its own reach."""
        return np.concatenate([m.reach(firm) + lo for m, lo, _ in self.blocks()])

    def forward_values(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Each customer's forward lifetime value
        (:func:`relsim.phases.accounts.forward_values`)."""
        return accounts.forward_values(self, idx)

    def start_relationships_at(self, idx: np.ndarray, firm: np.ndarray) -> None:
        relationships.start(self, idx, firm)

    def end_relationships_at(self, idx: np.ndarray, reason: str) -> None:
        relationships.end(self, idx, reason)

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """One week of every run: :meth:`RelationshipModel.step`, with the customers'
        phases run once over the stack."""
        for member in self.members:
            member.steps += 1  # what Mesa's step wrapper does; Mesa >= 3.4 also advances
            if hasattr(member, "time"):  # time, by which its DataCollector keys its records
                member.time = member.time + 1
            member.agents_by_type[Firm].do("step")
            member.policies.begin_week()
        self._tables.clear()
        u = WeekDraws(np.concatenate([
            WeekDraws.draw(m.dynamics_rng, N_DRAW_ROWS, hi - lo).bits
            for m, lo, hi in self.blocks()], axis=1))
        self.events = empty_events(self.customers.n)
        for member in self.members:
            member.records.before_step(member)
        customer_phases(self, u)
        per_firm = metrics_module.firm_metrics(self, len(self.members))
        for run, (member, lo, hi) in enumerate(self.blocks()):
            member.week_switching_cost = self.week_switching_cost[lo:hi]
            metrics_module.store(member, per_firm, run)
            member.datacollector.collect(member)
            member.records.trace_step(member, member.steps)
            if member.steps >= self.config.steps:
                member.running = False

    def run(self) -> list[RelationshipModel]:
        """Run the configured horizon; returns the members, each left as a standalone
        finished model (its own copies of its customers and events)."""
        for _ in range(self.config.steps):
            self.step()
        for member, lo, hi in self.blocks():
            member.customers = Customers(**{
                name: getattr(self.customers, name)[..., lo:hi].copy()
                for name in _CUSTOMER_FIELDS})
            member.events = Events(**{name: getattr(self.events, name)[lo:hi].copy()
                                      for name in _EVENT_FIELDS})
            member.week_switching_cost = member.week_switching_cost.copy()
        return self.members


def run_stacked(config: ModelConfig | Sequence[ModelConfig], seeds: Sequence[int]
                ) -> list[RelationshipModel]:
    """Finished models, one per seed (of ``config``, or of each configuration), as one
    stack: identical to ``RelationshipModel(config, rng=seed).run()`` each."""
    configs = [config] * len(seeds) if isinstance(config, ModelConfig) else config
    return Stack([RelationshipModel(c, rng=seed) for c, seed in zip(configs, seeds,
                                                                    strict=True)]).run()
