"""A run is a function of its configuration and seed alone."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from conftest import config

from relsim import RelationshipModel, replication_seed, run, run_one


def small(**kw):
    return config(n_customers=400, steps=15, record__trace=[0, 5], **kw)


def test_same_seed_gives_identical_tables():
    cfg = small()
    a, b = run_one(cfg, 123), run_one(cfg, 123)
    for name, table in a.tables().items():
        pd.testing.assert_frame_equal(table, b.tables()[name], obj=name)


def test_different_seeds_give_different_results():
    cfg = small()
    a, b = run_one(cfg, 1), run_one(cfg, 2)
    assert not a.firms.drop(columns=["seed"]).equals(b.firms.drop(columns=["seed"]))
    assert not a.transactions.equals(b.transactions)


def test_seed_zero_is_a_seed():
    """`if seed:` would silently ignore 0; 0 must give its own, repeatable result."""
    m0 = RelationshipModel(small(), rng=0).run()
    m0b = RelationshipModel(small(), rng=0).run()
    m1 = RelationshipModel(small(), rng=1).run()
    assert np.array_equal(m0.customers.trust, m0b.customers.trust)
    assert not np.array_equal(m0.customers.trust, m1.customers.trust)


def test_configuration_is_plain_picklable_data():
    cfg = small()
    clone = pickle.loads(pickle.dumps(cfg))
    assert clone == cfg and hash(clone.model_dump_json()) == hash(cfg.model_dump_json())
    result = run_one(cfg, 5)
    assert pickle.loads(pickle.dumps(result)).firms.equals(result.firms)


def test_replications_use_derived_independent_seeds():
    seeds = [replication_seed(42, r) for r in range(5)]
    assert len(set(seeds)) == 5
    assert seeds == [replication_seed(42, r) for r in range(5)]
    assert replication_seed(43, 0) not in seeds
    result = run(small(), seed=42, replications=3)
    assert sorted(result.firms["seed"].unique()) == sorted(seeds[:3])
    assert sorted(result.firms["replication"].unique()) == [0, 1, 2]


def test_replication_results_do_not_depend_on_worker_processes():
    from concurrent.futures import ProcessPoolExecutor

    cfg = small()
    seeds = [replication_seed(7, r) for r in range(2)]
    serial = [run_one(cfg, s, r).firms for r, s in enumerate(seeds)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = [f.result().firms for f in [pool.submit(run_one, cfg, s, r)
                                                for r, s in enumerate(seeds)]]
    for a, b in zip(serial, parallel):
        pd.testing.assert_frame_equal(a, b)


def test_common_random_numbers_keep_unaffected_customers_identical():
    """A change that affects nobody in a step leaves every draw aligned (fixed random block)."""
    base = small(adoption__initial_customer_share=1.0, adoption__enabled=False)
    changed = small(adoption__initial_customer_share=1.0, adoption__enabled=False,
                    adoption__p_per_year=1.0)  # adoption is off: p cannot matter
    a = RelationshipModel(base, rng=3).run()
    b = RelationshipModel(changed, rng=3).run()
    assert np.array_equal(a.customers.satisfaction, b.customers.satisfaction)


@pytest.mark.parametrize("seed", [None])
def test_no_seed_draws_fresh_entropy(seed):
    a = RelationshipModel(small(), rng=seed)
    b = RelationshipModel(small(), rng=seed)
    assert a.seed_entropy != b.seed_entropy


def test_reusing_a_seed_sequence_object_gives_the_same_run():
    ss = np.random.SeedSequence(99)
    a = RelationshipModel(small(), rng=ss).run()
    b = RelationshipModel(small(), rng=ss).run()
    assert np.array_equal(a.customers.trust, b.customers.trust)


def test_churn_parameters_do_not_change_the_initial_market():
    """Beta draws vary in number; they come last so nothing else shifts."""
    a = RelationshipModel(small(churn_heterogeneity=0.0), rng=4)
    b = RelationshipModel(small(churn_heterogeneity=2.0, base_churn=0.2), rng=4)
    for column in ("firm", "segment", "price_sensitivity", "talkativeness"):
        assert np.array_equal(getattr(a.customers, column), getattr(b.customers, column))
