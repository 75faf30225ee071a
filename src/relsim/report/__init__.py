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
    one row per variant, firm and outcome: mean over replications, 95% interval (within the
    outcome's bounds: :func:`relsim.stats.bounded_interval`), and the paired difference to the
    baseline with its interval (:func:`relsim.report.outcomes.summarise`)
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
    retention curves, the focal firm's customers by lifecycle stage, attitude trajectories,
    word of mouth by valence, market shares, profit, customer equity and value created per
    variant -- or, in a run with one variant, per firm

The plots and the Markdown/HTML tables show at most :data:`relsim.report.view.MAX_SERIES`
variants and firms and say how many they leave out; the CSV files hold all.  The outcomes
and their definitions are :data:`relsim.report.outcomes.OUTCOMES`.
"""

from relsim.report.files import build_report, scenario_yaml, write_plots
from relsim.report.outcomes import OUTCOMES
from relsim.report.summary import PLOTS, Report, summarise_comparison
from relsim.report.text import format_interval, format_row, question
from relsim.report.view import MAX_SERIES, View

__all__ = ["MAX_SERIES", "OUTCOMES", "PLOTS", "Report", "View", "build_report",
           "format_interval", "format_row", "question", "scenario_yaml", "summarise_comparison",
           "write_plots"]
