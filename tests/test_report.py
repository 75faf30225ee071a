"""The comparison report: its outcomes against hand-computed values, its intervals against
the t formula, its files, and end to end on every example scenario (reduced size), checking
the summary against the tables it came from."""

from __future__ import annotations

import math
import re
from itertools import takewhile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from relsim.cli import main
from relsim.config import ModelConfig
from relsim.params import STEPS_PER_YEAR
from relsim.report import PLOTS, build_report, format_interval, summarise_comparison
from relsim.report.outcomes import OUTCOMES, replication_outcomes, retention_curves, summarise
from relsim.scenario import load_scenario
from relsim.stats import t_interval

HERE = Path(__file__).parent
SCENARIOS = sorted((HERE.parent / "scenarios").glob("*.yaml"))
PNG = b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- intervals

def test_t_interval_is_the_student_t_formula():
    mean, lo, hi, n = t_interval([1.0, 2.0, 3.0, np.nan])
    half = stats.t.ppf(0.975, 2) * 1.0 / math.sqrt(3)  # sd of 1, 2, 3 is 1
    assert (mean, n) == (2.0, 3)
    assert lo == pytest.approx(2.0 - half) and hi == pytest.approx(2.0 + half)
    assert math.isnan(t_interval([5.0])[1]) and t_interval([5.0])[0] == 5.0
    assert t_interval([4.0, 4.0])[1:3] == (4.0, 4.0)
    assert math.isnan(t_interval([])[0])


def test_t_interval_covers_the_mean_95_percent_of_the_time():
    """Coverage over 4000 normal samples of size 5: 95% within binomial error (3 sd)."""
    rng = np.random.default_rng(3)
    samples = rng.normal(10.0, 2.0, size=(4000, 5))
    covered = sum(lo <= 10.0 <= hi for lo, hi in
                  (t_interval(s)[1:3] for s in samples))
    assert abs(covered / 4000 - 0.95) < 3 * math.sqrt(0.95 * 0.05 / 4000)


# ----------------------------------------------------------------------------- outcomes by hand

def configs(rate: float = 0.0) -> dict[str, ModelConfig]:
    base = {"n_customers": 100, "steps": 2, "firms": [{"name": "A"}, {"name": "B"}],
            "economics": {"discount_rate_per_year": rate}}
    treated = {**base, "firms": [{"name": "A", "policies": [{"kind": "loyalty"}]},
                                 {"name": "B"}]}
    return {"baseline": ModelConfig.model_validate(base),
            "loyal": ModelConfig.model_validate(treated)}


def firms_table() -> pd.DataFrame:
    """Two variants x two replications x two firms x steps 0..2 with chosen numbers."""
    rows = []
    for v, variant in enumerate(("baseline", "loyal")):
        for r in (0, 1):
            for f, firm in enumerate(("A", "B")):
                customers = [10 + f, 8 + f + v, 6 + f + v]
                churn = [0, 2, 2 - v]
                for step in range(3):
                    rows.append({
                        "variant": variant, "replication": r, "seed": 7 + r, "step": step,
                        "firm": firm, "customers": customers[step], "churn": churn[step],
                        "market_share": 0.4 + 0.1 * f + 0.01 * r + 0.05 * v,
                        "nps": 10.0 * (f + 1) + r + 5 * v,
                        "customer_equity": 100.0 * (step + 1) + 10 * r + 50 * v,
                        "discounted_profit": 3.0 * step + r + v,
                        "policy_cost": 2.0 * v * (f == 0) * (step > 0),
                    })
    frame = pd.DataFrame(rows)
    for column, names in (("variant", ["baseline", "loyal"]), ("firm", ["A", "B"])):
        frame[column] = pd.Categorical(frame[column], names)
    return frame


def relationships_table() -> pd.DataFrame:
    """A's week-0 relationships end at steps 1, 2 or never (NA); B's all run; one later
    relationship (start 1) is not part of the week-0 base."""
    rows = []
    for variant in ("baseline", "loyal"):
        for r in (0, 1):
            ends = [1, pd.NA, 2, pd.NA] if variant == "baseline" else [pd.NA, pd.NA, 2, pd.NA]
            rows += [{"variant": variant, "replication": r, "firm": "A", "start": 0, "end": e}
                     for e in ends]
            rows += [{"variant": variant, "replication": r, "firm": "B", "start": 0,
                      "end": pd.NA}] * 2
            rows.append({"variant": variant, "replication": r, "firm": "A", "start": 1,
                         "end": 2})
    frame = pd.DataFrame(rows)
    frame["end"] = frame["end"].astype("Int32")
    for column, names in (("variant", ["baseline", "loyal"]), ("firm", ["A", "B"])):
        frame[column] = pd.Categorical(frame[column], names)
    return frame


