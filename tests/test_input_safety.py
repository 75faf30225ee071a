"""Hostile and careless input gets one clear error, never a silently wrong number (issue 10,
the input side: types, indices, edge lists, YAML numbers, names, hazards)."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

import relsim
from relsim import RelationshipModel
from relsim.network import NetworkFileError, read_edge_list
from relsim.overrides import ParameterError
from relsim.policies.loyalty import points_switching_cost, tier_of
from relsim.report.render import to_markdown
from relsim.rules.churn import churn_hazard
from relsim.scenario import ScenarioError, load_scenario, validate_scenario

TINY = dict(n_customers=200, steps=3)


def test_segment_indices_past_127_keep_their_own_traits():
    """Segment indices were 8-bit and wrapped: segment 128 got another segment's traits."""
    n_seg = 200
    segments = [{"name": f"s{k}", "share": 1 / n_seg, "basket": float(k + 1)}
                for k in range(n_seg)]
    segments[-1]["share"] = 1 - sum(s["share"] for s in segments[:-1])
    model = RelationshipModel(n_customers=4000, rng=1, segments=segments)
    c = model.customers
    assert c.segment.max() >= 150
    assert np.array_equal(c.segment_basket, c.segment.astype(float) + 1.0)


def test_loyalty_tiers_are_capped_and_never_give_a_negative_switching_cost():
    many = [float(t) for t in range(1, 301)]
    with pytest.raises(ParameterError, match="at most 100 tiers"):
        relsim.apply_overrides(relsim.ModelConfig(), {
            "firms.0.policies": [{"kind": "loyalty", "tier_thresholds": many}]})
    tiers = tier_of(np.array([50.0, 99.5, 1e9]), many[:100])
    assert tiers.tolist() == [50, 99, 100]
    cost = points_switching_cost(np.zeros(3), tiers, 0.01, 0.3, 1.0, 0.15)
    assert (cost >= 0).all()


@pytest.mark.parametrize("bad", [[float("nan")], [float("inf")], [100.0, float("nan")]])
def test_tier_thresholds_must_be_finite(bad):
    with pytest.raises(ParameterError, match="finite"):
        relsim.apply_overrides(relsim.ModelConfig(), {
            "firms.0.policies": [{"kind": "loyalty", "tier_thresholds": bad}]})


def test_edge_list_with_four_columns_is_refused_naming_the_line(tmp_path):
    """pandas took a fourth column as the index: '0 1 2 3' became the edge 1-2."""
    path = tmp_path / "edges.txt"
    path.write_text("0 1\n0 1 2 3\n")
    with pytest.raises(NetworkFileError, match=r"edges.txt line 2: expected two integer"):
        read_edge_list(path, 10)


def test_an_edge_list_error_quotes_a_short_excerpt_of_the_line(tmp_path):
    path = tmp_path / "edges.txt"
    path.write_text("0 1\n" + "x" * 5_000_000 + "\n")
    with pytest.raises(NetworkFileError) as info:
        read_edge_list(path, 10)
    assert len(str(info.value)) < 300 and "..." in str(info.value)


def test_a_fifo_as_scenario_or_edge_list_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = {}

    def read() -> None:
        for load in (load_scenario, lambda p: read_edge_list(p, 10)):
            try:
                load(fifo)
            except (ScenarioError, NetworkFileError) as exc:
                done.setdefault("errors", []).append(str(exc))

    thread = threading.Thread(target=read, daemon=True)
    start = time.perf_counter()
    thread.start()
    thread.join(5)
    assert not thread.is_alive(), "reading a FIFO blocked"
    assert time.perf_counter() - start < 5
    assert all("not a regular file" in e for e in done["errors"]) and len(done["errors"]) == 2


@pytest.mark.parametrize(("key", "value"), [
    ("n_customers", "300"), ("n_customers", True), ("n_customers", 300.0),
    ("trust_loss", "0.1"), ("steps", "5"), ("firms__0__price", "1.0"),
])
def test_python_keywords_are_as_strict_as_yaml(key, value):
    with pytest.raises(ParameterError, match="Input should be a valid"):
        RelationshipModel(**{key: value})
    with pytest.raises(ParameterError, match="Input should be a valid"):
        relsim.run(**TINY | {key: value})


def test_numpy_numbers_are_numbers():
    model = RelationshipModel(n_customers=np.int64(150), trust_loss=np.float32(0.25), rng=0)
    assert model.config.n_customers == 150 and type(model.config.n_customers) is int


@pytest.mark.parametrize("replications", [0, -1, 2.0, "3"])
def test_replications_from_python_must_be_a_positive_integer(replications):
    with pytest.raises(ParameterError, match="replications: expected an integer >= 1"):
        relsim.run(replications=replications, **TINY)


def test_churn_hazard_is_zero_not_nan_when_proneness_is_zero_and_the_multiplier_overflows():
    hazard = churn_hazard(np.array([0.0, 0.01]), np.array([0.0, 0.0]), np.array([1e6, 1e6]),
                          np.array([0.0, 0.0]), 4.0, 50.0, 2.0)
    assert hazard.tolist() == [0.0, 1.0]


def _error(data: dict) -> str:
    with pytest.raises(ScenarioError) as info:
        validate_scenario(data, "s.yaml")
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("override", [
    {"firms.0.name": "Renamed"},
    {"firms": [{"name": "A"}]},
])
def test_a_variant_that_renames_or_drops_firms_is_refused_when_loaded(override):
    data = {"firms": [{"name": "A"}, {"name": "B"}], "variants": {"v": override}}
    assert "variants compare the same firms" in _error(data)


@pytest.mark.parametrize("name", ["", "   ", "A\nB", "tab\there", "x" * 65])
def test_firm_names_are_one_visible_line(name):
    message = _error({"firms": [{"name": name}]})
    assert message.startswith("s.yaml: firms.0.name:") and "name" in message


def test_names_with_html_are_text_in_the_markdown_report():
    text = to_markdown([("h1", "<script>alert(1)</script> report"),
                        ("list", ["**<b>A</b>** vs baseline"])])
    assert "<script>" not in text and "<b>" not in text
    assert "&lt;script&gt;" in text and "**&lt;b&gt;A&lt;/b&gt;**" in text


def test_two_segments_with_one_name_are_refused():
    """Segment names label the tables' categories: two segments named alike are ambiguous."""
    message = _error({"segments": [{"preset": "b2b", "share": 0.5},
                                   {"preset": "b2b", "share": 0.5}]})
    assert "segment names must be unique" in message
