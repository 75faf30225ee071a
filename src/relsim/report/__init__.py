"""Comparison reports: which variant of a scenario wins, by how much, and how sure we are.

``relsim run SCENARIO.yaml --out DIR`` calls :func:`build_report` on the tables of
every variant and replication; from Python::

    from relsim.compare import run_comparison
    from relsim.report import build_report, summarise_comparison
    from relsim.scenario import load_scenario

    scenario = load_scenario("scenarios/loyalty_vs_service.yaml")
    result = run_comparison(scenario, workers=2)
    report = summarise_comparison(result, scenario)   # tables, no files
    report.table()                                     # the focal firm, as printed
    build_report(result, scenario, "out/")             # the files below

Files written into the directory (each written under a temporary name, then renamed):

``summary.csv``
    one row per variant, firm and outcome: mean over replications, 95% t-interval, and the
    paired difference to the baseline with its interval (:func:`relsim.report.outcomes.summarise`)
``outcomes.csv``
    the outcomes of every variant, replication and firm, from which the summary is computed
``retention.csv``
    retention curves of each firm's week-0 customers, per variant, replication and step
``report.md``, ``report.html``
    the human-readable report; the HTML page embeds the plots
``scenario.yaml``
    the complete scenario that was run (every parameter, variants included): ``relsim run``
    on it reproduces the tables
``plots/*.png``
    retention curves, customers by lifecycle stage, attitude trajectories, word of mouth by
    valence, market shares, profit and customer equity per variant

The outcomes and their definitions are :data:`relsim.report.outcomes.OUTCOMES`.
"""

from relsim.report.files import build_report, scenario_yaml, write_plots
from relsim.report.outcomes import OUTCOMES
from relsim.report.summary import (
    PLOTS,
    Report,
    format_interval,
    format_row,
    summarise_comparison,
)

__all__ = ["OUTCOMES", "PLOTS", "Report", "build_report", "format_interval", "format_row",
           "scenario_yaml", "summarise_comparison", "write_plots"]
