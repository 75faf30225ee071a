"""What a worker does: run a batch of design points and return their outcome rows only.

A task (:class:`Task`) is a batch of *units*: one design point and one
replication, run in every arm.  Replication ``r`` runs with
``relsim.runs.replication_seed(seed, r)`` at every point and in every arm (common
random numbers), so a unit's numbers do not depend on which batch, worker or
backend ran it.  The runs go to :func:`relsim.runs.run_many` (each as
:func:`relsim.runs.run_one` would run it, runs that can share a stack advanced together),
building only the two tables the outcomes read (:data:`OUTCOME_TABLES`); their outcomes
are computed here, in the worker, by :func:`relsim.report.outcomes.replication_outcomes` (the
report's own definitions), and only the outcome rows of the experiment's firms
travel back: a few rows per run instead of the run's tables.

:func:`replication_outcomes` pairs each arm with the baseline by its
``replication`` column, so a batch gives every unit its own number there and
computes the outcomes of all units whose configurations it reads alike in one
call (see :func:`outcome_signature`); the rows are then labelled with their
point and true replication again.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from relsim.compare import VARIANT
from relsim.config import ModelConfig
from relsim.experiments.schema import ExperimentError, arm_configs
from relsim.report.outcomes import replication_outcomes
from relsim.scenario import BASELINE, Scenario

KEYS = ["point", "arm", "replication", "firm"]
"""Columns that identify one row of results."""

OUTCOME_TABLES = ("firms", "relationships")
"""The tables :func:`replication_outcomes` reads: the only ones a worker builds."""


@dataclass(frozen=True)
class Task:
    """A batch of runs: every arm of each (point, replication, parameter values) unit."""

    scenario: Scenario
    arms: dict[str, dict]
    seed: int
    outcomes: tuple[str, ...]
    firms: tuple[str, ...]
    units: tuple[tuple[int, int, dict[str, Any]], ...]

    @property
    def runs(self) -> int:
        """Runs in the batch (units x arms)."""
        return len(self.units) * (len(self.arms) + (BASELINE not in self.arms))


def outcome_signature(configs: dict[str, ModelConfig]) -> tuple:
    """What :func:`replication_outcomes` reads from the configurations besides the tables:
    each arm's discount rate and, per firm, whether its policies differ from the baseline's.
    Units with equal signatures can share one call."""
    names = [f.name for f in configs[BASELINE].firms]

    def policies(config: ModelConfig, firm: str):
        return next((f.policies for f in config.firms if f.name == firm), None)

    return tuple((arm, config.economics.discount_rate_per_step,
                  tuple(policies(config, n) != policies(configs[BASELINE], n) for n in names))
                 for arm, config in configs.items())


def _run_many():
    """relsim.runs.run_many, looked up at call time."""
    return importlib.import_module("relsim.runs").run_many


def run_batch(task: Task) -> pd.DataFrame:
    """Run every unit of ``task`` in every arm; return the outcome rows of its firms (columns
    point, arm, replication, seed, firm, then the outcomes), in unit and arm order.  The
    batch's runs go to :func:`relsim.runs.run_many` together, so runs that can share a stack
    (a point's replications, points over stackable parameters) advance as one."""
    from relsim.runs import replication_seed

    configs_at: dict[int, dict[str, ModelConfig]] = {}
    groups: dict[tuple, list[int]] = defaultdict(list)
    runs: list[tuple[ModelConfig, int, int]] = []
    run_of: list[list[int]] = []  # unit -> the run of each arm (arms alike share one)
    for k, (point, replication, values) in enumerate(task.units):
        if point not in configs_at:
            try:
                configs_at[point] = arm_configs(task.scenario, task.arms, values)
            except (ValueError, KeyError) as exc:  # a point the load-time checks missed
                raise ExperimentError(f"design point {point} ({values}): "
                                      f"{' '.join(str(exc).splitlines())}") from None
        configs = configs_at[point]
        seed = replication_seed(task.seed, replication)
        first = len(runs)
        arms_runs = []
        for config in configs.values():
            same = next((i for i in range(first, len(runs)) if runs[i][0] == config), None)
            if same is None:
                runs.append((config, seed, replication))
                same = len(runs) - 1
            arms_runs.append(same)
        run_of.append(arms_runs)
        groups[outcome_signature(configs)].append(k)
    results = _run_many()(runs, tables=OUTCOME_TABLES)
    tables: dict[int, tuple[list[pd.DataFrame], list[pd.DataFrame]]] = {}
    for k, (point, _, _) in enumerate(task.units):
        firms, relationships = [], []
        for arm, i in zip(configs_at[point], run_of[k]):
            firms.append(results[i].firms.assign(**{VARIANT: arm, "replication": k}))
            relationships.append(results[i].relationships.assign(**{VARIANT: arm,
                                                                    "replication": k}))
        tables[k] = (firms, relationships)
    arms = list(configs_at[task.units[0][0]]) if task.units else []
    frames = []
    for members in groups.values():
        configs = configs_at[task.units[members[0]][0]]
        firms = pd.concat([f for k in members for f in tables[k][0]], ignore_index=True)
        relationships = pd.concat([r for k in members for r in tables[k][1]], ignore_index=True)
        for frame in (firms, relationships):
            frame[VARIANT] = pd.Categorical(frame[VARIANT], categories=arms)
        frames.append(replication_outcomes(firms, relationships, configs))
    if not frames:
        return pd.DataFrame(columns=[*KEYS, "seed", *task.outcomes])
    out = pd.concat(frames, ignore_index=True)
    out = out[out["firm"].astype(str).isin(task.firms)]
    unit = out["replication"].to_numpy()
    points = [u[0] for u in task.units]
    replications = [u[1] for u in task.units]
    rows = pd.DataFrame({
        "point": pd.array([points[k] for k in unit], dtype="int64"),
        "arm": out[VARIANT].astype(str).to_numpy(),
        "replication": pd.array([replications[k] for k in unit], dtype="int64"),
        "seed": pd.array([replication_seed(task.seed, replications[k]) for k in unit],
                         dtype="int64"),
        "firm": out["firm"].astype(str).to_numpy(),
        **{name: out[name].to_numpy(dtype=float) for name in task.outcomes},
    })
    order = {arm: i for i, arm in enumerate(arms)}
    rows = rows.assign(_arm=rows["arm"].map(order))
    return rows.sort_values(["point", "replication", "_arm", "firm"], kind="stable",
                            ignore_index=True).drop(columns="_arm")
