"""The CLV export: dated, keyed transactions that CLV libraries read, and the truth behind them.

The lifetimes round trip needs the ``clv`` extra (``pip install -e ".[clv]"``); it is skipped,
saying so, when lifetimes is not installed.  Everything else runs on relsim alone.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import config

import relsim
from relsim import RelationshipModel
from relsim.clv import (
    ClvInputError,
    add_parser,
    alive_at,
    clv_scores,
    clv_transactions,
    clv_truth,
    clv_weekly_truth,
    command_export_clv,
    read_run_tables,
    step_dates,
)
from relsim.compare import run_comparison
from relsim.runs import TABLES, collect
from relsim.scenario import Scenario

HORIZON = 52
CALIBRATION = 39


@pytest.fixture(scope="module")
def market():
    """A default market (2,000 customers, three firms, 52 weeks) with the weekly truth."""
    return relsim.run(n_customers=2000, seed=3, record__truth=True)


@pytest.fixture(scope="module")
def comparison():
    """Two variants x two replications: customer ids repeat across all four runs."""
    scenario = Scenario(n_customers=300, steps=20, replications=2,
                        variants={"cheap": {"firms.0.price": 0.8}})
    return run_comparison(scenario, progress=False)


def relationship_keys(rel: pd.DataFrame) -> pd.Series:
    parts = [c for c in ("variant", "replication") if c in rel] + ["firm", "customer"]
    return rel[parts].astype(str).agg("/".join, axis=1)


# ----------------------------------------------------------------------------- dates and keys

def test_step_dates_count_periods_from_the_start_date(market):
    assert step_dates(0) == pd.Timestamp("2024-01-01")
    assert step_dates(39) == pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=39)
    assert step_dates(3, start="2023-06-05", period="D") == pd.Timestamp("2023-06-08")
    assert step_dates(2, period="2W") == pd.Timestamp("2024-01-29")
    tx = clv_transactions(market)
    weeks = (tx["date"] - pd.Timestamp("2024-01-01")) / pd.Timedelta(weeks=1)
    assert (weeks == tx["step"]).all() and tx["date"].dt.day_of_week.eq(0).all()  # Mondays
    # one purchase per customer and week: each week falls in its own calendar week
    assert not tx.assign(week=tx["date"].dt.to_period("W")).duplicated(
        ["customer_id", "week"]).any()


@pytest.mark.parametrize("options, message", [
    ({"start": "2024-13-01"}, "start '2024-13-01': not a date"),
    ({"period": "M"}, "period 'M': expected the length of a step"),
    ({"period": "0W"}, "period '0W': expected the length of a step"),
    ({"firm": "Z"}, "firm 'Z': no such firm; expected one of A, B, C"),
])
def test_bad_start_period_or_firm_is_one_clear_error(market, options, message):
    with pytest.raises(ClvInputError, match=message):
        clv_transactions(market, **options)


def test_customer_keys_are_unique_per_firm_replication_and_variant(comparison):
    tx = clv_transactions(comparison)
    parts = ["variant", "replication", "firm", "customer"]
    assert tx.groupby("customer_id")[parts].nunique().eq(1).all().all()
    assert tx.groupby(parts, observed=True)["customer_id"].nunique().eq(1).all()
    # the raw ids do repeat: across runs, and across firms within a run
    assert tx.groupby("customer")[["variant", "replication"]].nunique().gt(1).any().all()
    assert (tx.groupby(["variant", "replication", "customer"], observed=True)["firm"]
            .nunique().gt(1).any())
    assert tx["customer_id"].str.startswith(tuple(f"{v}/" for v in ("baseline", "cheap"))).all()


def test_left_censored_flag_marks_customers_of_the_initial_base(market, comparison):
    for result in (market, comparison):
        rel = result.relationships
        initial = set(relationship_keys(rel[rel["start"] == 0]))
        tx = clv_transactions(result)
        assert (tx["left_censored"] == tx["customer_id"].isin(initial)).all()
        assert 0.3 < tx["left_censored"].mean() < 1.0  # many, not all
        dropped = clv_transactions(result, drop_left_censored=True)
        assert_frame_rows(dropped, tx[~tx["left_censored"]])


def assert_frame_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_one_firm_keeps_that_firms_transactions_only(market):
    tx = clv_transactions(market, firm="B")
    raw = market.transactions
    assert (tx["firm"] == "B").all() and len(tx) == (raw["firm"] == "B").sum()
    assert tx["amount"].sum() == pytest.approx(raw.loc[raw["firm"] == "B", "amount"].sum())


# ----------------------------------------------------------------------------- the truth

def test_truth_has_the_ends_of_the_relationships_table(market, comparison):
    for result in (market, comparison):
        rel, truth = result.relationships, clv_truth(result)
        assert len(truth) == len(rel)
        assert (truth["customer_id"].to_numpy() == relationship_keys(rel).to_numpy()).all()
        assert (truth["start_step"].to_numpy() == rel["start"].to_numpy()).all()
        pd.testing.assert_series_equal(truth["end_step"].astype("Int64"),
                                       rel["end"].astype("Int64"), check_names=False)
        assert (truth["censored"] == (rel["ended_by"] == "running")).all()
        assert (truth["left_censored"] == (rel["start"] == 0)).all()
        assert truth["end_date"].isna().eq(truth["censored"]).all()
        expected = rel["ended_by"].map({"running": "censored", "exploration": "exploration",
                                        "churn": "churn", "firm": "pruning"})
        switch = truth["ended_by"] == "switch"
        assert (truth.loc[~switch, "ended_by"] == expected[~switch]).all()
        assert (expected[switch] == "churn").all() and switch.any()
        assert (truth["duration"] == truth["end_step"].fillna(20 if result is comparison
                                                              else HORIZON)
                - truth["start_step"]).all()


def test_a_switch_is_a_churn_followed_at_once_by_a_rival(market):
    truth = clv_truth(market)
    starts = set(zip(truth["customer"], truth["start_step"], truth["firm"], strict=True))
    churned = truth[truth["ended_by"].isin(["churn", "switch"])]
    for row in churned.itertuples():
        rival = any((row.customer, row.end_step, f) in starts for f in "ABC" if f != row.firm)
        assert rival == (row.ended_by == "switch")


def test_alive_at_counts_a_relationship_until_the_week_before_its_end():
    truth = pd.DataFrame({"customer_id": ["a", "b", "b", "c"], "start_step": [0, 2, 8, 5],
                          "end_step": pd.array([6, 4, pd.NA, pd.NA], dtype="Int64")})
    assert alive_at(truth, 5).to_dict() == {"a": True, "b": False, "c": True}
    assert alive_at(truth, 6).to_dict() == {"a": False, "b": False, "c": True}
    assert alive_at(truth, 3).to_dict() == {"a": True, "b": True, "c": False}
    assert alive_at(truth, 9).to_dict() == {"a": False, "b": True, "c": True}


def test_alive_at_the_horizon_is_running_at_the_horizon(market):
    truth = clv_truth(market)
    alive = alive_at(truth, HORIZON)
    assert set(alive[alive].index) == set(truth.loc[truth["censored"], "customer_id"])


def expected_weeks(rel: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """(customer, firm, start, step) of every week a relationship lasted: from its start (week
    1 for the initial base) to its end or the horizon."""
    last = rel["end"].astype("float").fillna(horizon).astype(int).to_numpy()
    first = np.maximum(rel["start"].to_numpy(), 1)
    counts = last - first + 1
    steps = np.concatenate([np.arange(a, b + 1) for a, b in zip(first, last, strict=True)])
    return pd.DataFrame({"customer": np.repeat(rel["customer"].to_numpy(), counts),
                         "firm": np.repeat(rel["firm"].astype(str).to_numpy(), counts),
                         "start": np.repeat(rel["start"].to_numpy(), counts), "step": steps})


def sorted_rows(frame: pd.DataFrame) -> np.ndarray:
    cols = ["customer", "firm", "start", "step"]
    return frame[cols].astype({"firm": str}).sort_values(cols).to_numpy()


def test_weekly_truth_has_one_row_per_relationship_and_week(market):
    weekly = market.weekly_truth
    assert not weekly.duplicated(["customer", "firm", "step"]).any()
    expected = expected_weeks(market.relationships, HORIZON)
    assert len(weekly) == len(expected)
    assert (sorted_rows(weekly) == sorted_rows(expected)).all()


def test_weekly_truth_is_the_models_purchase_probability_and_churn_hazard():
    model = RelationshipModel(config(n_customers=400, steps=30, record__truth=True,
                                     adoption__p_per_year=1.0, base_churn=0.03), rng=5)
    hazard, prob = {}, {}
    for _ in range(30):
        model.step()
        hazard[model.steps] = model.events.churn_hazard.copy()
        prob[model.steps] = model.customers.purchase_prob.copy()
    result = collect(model)
    weekly, rel = result.weekly_truth, result.relationships
    churn_end = weekly.merge(rel[rel["ended_by"] == "churn"].assign(step=lambda r: r["end"]
                                                                    .astype(int)),
                             on=["customer", "firm", "start", "step"], how="left",
                             indicator=True)["_merge"].eq("both").to_numpy()
    model_hazard = np.array([hazard[s][c] for c, s in zip(weekly["customer"], weekly["step"],
                                                          strict=True)])
    model_prob = np.array([prob[s][c] for c, s in zip(weekly["customer"], weekly["step"],
                                                      strict=True)])
    started = (weekly["start"] == weekly["step"]).to_numpy()
    assert np.isnan(weekly["churn_hazard"].to_numpy()[started]).all()
    assert (weekly["churn_hazard"].to_numpy()[~started] == model_hazard[~started]).all()
    assert churn_end.any() and started.any() and (~started).sum() > 1000
    assert (weekly["purchase_prob"].to_numpy()[churn_end] == 0).all()  # left before buying
    assert (weekly["purchase_prob"].to_numpy()[~churn_end] == model_prob[~churn_end]).all()
    assert (weekly["purchase_prob"].to_numpy()[~churn_end] > 0).all()
    bought = weekly[weekly["bought"]]
    assert sorted_rows(bought.assign(start=0)).tolist() == sorted_rows(
        result.transactions.assign(start=0)).tolist()


def test_recording_the_truth_changes_no_other_table():
    plain = relsim.run(n_customers=300, steps=15, seed=2)
    truth = relsim.run(n_customers=300, steps=15, seed=2, record__truth=True)
    assert plain.weekly_truth is None  # recorded only when asked for
    assert len(truth.weekly_truth) > 1000
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(plain, name), getattr(truth, name))


def test_weekly_truth_export_is_keyed_and_dated_like_the_transactions(market):
    weekly = clv_weekly_truth(market, firm="A", drop_left_censored=True)
    tx = clv_transactions(market, firm="A", drop_left_censored=True)
    bought = weekly[weekly["bought"]].sort_values(["customer_id", "step"])
    assert bought["customer_id"].tolist() == tx.sort_values(["customer_id", "step"])[
        "customer_id"].tolist()
    assert (bought["date"].to_numpy() == step_dates(bought["step"].to_numpy())).all()
    assert not weekly["left_censored"].any()
    with pytest.raises(ClvInputError, match="record.truth"):
        clv_weekly_truth(relsim.run(n_customers=100, steps=3, seed=1))


# ----------------------------------------------------------------------------- scoring

def test_clv_scores_on_known_values():
    index = pd.Index(["a", "b", "c", "d"])
    predicted = pd.Series([1.0, 2.0, 3.0, 4.0], index=index)
    actual = pd.Series({"a": 1.0, "b": 3.0, "c": 3.0})  # d bought nothing
    alive = pd.Series([False, False, True, True], index=index)
    scores = clv_scores(predicted, actual, predicted / 10, alive)
    assert scores["auc"] == 1.0 and scores["customers"] == 4 and scores["unscored"] == 0
    assert scores["mae"] == pytest.approx((0 + 1 + 0 + 4) / 4)
    assert scores["aggregate_error"] == pytest.approx(10 / 7 - 1)
    assert clv_scores(predicted, actual, -predicted, alive)["auc"] == 0.0
    assert clv_scores(predicted, actual, 0 * predicted, alive)["auc"] == 0.5  # ties: chance
    gap = clv_scores(predicted.where(index != "a"), actual, predicted, alive)
    assert gap["unscored"] == 1 and gap["customers"] == 3


def test_bg_nbd_fitted_on_weeks_1_to_39_predicts_weeks_40_to_52(market):
    """The round trip of docs/clv.md.  Tolerances: over 12 seeds of this market the total
    predicted for weeks 40-52 was 2.5% +- 2.0% above the actual total (max 5.5%; BG/NBD's
    continuous-time purchases vs relsim's weekly Bernoulli purchases bias it slightly up) and
    the AUC of P(alive) at week 39 was 0.76-0.85; the sampling sd of a total of ~4,000
    purchases is ~1.5%.  So: |aggregate error| < 10% and AUC > 0.65 (chance is 0.5)."""
    lifetimes = pytest.importorskip(
        "lifetimes", reason="the lifetimes round trip needs the clv extra: "
        "pip install -e '.[clv]'")
    from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

    with warnings.catch_warnings():  # lifetimes 0.11 predates pandas 3 and numpy 2
        warnings.simplefilter("ignore")
        naive = summary_data_from_transaction_data(market.transactions, "customer", "step",
                                                   "amount")
        tx = clv_transactions(market)
        rfm = summary_data_from_transaction_data(tx, "customer_id", "date", "amount", freq="W",
                                                 observation_period_end=step_dates(HORIZON))
        data = calibration_and_holdout_data(
            tx, "customer_id", "date", monetary_value_col="amount", freq="W",
            calibration_period_end=step_dates(CALIBRATION),
            observation_period_end=step_dates(HORIZON))
        bgf = lifetimes.BetaGeoFitter(penalizer_coef=0.001)
        bgf.fit(data["frequency_cal"], data["recency_cal"], data["T_cal"])
        args = data["frequency_cal"], data["recency_cal"], data["T_cal"]
        predicted = bgf.conditional_expected_number_of_purchases_up_to_time(
            HORIZON - CALIBRATION, *args)
        p_alive = pd.Series(bgf.conditional_probability_alive(*args), index=data.index)
    # integer steps read as timestamps: all zeros; dates: real recency, frequency and age
    assert (naive[["frequency", "recency", "T"]] == 0).all().all()
    assert (rfm["frequency"] > 0).mean() > 0.8 and rfm["T"].max() == HORIZON - 1
    assert rfm["recency"].gt(0).any() and len(rfm) == tx["customer_id"].nunique()
    assert data["duration_holdout"].eq(HORIZON - CALIBRATION).all()
    assert set(bgf.params_.index) == {"r", "alpha", "a", "b"} and bgf.params_.gt(0).all()
    truth = clv_truth(market)
    scores = clv_scores(predicted, data["frequency_holdout"], p_alive,
                        alive_at(truth, CALIBRATION))
    assert scores["unscored"] == 0 and scores["customers"] > 600
    assert abs(scores["aggregate_error"]) < 0.10
    assert scores["auc"] > 0.65
    assert scores["correlation"] > 0.5


# ----------------------------------------------------------------------------- command line

def export(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="relsim")
    add_parser(parser.add_subparsers(dest="command"))
    return command_export_clv(parser.parse_args(["export-clv", *argv]))


@pytest.fixture(scope="module")
def run_dirs(comparison, tmp_path_factory):
    """The tables of the comparison as `relsim run` writes them, in CSV and in Parquet."""
    dirs = {}
    for fmt in ("csv", "parquet"):
        path = tmp_path_factory.mktemp(fmt)
        for name, frame in comparison.tables().items():
            if fmt == "csv":
                frame.to_csv(path / f"{name}.csv", index=False)
            else:
                frame.to_parquet(path / f"{name}.parquet", index=False)
        dirs[fmt] = path
    return dirs


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_clv_writes_what_the_python_function_returns(fmt, run_dirs, comparison,
                                                            tmp_path, capsys):
    out, truth = tmp_path / "tx.csv", tmp_path / "truth.parquet"
    assert export([str(run_dirs[fmt]), "--out", str(out), "--truth", str(truth), "--firm", "B",
                   "--start", "2025-03-03", "--drop-left-censored"]) == 0
    assert "transactions of" in capsys.readouterr().out
    options = {"firm": "B", "start": "2025-03-03", "drop_left_censored": True}
    expected = clv_transactions(comparison, **options)
    written = pd.read_csv(out, parse_dates=["date"])
    assert written["customer_id"].tolist() == expected["customer_id"].tolist()
    assert (written["date"].to_numpy() == expected["date"].to_numpy()).all()
    assert written["amount"].to_numpy() == pytest.approx(expected["amount"].to_numpy())
    written_truth = pd.read_parquet(truth)
    expected_truth = clv_truth(comparison, **options)
    for column in ("customer_id", "start_step", "ended_by", "censored", "duration"):
        assert written_truth[column].tolist() == expected_truth[column].tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["truth.parquet", "tx.csv"]


@pytest.mark.parametrize("argv, message", [
    (["--firm", "Z"], "--firm Z: no such firm; expected one of A, B, C"),
    (["--start", "2024-02-30"], "--start 2024-02-30: not a date"),
    (["--period", "month"], "--period month: expected the length of a step"),
    (["--truth", "{tmp}/t.txt"], "--truth {tmp}/t.txt: expected a file name ending in .csv"),
    (["--truth", "{tmp}/tx.csv"], "the same file as --out"),
])
def test_export_clv_bad_flags_exit_2_with_one_line_and_write_nothing(argv, message, run_dirs,
                                                                     tmp_path, capsys):
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert export([str(run_dirs["csv"]), "--out", str(tmp_path / "tx.csv"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: relsim export-clv: ")
    assert message.format(tmp=tmp_path) in err
    assert list(tmp_path.iterdir()) == []


def test_export_clv_names_a_missing_table_or_column(run_dirs, tmp_path, capsys):
    broken = tmp_path / "run"
    broken.mkdir()
    (broken / "transactions.csv").write_text((run_dirs["csv"] / "transactions.csv").read_text())
    out = tmp_path / "tx.csv"
    assert export([str(broken), "--out", str(out)]) == 2
    assert f"{broken / 'relationships'}.csv (or .parquet): not found" in capsys.readouterr().err
    (broken / "relationships.csv").write_text("customer,firm,start\n1,A,0\n")
    (broken / "market.csv").write_text("step\n0\n")
    assert export([str(broken), "--out", str(out)]) == 2
    assert "relationships.csv: missing columns end, ended_by, first" in capsys.readouterr().err
    assert not out.exists()


def test_export_clv_keeps_an_existing_file_unless_overwrite(run_dirs, tmp_path, capsys):
    out = tmp_path / "tx.parquet"
    out.write_text("precious")
    assert export([str(run_dirs["parquet"]), "--out", str(out)]) == 2
    assert "already exists (use --overwrite" in capsys.readouterr().err
    assert out.read_text() == "precious"
    assert export([str(run_dirs["parquet"]), "--out", str(out), "--overwrite"]) == 0
    assert len(pd.read_parquet(out)) == len(clv_transactions(read_run_tables(run_dirs["parquet"])))
