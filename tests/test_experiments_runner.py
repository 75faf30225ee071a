"""The sweep runner: identical results on every backend, batch size and worker count; a
SIGKILLed sweep resumed runs every unit exactly once; output-directory safety; the commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from relsim.experiments import store
from relsim.experiments.cli import command_analyze, command_sweep
from relsim.experiments.designs import point_values
from relsim.experiments.designs import sample as sample_design
from relsim.experiments.loading import load_experiment
from relsim.experiments.runner import run
from relsim.experiments.schema import ExperimentError
from relsim.experiments.worker import KEYS, Task, run_batch
from relsim.outputs import OutputError
from relsim.pool import SchedulerError
from relsim.runs import replication_seed

TINY = """name: tiny
scenario:
  n_customers: 120
  steps: 6
  seed: 5
  firms:
    - {name: A, policies: [{kind: loyalty}]}
    - {name: B}
parameters:
  behaviour.trust_loss: {low: 0.05, high: 0.4}
  firms.0.policies.0.points_per_currency: {low: 2, high: 20}
  economics.discount_rate_per_year: {low: 0.05, high: 0.2}
design: {kind: lhs, size: POINTS, seed: 1}
arms:
  baseline: {firms.0.policies: []}
  loyalty: {}
replications: 2
outcomes: [retention, value, policy_roi]
"""


def tiny(tmp_path: Path, points: int = 4):
    path = tmp_path / f"tiny-{points}.yaml"
    path.write_text(TINY.replace("POINTS", str(points)))
    return load_experiment(path)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The tiny sweep run in this process, one batch at a time."""
    experiment = tiny(tmp_path_factory.mktemp("ref"))
    return run(experiment, workers=1, batch_size=1, progress=False)


def test_a_run_is_one_row_per_point_arm_replication_and_firm(reference):
    assert list(reference.columns) == [*KEYS[:3], "seed", "firm", "retention", "value",
                                       "policy_roi"]
    assert len(reference) == 4 * 2 * 2  # points x arms x replications, focal firm only
    assert not reference.duplicated(["point", "arm", "replication"]).any()
    assert set(reference["firm"]) == {"A"}
    assert reference.loc[reference["arm"] == "baseline", "policy_roi"].isna().all()
    assert reference.loc[reference["arm"] == "loyalty", "policy_roi"].notna().all()


def test_replication_r_uses_the_same_seed_at_every_point_and_arm(reference):
    seeds = reference.groupby("replication")["seed"].unique()
    assert {r: list(s) for r, s in seeds.items()} == {r: [replication_seed(5, r)]
                                                        for r in range(2)}


def test_results_do_not_depend_on_batch_size_or_local_worker_count(tmp_path, reference):
    experiment = tiny(tmp_path)
    one_batch = run(experiment, workers=1, batch_size=8, progress=False)
    two_workers = run(experiment, workers=2, batch_size=3, progress=False)
    pd.testing.assert_frame_equal(one_batch, reference)
    pd.testing.assert_frame_equal(two_workers, reference)


def test_a_dask_local_cluster_gives_the_same_results(tmp_path, reference):
    pytest.importorskip("distributed")
    experiment = tiny(tmp_path)
    on_dask = run(experiment, workers=2, scheduler="local", batch_size=2, progress=False)
    pd.testing.assert_frame_equal(on_dask, reference)


def test_batched_outcomes_equal_outcomes_computed_unit_by_unit(tmp_path):
    experiment = tiny(tmp_path)
    design = sample_design(experiment)
    units = tuple((p, r, point_values(design, p)) for p in range(4) for r in range(2))

    def task(chunk):
        return Task(experiment.base, experiment.arms, experiment.root_seed,
                    tuple(experiment.outcomes), tuple(experiment.firm_names()), chunk)

    together = run_batch(task(units))
    alone = pd.concat([run_batch(task((u,))) for u in units], ignore_index=True)
    pd.testing.assert_frame_equal(together, alone)


