"""What the phases of a week read and change: the model's state, as a protocol.

:class:`~relsim.model.RelationshipModel` satisfies :class:`Market`; the phase
functions are written against it, so they depend on the model's state, not on
the model class.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from relsim.config import ModelConfig
from relsim.customers import Customers
from relsim.events import Events
from relsim.network import SocialNetwork
from relsim.phases.listening import Listening
from relsim.policyhost import PolicyHost
from relsim.records import Records


class Market(Protocol):
    """The state a week's phases work on."""

    config: ModelConfig
    customers: Customers
    events: Events
    """This week's events (a fresh set each week)."""
    network: SocialNetwork
    records: Records
    policies: PolicyHost
    listening: Listening
    """What each customer heard from its neighbours last week."""
    trust_loss: np.ndarray
    """Share of trust a broken promise costs each customer (fixed traits and parameters)."""
    week_switching_cost: np.ndarray
    """Each customer's switching cost at the start of the week (NaN: not in a relationship)."""
    steps: int
    n_firms: int

    def firm_values(self, lever: str, firm: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """One lever of this week's offer (:class:`relsim.policies.base.Offer`) of firm
        ``firm[k]`` as customer ``idx[k]`` meets it (each run's own firms in a stack)."""

    def firm_matrix(self, lever: str, idx: np.ndarray) -> np.ndarray:
        """One lever of every firm as customers ``idx`` meet it: shape (firms, 1) when they
        all meet the same firms, else (firms, len(idx)); ``in_market`` gives 1.0 for the
        firms in the market this week, 0.0 for those yet to enter."""

    def firm_groups(self, idx: np.ndarray, firm: np.ndarray) -> tuple[np.ndarray, int]:
        """A group number for customers ``idx`` of firms ``firm`` (>= 0), the same for the
        customers of one firm (in one run), and the number of groups: what per-firm sums
        over customers (``bincount``) group by."""

    def params(self, section: str, idx: np.ndarray | None = None) -> Any:
        """The parameters of ``section`` (``behaviour`` or ``adoption``) as they apply to
        customers ``idx`` (None: every customer): each a number, or, where the runs of a
        stack differ in it, an array over ``idx``.  Rules are elementwise, so either
        serves."""

    def reach(self, firm: int) -> np.ndarray:
        """Customers reached by firm ``firm``'s advertising this week (increasing indices):
        each with probability ``ad_awareness_rate`` x its advertising weight
        (:func:`relsim.phases.adoption.reached`), from the stream of draws outside the week's
        block."""

    def start_relationships_at(self, idx: np.ndarray, firm: np.ndarray) -> None:
        """Customers ``idx`` start exploring firms ``firm``."""

    def end_relationships_at(self, idx: np.ndarray, reason: str) -> None:
        """Customers ``idx`` leave their firm."""
