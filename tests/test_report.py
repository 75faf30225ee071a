"""The comparison report: its outcomes against hand-computed values, its intervals within
the outcomes' bounds, its files, and end to end on every example scenario (reduced size),
checking the summary against the tables it came from.  tests/test_report_view.py checks what
the plots and tables show (colours, axes, bounded size); tests/test_stats.py the intervals."""

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
from relsim.report import PLOTS, build_report, format_interval, question, summarise_comparison
from relsim.report.outcomes import (
    OUTCOME,
    OUTCOMES,
    replication_outcomes,
    retention_curves,
    summarise,
)
from relsim.scenario import load_scenario
from relsim.stats import bounded_interval, t_interval

HERE = Path(__file__).parent
SCENARIOS = sorted((HERE.parent / "scenarios").glob("*.yaml"))
PNG = b"\x89PNG\r\n\x1a\n"


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
    # NPS lies within -100..100: the interval of 15 and 16 is on the logit scale of that range
    p, se = (15.5 + 100) / 200, np.std([15, 16], ddof=1) / math.sqrt(2) / 200
    k = stats.t.ppf(0.975, 1) * se / (p * (1 - p))
    assert nps["lo"] == pytest.approx(-100 + 200 / (1 + math.exp(-(math.log(p / (1 - p)) - k))))
    assert nps["hi"] == pytest.approx(-100 + 200 / (1 + math.exp(-(math.log(p / (1 - p)) + k))))
    # money is unbounded: the Student-t interval (profits 1+1+3... see firms_table)
    npv = summary.loc[("loyal", "A", "npv_profit")]
    assert (npv["mean"], npv["lo"], npv["hi"]) == pytest.approx(
        t_interval(out[(out["variant"] == "loyal") & (out["firm"] == "A")]["npv_profit"])[:3])
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
            expected = bounded_interval(rows[outcome], *OUTCOME[outcome].bounds)
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
    asked = question(scenario)
    assert asked and asked.splitlines()[0] in md and "Run:" not in md and "Check:" not in md
    check_summary_against_tables(out, scenario)
    summary = pd.read_csv(out / "summary.csv")
    focal = summary[(summary["firm"] == scenario.focal()) & (summary["outcome"] == "retention")]
    for _, row in focal.iterrows():  # the terminal shows the same numbers
        assert format_interval("retention", row["mean"], row["lo"], row["hi"]) in stdout


def test_report_without_variants_and_with_one_replication_compares_the_firms(tmp_path):
    from relsim.compare import run_comparison
    from relsim.scenario import validate_scenario

    scenario = validate_scenario({"name": "solo", "n_customers": 200, "steps": 6}, "solo.yaml")
    result = run_comparison(scenario, progress=False)
    table = build_report(result, scenario, tmp_path)  # what relsim run prints: every firm
    assert list(table.columns) == [f.name for f in scenario.firms]
    assert table.loc["NPS at horizon"].str.match(r"-?\d+\.\d$").all()  # no interval
    md = (tmp_path / "report.md").read_text()
    assert "nothing to compare" not in md
    assert re.search(r"- Most value created: \*\*\w+\*\* \(.*\); its lead over \*\*\w+\*\* "
                     r"is .*, no interval with one replication\.", md)
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


# ----------------------------------------------------------------------------- what is shown

