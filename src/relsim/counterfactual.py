"""Return on a policy: the policy against a no-policy counterfactual.

Both arms run with the same seeds (common random numbers: the policy draws
from its own random stream, so everything else in a replication is the same
dice), so the difference per replication measures the policy, not luck.

The return is relsim's one definition of policy ROI, the comparison report's
(:data:`relsim.report.outcomes.OUTCOMES`, ``policy_roi``): the gain in value
created (NPV of profit, which is net of every cost, plus discounted customer
equity at the horizon) per unit of extra discounted policy spend,
``(value - value without) / (policy cost - policy cost without)``, i.e. the
net return on the extra investment (Rust, Lemon & Zeithaml 2004: return on
marketing).  The denominator is the change in the firm's whole policy spend,
so a policy that changes what the firm's other policies cost (more members,
more contacts) is charged for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relsim.compare import VARIANT
from relsim.config import ModelConfig
from relsim.report.outcomes import replication_outcomes
from relsim.runs import RunResult, replication_seed, run_one
from relsim.scenario import BASELINE
from relsim.stats import t_interval


def without_policy(config: ModelConfig, firm: str, kind: str) -> ModelConfig:
    """The counterfactual: the same configuration with the firm's ``kind`` policies removed."""
    firms = [f.model_copy(update={"policies": [p for p in f.policies if p.kind != kind]})
             if f.name == firm else f for f in config.firms]
    return config.model_copy(update={"firms": firms})


def policy_roi(config: ModelConfig, firm: str, kind: str, *, seed: int = 0,
               replications: int = 5) -> pd.DataFrame:
    """Per-replication and summary return of ``firm``'s ``kind`` policy against its absence.

    Returns one row per replication (gains in NPV of profit, in discounted equity and in
    customers at the horizon; the extra discounted policy cost; roi) and a final row
    ``replication = "mean"`` with 95% t-intervals in the ``*_lo`` / ``*_hi`` columns.
    """
    if not any(f.name == firm and any(p.kind == kind for p in f.policies) for f in config.firms):
        raise ValueError(f"firm {firm!r} has no {kind!r} policy to evaluate")
    arms = {BASELINE: without_policy(config, firm, kind), kind: config}
    runs = []
    for name, arm in arms.items():
        for r in range(replications):
            result = run_one(arm, replication_seed(seed, r), r)
            for table in (result.firms, result.relationships):
                table.insert(0, VARIANT, name)
            runs.append(result)
    tables = RunResult.concat(runs)
    outcomes = replication_outcomes(tables.firms, tables.relationships, arms)
    outcomes = outcomes[outcomes["firm"] == firm].set_index([VARIANT, "replication"])
    last = tables.firms[(tables.firms["firm"] == firm)
                        & (tables.firms["step"] == tables.firms["step"].max())]
    customers = last.set_index([VARIANT, "replication"])["customers"]
    treated, control = outcomes.xs(kind), outcomes.xs(BASELINE)
    table = pd.DataFrame({
        "replication": range(replications),
        "profit_gain": (treated["npv_profit"] - control["npv_profit"]).to_numpy(),
        "equity_gain": (treated["pv_equity"] - control["pv_equity"]).to_numpy(),
        "customer_gain": (customers.xs(kind) - customers.xs(BASELINE)).to_numpy(),
        "cost": (treated["pv_policy_cost"] - control["pv_policy_cost"]).to_numpy(),
        "roi": treated["policy_roi"].to_numpy(np.float64),
    })
    summary: dict[str, object] = {"replication": "mean"}
    for column in ("profit_gain", "equity_gain", "customer_gain", "cost", "roi"):
        mean, lo, hi, _ = t_interval(table[column])
        summary.update({column: mean, f"{column}_lo": lo, f"{column}_hi": hi})
    return pd.concat([table, pd.DataFrame([summary])], ignore_index=True)
