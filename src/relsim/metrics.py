"""Per-step metrics: named column reductions per firm and for the market.

Each step the model fills the week's :class:`~relsim.events.Events` (what happened to
whom), then
:func:`update` reduces customer columns and events per firm with ``bincount``
and stores them on each :class:`~relsim.firms.Firm` (``firm.metrics``) and on
the model (``model.market_metrics``).  A :class:`mesa.DataCollector` reads them
through named reporters, so ``datacollector.get_agent_vars_dataframe()`` is the
per-step, per-firm table and ``mesa.batch_run`` returns it.
"""

from __future__ import annotations

from functools import partial

import mesa
import numpy as np

from relsim.economics import discount_factor
from relsim.policies import POLICY_CLASSES
from relsim.stages import ACTIVE_STAGES, DISSOLUTION, PROSPECT, STAGE_NAMES
from relsim.tables import FIRMS, MARKET

STATE_MEANS = ("trust", "satisfaction", "expectation", "fairness", "dependence", "commitment")

_KEYS = ("replication", "seed", "step")
FIRM_METRICS = tuple(c.name for c in FIRMS if c.name not in _KEYS)
"""Names of the per-firm metrics, in output column order (declared in :mod:`relsim.tables`)."""

MARKET_METRICS = tuple(c.name for c in MARKET if c.name not in _KEYS)
"""Names of the market-level metrics, disjoint from the per-firm ones, so that
``mesa.batch_run``'s rows hold both (declared in :mod:`relsim.tables`)."""


def _per_firm(selection: tuple[np.ndarray, np.ndarray], groups: int,
              weights: np.ndarray | None = None, selected: bool = False) -> np.ndarray:
    """Count (or sum ``weights``) per firm over a selection made by :func:`_select`.

    ``weights`` has one entry per customer, or one per selected customer when
    ``selected`` is true.  Boolean weights count the selected customers where
    they hold.  ``groups``: the number of (run and) firm groups (``model.firm_groups``).
    """
    idx, group = selection
    if weights is not None and not selected:
        weights = weights[idx]
    return np.bincount(group, weights=weights, minlength=groups).astype(float)


