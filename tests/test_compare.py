"""Tests for variants (relsim.scenario) and comparison runs (relsim.compare): resolution,
common random numbers, workers, executors, cache, errors."""

from __future__ import annotations

import importlib
from concurrent.futures import Executor, Future
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from relsim.compare import VARIANT, Comparison, run_comparison
from relsim.config import ModelConfig
from relsim.runs import TABLES, replication_seed
from relsim.scenario import BASELINE, Scenario, ScenarioError, load_scenario

BASE = """\
name: cmp
n_customers: 150
steps: 4
replications: 2
seed: 3
"""


def scenario_file(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(BASE + text)
    return path


def scenario(tmp_path: Path, text: str) -> Scenario:
    return load_scenario(scenario_file(tmp_path, text))


def assert_tables_equal(a, b) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def without_variant(result, variant: str) -> dict[str, pd.DataFrame]:
    return {t: getattr(result, t).loc[lambda f: f[VARIANT] == variant]
            .drop(columns=VARIANT).reset_index(drop=True) for t in TABLES}


class CountingRunOne:
    """Stand-in for relsim.runs.run_one counting its calls; KeyboardInterrupt at call n."""

    def __init__(self, real):
        self.real, self.calls, self.interrupt_at = real, 0, None

    def __call__(self, config, seed, replication=0):
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return self.real(config, seed, replication)


@pytest.fixture
def run_one(monkeypatch) -> CountingRunOne:
    module = importlib.import_module("relsim.runs")
    counting = CountingRunOne(module.run_one)
    monkeypatch.setattr(module, "run_one", counting)
    return counting


class InlineExecutor(Executor):
    """A concurrent.futures.Executor that runs each call at submit (as a Dask client's
    executor would, elsewhere), counting the calls."""

    def __init__(self):
        self.submitted, self.closed = 0, False

    def submit(self, fn, /, *args, **kwargs) -> Future:
        self.submitted += 1
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future

    def shutdown(self, wait=True, *, cancel_futures=False):
        self.closed = True


# ----------------------------------------------------------------------------- variants resolve

def test_variants_resolve_baseline_first_with_overrides_applied(tmp_path):
    s = scenario(tmp_path, """\
behaviour: {trust_gain: 0.1}
variants:
  loyalty:
    firms.0.policies: [{kind: loyalty, points_per_currency: 5}]
  baseline:
    n_customers: 120
  forgiving:
    trust_loss: 0.05
  section:
    behaviour: {talk_prob: 0.3}
    firms.1: {price: 0.8}
""")
    configs = s.variant_configs()
    assert list(configs) == s.variant_names() == [BASELINE, "loyalty", "forgiving", "section"]
    assert all(type(c) is ModelConfig for c in configs.values())
    assert configs[BASELINE].n_customers == 120 and s.model_part().n_customers == 150
    assert configs["loyalty"].firms[0].policies[0].points_per_currency == 5
    assert configs["loyalty"].n_customers == 150 and not configs["loyalty"].firms[1].policies
    assert configs["forgiving"].behaviour.trust_loss == 0.05
    # a mapping is merged into its section: what the base set elsewhere stays
    section = configs["section"]
    assert section.behaviour.talk_prob == 0.3 and section.behaviour.trust_gain == 0.1
    assert section.firms[1].price == 0.8 and section.firms[1].name == "B"
    assert section.firms[1].quality == s.firms[1].quality


def test_a_variant_may_change_a_segment_preset(tmp_path):
    s = scenario(tmp_path, """\
segments:
  - {preset: b2b, share: 0.5, basket: 30.0}
  - {preset: status_seeker, share: 0.5}
variants:
  consumers:
    segments.0.preset: b2c
  default-market:
    segments.1: {preset: b2b, name: key-accounts}
""")
    configs = s.variant_configs()
    assert configs[BASELINE] == s.model_part()
    b2c = configs["consumers"].segments[0]
    assert (b2c.preset, b2c.importance, b2c.basket) == ("b2c", 0.05, 30.0)  # basket was set
    assert configs["default-market"].segments[1].importance == 0.5


def test_without_variants_the_base_is_the_only_variant(tmp_path):
    s = scenario(tmp_path, "")
    assert s.variants == {} and s.variant_names() == [BASELINE]
    assert s.variant_configs() == {BASELINE: s.model_part()}
    s = scenario(tmp_path, "variants:\n  other:\n")  # a name alone: no overrides
    assert s.variant_configs() == {BASELINE: s.model_part(), "other": s.model_part()}


def test_run_settings_override_every_variant(tmp_path):
    s = scenario(tmp_path, "variants:\n  x: {trust_loss: 0.1}\n")
    short = s.model_copy(update={"steps": 2})
    assert [c.steps for c in short.variant_configs().values()] == [2, 2]


def test_programmatic_scenarios_validate_their_variants():
    with pytest.raises(ValidationError, match=r"variants\.x\.trust_los: unknown parameter; "
                                              r"did you mean 'trust_loss'\?"):
        Scenario(variants={"x": {"trust_los": 0.1}})
    with pytest.raises(ValidationError, match="variant names are"):
        Scenario(variants={"no spaces": {}})
    assert list(Scenario(variants={"x": {"firms.0.price": 2.0}}).variant_configs()) == [
        BASELINE, "x"]


def test_variant_edge_list_resolves_beside_the_scenario(tmp_path, monkeypatch):
    (tmp_path / "ring.txt").write_text("".join(f"{i} {(i + 1) % 150}\n" for i in range(150)))
    path = scenario_file(tmp_path, "variants:\n  ring:\n    network: {kind: edge_list, "
                                   "path: ring.txt}\n")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    s = load_scenario(path)
    assert s.variant_configs()["ring"].network.path == str(tmp_path / "ring.txt")
    assert s.model_copy(update={"seed": 9}).variant_configs()["ring"].network.path == str(
        tmp_path / "ring.txt")
    path.write_text(path.read_text().replace("ring.txt", "none.txt"))
    with pytest.raises(ScenarioError, match=r"s\.yaml:8:\d+: variants\.ring\.network\.path: "
                                            r".*none\.txt"):
        load_scenario(path)


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("override, line, message", [
    ("firms.0.loyality: 3", 9, "variants.x.firms.0.loyality: unknown key; did you mean"),
    ("trust_los: 0.3", 9, "variants.x.trust_los: unknown parameter; did you mean 'trust_loss'?"),
    ("behaviour.trust_loss: 1.5", 9,
     "variants.x.behaviour.trust_loss: Input should be less than or equal to 1 (got 1.5)"),
    ("firms.0.policies:\n      - kind: loyalty\n        points_per_currenc: 3", 11,
     ("variants.x.firms.0.policies.0.points_per_currenc: unknown key; did you mean "
      "'points_per_currency'?")),
    ("firms.7.price: 2.0", 9, "variants.x.firms.7.price: firms has 3 entries: no entry '7'"),
])
def test_variant_errors_name_file_line_and_path(tmp_path, override, line, message):
    path = scenario_file(tmp_path, "variants:\n  ok: {}\n  x:\n    " + override + "\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert text.startswith(f"{path}:{line}:") and message in text, text
    assert "\n" not in text


def test_only_the_topmost_variant_error_is_shown_with_a_count(tmp_path):
    path = scenario_file(tmp_path, "variants:\n  b: {trust_loss: 2.0}\n  a: {talk_prob: -1}\n")
    with pytest.raises(ScenarioError, match=r"s\.yaml:7:7: variants\.b\.trust_loss: .*"
                                            r"\[and 1 more error\]$"):
        load_scenario(path)


# ----------------------------------------------------------------------------- running

def test_variant_column_first_in_variant_order(tmp_path):
    s = scenario(tmp_path, "variants:\n  zeta: {trust_loss: 0.1}\n  alpha: {talk_prob: 0.2}\n")
    result = run_comparison(s, progress=False)
    for name in TABLES:
        table = getattr(result, name)
        assert list(table.columns[:3]) == [VARIANT, "replication", "seed"]
        assert list(table[VARIANT].cat.categories) == [BASELINE, "zeta", "alpha"]
    firms = result.firms
    assert list(firms[VARIANT].unique()) == [BASELINE, "zeta", "alpha"]
    assert firms.groupby(VARIANT, observed=True)["replication"].unique().map(list).tolist() \
        == [[0, 1]] * 3
    assert result.config == s.variant_configs()[BASELINE]


def test_common_random_numbers_a_change_that_cannot_matter_changes_nothing(tmp_path):
    # a programme that starts after the horizon: its streams are separate, so nothing moves
    s = scenario(tmp_path, "variants:\n  never:\n    firms.0.policies: "
                           "[{kind: loyalty, start: 50}]\n  forgiving: {trust_loss: 0.05}\n")
    result = run_comparison(s, progress=False)
    base, never, forgiving = (without_variant(result, v) for v in (BASELINE, "never",
                                                                   "forgiving"))
    for name in TABLES:
        pd.testing.assert_frame_equal(base[name], never[name], check_exact=True)
    assert (base["firms"]["seed"] == forgiving["firms"]["seed"]).all()
    assert set(base["firms"]["seed"]) == {replication_seed(3, 0), replication_seed(3, 1)}
    assert not base["firms"]["mean_trust"].equals(forgiving["firms"]["mean_trust"])


def test_same_seed_same_tables_for_one_and_two_workers(tmp_path):
    s = scenario(tmp_path, "variants:\n  loyalty:\n    firms.0.policies: [{kind: loyalty}]\n")
    assert_tables_equal(run_comparison(s, workers=1, progress=False),
                        run_comparison(s, workers=2, progress=False))


def test_an_executor_passed_in_is_used_and_left_open(tmp_path, run_one):
    s = scenario(tmp_path, "variants:\n  forgiving: {trust_loss: 0.05}\n")
    executor = InlineExecutor()
    result = run_comparison(s, executor=executor, progress=False)
    assert executor.submitted == 4 and not executor.closed
    assert run_one.calls == 4  # run_one went through the executor
    run_one.calls = 0
    assert_tables_equal(result, run_comparison(s, progress=False))


def test_identical_variants_share_their_runs(tmp_path, run_one):
    s = scenario(tmp_path, "variants:\n  same: {trust_loss: 0.2}\n  other: {trust_loss: 0.3}\n")
    comparison = Comparison(s)
    assert comparison.total == 6 and len(comparison.jobs) == 4
    result = comparison.run(progress=False)
    assert run_one.calls == 4
    same, base = without_variant(result, "same"), without_variant(result, BASELINE)
    for name in TABLES:
        pd.testing.assert_frame_equal(same[name], base[name])


def test_cache_resumes_an_interrupted_comparison(tmp_path, run_one):
    s = scenario(tmp_path, "variants:\n  forgiving: {trust_loss: 0.05}\n")
    cache = tmp_path / "cache"
    run_one.interrupt_at = 3
    first = Comparison(s, cache_dir=cache)
    with pytest.raises(KeyboardInterrupt):
        first.run(progress=False)
    assert first.finished == 2 and len(list(cache.iterdir())) == 2
    run_one.calls, run_one.interrupt_at = 0, None
    second = Comparison(s, cache_dir=cache)
    resumed = second.run(progress=False)
    assert run_one.calls == 2 and second.reused == 2 and second.finished == 4
    run_one.calls = 0
    third = Comparison(s, cache_dir=cache)
    assert_tables_equal(third.run(progress=False), resumed)
    assert run_one.calls == 0 and third.reused == 4
    assert_tables_equal(resumed, run_comparison(s, progress=False))


def test_workers_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="workers must be at least 1"):
        run_comparison(scenario(tmp_path, ""), workers=0)
