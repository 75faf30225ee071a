"""relsim: agent-based simulation of customer relationships on social networks.

Quick use::

    import relsim
    result = relsim.run("scenarios/example.yaml", seed=1, replications=3)
    result.firms      # per step and firm: customers by stage, churn, trust, NPS, revenue ...
    model = relsim.RelationshipModel(n_customers=1000, rng=42).run()   # a mesa.Model

The names below are imported on first use (PEP 562), so ``import relsim`` and the
command line start at once; ``relsim.run`` is the function of :mod:`relsim.runs`.
"""

from __future__ import annotations

import importlib
from typing import Any

from relsim.version import __version__

_LAZY = {
    "ModelConfig": "relsim.config", "parameter_table": "relsim.config",
    "RelationshipModel": "relsim.model", "apply_overrides": "relsim.overrides",
    "RunResult": "relsim.runs", "replication_seed": "relsim.runs", "run": "relsim.runs",
    "run_one": "relsim.runs", "run_comparison": "relsim.compare",
    "Scenario": "relsim.scenario", "ScenarioError": "relsim.scenario",
    "load_scenario": "relsim.scenario", "Stage": "relsim.stages",
}
"""Public name -> the module that defines it."""

__all__ = [*_LAZY, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'relsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