def test_outcomes_match_hand_computed_values():
    out = replication_outcomes(firms_table(), relationships_table(), configs())
    out = out.set_index(["variant", "replication", "firm"])
    a0 = out.loc[("baseline", 0, "A")]
    assert a0["retention"] == 0.5  # ends 1, NA, 2, NA: two still running after step 2
    assert out.loc[("loyal", 0, "A"), "retention"] == 0.75
    assert out.loc[("baseline", 1, "B"), "retention"] == 1.0
    weekly = (2 + 2) / (10 + 8)  # churners in weeks 1, 2 / customers at their start
    assert a0["churn_rate"] == pytest.approx(1 - (1 - weekly) ** STEPS_PER_YEAR)
    assert out.loc[("loyal", 1, "B"), "churn_rate"] == pytest.approx(
        1 - (1 - 3 / (11 + 10)) ** STEPS_PER_YEAR)
    assert a0["market_share"] == 0.4 and a0["nps"] == 10.0
    assert a0["customer_equity"] == 300.0  # at the horizon, step 2
    assert a0["npv_profit"] == 3.0 + 6.0  # weeks 1 and 2 (week 0 is the starting state)
    assert a0["value"] == 9.0 + 300.0  # no discounting at rate 0
    loyal = out.loc[("loyal", 1, "A")]
    base = out.loc[("baseline", 1, "A")]
    assert loyal["pv_policy_cost"] == 4.0
    assert loyal["policy_roi"] == pytest.approx((loyal["value"] - base["value"]) / 4.0)
    assert out["policy_roi"].drop(("loyal", 0, "A")).drop(("loyal", 1, "A")).isna().all()


def test_outcomes_discount_profit_equity_and_cost_to_week_zero():
    out = replication_outcomes(firms_table(), relationships_table(), configs(rate=0.1))
    d = ModelConfig(economics={"discount_rate_per_year": 0.1}).economics.discount_rate_per_step
    row = out.set_index(["variant", "replication", "firm"]).loc[("loyal", 0, "A")]
    assert row["pv_equity"] == pytest.approx(350.0 * (1 + d) ** -2)
    assert row["pv_policy_cost"] == pytest.approx(2.0 * ((1 + d) ** -1 + (1 + d) ** -2))
    assert row["value"] == pytest.approx(row["npv_profit"] + row["pv_equity"])


def test_retention_curves_step_by_step():
    curves = retention_curves(relationships_table(), 2)
    a = curves[(curves["variant"] == "baseline") & (curves["replication"] == 0)
               & (curves["firm"] == "A")]
    assert a["retention"].tolist() == [1.0, 0.75, 0.5]
    assert set(a["initial"]) == {4}


def test_summary_intervals_and_paired_differences():
    out = replication_outcomes(firms_table(), relationships_table(), configs())
    summary = summarise(out).set_index(["variant", "firm", "outcome"])
    nps = summary.loc[("loyal", "A", "nps")]
    assert nps["mean"] == 15.5 and nps["n"] == 2  # 15 and 16
    half = stats.t.ppf(0.975, 1) * np.std([15, 16], ddof=1) / math.sqrt(2)
    assert nps["lo"] == pytest.approx(15.5 - half)
    # every replication is +5 over the baseline: the paired interval is the point itself
    assert (nps["diff"], nps["diff_lo"], nps["diff_hi"]) == (5.0, 5.0, 5.0)
    assert summary.loc[("baseline", "A", "nps"), ["diff", "diff_lo"]].isna().all()
    assert math.isnan(summary.loc[("loyal", "A", "policy_roi"), "diff"])
    assert list(summary.index.get_level_values("outcome").unique()) == [o.name for o in OUTCOMES]


def test_format_interval_units():
    assert format_interval("retention", 0.8123, 0.8, 0.82) == "81.2% [80.0%, 82.0%]"
    assert format_interval("retention", 0.031, 0.01, 0.05, signed=True) == \
        "+3.1 pp [+1.0 pp, +5.0 pp]"
    assert format_interval("npv_profit", 12345.6, 12000, 13000) == "12,346 [12,000, 13,000]"
    assert format_interval("nps", 12.0, math.nan, math.nan) == "12.0"
    assert format_interval("policy_roi", math.nan, math.nan, math.nan) == "n/a"


# ----------------------------------------------------------------------------- end to end

def reduced(path: Path, tmp_path: Path, n_customers: int = 300) -> Path:
    """A copy of an example scenario with fewer customers (horizon and replications are
    reduced on the command line)."""
    data = yaml.safe_load(path.read_text())
    data["n_customers"] = n_customers
    copy = tmp_path / path.name
    header = takewhile(lambda line: line.startswith("#") or not line.strip(),
                       path.read_text().splitlines())
    copy.write_text("\n".join(header) + "\n" + yaml.safe_dump(data, sort_keys=False))
    return copy