def _select(model, firm_index: np.ndarray, mask: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Customers whose firm index is not -1 (and where ``mask`` holds), with their firm's
    group (``model.firm_groups``: the firm, and the run in a stack).

    Most event columns are -1 for nearly everyone, so counting over the selected
    customers only is much cheaper than a bincount over all of them.
    """
    keep = firm_index >= 0 if mask is None else (firm_index >= 0) & mask
    idx = np.flatnonzero(keep)
    return idx, model.firm_groups(idx, firm_index[idx].astype(np.intp))[0]


def firm_metrics(model, runs: int = 1) -> dict[str, np.ndarray]:
    """Per-firm metrics of the current step, each an array over firms (over the ``runs``
    runs x firms of a :class:`relsim.stack.Stack`: the groups of ``model.firm_groups``,
    whose ``firm_array`` gives a lever of each).

    Each group of metrics selects its customers once (the current customers,
    this week's buyers, talkers, ...) and counts or sums per firm over that
    selection only.
    """
    c, ev, n_f = model.customers, model.events, model.n_firms
    n_g = runs * n_f

    current = _select(model, c.firm)  # customers in a relationship have a firm
    out: dict[str, np.ndarray] = {}
    idx, firm = current
    by_stage = np.bincount(firm * len(STAGE_NAMES) + c.stage[idx],
                           minlength=n_g * len(STAGE_NAMES)).reshape(n_g, -1)
    for code in ACTIVE_STAGES:
        out[f"n_{STAGE_NAMES[code]}"] = by_stage[:, code].astype(float)
    lapsed = _select(model, c.former_firm, c.stage == DISSOLUTION)
    out[f"n_{STAGE_NAMES[DISSOLUTION]}"] = _per_firm(lapsed, n_g)
    out["customers"] = _per_firm(current, n_g)
    # each run's customers, by each of its firms (whole numbers: the same in any order)
    total = np.repeat(out["customers"].reshape(runs, n_f).sum(axis=1), n_f)
    out["market_share"] = np.divide(out["customers"], total, out=np.zeros(n_g),
                                    where=total > 0)
    out["adoptions_advertising"] = _per_firm(_select(model, ev.adopted_ad), n_g)
    out["adoptions_wom"] = _per_firm(_select(model, ev.adopted_wom), n_g)
    out["exploration_failures"] = _per_firm(_select(model, ev.failed_from), n_g)
    out["churn"] = _per_firm(_select(model, ev.churned_from), n_g) + out["exploration_failures"]
    out["switches_out"] = _per_firm(_select(model, ev.switched_from), n_g)
    out["switches_in"] = _per_firm(_select(model, ev.switched_to), n_g)
    returned = _select(model, ev.returned_to)
    out["winbacks"] = _per_firm(returned, n_g, ev.winback)
    out["returns"] = _per_firm(returned, n_g)
    customers = np.maximum(out["customers"], 1.0)
    for name in STATE_MEANS:
        out[f"mean_{name}"] = _per_firm(current, n_g, getattr(c, name)) / customers
    out["mean_asymmetry"] = _per_firm(current, n_g, np.nan_to_num(ev.asymmetry[idx]),
                                      selected=True) / customers
    satisfaction, b = c.satisfaction[idx], model.params("behaviour", idx)
    promoters = _per_firm(current, n_g, satisfaction >= b.promoter_satisfaction, selected=True)
    detractors = _per_firm(current, n_g, satisfaction < b.detractor_satisfaction, selected=True)
    out["nps"] = 100.0 * (promoters - detractors) / customers
    empty = out["customers"] == 0  # (every firm's, in a run without customers)
    for name in (*[f"mean_{s}" for s in STATE_MEANS], "mean_asymmetry", "nps"):
        out[name][empty] = np.nan
    talked = _select(model, ev.talked_about)
    degree = model.network.degree[talked[0]]
    positive = ev.positive[talked[0]]
    out["wom_positive"] = _per_firm(talked, n_g, np.where(positive, degree, 0), selected=True)
    out["wom_negative"] = _per_firm(talked, n_g, np.where(positive, 0, degree), selected=True)
    paid = _select(model, ev.spend_firm)  # the firm of this week's encounter
    out["encounters"] = _per_firm(paid, n_g)
    out["promises_kept"] = _per_firm(paid, n_g, ev.kept)
    out["promises_broken"] = _per_firm(paid, n_g, ev.broken)
    out["service_failures"] = _per_firm(paid, n_g, ev.failed)
    out["complaints"] = _per_firm(paid, n_g, ev.complained)
    out["recoveries"] = _per_firm(paid, n_g, ev.resolved)
    out["revenue"] = _per_firm(paid, n_g, ev.spend)
    spend, price = ev.spend[paid[0]], c.price_paid[paid[0]]
    units = np.divide(spend, price, out=np.zeros(spend.size), where=price > 0)
    out["gross_margin"] = out["revenue"] - model.firm_array("unit_cost") * _per_firm(
        paid, n_g, units, selected=True)
    new_customers = out["adoptions_advertising"] + out["adoptions_wom"] + out["switches_in"]
    out["acquisition_cost"] = new_customers * model.firm_array("acquisition_cost")
    out["service_cost"] = out["customers"] * model.firm_array("service_cost")
    for kind in POLICY_CLASSES:
        costs = model.policies.costs(kind)
        out[f"cost_{kind}"] = costs if runs == 1 else np.tile(costs, runs)
    out["policy_cost"] = sum(out[f"cost_{kind}"] for kind in POLICY_CLASSES)
    out["profit"] = (out["gross_margin"] - out["acquisition_cost"] - out["service_cost"]
                     - out["policy_cost"])
    out["customer_equity"] = _per_firm(current, n_g, model.forward_values(idx), selected=True)
    out["discounted_profit"] = out["profit"] * discount_factor(
        model.steps, model.config.economics.discount_rate_per_step)
    return out


def market_metrics(model) -> dict[str, float]:
    """Market-level metrics of the current step."""
    c, ev = model.customers, model.events
    n = c.n
    prospects = int(np.count_nonzero(c.stage == PROSPECT))
    lapsed = int(np.count_nonzero(c.stage == DISSOLUTION))
    customers = n - prospects - lapsed  # every other stage is a relationship
    talked = np.flatnonzero(ev.talked_about >= 0)
    degree = model.network.degree[talked]
    positive = ev.positive[talked]
    return {
        "prospects": prospects,
        "market_customers": customers,
        "lapsed": lapsed,
        "adopted_share": float(np.float64(customers) / n),
        "ever_adopted_share": float((c.acquired_step != -1).sum() / n),
        "market_revenue": float(ev.spend.sum()),
        "market_wom_positive": float(degree[positive].sum()),
        "market_wom_negative": float(degree[~positive].sum()),
    }


def update(model) -> None:
    """Compute this step's metrics and store them on the firms and the model."""
    store(model, firm_metrics(model))


def store(model, per_firm: dict[str, np.ndarray], run: int = 0) -> None:
    """Store run ``run``'s part of :func:`firm_metrics` on ``model``'s firms, and its market
    metrics on ``model`` (a stack's runs: each member with its run's number)."""
    first = run * model.n_firms
    for firm in model.firms:
        i = first + firm.index
        firm.metrics = {name: float(values[i]) for name, values in per_firm.items()}
        firm.metrics["firm"] = firm.name
    model.market_metrics = market_metrics(model)


def market_metric(name: str, model) -> float:
    """Model reporter: one market metric of the current step."""
    return model.market_metrics[name]


def firm_metric(name: str, firm) -> float | str:
    """Agent reporter: one metric of a firm in the current step."""
    return firm.metrics[name]


def make_datacollector(model) -> mesa.DataCollector:
    """A Mesa DataCollector with named market reporters and per-firm (agent) reporters."""
    return mesa.DataCollector(
        model_reporters={name: partial(market_metric, name) for name in MARKET_METRICS},
        agent_reporters={name: partial(firm_metric, name) for name in FIRM_METRICS},
    )
