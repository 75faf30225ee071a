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

from relsim.lazy import exports
from relsim.version import __version__

_NAMES = {
    "ModelConfig": "relsim.config", "parameter_table": "relsim.config",
    "RelationshipModel": "relsim.model", "apply_overrides": "relsim.overrides",
    "RunResult": "relsim.runs", "replication_seed": "relsim.runs", "run": "relsim.runs",
    "run_one": "relsim.runs", "run_comparison": "relsim.compare",
    "Scenario": "relsim.scenario", "ScenarioError": "relsim.scenario",
    "load_scenario": "relsim.scenario", "Stage": "relsim.stages",
}
"""Public name -> the module that defines it."""

__getattr__, __dir__ = exports(__name__, _NAMES)
__all__ = [*_NAMES, "__version__"]
