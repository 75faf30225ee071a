"""Transaction log, relationship log, cohort retention and traces."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import config

from relsim import RelationshipModel
from relsim.runs import collect, run_one
from relsim.stages import STAGE_NAMES


@pytest.fixture(scope="module")
def result():
    return run_one(config(n_customers=800, steps=40, record__trace=[0, 1, 2],
                          adoption__p_per_year=1.0, base_churn=0.03), seed=8)


def test_transaction_log_is_long_format_clv_libraries_read(result):
    tx = result.transactions
    assert list(tx.columns[2:]) == ["customer", "firm", "step", "amount"]
    assert (tx["amount"] > 0).all() and tx["step"].between(1, 40).all()
    assert set(tx["firm"].cat.categories) == {"A", "B", "C"}
    # revenue per firm and step in the metrics equals the log
    by_step = tx.groupby(["step", "firm"], observed=True)["amount"].sum()
    firms = result.firms.set_index(["step", "firm"])["revenue"]
    assert np.allclose(by_step.to_numpy(), firms.loc[by_step.index].to_numpy())


def test_relationship_log_accounts_for_every_ending(result):
    rel, firms = result.relationships, result.firms
    ended = rel[rel["ended_by"] != "running"]
    assert len(ended) == firms["churn"].sum()
    assert (ended["end"] >= ended["start"]).all()
    assert (rel["ended_by"] == "exploration").sum() == firms["exploration_failures"].sum()
    running = rel[rel["ended_by"] == "running"]
    last = firms[firms["step"] == 40]
    assert len(running) == last["customers"].sum()


def test_cohort_retention_starts_at_one_and_never_rises(result):
    cohorts = result.cohorts
    assert not cohorts.empty
    for _, group in cohorts.groupby(["firm", "cohort"], observed=True):
        retention = group.sort_values("age")["retention"].to_numpy()
        assert retention[0] <= 1 and np.all(np.diff(retention) <= 0)


def test_trace_follows_chosen_customers_step_by_step(result):
    trace = result.trace
    assert sorted(trace["customer"].unique()) == [0, 1, 2]
    assert len(trace) == 3 * 41  # step 0 and every step
    assert set(trace["stage"]) <= set(STAGE_NAMES)
    for column in ("trust", "satisfaction", "bought", "kept", "broken", "complained",
                   "heard_positive", "heard_negative", "stage_before", "experienced"):
        assert column in trace
    one = trace[trace["customer"] == 0].sort_values("step")
    # a stage change in the trace is reflected by the next row's stage_before
    assert (one["stage"].to_numpy()[:-1] == one["stage_before"].to_numpy()[1:]).all()


def test_trace_events_explain_trust_changes():
    model = RelationshipModel(config(n_customers=200, steps=30, talk_prob=0.0,
                                     adoption__initial_customer_share=1.0,
                                     record__trace=list(range(20))), rng=4).run()
    trace = collect(model).trace.sort_values(["customer", "step"])
    trace["change"] = trace.groupby("customer")["trust"].diff()
    moved = trace[trace["step"] > 0]
    quiet = moved[~moved["kept"] & ~moved["broken"] & (moved["stage_before"] == moved["stage"])]
    assert (quiet["change"].abs() < 1e-12).all()  # without WOM, only promises move trust
    assert (moved.loc[moved["broken"], "change"] < 0).all()


def test_customer_row_reads_one_customer():
    model = RelationshipModel(n_customers=50, rng=1)
    row = model.customers.row(3)
    assert set(row) >= {"trust", "stage", "firm", "attitude"}
    assert len(row["attitude"]) == 3


def test_forward_value_of_a_customer_who_joined_this_week_uses_its_hazard_with_the_new_firm(
        monkeypatch):
    """The retention behind the forward value of a customer who started a relationship in
    week t is 1 - the hazard the model computes for it at the start of week t + 1 (nothing
    changes in between without policies), not its hazard as a prospect or lapsed customer
    at the start of week t."""
    import relsim.economics as economics
    import relsim.phases.accounts as model_module

    model = RelationshipModel(n_customers=5000, rng=8, p_per_year=2.0)
    for _ in range(6):
        model.step()
    c = model.customers
    joined = np.flatnonzero((c.firm >= 0) & (c.started_step == model.steps))
    assert joined.size > 10
    seen = {}
    real = economics.forward_clv

    def spy(margin, retention, rate):
        seen["retention"] = np.asarray(retention).copy()
        return real(margin, retention, rate)

    monkeypatch.setattr(model_module.economics, "forward_clv", spy)
    model.forward_values(joined)
    before_joining = model.events.churn_hazard[joined]  # as a prospect / lapsed customer
    monkeypatch.setattr(model_module.economics, "forward_clv", real)
    model.step()
    next_week = model.events.churn_hazard[joined]
    assert np.allclose(seen["retention"], 1.0 - next_week)
    assert not np.allclose(seen["retention"], 1.0 - before_joining)
