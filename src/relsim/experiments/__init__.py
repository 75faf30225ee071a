"""Experiments: parameter sweeps, sensitivity analysis and scenario discovery.

From one experiment file (YAML, :mod:`relsim.experiments.schema`) to an analysis
page, in the spirit of SALib's ``ProblemSpec``::

    import relsim.experiments as rx

    experiment = rx.load("experiments/sobol_retention.yaml")
    design = rx.sample(experiment)              # one row per design point
    results = rx.run(experiment, out="out/sobol", workers=2)   # one row per run and firm
    analysis = rx.analyze("out/sobol")          # indices, noise, PRIM boxes (DataFrames)
    analysis.write("out/sobol/analysis")        # CSV, PNG and analysis.html

``run`` takes ``executor=`` (any :class:`concurrent.futures.Executor`) or
``scheduler=`` (a Dask scheduler address or ``"local"``); the results are the
same whatever runs them.  See ``docs/experiments.md``.
"""

from __future__ import annotations

from relsim.experiments.designs import sample
from relsim.experiments.loading import is_experiment_file, load_experiment, validate_experiment
from relsim.experiments.runner import run
from relsim.experiments.schema import Experiment, ExperimentError, experiment_json_schema
from relsim.experiments.study import Analysis, analyze

load = load_experiment
"""``load(path) -> Experiment``: read and validate an experiment file."""

__all__ = ["Analysis", "Experiment", "ExperimentError", "analyze", "experiment_json_schema",
           "is_experiment_file", "load", "load_experiment", "run", "sample",
           "validate_experiment"]