def check_summary_against_tables(out: Path, scenario) -> None:
    """Recompute the summary's numbers from the written tables, independently of
    relsim.report.outcomes, and compare."""
    firms = pd.read_csv(out / "firms.csv")
    rel = pd.read_csv(out / "relationships.csv")
    summary = pd.read_csv(out / "summary.csv").set_index(["variant", "firm", "outcome"])
    horizon = firms["step"].max()
    last = firms[firms["step"] == horizon]
    weeks = firms[firms["step"] >= 1]
    for (variant, firm), rows in last.groupby(["variant", "firm"]):
        for outcome in ("market_share", "nps", "customer_equity"):
            expected = t_interval(rows[outcome])
            got = summary.loc[(variant, firm, outcome)]
            assert got["mean"] == pytest.approx(expected[0], nan_ok=True)
            assert got["lo"] == pytest.approx(expected[1], nan_ok=True)
        npv = weeks[(weeks["variant"] == variant) & (weeks["firm"] == firm)] \
            .groupby("replication")["discounted_profit"].sum()
        assert summary.loc[(variant, firm, "npv_profit"), "mean"] == pytest.approx(npv.mean())
        initial = rel[(rel["variant"] == variant) & (rel["firm"] == firm) & (rel["start"] <= 0)]
        if len(initial):
            kept = initial.groupby("replication")["end"].apply(
                lambda e: (e.isna() | (e > horizon)).mean())
            assert summary.loc[(variant, firm, "retention"), "mean"] == pytest.approx(
                kept.mean())
    # paired differences to the baseline, for the focal firm's NPS
    focal = last[last["firm"] == scenario.focal()].pivot(index="replication",
                                                         columns="variant", values="nps")
    for variant in scenario.variant_names()[1:]:
        mean, lo, hi, _ = t_interval(focal[variant] - focal["baseline"])
        got = summary.loc[(variant, scenario.focal(), "nps")]
        assert (got["diff"], got["diff_lo"], got["diff_hi"]) == pytest.approx(
            (mean, lo, hi), nan_ok=True)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_example_scenario_report_end_to_end(path, tmp_path, capsys):
    small = reduced(path, tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(small), "--out", str(out), "--steps", "16", "--replications", "3",
                 "--quiet"]) == 0
    stdout = capsys.readouterr().out
    scenario = load_scenario(small).model_copy(update={"steps": 16, "replications": 3})
    for name in ("summary.csv", "outcomes.csv", "retention.csv", "report.md", "report.html",
                 "scenario.yaml"):
        assert (out / name).stat().st_size > 0, name
    for name in PLOTS:
        assert (out / "plots" / name).read_bytes().startswith(PNG), name
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    md = (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    for variant in scenario.variant_names():
        assert variant in md and variant in html and variant in stdout
    assert md.count("](plots/") == len(PLOTS)
    assert html.count('src="data:image/png;base64,') == len(PLOTS)
    assert not re.search(r'src="(?!data:)', html)  # self-contained: nothing fetched
    if scenario.header():
        assert scenario.header().splitlines()[0] in md
    check_summary_against_tables(out, scenario)
    summary = pd.read_csv(out / "summary.csv")
    focal = summary[(summary["firm"] == scenario.focal()) & (summary["outcome"] == "retention")]
    for _, row in focal.iterrows():  # the terminal shows the same numbers
        assert format_interval("retention", row["mean"], row["lo"], row["hi"]) in stdout


def test_report_without_variants_and_with_one_replication(tmp_path):
    from relsim.compare import run_comparison
    from relsim.scenario import validate_scenario

    scenario = validate_scenario({"name": "solo", "n_customers": 200, "steps": 6}, "solo.yaml")
    result = run_comparison(scenario, progress=False)
    table = build_report(result, scenario, tmp_path)  # what relsim run prints: every firm
    assert list(table.columns) == [f.name for f in scenario.firms]
    assert table.loc["NPS at horizon"].str.match(r"-?\d+\.\d$").all()  # no interval
    md = (tmp_path / "report.md").read_text()
    assert "nothing to compare" in md
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary["lo"].isna().all()
    assert (summary.loc[summary["outcome"] != "policy_roi", "n"] == 1).all()


def test_focal_firm_is_headlined(tmp_path):
    from relsim.compare import run_comparison
    from relsim.scenario import validate_scenario

    scenario = validate_scenario({
        "name": "focal", "n_customers": 200, "steps": 6, "replications": 2,
        "focal_firm": "B", "firms": [{"name": "A"}, {"name": "B"}],
        "variants": {"cheaper": {"firms.1.price": 0.8}}}, "focal.yaml")
    report = summarise_comparison(run_comparison(scenario, progress=False), scenario)
    assert report.focal == "B" and report.table().columns.name == "firm B"
    assert all("for B" in line for line in report.verdict())
    assert report.outcomes["policy_roi"].isna().all()  # no policies differ


def test_reader_guide_names_every_file_plot_and_outcome():
    guide = (HERE.parent / "docs" / "report.md").read_text()
    for name in (*PLOTS, "summary.csv", "outcomes.csv", "retention.csv", "report.html"):
        assert f"`{name}`" in guide, name
    for outcome in OUTCOMES:
        assert outcome.label.split(" at ")[0].split(" vs ")[0] in guide, outcome.label


def test_interrupted_report_leaves_nothing_half_written_and_rerun_completes(tmp_path,
                                                                            monkeypatch, capsys):
    import relsim.report.files as report_module

    small = reduced(SCENARIOS[0], tmp_path, n_customers=150)
    out = tmp_path / "out"
    argv = ["run", str(small), "--out", str(out), "--steps", "5", "--replications", "2",
            "--quiet"]
    real = report_module.write_plots

    def interrupted(report, directory):
        real(report, directory)  # the plots are written, the Markdown and HTML are not
        raise KeyboardInterrupt

    monkeypatch.setattr(report_module, "write_plots", interrupted)
    assert main(argv) == 130
    assert not out.exists()
    monkeypatch.setattr(report_module, "write_plots", real)
    capsys.readouterr()
    assert main(argv) == 0
    assert "runs reused" in capsys.readouterr().out
    assert (out / "report.html").exists() and (out / "report.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", small.name])