def synthetic(n_firms: int = 3, n_variants: int = 3, reps: int = 3, steps: int = 8,
              seed: int = 0, near_bounds: bool = False):
    """A scenario and comparison tables made up without simulating: every column the report
    reads, random numbers of the right kind (``near_bounds``: retention near 100%, churn,
    word of mouth and shares near 0)."""
    from relsim.runs import RunResult
    from relsim.scenario import validate_scenario

    rng = np.random.default_rng(seed)
    firms = [f"F{i:03d}" for i in range(n_firms)]
    variants = ["baseline", *(f"v{i:03d}" for i in range(1, n_variants))]
    scenario = validate_scenario({
        "name": "synthetic", "n_customers": 1000, "steps": steps, "replications": reps,
        "firms": [{"name": f} for f in firms],
        "variants": {v: {"firms.0.price": 1.0 + i / 1000} for i, v in enumerate(variants[1:])}},
        "synthetic.yaml")

    def grid(**levels) -> pd.DataFrame:
        frame = pd.MultiIndex.from_product(list(levels.values()), names=list(levels)) \
            .to_frame(index=False)
        for column, names in (("variant", variants), ("firm", firms)):
            if column in frame:
                frame[column] = pd.Categorical(frame[column], names)
        return frame

    f = grid(variant=variants, replication=range(reps), step=range(steps + 1), firm=firms)
    n = len(f)
    f["seed"] = f["replication"] + 7
    for stage in ("exploration", "awareness", "expansion", "commitment", "dissolution"):
        f[f"n_{stage}"] = rng.integers(0, 20, n).astype(float)
    f["customers"] = f[["n_exploration", "n_awareness", "n_expansion", "n_commitment"]].sum(axis=1)
    f["market_share"] = rng.uniform(0, 0.02 if near_bounds else 2 / n_firms, n)
    f["churn"] = rng.integers(0, 2 if near_bounds else 4, n).astype(float)
    for attitude in ("trust", "satisfaction", "fairness"):
        f[f"mean_{attitude}"] = rng.uniform(0.736, 0.75, n)
    f["nps"] = rng.uniform(90, 100, n) if near_bounds else rng.uniform(-50, 80, n)
    f["wom_positive"] = rng.poisson(20, n).astype(float)
    f["wom_negative"] = rng.poisson(0.3 if near_bounds else 3, n).astype(float)
    f["customer_equity"] = rng.gamma(2, 100, n)
    f["discounted_profit"] = rng.normal(10, 5, n)
    f["policy_cost"] = 0.0
    market = grid(variant=variants, replication=range(reps), step=range(steps + 1))
    market["prospects"] = rng.integers(100, 200, len(market))
    rel = grid(variant=variants, replication=range(reps), firm=firms, k=range(4)).drop(columns="k")
    rel["start"] = 0
    ended = rng.uniform(size=len(rel)) < (0.05 if near_bounds else 0.5)
    rel["end"] = pd.array(np.where(ended, rng.integers(1, steps + 1, len(rel)), 0), dtype="Int32")
    rel.loc[~ended, "end"] = pd.NA
    empty = pd.DataFrame()
    return scenario, RunResult(firms=f, market=market, transactions=empty, relationships=rel,
                               cohorts=empty, customers=empty, trace=empty)


