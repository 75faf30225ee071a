"""RelationshipModel: a Mesa model of customer relationships on a social network.

The model is a real :class:`mesa.Model`: firms are :class:`mesa.Agent` s, a
:class:`mesa.DataCollector` records per-firm and market metrics every step, and
``mesa.batch_run`` can sweep its flat keyword parameters.  Customers' state
lives in columns (:class:`relsim.customers.Customers`) and every step updates
all customers at once, phase by phase (:mod:`relsim.phases`), each phase
applying the behavioural rules (:mod:`relsim.rules`):

1. firms act (their policies, :mod:`relsim.policyhost`);
2. churn, switching and win-back of existing customers;
3. adoption of prospects (Bass, individual level) and advertising awareness;
4. service encounters: purchases, quality vs. expectation, promises kept or
   broken, complaints and recovery, exploration failures;
5. fairness, dependence, commitment;
6. lifecycle transitions and basket growth;
7. word of mouth along the network;
8. the policies' end of the week, then metrics.

Randomness: one seed feeds a :class:`numpy.random.SeedSequence` whose children
drive network building, initialisation, dynamics and the policies separately.
Every step draws a fixed block of random numbers per customer, whatever the
state (:class:`relsim.draws.WeekDraws`), so the same seed gives the same
customer the same luck in every variant of a scenario (common random numbers).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from relsim import metrics as metrics_module
from relsim.config import ModelConfig
from relsim.customers import Customers
from relsim.draws import N_DRAW_ROWS, WeekDraws
from relsim.events import Events, empty_events
from relsim.firms import Firm
from relsim.network import SocialNetwork, build_network
from relsim.overrides import apply_overrides
from relsim.phases import accounts, relationships
from relsim.phases.adoption import reached
from relsim.phases.listening import Listening
from relsim.phases.week import customer_phases
from relsim.policyhost import PolicyHost
from relsim.population import initial_customers
from relsim.records import Records


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


class RelationshipModel(mesa.Model):
    """Customers and competing firms in relationships over a social network.

    Build it from a :class:`~relsim.config.ModelConfig`, from flat keyword
    parameters, or both (keywords override the config)::

        RelationshipModel(n_customers=2000, trust_loss=0.4, firms__0__price=0.9, rng=42)

    Keyword names are unique parameter names (``trust_loss``) or paths with
    ``__`` (``adoption__q_per_year``, ``firms__1__quality``), applied by the one
    override engine (:mod:`relsim.overrides`).  ``rng`` is the seed (int,
    SeedSequence, Generator or None for fresh entropy); ``seed`` is accepted as
    its alias, the name Mesa 3.3's tools pass.  The catch-all is named
    ``kwargs`` because Mesa 3.3's SolaraViz requires that name.
    """

    def __init__(self, config: ModelConfig | None = None, *, rng: Any = None,
                 seed: Any = None, network: SocialNetwork | None = None,
                 **kwargs: Any) -> None:
        if seed is not None and rng is not None:
            raise ValueError("give the seed as rng= or as seed= (Mesa's older name), not both")
        root = seed_sequence(rng if seed is None else seed)
        super().__init__(rng=np.random.default_rng(root.spawn(1)[0]))
        self.config = cfg = apply_overrides(config or ModelConfig(), kwargs)
        self.seed_entropy = root.entropy
        network_ss, init_ss, dynamics_ss, policy_ss = root.spawn(4)
        self.network = network or build_network(
            cfg.network.kind, cfg.n_customers, np.random.default_rng(network_ss),
            mean_degree=cfg.network.mean_degree, rewire_prob=cfg.network.rewire_prob,
            path=cfg.network.path)
        if self.network.n != cfg.n_customers:
            raise ValueError(f"network has {self.network.n} nodes but n_customers is "
                             f"{cfg.n_customers}")
        self.policies = PolicyHost(cfg.firms, policy_ss)
        self.firms = [Firm(self, i, f, self.policies.policies[i])
                      for i, f in enumerate(cfg.firms)]
        self.policies.attach(self, self.firms)
        self.customers: Customers = initial_customers(cfg, np.random.default_rng(init_ss),
                                                      self.policies.column_dtypes())
        self._firm_masks: dict[int, np.ndarray] = {}  # see firm_customers
        self.dynamics_rng = np.random.default_rng(dynamics_ss)
        # share of trust a broken promise costs each customer (fixed traits and parameters)
        self.trust_loss = np.minimum(1.0, cfg.behaviour.trust_loss
                                     * self.customers.trust_loss_multiplier)
        self.week_switching_cost = np.full(cfg.n_customers, np.nan)
        self.records = Records(cfg.record, initial=self.customers.acquired_step == -2,
                               segment_names=[s.name for s in cfg.segments])
        self.events: Events = empty_events(cfg.n_customers)
        self.listening = Listening()
        self.listening.listen(self)
        self.datacollector = metrics_module.make_datacollector(self)
        metrics_module.update(self)
        self.datacollector.collect(self)
        self.records.trace_step(self, 0)
        self.running = True

    # ------------------------------------------------------------------ the firms
    @property
    def n_firms(self) -> int:
        """Number of competing firms."""
        return len(self.firms)

    def firm_array(self, lever: str) -> np.ndarray:
        """One lever of every firm's offer this week, as an array over firms (read each
        step, so policies can change it)."""
        return np.array([getattr(f.offer, lever) for f in self.firms], dtype=float)

    def firms_in_market(self) -> np.ndarray:
        """1.0 for the firms in the market this week, 0.0 for those yet to enter."""
        return np.array([f.in_market for f in self.firms], dtype=float)

    def firm_values(self, lever: str, firm: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``lever`` of firm ``firm[k]`` for customer ``idx[k]``: ``firm_array(lever)[firm]``."""
        return self.firm_array(lever)[firm]

    def firm_matrix(self, lever: str, idx: np.ndarray) -> np.ndarray:
        """``lever`` of every firm, shape (firms, 1) (every customer meets the same firms);
        ``in_market``: :meth:`firms_in_market`."""
        return (self.firms_in_market() if lever == "in_market"
                else self.firm_array(lever))[:, None]

    def firm_customers(self, index: int) -> np.ndarray:
        """Read-only mask of firm ``index``'s current customers.

        Kept until a relationship starts or ends (the only places a customer's
        firm changes), so the policy hooks of a phase share one mask per firm.
        """
        mask = self._firm_masks.get(index)
        if mask is None:
            mask = self.customers.firm == index
            mask.flags.writeable = False
            self._firm_masks[index] = mask
        return mask

    def firm_customer_indices(self, index: int) -> np.ndarray:
        """Read-only increasing indices of firm ``index``'s current customers (kept like
        :meth:`firm_customers`)."""
        key = -1 - index  # beside the masks, cleared with them
        idx = self._firm_masks.get(key)
        if idx is None:
            idx = np.flatnonzero(self.firm_customers(index))
            idx.flags.writeable = False
            self._firm_masks[key] = idx
        return idx

    def firm_groups(self, idx: np.ndarray, firm: np.ndarray) -> tuple[np.ndarray, int]:
        """Group numbers of per-firm sums over customers ``idx`` of firms ``firm`` (>= 0):
        the firm itself, and the number of groups, the firms
        (:class:`relsim.stack.Stack` groups by run and firm)."""
        return firm, self.n_firms

    def params(self, section: str, idx: np.ndarray | None = None) -> Any:
        """The configuration's ``section`` (``behaviour``, ``adoption``): one value each for
        every customer (:class:`relsim.stack.Stack` gives arrays where its runs differ)."""
        return getattr(self.config, section)

    def reach(self, firm: int) -> np.ndarray:
        """Customers reached by firm ``firm``'s advertising this week:
        :func:`relsim.phases.adoption.reached` from the dynamics stream."""
        probability = self.config.behaviour.ad_awareness_rate * self.firm_array("advertising")
        return reached(self.dynamics_rng, self.customers.n, probability[firm])

    # ------------------------------------------------------------------ relationships
    def start_relationships_at(self, idx: np.ndarray, firm: np.ndarray) -> None:
        """Customers ``idx`` (increasing indices) start exploring firms ``firm`` (one per
        index): :func:`relsim.phases.relationships.start`."""
        self._firm_masks.clear()
        relationships.start(self, idx, firm)

    def end_relationships_at(self, idx: np.ndarray, reason: str) -> None:
        """Customers ``idx`` (increasing indices) leave their firm and lapse:
        :func:`relsim.phases.relationships.end`."""
        self._firm_masks.clear()
        relationships.end(self, idx, reason)

    def forward_values(self, idx: np.ndarray | None = None) -> np.ndarray:
        """Each customer's forward lifetime value: :func:`relsim.phases.accounts.forward_values`."""
        return accounts.forward_values(self, idx)

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """One week: firms act, then all customers are updated phase by phase."""
        self.agents_by_type[Firm].do("step")  # each firm's offer back to its base
        self.policies.begin_week()            # policies start, stop and set the offers
        n = self.config.n_customers
        u = WeekDraws.draw(self.dynamics_rng, N_DRAW_ROWS, n)
        self.events = empty_events(n)
        self.records.before_step(self)
        customer_phases(self, u)  # churn and returns, adoption, encounters, attitudes,
        #                           lifecycle, word of mouth (relsim.phases.week)
        self.policies.count_down(self.customers)
        self.policies.call("end_week")
        metrics_module.update(self)
        self.datacollector.collect(self)
        self.records.trace_step(self, self.steps)
        if self.steps >= self.config.steps:
            self.running = False

    def run(self, steps: int | None = None) -> RelationshipModel:
        """Run for ``steps`` weeks (default: the configured horizon); returns self."""
        for _ in range(self.config.steps if steps is None else steps):
            self.step()
        return self
