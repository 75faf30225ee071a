"""Return on a policy: the policy against a no-policy counterfactual.

Both arms run with the same seeds (common random numbers: the policy draws
from its own random stream, so everything else in a replication is the same
dice), so the difference per replication measures the policy, not luck.  The
return is the discounted gain in profit plus the gain in discounted customer
equity at the horizon, per unit of the policy's discounted cost
(Rust, Lemon & Zeithaml 2004: return on marketing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relsim.config import ModelConfig
from relsim.run import replication_seed, run_one
from relsim.stats import t_interval


def without_policy(config: ModelConfig, firm: str, kind: str) -> ModelConfig:
    """The counterfactual: the same configuration with the firm's ``kind`` policies removed."""
    firms = [f.model_copy(update={"policies": [p for p in f.policies if p.kind != kind]})
             if f.name == firm else f for f in config.firms]
    return config.model_copy(update={"firms": firms})


def firm_value(result, firm: str, discount_rate: float, kind: str) -> dict[str, float]:
    """Discounted profit, discounted equity at the horizon and discounted policy cost of one firm."""
    rows = result.firms[result.firms["firm"] == firm]
    discount = (1.0 + discount_rate) ** -rows["step"].to_numpy(float)
    last = rows["step"].idxmax()
    return {"profit": float(rows["discounted_profit"].sum()),
            "equity": float(rows.loc[last, "customer_equity"] * discount[-1]),
            "cost": float((rows[f"cost_{kind}"].to_numpy() * discount).sum()),
            "customers": float(rows.loc[last, "customers"])}


def policy_roi(config: ModelConfig, firm: str, kind: str, *, seed: int = 0,
               replications: int = 5) -> pd.DataFrame:
    """Per-replication and summary return of ``firm``'s ``kind`` policy against its absence.

    Returns one row per replication (gains in profit, equity, customers; cost;
    roi) and a final row ``replication = "mean"`` with 95% t-intervals in the
    ``*_lo`` / ``*_hi`` columns.
    """
    if not any(f.name == firm and any(p.kind == kind for p in f.policies) for f in config.firms):
        raise ValueError(f"firm {firm!r} has no {kind!r} policy to evaluate")
    base = without_policy(config, firm, kind)
    d = config.economics.discount_rate_per_step
    rows = []
    for r in range(replications):
        seed_r = replication_seed(seed, r)
        treated = firm_value(run_one(config, seed_r, r), firm, d, kind)
        control = firm_value(run_one(base, seed_r, r), firm, d, kind)
        gain = treated["profit"] - control["profit"] + treated["equity"] - control["equity"]
        rows.append({"replication": r, "profit_gain": treated["profit"] - control["profit"],
                     "equity_gain": treated["equity"] - control["equity"],
                     "customer_gain": treated["customers"] - control["customers"],
                     "cost": treated["cost"],
                     "roi": gain / treated["cost"] if treated["cost"] > 0 else np.nan})
    table = pd.DataFrame(rows)
    summary: dict[str, object] = {"replication": "mean"}
    for column in ("profit_gain", "equity_gain", "customer_gain", "cost", "roi"):
        mean, lo, hi, _ = t_interval(table[column])
        summary.update({column: mean, f"{column}_lo": lo, f"{column}_hi": hi})
    return pd.concat([table, pd.DataFrame([summary])], ignore_index=True)
