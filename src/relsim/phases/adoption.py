"""Phase 3: prospects adopt by advertising or by imitating customer neighbours (Bass at
the level of individuals), then choose a firm; advertising reaches customers (ODD 7.5)."""

from __future__ import annotations

import numpy as np

from relsim.draws import U_ADOPT, U_ADOPT_CHOICE, U_SOURCE, WeekDraws
from relsim.phases import outlook
from relsim.phases.market import Market
from relsim.rules import adoption, choice
from relsim.stages import PROSPECT


def adopt(model: Market, u: WeekDraws) -> None:
    """Prospects adopt with hazard p + q * (share of customer neighbours); an adopter by
    advertising picks a firm in proportion to advertising weight times logit weight, an
    adopter by word of mouth in proportion to its neighbours who are the firm's customers
    times logit weight.  Then advertising reaches customers."""
    c, ev = model.customers, model.events
    members = model.listening.heard["members"]
    prospects = (np.flatnonzero(c.stage == PROSPECT) if model.config.adoption.enabled
                 else np.zeros(0, np.intp))
    share = (members.sum(axis=0)[prospects]
             / np.maximum(model.network.degree[prospects], 1))  # customer neighbours
    a = model.params("adoption", prospects)
    adopt = u[U_ADOPT, prospects] < adoption.adoption_hazard(a.p_per_year, a.q_per_year, share)
    adopting, share = prospects[adopt], share[adopt]
    a = model.params("adoption", adopting)
    from_ads = u[U_SOURCE, adopting] < adoption.advertising_share(a.p_per_year, a.q_per_year,
                                                                   share)
    scale = np.where(from_ads[None, :], model.firm_matrix("advertising", adopting),
                     members[:, adopting])
    in_market = model.firm_matrix("in_market", adopting)
    value = outlook.utility(model, adopting)
    picked = choice.choose(choice.logit_weights(value) * scale * in_market,
                           u[U_ADOPT_CHOICE, adopting])
    found = picked >= 0
    adopting, picked, from_ads = adopting[found], picked[found], from_ads[found]
    value = value[:, found]
    ev.adopted_ad[adopting[from_ads]] = picked[from_ads]
    ev.adopted_wom[adopting[~from_ads]] = picked[~from_ads]
    ev.churn_hazard[adopting] = outlook.churn_hazard(model, adopting, value)
    model.start_relationships_at(adopting, picked)
    advertise(model)


def advertise(model: Market) -> None:
    """Each firm's advertising reaches customers with probability ``ad_awareness_rate``
    times its weight: they learn of the firm and their attitude moves toward its promise
    (Vakratsas & Ambler 1999)."""
    c = model.customers
    for f in range(model.n_firms):
        idx = model.reach(f)
        promise = model.firm_matrix("promise", idx)[f]
        c.aware[f, idx] = True
        c.attitude[f, idx] += (model.params("behaviour", idx).ad_attitude_rate
                               * (promise - c.attitude[f, idx]))


def reached(rng: np.random.Generator, n: int, probability: float) -> np.ndarray:
    """Customers reached, each independently with ``probability``: increasing indices.

    Draws how many are reached (binomial), then which ones (uniformly without
    replacement): the same distribution as one Bernoulli draw per customer, at a cost
    proportional to the customers reached.
    """
    count = rng.binomial(n, min(max(probability, 0.0), 1.0))
    return np.sort(rng.choice(n, count, replace=False, shuffle=False))