def line_colours(fig) -> dict[str, str]:
    """The colour of each labelled line of a figure, by label."""
    from matplotlib.colors import to_hex

    return {line.get_label(): to_hex(line.get_color()) for ax in fig.axes
            for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_a_report_of_300_firms_shows_12_and_says_how_many_it_left_out(tmp_path):
    """A run without variants and 300 firms (tables made up, not simulated): the plots and
    Markdown/HTML tables show the focal firm and the 11 largest others and say that 288 are
    left out; the CSV files keep all 300."""
    from relsim.report import MAX_SERIES, plots

    scenario, result = synthetic(n_firms=300, n_variants=1)
    build_report(result, scenario, tmp_path)
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert summary["firm"].nunique() == 300
    horizon = result.firms[result.firms["step"] == 8]
    share = horizon.groupby("firm", observed=True)["market_share"].mean().drop("F000")
    largest = set(share.sort_values(ascending=False).index[:MAX_SERIES - 1])
    report = summarise_comparison(result, scenario)
    assert report.view.firms == ("F000", *sorted(largest)) and report.view.hidden_firms == 288
    md = (tmp_path / "report.md").read_text()
    assert "show 12 of 300 firms (F000 and the 11 with the largest market share" in md
    assert md.count("288 more firms not shown") == 2 * len(PLOTS)  # alt text and caption
    assert len(report.by_firm().columns) == 12 and len(report.all_firms()) == 12
    assert "| other firms | 288 more, in `scenario.yaml` |" in md
    assert max(len(line) for line in md.splitlines()) < 2_000
    fig = plots.plot_retention(report.curves, report.view)
    assert sorted(line_colours(fig)) == sorted(report.view.firms)
    assert fig.legends[0].get_title().get_text() == "firm (12 of 300 shown)"


def test_a_report_of_300_variants_shows_the_baseline_and_the_11_best():
    """300 variants: the tables and plots show the baseline and the 11 variants with the
    most value created for the focal firm, in scenario order; the verdict says 288 more
    exist; the summary keeps all."""
    from relsim.report import plots
    from relsim.report.render import to_markdown

    scenario, result = synthetic(n_firms=3, n_variants=300, steps=5)
    report = summarise_comparison(result, scenario)
    assert report.summary["variant"].nunique() == 300
    value = report.outcomes[report.outcomes["firm"] == "F000"].groupby(
        "variant", observed=True)["value"].mean().drop("baseline")
    best = value.sort_values(ascending=False).index[:11]
    assert report.view.variants == ("baseline", *sorted(best))
    assert list(report.wide("F000").columns) == list(report.view.variants)
    assert len(report.table()) == 12 * len(OUTCOMES)  # what relsim run prints
    verdict = report.verdict()
    assert len(verdict) == 11 + 2 and "288 more variants" in verdict[-2]
    assert f"**{value.idxmax()}**" in verdict[-1]  # the leader among all 299
    md = to_markdown(report.blocks())
    assert "show 12 of 300 variants (the baseline and the 11 with the most value" in md
    assert "| other variants | 288 more, in `scenario.yaml` |" in md
    fig = plots.plot_share(result.firms, report.view)
    assert all(len(ax.get_lines()) == 12 for ax in fig.axes if ax.get_visible())
    assert not any(ax.collections for ax in fig.axes)  # no bands with more than six lines


def test_summary_intervals_never_leave_the_outcome_bounds_with_few_replications():
    """Two and three replications of outcomes piled near their bounds (retention near 100%,
    market share and churn near 0, NPS near 100): every interval of a share, rate or NPS is
    within its range; the t interval would leave it; differences stay within +-range."""
    checked = 0
    for reps in (2, 3):
        scenario, result = synthetic(n_firms=20, n_variants=2, reps=reps, near_bounds=True,
                                     seed=reps)
        report = summarise_comparison(result, scenario)
        summary = report.summary
        for o in OUTCOMES:
            rows = summary[summary["outcome"] == o.name].dropna(subset=["lo"])
            lower, upper = o.bounds
            if lower is not None:
                assert (rows["lo"] >= lower).all() and (rows["diff_lo"].dropna()
                                                        >= -o.span()).all(), o.name
                checked += len(rows)
            if upper is not None:
                assert (rows["hi"] <= upper).all() and (rows["diff_hi"].dropna()
                                                        <= o.span()).all(), o.name
            assert ((rows["lo"] <= rows["mean"]) & (rows["mean"] <= rows["hi"])).all()
        t = report.outcomes.groupby(["variant", "firm"], observed=True)["retention"].apply(
            lambda v: t_interval(v)[2])
        assert (t > 1).any()  # the t interval would leave 100%
    assert checked > 200


def test_plot_bands_stay_within_bounds():
    """Retention and market share bands stay within 0..100%, word-of-mouth bands above 0,
    with two replications of values near the bounds."""
    from relsim.report import View, plots

    scenario, result = synthetic(n_firms=3, n_variants=2, reps=2, near_bounds=True)
    report = summarise_comparison(result, scenario)
    view = View.of(result.firms)
    for fig, lower, upper in ((plots.plot_retention(report.curves, view), 0, 1),
                              (plots.plot_share(result.firms, view), 0, 1),
                              (plots.plot_wom(result.firms, view), 0, None),
                              (plots.plot_attitudes(result.firms, view), 0, 1)):
        bands = [path.vertices[:, 1] for ax in fig.axes for band in ax.collections
                 for path in band.get_paths()]
        assert bands
        for y in bands:
            assert y.min() >= lower - 1e-12 and (upper is None or y.max() <= upper + 1e-12)


def test_each_variant_keeps_one_okabe_ito_colour_in_every_plot():
    from matplotlib.colors import to_hex

    from relsim.report import plots
    from relsim.report.view import OKABE_ITO

    scenario, result = synthetic(n_firms=3, n_variants=4)
    report = summarise_comparison(result, scenario)
    view = report.view
    expected = dict(zip(view.variants, (c.lower() for c in OKABE_ITO)))
    for fig in (plots.plot_retention(report.curves, view), plots.plot_attitudes(result.firms, view),
                plots.plot_wom(result.firms, view), plots.plot_share(result.firms, view)):
        assert line_colours(fig) == expected
    bars = plots.plot_value(report.summary, view).axes[0].patches
    assert [to_hex(bar.get_facecolor(), keep_alpha=False) for bar in bars] == list(
        expected.values())
    assert "#d62728" not in expected.values() and "#2ca02c" not in expected.values()


def test_attitude_panels_share_one_axis_spanning_at_least_a_quarter_of_the_scale():
    """Fairness between 0.736 and 0.750 must not look like a cliff: the three panels share
    one y range of at least 0.25 within 0..1, and each panel is titled."""
    from relsim.report import View, plots

    _, result = synthetic()
    fig = plots.plot_attitudes(result.firms, View.of(result.firms))
    limits = {ax.get_ylim() for ax in fig.axes}
    assert len(limits) == 1
    (low, high), = limits
    assert high - low >= 0.25 - 1e-9 and 0 <= low and high <= 1
    assert [ax.get_title() for ax in fig.axes] == ["Trust", "Satisfaction", "Fairness"]
    assert fig.axes[0].get_ylabel().startswith("mean score")


def test_stage_plot_shows_the_focal_firms_customers_with_prospects_apart():
    """One stacked panel per variant for the focal firm alone (its stack tops at its mean
    stage counts), and a last panel with the market's prospects."""
    from relsim.report import View, plots

    _, result = synthetic(n_firms=3, n_variants=2)
    fig = plots.plot_stages(result.firms, result.market, View.of(result.firms, "F001"))
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["baseline", "v001", "prospects (whole market)"]
    f = result.firms
    focal = f[(f["firm"] == "F001") & (f["variant"] == "baseline")]
    stages = ["n_exploration", "n_awareness", "n_expansion", "n_commitment", "n_dissolution"]
    top = focal.groupby("step")[stages].mean().sum(axis=1)
    stack = panels[0].collections[-1].get_paths()[0].vertices[:, 1]
    assert np.isclose(stack.max(), top.max())
    prospects = result.market[result.market["variant"] == "baseline"].groupby("step")[
        "prospects"].mean()
    assert np.allclose(panels[-1].get_lines()[0].get_ydata(), prospects)
    assert len(set(plots.STAGE_COLOURS.values())) == 5


def test_one_variant_compares_the_firms_in_the_verdict_and_the_value_plot():
    """Without variants the verdict names the firm with the most value created and its lead
    over the runner-up, paired by replication; the value plot has a bar per firm."""
    from relsim.report import plots

    scenario, result = synthetic(n_firms=4, n_variants=1, reps=4)
    report = summarise_comparison(result, scenario)
    value = report.outcomes.pivot(index="replication", columns="firm", values="value")
    best, second = value.mean().sort_values(ascending=False).index[:2]
    lead = t_interval(value[best] - value[second])
    verdict = report.verdict()
    assert verdict[0].startswith("One variant (baseline) over 4 replications")
    assert verdict[1].startswith(f"Most value created: **{best}** (") and \
        format_interval("value", *lead[:3], signed=True) in verdict[1]
    assert any(line.startswith("Highest retention at horizon: **") for line in verdict)
    fig = plots.plot_value(report.summary, report.view)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == list(report.view.firms)
    assert "by firm" in fig.get_suptitle()


def test_question_is_the_comment_without_instructions_or_editor_lines(tmp_path):
    from relsim.scenario import load_scenario as load

    path = tmp_path / "q.yaml"
    path.write_text("# yaml-language-server: $schema=../relsim.schema.json\n"
                    "# Question: does it pay?\n#\n# Two firms compete.\n#\n"
                    "# Run:   relsim run q.yaml --out out/q\n# Check: relsim validate q.yaml\n"
                    "# Only settings that differ from the defaults are given.\n\n"
                    "name: q\n")
    assert question(load(path)) == "Does it pay?\n\nTwo firms compete."
    example = load(HERE.parent / "scenarios" / "example.yaml")
    assert "Run:" in example.header() and "Run:" not in question(example)
    assert question(example).endswith("how fast does broken trust spread by word of mouth?")


def test_percentages_and_money_are_formatted_on_the_axes():
    from relsim.report import View, plots

    scenario, result = synthetic()
    report = summarise_comparison(result, scenario)
    view = View.of(result.firms)
    for fig in (plots.plot_retention(report.curves, view), plots.plot_share(result.firms, view)):
        fig.canvas.draw()
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
        assert labels and all(label.endswith("%") for label in labels)
    value = plots.plot_value(report.summary, view)
    assert value.axes[0].get_xlabel() == "money (price units)"
    value.canvas.draw()
    assert value.axes[0].get_xticklabels()[-1].get_text().replace(",", "").isdigit()
    figures = (value, plots.plot_stages(result.firms, result.market, view),
               plots.plot_wom(result.firms, view), plots.plot_attitudes(result.firms, view))
    assert all(fig.get_size_inches()[0] <= plots.WIDTH for fig in figures)  # the page width


def test_a_plot_with_nothing_to_draw_says_so():
    """No relationship running at week 0 (every customer arrived later): the retention plot
    says there were no customers at week 0 instead of showing empty axes."""
    from relsim.report import plots

    scenario, result = synthetic()
    result.relationships["start"] = 1
    report = summarise_comparison(result, scenario)
    fig = plots.plot_retention(report.curves, report.view)
    assert [t.get_text() for t in fig.axes[0].texts] == ["no customers at week 0"]
