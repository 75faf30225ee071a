"""Adoption of prospects: the Bass (1969) diffusion model at the level of individuals.

Each prospect adopts with hazard p + q * (share of its neighbours who are
customers): p is external influence (advertising, mass media), q internal
influence (imitation of adopted contacts).  On a complete graph the adopted
share then follows Bass's curve F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})
(Goldenberg, Libai & Muller 2001 for the agent-based form).
"""

from __future__ import annotations

import numpy as np

from relsim.params import STEPS_PER_YEAR


def adoption_hazard(p_per_year: float, q_per_year: float,
                    adopted_neighbour_share: np.ndarray) -> np.ndarray:
    """Weekly adoption probability: 1 - exp(-(p + q * share) / 52) (rates per year, step a week)."""
    rate = (p_per_year + q_per_year * adopted_neighbour_share) / STEPS_PER_YEAR
    return -np.expm1(-rate)


def advertising_share(p_per_year: float, q_per_year: float,
                      adopted_neighbour_share: np.ndarray) -> np.ndarray:
    """Probability that an adoption came from advertising: p / (p + q * share) (competing hazards)."""
    total = p_per_year + q_per_year * adopted_neighbour_share
    return np.divide(p_per_year, total, out=np.ones_like(total), where=total > 0)


def bass_cumulative(t_years: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Bass (1969) closed form: adopted share F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    e = np.exp(-(p + q) * np.asarray(t_years, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_peak_time(p: float, q: float) -> float:
    """Time of peak adoption t* = ln(q/p) / (p + q) (Bass 1969); 0 when q <= p."""
    return float(np.log(q / p) / (p + q)) if q > p else 0.0
