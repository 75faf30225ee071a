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

from relsim.lazy import exports

_NAMES = {
    "sample": "relsim.experiments.designs",
    "is_experiment_file": "relsim.experiments.detect",
    "load_experiment": "relsim.experiments.loading",
    "load": "relsim.experiments.loading:load_experiment",
    "validate_experiment": "relsim.experiments.loading",
    "run": "relsim.experiments.runner",
    "Experiment": "relsim.experiments.schema", "ExperimentError": "relsim.experiments.schema",
    "experiment_json_schema": "relsim.experiments.schema",
    "Analysis": "relsim.experiments.study", "analyze": "relsim.experiments.study",
}
"""``load(path) -> Experiment`` reads and validates an experiment file; the other names
are those of their modules."""
__getattr__, __dir__ = exports(__name__, _NAMES)
__all__ = sorted(_NAMES)