def test_an_unreachable_scheduler_is_a_one_line_error_and_writes_nothing(tmp_path,
                                                                          monkeypatch):
    from relsim import pool

    monkeypatch.setattr(pool, "CONNECT_TIMEOUT", 1.0)
    experiment = tiny(tmp_path)
    start = time.monotonic()
    with pytest.raises(SchedulerError, match="cannot reach a Dask scheduler"):
        run(experiment, tmp_path / "out", scheduler="tcp://127.0.0.1:9", progress=False)
    assert time.monotonic() - start < 30
    assert not (tmp_path / "out").exists()


def test_sigkilled_sweep_resumed_runs_every_unit_exactly_once(tmp_path, reference):
    experiment_file = tmp_path / "tiny.yaml"
    experiment_file.write_text(TINY.replace("POINTS", "10"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "relsim.experiments", "sweep", str(experiment_file),
               "--out", str(out), "--batch-size", "1", "--quiet"]
    sweep = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    deadline = time.monotonic() + 120
    while len(store.batch_files(out)) < 3 and time.monotonic() < deadline \
            and sweep.poll() is None:
        time.sleep(0.01)
    os.killpg(sweep.pid, signal.SIGKILL)
    sweep.wait()
    killed_at = len(store.batch_files(out))
    assert 3 <= killed_at < 20, "the sweep was not killed mid-way"
    assert not (out / store.RESULTS).exists()
    for path in store.batch_files(out):  # every file that exists is whole
        assert len(pd.read_parquet(path)) == 2  # one unit, two arms, one firm
    experiment = load_experiment(experiment_file)
    with pytest.raises(OutputError, match="add --resume"):
        run(experiment, out, progress=False)
    resumed = run(experiment, out, resume=True, batch_size=4, progress=False)
    uninterrupted = run(experiment, workers=1, progress=False)
    pd.testing.assert_frame_equal(resumed, uninterrupted)
    rows = store.read_batches(out)
    assert not rows.duplicated(["point", "arm", "replication", "firm"]).any()
    assert len(rows) == 10 * 2 * 2
    pd.testing.assert_frame_equal(pd.read_parquet(out / store.RESULTS), uninterrupted)


def test_output_directories_that_are_not_sweeps_are_refused_and_left_alone(tmp_path):
    experiment = tiny(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious")
    with pytest.raises(OutputError, match="was not written by relsim sweep"):
        run(experiment, mine, progress=False)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    other = tiny(tmp_path, points=5)
    run(experiment, tmp_path / "sweep", progress=False)
    with pytest.raises(ExperimentError, match="holds a different experiment"):
        run(other, tmp_path / "sweep", resume=True, progress=False)


def _parse(*argv):
    from relsim.cli import build_parser

    return build_parser().parse_args(list(argv))


def test_sweep_then_analyze_writes_tables_figures_and_one_page(tmp_path, capsys):
    path = tmp_path / "grid.yaml"
    path.write_text(TINY.replace("design: {kind: lhs, size: POINTS, seed: 1}",
                                 "design: {kind: grid, levels: 2}")
                    + 'analysis:\n  conditions: ["value_gain < 0"]\n')
    out = tmp_path / "out"
    assert command_sweep(_parse("sweep", str(path), "--out", str(out), "--quiet")) == 0
    assert "wrote 32 runs" in capsys.readouterr().out
    assert command_analyze(_parse("analyze", str(out), "--condition", "policy_roi < 30")) == 0
    page = out / "analysis" / "analysis.html"
    html = page.read_text()
    assert html.count("data:image/png;base64,") >= 5
    assert "Scenario discovery" in html and "policy_roi[loyalty] &lt; 30" in html
    for table in ("noise.csv", "indices.csv", "points.csv", "boxes.csv"):
        assert (out / "analysis" / table).is_file()
    indices = pd.read_csv(out / "analysis" / "indices.csv")
    assert {"main_effect", "above_noise"} <= set(indices.columns)
    assert command_analyze(_parse("analyze", str(out), "--condition", "roi <")) == 2
    assert "expected RESPONSE OPERATOR NUMBER" in capsys.readouterr().err
    assert command_analyze(_parse("analyze", str(tmp_path))) == 2
