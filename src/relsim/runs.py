"""Run the model: one run, or replications, as tidy pandas DataFrames.

A run is a pure function of its configuration and seed: :func:`run_one` takes
plain, picklable data and returns plain data, so it can be shipped to worker
processes (``concurrent.futures`` or Dask) and gives the same numbers wherever
it runs.  Replication ``r`` of root seed ``s`` uses the seed
``replication_seed(s, r)`` derived with :class:`numpy.random.SeedSequence`,
so results do not depend on how runs are spread over workers.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
import pandas as pd

from relsim.config import ModelConfig
from relsim.model import RelationshipModel
from relsim.overrides import ParameterError, apply_overrides
from relsim.retention import cohort_retention
from relsim.scenario import Scenario, ScenarioError, load_scenario, validate_scenario
from relsim.tables import conform

TABLES = ("firms", "market", "transactions", "relationships", "cohorts", "customers", "trace")
ON_REQUEST = ("weekly_truth",)
"""Tables recorded only when asked for (``record.truth``): None otherwise, so that a run,
a comparison and ``relsim run`` carry and write them only when asked for."""


def replication_seed(seed: int, replication: int) -> int:
    """Seed of replication ``replication`` of root seed ``seed`` (independent SeedSequence child)."""
    child = np.random.SeedSequence(seed, spawn_key=(replication,))
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@dataclass
class RunResult:
    """Tidy tables of one or more runs (each with ``replication`` and ``seed`` columns).

    A run collected with only some tables (:func:`collect`'s ``tables``) has None for the
    others."""

    firms: pd.DataFrame | None
    market: pd.DataFrame | None
    transactions: pd.DataFrame | None
    relationships: pd.DataFrame | None
    cohorts: pd.DataFrame | None
    customers: pd.DataFrame | None
    trace: pd.DataFrame | None
    config: ModelConfig | None = field(default=None, repr=False)
    weekly_truth: pd.DataFrame | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        """All tables by name (those of ON_REQUEST when carried: not None)."""
        return {name: getattr(self, name) for name in TABLES + ON_REQUEST
                if getattr(self, name) is not None}

    @classmethod
    def concat(cls, results: list[RunResult]) -> RunResult:
        """Stack the tables of several runs (each table that every run carries)."""
        return cls(**{name: pd.concat([getattr(r, name) for r in results], ignore_index=True)
                      if results and all(getattr(r, name) is not None for r in results)
                      else None for name in TABLES + ON_REQUEST},
                   config=results[0].config if results else None)


def collect(model: RelationshipModel, tables: Collection[str] | None = None) -> RunResult:
    """Tidy tables from a finished model, each with the columns and dtypes of the data
    dictionary (:mod:`relsim.tables`).  ``tables``: the names of those to build (default:
    all, and ``weekly_truth`` when recorded); the others are None.  A caller that reads
    two tables (the sweep's workers: ``firms`` and ``relationships``) saves building the
    rest."""
    wanted = TABLES + ON_REQUEST if tables is None else tuple(tables)
    unknown = sorted(set(wanted) - set(TABLES + ON_REQUEST))
    if unknown:
        raise ValueError(f"unknown tables {unknown}; expected some of "
                         f"{list(TABLES + ON_REQUEST)}")
    dc = model.datacollector
    names = [f.name for f in model.firms]
    segments = [s.name for s in model.config.segments]
    relationships = (model.records.relationships_frame(model)  # cohorts are made from it
                     if {"relationships", "cohorts"} & set(wanted) else None)
    builders = {
        "firms": lambda: dc.get_agent_vars_dataframe().reset_index().rename(
            columns={"Step": "step"}).drop(columns=["AgentID"]),
        "market": lambda: dc.get_model_vars_dataframe().rename_axis("step").reset_index(),
        "transactions": lambda: model.records.transactions_frame(names),
        "relationships": lambda: relationships,
        "cohorts": lambda: cohort_retention(relationships, model.steps),
        "customers": lambda: model.records.customers_frame(model),
        "trace": model.records.trace_frame,
        "weekly_truth": lambda: (model.records.truth_frame(names) if model.config.record.truth
                                 else None),
    }
    frames = {name: builders[name]() if name in wanted else None for name in builders}
    return RunResult(**{name: None if frame is None else conform(frame, name, names, segments)
                        for name, frame in frames.items()}, config=model.config)


def release(model: mesa.Model) -> None:
    """Let a finished ``model`` be garbage-collected.  Mesa 3.3's ``Agent._ids`` (the
    per-model counters of agent ids) keeps a reference to every model that ever made an
    agent (mesa issue 3179): a worker that runs thousands of runs would keep them all,
    about 13 MB per 20,000-customer run.  Only for a model that makes no more agents."""
    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, dict):
        ids.pop(model, None)


def run_one(config: ModelConfig, seed: int, replication: int = 0, *,
            tables: Collection[str] | None = None) -> RunResult:
    """Build, run and collect one model: a pure function of (config, seed).  ``tables``:
    the tables to build (:func:`collect`; default all)."""
    return _finished(RelationshipModel(config, rng=seed).run(), seed, replication, tables)


def run_many(runs: Sequence[tuple[ModelConfig, int, int]], *,
             tables: Collection[str] | None = None) -> list[RunResult]:
    """:func:`run_one` of each ``(config, seed, replication)``, with the same results, in
    order.  Short runs that can share a stack (:func:`relsim.stack.stacks`: replications of
    a configuration, or configurations that differ in the weekly parameters, the firms'
    offers or what a run's set-up reads) are advanced together
    (:func:`relsim.stack.run_stacked`), several times faster than one by one."""
    from relsim.stack import run_stacked, stacks

    results: list[RunResult | None] = [None] * len(runs)
    for chunk in stacks([config for config, _, _ in runs]):
        if len(chunk) == 1:
            config, seed, replication = runs[chunk[0]]
            results[chunk[0]] = run_one(config, seed, replication, tables=tables)
            continue
        models = run_stacked([runs[k][0] for k in chunk], [runs[k][1] for k in chunk])
        for k, model in zip(chunk, models):
            results[k] = _finished(model, runs[k][1], runs[k][2], tables)
    return results


def _finished(model: RelationshipModel, seed: int, replication: int,
              tables: Collection[str] | None) -> RunResult:
    """The tables of a finished model, with its seed and replication; releases the model."""
    result = collect(model, tables)
    release(model)
    for table in result.tables().values():
        table.insert(0, "seed", np.int64(seed))
        table.insert(0, "replication", np.int32(replication))
    return result


def run(scenario: ModelConfig | Mapping[str, Any] | str | os.PathLike | None = None, *,
        seed: int | None = None, replications: int | None = None, steps: int | None = None,
        **params: Any) -> RunResult:
    """Run a scenario ``replications`` times and return tidy DataFrames.

    ``scenario`` is a path to a scenario file, a mapping in its layout, a
    :class:`~relsim.scenario.Scenario` or :class:`ModelConfig`, or None for the defaults;
    keyword ``params`` override it by path (``relsim.run(n_customers=500, trust_loss=0.4,
    seed=1, replications=5)``).  ``seed`` and ``replications`` default to the scenario's
    own (0 and 1 for a bare configuration).  A scenario with variants is a comparison:
    it is refused with a pointer to :func:`relsim.run_comparison`.
    """
    if scenario is None or isinstance(scenario, ModelConfig) and not isinstance(scenario,
                                                                                  Scenario):
        config, defaults = scenario or ModelConfig(), Scenario()
    else:
        defaults = _scenario(scenario)
        if defaults.variants:
            raise ScenarioError(f"{_name(scenario)} has variants "
                                f"({', '.join(defaults.variant_names())}): compare them with "
                                "relsim.run_comparison(relsim.load_scenario(...)), or run one "
                                "variant's configuration from scenario.variant_configs()")
        config = defaults.model_part()
    seed = defaults.seed if seed is None else seed
    replications = defaults.replications if replications is None else replications
    for name, value, low in (("seed", seed, 0), ("replications", replications, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ParameterError(f"{name}: expected an integer >= {low}, got {value!r}")
    if steps is not None:
        params["steps"] = steps
    config = apply_overrides(config, params)
    return RunResult.concat([run_one(config, replication_seed(seed, r), r)
                             for r in range(replications)])


def _scenario(scenario: Any) -> Scenario:
    """A Scenario from a path, a mapping or a Scenario (validated like a file)."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Mapping):
        return validate_scenario(dict(scenario), "scenario mapping")
    return load_scenario(scenario)


def _name(scenario: Any) -> str:
    return str(scenario) if isinstance(scenario, (str, os.PathLike)) else "the scenario"