def test_scenario_yaml_reproduces_the_run(tmp_path, capsys):
    """The complete scenario written beside a report, run again, gives the same tables."""
    small = reduced(SCENARIOS[-1], tmp_path, n_customers=150)
    first, second = tmp_path / "first", tmp_path / "second"
    argv = ["--steps", "4", "--replications", "2", "--quiet"]
    assert main(["run", str(small), "--out", str(first), *argv]) == 0
    assert main(["run", str(first / "scenario.yaml"), "--out", str(second), "--quiet"]) == 0
    for table in ("firms.csv", "relationships.csv", "summary.csv"):
        assert (first / table).read_bytes() == (second / table).read_bytes(), table


def test_firms_keep_the_scenario_order():
    """Zeta is the first firm: it stays first in the summary (not sorted by name)."""
    firms, rel = firms_table(), relationships_table()
    for frame in (firms, rel):
        frame["firm"] = frame["firm"].cat.rename_categories({"A": "Zeta"})
    renamed = {k: c.model_copy(update={"firms": [c.firms[0].model_copy(update={"name": "Zeta"}),
                                                 c.firms[1]]}) for k, c in configs().items()}
    summary = summarise(replication_outcomes(firms, rel, renamed))
    assert list(summary["firm"].cat.categories) == ["Zeta", "B"]
    assert summary["firm"].iloc[0] == "Zeta"


def test_differences_whose_interval_excludes_zero_are_bold():
    from relsim.compare import run_comparison
    from relsim.scenario import validate_scenario

    scenario = validate_scenario({
        "name": "bold", "n_customers": 300, "steps": 10, "replications": 3,
        "variants": {"dearer": {"firms.0.price": 1.6}}}, "bold.yaml")
    report = summarise_comparison(run_comparison(scenario, progress=False), scenario)
    diff = report.wide(report.focal, "diff")["dearer"]
    rows = report.summary[(report.summary["variant"] == "dearer")
                          & (report.summary["firm"] == report.focal)].set_index("outcome")
    for outcome in OUTCOMES[:-1]:
        lo, hi = rows.loc[outcome.name, ["diff_lo", "diff_hi"]]
        assert diff[outcome.label].startswith("**") == (lo > 0 or hi < 0), outcome.name
    assert diff.str.startswith("**").any() and not diff.str.startswith("**").all()


def test_a_run_keeps_the_scenario_firm_order_in_tables_and_printout(tmp_path):
    """The firms table of a real run holds names as strings: still Zeta before Alpha."""
    from relsim.compare import run_comparison
    from relsim.scenario import validate_scenario

    scenario = validate_scenario({"name": "order", "n_customers": 200, "steps": 4,
                                  "firms": [{"name": "Zeta"}, {"name": "Alpha"}]}, "o.yaml")
    table = build_report(run_comparison(scenario, progress=False), scenario, tmp_path)
    assert list(table.columns) == ["Zeta", "Alpha"]
    assert list(pd.read_csv(tmp_path / "summary.csv")["firm"].unique()) == ["Zeta", "Alpha"]
