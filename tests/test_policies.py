"""Policies as components: each works alone, starts and stops on time, combines, and rejects bad settings."""

from __future__ import annotations

import pytest
from conftest import config

from relsim.counterfactual import policy_roi
from relsim.overrides import ParameterError
from relsim.policies import POLICY_CLASSES
from relsim.runs import run_one

SMALL = dict(n_customers=600, steps=30, adoption__initial_customer_share=0.6,
             adoption__p_per_year=1.0, base_churn=0.02)


def with_policies(*policies: dict, **market) -> dict:
    return dict(SMALL, **market, firms=[{"name": "A", "policies": list(policies)},
                                        {"name": "B"}])


BASE = run_one(config(**with_policies()), 7)


SETTINGS = {"pricing": {"new_customer_discount": 0.2},  # the default keeps the price as it is
            "pruning": {"margin_threshold": 0.2, "interval": 5, "min_tenure": 5}}


@pytest.mark.parametrize("kind", sorted(POLICY_CLASSES))
def test_each_policy_alone_changes_the_market(kind):
    result = run_one(config(**with_policies({"kind": kind, **SETTINGS.get(kind, {})})), 7)
    columns = [c for c in BASE.firms.columns if c not in ("seed", "replication")]
    assert not result.firms[columns].equals(BASE.firms[columns])


def test_policy_runs_only_between_start_and_stop():
    result = run_one(config(**with_policies({"kind": "loyalty", "start": 10, "stop": 20})), 7)
    cost = result.firms[result.firms["firm"] == "A"].set_index("step")["cost_loyalty"]
    assert (cost.loc[:9] == 0).all()
    assert (cost.loc[11:19] > 0).all()
    assert (cost.loc[20:] == 0).all()


def test_combined_policies_add_up_their_costs():
    result = run_one(config(**with_policies({"kind": "loyalty"}, {"kind": "communication"},
                                            {"kind": "brand_status"})), 7)
    a = result.firms[result.firms["firm"] == "A"]
    parts = a["cost_loyalty"] + a["cost_communication"] + a["cost_brand_status"]
    assert (abs(a["policy_cost"] - parts) < 1e-9).all()
    assert (a["cost_brand_status"].iloc[1:] > 0).all()


@pytest.mark.parametrize("policy, fragment", [
    ({"kind": "loyalty", "join_rate": -0.1}, "join_rate"),
    ({"kind": "communication", "cadence": -1}, "cadence"),
    ({"kind": "loyalty", "start": 20, "stop": 10}, "stop before it starts"),
    ({"kind": "loyalty", "start": 5, "stop": 5}, "stop before it starts"),
    ({"kind": "royalty"}, "loyalty"),  # unknown kind: the error lists the valid ones
    ({"kind": "loyalty", "tier_thresholds": [500, 100]}, "increasing"),
    ({"kind": "transparency", "notice_prob": 1.5}, "notice_prob"),
    ({"kind": "loyalty", "points": 3}, "points"),  # unknown parameter
])
def test_bad_policy_settings_are_errors_naming_the_field(policy, fragment):
    with pytest.raises(ParameterError, match=fragment):
        config(**with_policies(policy))


def test_overlapping_policies_of_one_kind_are_contradictory():
    with pytest.raises(ParameterError, match="overlap"):
        config(**with_policies({"kind": "pricing", "price": 1.2},
                               {"kind": "pricing", "price": 0.8, "start": 10}))
    # disjoint windows are a price change, not a contradiction
    config(**with_policies({"kind": "pricing", "price": 1.2, "stop": 10},
                           {"kind": "pricing", "price": 0.8, "start": 10}))


def test_policy_roi_compares_with_a_no_policy_counterfactual():
    table = policy_roi(config(**with_policies({"kind": "loyalty"})), "A", "loyalty",
                       replications=3)
    summary = table[table["replication"] == "mean"].iloc[0]
    assert summary["cost"] > 0
    assert summary["roi_lo"] <= summary["roi"] <= summary["roi_hi"]
    with pytest.raises(ValueError, match="no 'transparency' policy"):
        policy_roi(config(**with_policies({"kind": "loyalty"})), "A", "transparency")


def test_switching_a_policy_on_leaves_the_rival_firms_draws_alone():
    """Policies draw from their own streams: firm B's first week is identical."""
    on = run_one(config(**with_policies({"kind": "transparency"}, steps=1)), 7)
    off = run_one(config(**with_policies(steps=1)), 7)
    b_on, b_off = (r.firms[(r.firms["firm"] == "B") & (r.firms["step"] == 1)] for r in (on, off))
    assert b_on[["encounters", "promises_broken", "complaints"]].equals(
        b_off[["encounters", "promises_broken", "complaints"]])
