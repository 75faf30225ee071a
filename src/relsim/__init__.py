"""relsim: agent-based simulation of customer relationships on social networks.

Quick use::

    import relsim
    result = relsim.run("scenarios/example.yaml", seed=1, replications=3)
    result.firms      # per step and firm: customers by stage, churn, trust, NPS, revenue ...
    model = relsim.RelationshipModel(n_customers=1000, rng=42).run()   # a mesa.Model
"""

from relsim.compare import run_comparison
from relsim.config import ModelConfig, parameter_table
from relsim.model import RelationshipModel
from relsim.overrides import apply_overrides
from relsim.run import RunResult, replication_seed, run, run_one
from relsim.scenario import Scenario, ScenarioError, load_scenario
from relsim.stages import Stage
from relsim.version import __version__

__all__ = [
    "ModelConfig",
    "RelationshipModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "Stage",
    "apply_overrides",
    "load_scenario",
    "parameter_table",
    "replication_seed",
    "run",
    "run_comparison",
    "run_one",
    "__version__",
]
