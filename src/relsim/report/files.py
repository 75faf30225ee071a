"""Writing a comparison report: the CSV tables, the plots, Markdown and HTML, the scenario."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import yaml

from relsim.outputs import atomic_path, atomic_write
from relsim.report import plots
from relsim.report.render import to_html, to_markdown
from relsim.report.summary import PLOTS, Report, summarise_comparison
from relsim.runs import RunResult
from relsim.scenario import Scenario


def _write(path: Path, data: bytes | str) -> None:
    """Write a file all or nothing (:func:`relsim.outputs.atomic_write`; the command line
    flushes the whole directory to disk when it publishes it)."""
    atomic_write(path, data, durable=False)


def scenario_yaml(scenario: Scenario) -> str:
    """The complete scenario as YAML, every default written out, so that the run can be
    repeated even if defaults change in a later relsim."""
    from relsim.version import __version__

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: 4x faster, same text
    return (f"# the complete scenario run by relsim {__version__}; relsim run reproduces it\n"
            + yaml.dump(scenario.model_dump(mode="json"), Dumper=dumper, sort_keys=False,
                        allow_unicode=True))


def write_plots(report: Report, directory: Path) -> None:
    """Draw every plot of :data:`PLOTS` into ``directory``, showing what ``report.view``
    shows."""
    r, view = report.result, report.view
    figures = {
        "retention.png": lambda: plots.plot_retention(report.curves, view),
        "stages.png": lambda: plots.plot_stages(r.firms, r.market, view),
        "attitudes.png": lambda: plots.plot_attitudes(r.firms, view),
        "wom.png": lambda: plots.plot_wom(r.firms, view),
        "market_share.png": lambda: plots.plot_share(r.firms, view),
        "value.png": lambda: plots.plot_value(report.summary, view),
    }
    directory.mkdir(parents=True, exist_ok=True)
    for name in PLOTS:
        with atomic_path(directory / name, durable=False) as tmp:
            figures[name]().savefig(tmp, dpi=110)


def build_report(result: RunResult, scenario: Scenario, out_dir: str | os.PathLike
                 ) -> pd.DataFrame:
    """Write the report of a comparison into ``out_dir`` (see the module docstring) and return
    the table that ``relsim run`` prints (:meth:`Report.printed`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = summarise_comparison(result, scenario)
    _write(out / "summary.csv", report.summary.to_csv(index=False))
    _write(out / "outcomes.csv", report.outcomes.to_csv(index=False))
    _write(out / "retention.csv", report.curves.to_csv(index=False))
    _write(out / "scenario.yaml", scenario_yaml(scenario))
    write_plots(report, out / "plots")
    blocks = report.blocks()
    _write(out / "report.md", to_markdown(blocks))
    _write(out / "report.html", to_html(blocks, out / "plots", f"{scenario.name}: report"))
    return report.printed()
