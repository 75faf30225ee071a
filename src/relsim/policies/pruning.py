"""The firm ends unprofitable relationships.

Some customers cost more to serve than they bring.  A firm may review its
accounts and end the relationships whose observed weekly margin (after the
cost to serve) stays below a threshold (Haenlein, Kaplan & Schoder 2006: the
option to abandon unprofitable customers; Mittal, Sarkees & Murshed 2008).
Dismissed customers leave unhappy and may say so.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from relsim.params import P
from relsim.policies.base import Context, Policy, PolicyConfig


class PruningConfig(PolicyConfig):
    """Review accounts and end the unprofitable ones."""

    kind: Literal["pruning"] = "pruning"
    interval: int = P(13, 1, 520, unit="weeks", doc="weeks between account reviews")
    min_tenure: int = P(13, 0, 520, unit="weeks", doc="accounts younger than this are spared")
    margin_threshold: float = P(0.0, -1e6, 1e6, unit="currency per week",
                                doc="observed weekly margin after cost to serve below which an "
                                "account is ended", source="Haenlein, Kaplan & Schoder 2006")
    max_share: float = P(0.05, 0.0, 1.0, unit="share per review",
                         doc="most of the firm's customers ended in one review (worst first)")
    exit_satisfaction: float = P(0.2, 0.0, 1.0, unit="score",
                                 doc="satisfaction of a dismissed customer (they may say so)")


class Pruning(Policy):
    """End relationships that do not pay."""

    kind = "pruning"
    config_class = PruningConfig

    def end_week(self, ctx: Context) -> None:
        """Every ``interval`` weeks: end the worst accounts below the margin threshold."""
        c, k, mine = ctx.customers, self.config, ctx.mine
        if (ctx.step - k.start) % k.interval:
            return
        candidates = mine & (c.tenure >= k.min_tenure) & (c.recent_margin < k.margin_threshold)
        limit = int(k.max_share * np.count_nonzero(mine))
        idx = np.flatnonzero(candidates)
        if limit < len(idx):
            idx = idx[np.argpartition(c.recent_margin[idx], limit)[:limit]] if limit else idx[:0]
        idx = np.sort(idx)
        c.satisfaction[idx] = np.minimum(c.satisfaction[idx], k.exit_satisfaction)
        ctx.end_relationships(idx, "firm")
