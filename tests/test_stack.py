"""Stacked runs (relsim.stack): every table of every stacked run equals, bit for bit, the
run of its seed alone; run_many keeps order and falls back to single runs where it must;
a sweep gives the same rows with and without stacking."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

from relsim.config import FirmConfig, ModelConfig
from relsim.customers import Customers
from relsim.model import RelationshipModel
from relsim.params import field_bounds
from relsim.runs import collect, run_many, run_one
from relsim.stack import (
    MAX_CUSTOMERS,
    MEMBER_FIELDS,
    Stack,
    run_stacked,
    stack_key,
    stackable,
    stacks,
)
from tests.conftest import config

SEEDS = [3, 17, 4, 99]

CASES = {
    "default": {},
    "heterogeneous churn, late entrant": dict(churn_heterogeneity=0.03,
                                              firms__2__entry_step=12),
    "scale-free, traced, weekly truth": dict(network__kind="barabasi_albert",
                                             record__trace=[0, 5, 250], record__truth=True),
    "small world, strong word of mouth": dict(network__kind="watts_strogatz", talk_prob=0.4,
                                              q_per_year=2.0),
}


def _same_tables(alone, stacked_model) -> None:
    """Every table of ``stacked_model`` equals the run ``alone`` (without its seed columns)."""
    mine = collect(stacked_model).tables()
    theirs = alone.tables()
    assert set(mine) == set(theirs)
    for name, table in theirs.items():
        pd.testing.assert_frame_equal(
            table.drop(columns=["replication", "seed"]), mine[name], check_exact=True,
            obj=name)


@pytest.mark.parametrize("case", CASES)
def test_each_stacked_run_equals_its_run_alone(case):
    cfg = config(n_customers=300, steps=30, **CASES[case])
    assert stackable(cfg)
    models = run_stacked(cfg, SEEDS)
    assert len(models) == len(SEEDS)
    for seed, model in zip(SEEDS, models):
        _same_tables(run_one(cfg, seed), model)


def test_stacked_members_are_standalone_finished_models():
    cfg = config(n_customers=200, steps=5)
    a, b = run_stacked(cfg, [1, 2])
    for model in (a, b):
        assert isinstance(model.customers, Customers) and model.customers.n == 200
        assert model.steps == 5 and not model.running
        assert model.customers.stage.base is None  # its own copy, not a view of the stack
    assert not np.array_equal(a.customers.trust, b.customers.trust)  # two seeds, two runs
    assert a.customers.row(0)["firm"] == int(a.customers.firm[0])


def test_what_cannot_be_stacked_is_refused():
    assert not stackable(config(firms__0__policies=[{"kind": "loyalty"}]))
    assert not stackable(config(network__kind="complete"))
    assert stackable(config())
    with pytest.raises(ValueError, match="stackable configurations"):
        Stack([RelationshipModel(config(n_customers=50), rng=1),
               RelationshipModel(config(n_customers=50, firms__0__name="Z"), rng=2)])
    with pytest.raises(ValueError, match="stackable configurations"):
        Stack([RelationshipModel(config(n_customers=50), rng=1),
               RelationshipModel(config(n_customers=50, steps=7), rng=2)])
    with pytest.raises(ValueError, match="stackable configurations"):
        Stack([RelationshipModel(config(n_customers=50, network__kind="complete"), rng=1)])
    with pytest.raises(ValueError, match="at least one"):
        Stack([])


def test_runs_differing_in_set_up_only_share_a_stack_and_equal_their_runs_alone():
    """One stack of runs that differ in every MEMBER_FIELD (sizes too): each equals its run."""
    variants = [
        dict(n_customers=300),
        dict(n_customers=180, network__mean_degree=4, trust_loss=0.4),
        dict(n_customers=250, network__kind="watts_strogatz", initial_customer_share=0.3,
             base_churn=0.02, churn_heterogeneity=0.05),
        dict(n_customers=220, commitment_trust_weight=0.6, record__trace=[1, 2],
             segments=[{"name": "a", "share": 0.4}, {"name": "b", "share": 0.6,
                                                     "price_sensitivity": 0.8}]),
    ]
    configs = [config(steps=25, **v) for v in variants]
    assert len({f.split(".")[0] for f in MEMBER_FIELDS} - {"behaviour", "adoption"}) == 4
    assert all(stack_key(c) == stack_key(configs[0]) for c in configs)
    assert stacks(configs) == [[0, 1, 2, 3]]
    for cfg, seed, model in zip(configs, SEEDS, run_stacked(configs, SEEDS)):
        _same_tables(run_one(cfg, seed), model)


def _perturbed(rng: np.random.Generator) -> dict:
    """Every behaviour parameter, the Bass coefficients and every firm's offer and entry
    drawn within their bounds."""
    values = {}
    firms = []
    for name in ("A", "B", "C"):
        firm = {"name": name}
        for field, info in FirmConfig.model_fields.items():
            low, high = field_bounds(info)
            if field in ("name", "policies") or low is None:
                continue
            high = min(high if high is not None else 1.0, 1.0 if field != "entry_step" else 8)
            firm[field] = (int(rng.integers(low, high + 1)) if field == "entry_step"
                           else rng.uniform(max(low, 0.05), high))
        firms.append(firm)
    firms[0]["entry_step"] = 0  # someone sells from the start
    values["firms"] = firms
    for section, names in (("behaviour", None), ("adoption", ("p_per_year", "q_per_year"))):
        fields = type(getattr(ModelConfig(), section)).model_fields
        for name in names or fields:
            low, high = field_bounds(fields[name])
            default = getattr(getattr(ModelConfig(), section), name)
            if isinstance(default, bool) or low is None or high is None:
                continue
            high = min(high, max(2 * default, low + 1.0 if isinstance(default, int) else 1.0))
            value = rng.uniform(low, high)
            values[f"{section}__{name}"] = (int(round(value)) if isinstance(default, int)
                                            else value)
    return values


def test_runs_differing_in_every_weekly_parameter_share_a_stack_and_equal_their_runs_alone():
    """The phases read each customer's own run's parameters: every behaviour parameter, both
    Bass coefficients and every firm's offer and entry differ between the four stacked
    runs; each equals its run alone."""
    rng = np.random.default_rng(5)
    configs = [config(n_customers=300, steps=30, record__trace=[3], **_perturbed(rng))
               for _ in SEEDS]
    behaviour = [c.behaviour for c in configs]
    assert all(len({getattr(b, name) for b in behaviour}) > 1
               for name in type(behaviour[0]).model_fields)
    assert len({c.firms[1].price for c in configs}) == len(SEEDS)
    assert len({c.firms[2].entry_step for c in configs}) > 1
    assert stacks(configs) == [[0, 1, 2, 3]]
    for cfg, seed, model in zip(configs, SEEDS, run_stacked(configs, SEEDS)):
        _same_tables(run_one(cfg, seed), model)


def test_stacks_group_alike_runs_in_order_up_to_the_customer_cap():
    plain = config(n_customers=1000)
    other = config(n_customers=1000, firms=[{"name": "A"}, {"name": "B"}])  # another market
    loyalty = config(firms__0__policies=[{"kind": "loyalty"}])
    big = config(n_customers=MAX_CUSTOMERS)
    assert stack_key(other) != stack_key(plain)
    configs = [plain, other, plain, loyalty, big, config(n_customers=1000, trust_loss=0.3),
               other]
    assert stacks(configs) == [[0, 2, 5], [4], [1, 6], [3]]
    assert [len(s) for s in stacks([plain] * 40)] == [16, 16, 8]


def test_run_many_equals_run_one_in_order_whatever_it_stacks():
    plain = config(n_customers=250, steps=12)
    other = config(n_customers=250, steps=12, firms=[{"name": "A"}, {"name": "B"}])
    policies = config(n_customers=250, steps=12, firms__0__policies=[{"kind": "loyalty"}])
    runs = [(plain, 5, 0), (other, 5, 0), (plain, 6, 1), (policies, 5, 0), (plain, 7, 2),
            (other, 6, 1)]
    results = run_many(runs, tables=("firms", "relationships"))
    for (cfg, seed, replication), result in zip(runs, results):
        alone = run_one(cfg, seed, replication, tables=("firms", "relationships"))
        assert result.market is None and result.customers is None
        for name in ("firms", "relationships"):
            pd.testing.assert_frame_equal(getattr(alone, name), getattr(result, name),
                                          check_exact=True)


def test_a_sweep_gives_the_same_rows_with_and_without_stacks(tmp_path, monkeypatch):
    from relsim import experiments

    path = tmp_path / "exp.yaml"
    path.write_text("""name: stacks
scenario: {n_customers: 200, steps: 10, seed: 3}
parameters:
  behaviour.trust_loss: {low: 0.1, high: 0.3}
design: {kind: lhs, size: 3, seed: 1}
replications: 4
outcomes: [retention, churn_rate, market_share, customer_equity]
""")
    stacks = []
    real_run = Stack.run

    def counted(stack):
        stacks.append(len(stack.members))
        return real_run(stack)

    monkeypatch.setattr(Stack, "run", counted)
    stacked = experiments.run(experiments.load(path), out=None, progress=False)
    assert sum(stacks) == 12 and max(stacks) > 1  # a point's replications as one stack
    runs = importlib.import_module("relsim.runs")
    one_by_one = []

    def single(items, *, tables=None):
        one_by_one.append(len(items))
        return [run_one(c, s, r, tables=tables) for c, s, r in items]

    monkeypatch.setattr(runs, "run_many", single)
    alone = experiments.run(experiments.load(path), out=None, progress=False)
    assert sum(one_by_one) == 12
    pd.testing.assert_frame_equal(stacked, alone, check_exact=True)
