"""relsim's model is a real mesa.Model: Mesa's own tools work on it."""

from __future__ import annotations

import inspect
import warnings

import mesa
import pandas as pd
import pytest

from relsim import RelationshipModel
from relsim.firms import Firm
from relsim.metrics import FIRM_METRICS, MARKET_METRICS


def test_model_is_a_mesa_model_with_firm_agents():
    model = RelationshipModel(n_customers=200, rng=1)
    assert isinstance(model, mesa.Model)
    assert all(isinstance(a, Firm) for a in model.agents)
    assert len(model.agents) == len(model.config.firms)
    model.step()
    assert model.steps == 1


def test_datacollector_records_every_step_per_firm():
    model = RelationshipModel(n_customers=300, steps=6, rng=2).run()
    firms = model.datacollector.get_agent_vars_dataframe()
    market = model.datacollector.get_model_vars_dataframe()
    assert list(market.columns) == list(MARKET_METRICS)
    assert len(market) == 7  # step 0 and six steps
    assert set(FIRM_METRICS) <= set(firms.columns)
    assert len(firms) == 7 * 3
    assert not model.running  # stops at its horizon


def batch_run_with_seeds(parameters: dict, seeds: list[int], weeks: int) -> pd.DataFrame:
    """The README's batch_run, in the form of the installed Mesa: 3.4+ takes the seeds as
    ``rng=`` (and deprecates ``iterations=``); 3.3 has no ``rng=``, so the seed is swept as
    the model's ``seed`` parameter.  On both, the model's horizon is one week past
    ``max_steps``, so that Mesa 3.3 (which reports the step before it stops) reports week
    ``weeks`` too."""
    parameters = {**parameters, "steps": weeks + 1}
    if "rng" in inspect.signature(mesa.batch_run).parameters:
        rows = mesa.batch_run(RelationshipModel, parameters=parameters, rng=seeds,
                              max_steps=weeks, number_processes=1, display_progress=False)
    else:
        rows = mesa.batch_run(RelationshipModel, parameters={**parameters, "seed": seeds},
                              max_steps=weeks, number_processes=1, display_progress=False)
    return pd.DataFrame(rows)


def test_batch_run_sweeps_flat_keyword_parameters_and_reports_market_and_firm_metrics():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the form used raises none
        frame = batch_run_with_seeds({"n_customers": 300, "trust_loss": [0.05, 0.6],
                                      "firms__0__reliability": 0.6}, seeds=[1, 2], weeks=8)
    assert sorted(frame["Step"].unique()) == [8]  # the horizon week, on Mesa 3.3 and 3.5
    assert set(MARKET_METRICS) <= set(frame) and set(FIRM_METRICS) <= set(frame)
    assert len(frame) == 2 * 2 * 3  # trust_loss x seeds x firms
    final = frame[frame["firm"] == "A"]
    trust = final.groupby("trust_loss")["mean_trust"].mean()
    assert trust[0.05] > trust[0.6]  # a parameter swept by batch_run moves the model
    # each seed is honoured: the two seeds differ, and a seed gives the same market start
    runs = final.groupby(["trust_loss", "iteration" if "rng" in inspect.signature(
        mesa.batch_run).parameters else "seed"])["customers"].first().unstack()
    assert runs.nunique(axis=1).eq(2).all()


def test_market_and_firm_metric_names_are_disjoint():
    assert not set(MARKET_METRICS) & set(FIRM_METRICS)
@pytest.mark.parametrize("name", ["trust_loss", "behaviour__trust_loss", "behaviour.trust_loss"])
def test_keyword_names_reach_nested_parameters(name):
    model = RelationshipModel(n_customers=50, rng=0, **{name: 0.42})
    assert model.config.behaviour.trust_loss == 0.42


def test_unknown_keyword_is_an_error_with_a_suggestion():
    with pytest.raises(KeyError, match="did you mean 'trust_loss'"):
        RelationshipModel(n_customers=50, trust_los=0.3)


def test_out_of_range_keyword_is_rejected():
    with pytest.raises(ValueError, match="trust_loss"):
        RelationshipModel(n_customers=50, trust_loss=1.5)


def test_network_too_dense_for_the_market_is_a_configuration_error():
    with pytest.raises(ValueError, match="network: watts_strogatz"):
        RelationshipModel(n_customers=8, network__mean_degree=10)


def test_run_one_lets_its_finished_model_be_collected():
    """Mesa 3.3's Agent._ids keeps a reference to every model that made agents; a sweep
    worker's thousands of runs must not keep every model (13 MB each at 20,000 customers)."""
    import gc
    import weakref

    from relsim.config import ModelConfig
    from relsim.runs import run_one

    made = []
    real_init = RelationshipModel.__init__

    def spy(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made.append(weakref.ref(self))

    RelationshipModel.__init__ = spy
    try:
        run_one(ModelConfig(n_customers=200, steps=3), 1, 0, tables=("firms",))
    finally:
        RelationshipModel.__init__ = real_init
    gc.collect()
    assert len(made) == 1 and made[0]() is None
