"""Tests for the ``relsim`` command line: bad input, output atomicity, resumption, formats,
variants, workers and the report hook."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from bad_files import expectation

import relsim
from relsim.cli import main
from relsim.outputs import MARKER
from relsim.runs import TABLES

HERE = Path(__file__).parent
BAD = sorted((HERE / "bad_scenarios").glob("*.yaml"))
SCENARIOS = sorted((HERE.parent / "scenarios").glob("*.yaml"))
SMALL = """\
name: small
n_customers: 200
replications: 2
record:
  trace: [0, 1]
"""
VARIANTS = SMALL + """\
variants:
  loyalty:
    firms.0.policies: [{kind: loyalty}]
  forgiving:
    trust_loss: 0.05
"""


def one_line_error(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def relsim_subprocess(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m relsim.cli ARGS`` in a fresh interpreter (the real exit status)."""
    src = str(Path(relsim.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "relsim.cli", *args], check=False,
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    """Runs here make no report (fast, and independent of relsim.report); the tests of the
    report hook put a stand-in in its place."""
    monkeypatch.setitem(sys.modules, "relsim.report", None)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


@pytest.fixture
def variants(tmp_path: Path) -> Path:
    path = tmp_path / "variants.yaml"
    path.write_text(VARIANTS)
    return path


def interrupting_run_one(config, seed, replication=0):
    """A run_one that is interrupted in replication 1 (module level: picklable, so it can be
    sent to worker processes)."""
    if replication == 1:
        raise KeyboardInterrupt
    return importlib.import_module("relsim.runs").run_one(config, seed, replication)


class CountingRunOne:
    """Stand-in for relsim.runs.run_one that records the replications it runs and raises
    KeyboardInterrupt at call number ``interrupt_at``."""

    def __init__(self, real):
        self.real, self.calls, self.interrupt_at = real, [], None

    def __call__(self, config, seed, replication=0):
        self.calls.append(replication)
        if len(self.calls) == self.interrupt_at:
            raise KeyboardInterrupt
        return self.real(config, seed, replication)


@pytest.fixture
def run_one(monkeypatch) -> CountingRunOne:
    module = importlib.import_module("relsim.runs")  # relsim.run is also a function's name
    counting = CountingRunOne(module.run_one)
    monkeypatch.setattr(module, "run_one", counting)
    return counting


def run_small(small: Path, out: Path, *extra: str) -> int:
    return main(["run", str(small), "--out", str(out), "--steps", "3", "--quiet", *extra])


def test_there_are_enough_bad_scenarios():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_scenario_is_one_line_exit_2_and_writes_nothing(path, tmp_path, capsys):
    fragment, line = expectation(path)
    out = tmp_path / "out"
    for argv in (["run", str(path), "--out", str(out)], ["validate", str(path)]):
        assert main(argv) == 2
        captured = capsys.readouterr()
        err = one_line_error(captured.err)
        assert err.startswith(f"error: {path}"), err
        assert fragment in err
        if line is not None:
            assert f"{path.name}:{line}:" in err
        assert captured.out == ""
    assert list(tmp_path.iterdir()) == []  # no DIR, no .DIR.partial


@pytest.mark.parametrize("name", ["python_object_apply_tag", "syntax_unclosed_flow", "non_utf8",
                                  "edge_list_bad_content", "unknown_key_close_match"])
def test_bad_scenario_in_a_real_process(name, tmp_path):
    path = HERE / "bad_scenarios" / f"{name}.yaml"
    proc = relsim_subprocess("run", str(path), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    err = one_line_error(proc.stderr)
    assert path.name in err and expectation(path)[0] in err
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_missing_scenario_file(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out")]) == 2
    err = one_line_error(capsys.readouterr().err)
    assert "nope.yaml: scenario file not found" in err
    assert list(tmp_path.iterdir()) == []


def test_scenario_that_is_a_directory(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    assert "not a regular file" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("flags, fragment", [
    (["--out", "OUT", "--replications", "0"],
     "argument --replications: expected an integer in [1, 10000], got '0'"),
    (["--out", "OUT", "--replications", "many"], "argument --replications"),
    (["--out", "OUT", "--steps", "0"], "argument --steps"),
    (["--out", "OUT", "--seed", "-1"], "argument --seed"),
    (["--out", "OUT", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    (["--out", "OUT", "--workers", "0"],
     "argument --workers: expected a number of worker processes in [1, 1024], got '0'"),
    (["--out", "OUT", "--workers", "-2"], "argument --workers: expected a number of worker"),
    (["--out", "OUT", "--workers", "two"], "argument --workers: expected a number of worker"),
    (["--out", "OUT", "--bogus"], "unrecognized arguments: --bogus"),
    ([], "the following arguments are required: --out"),
])
def test_bad_flags(flags, fragment, small, tmp_path, capsys):
    flags = [str(tmp_path / "out") if f == "OUT" else f for f in flags]
    assert main(["run", str(small), *flags]) == 2
    assert fragment in one_line_error(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.yaml"]


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["run"], ["validate"]])
def test_bad_commands(argv, capsys):
    assert main(argv) == 2
    one_line_error(capsys.readouterr().err)


def test_bad_flag_in_a_real_process(small, tmp_path):
    proc = relsim_subprocess("run", str(small), "--out", str(tmp_path / "out"), "--format", "xml")
    assert proc.returncode == 2
    assert "--format" in one_line_error(proc.stderr)


def test_out_inside_a_file_is_exit_2(small, tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert run_small(small, tmp_path / "file" / "out") == 2
    assert "cannot create" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_bundled_scenarios_validate(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert ": ok (" in capsys.readouterr().out


def test_validate_names_the_variants(variants, capsys):
    assert main(["validate", str(variants)]) == 0
    assert capsys.readouterr().out.rstrip().endswith(
        "2 replications; variants: baseline, loyalty, forgiving)")


def test_schema_is_json_with_the_fields(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert {"n_customers", "firms", "network", "seed", "replications"} <= set(schema["properties"])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_run_writes_every_table(fmt, small, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_small(small, out, "--format", fmt) == 0
    stdout = capsys.readouterr().out
    assert "market_share" in stdout
    assert f"wrote {len(TABLES)} {fmt} tables of 1 variant x 2 replications" in stdout
    assert {"firms", "market", "transactions", "relationships", "cohorts", "trace"} <= set(TABLES)
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER,
                                                            *(f"{t}.{fmt}" for t in TABLES)])
    marker = json.loads((out / MARKER).read_text())
    assert marker["command"] == "relsim run" and marker["files"] == sorted(
        f"{t}.{fmt}" for t in TABLES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.yaml"]  # no .partial
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    tables = {t: read(out / f"{t}.{fmt}") for t in TABLES}
    assert all(list(tables[t].columns[:3]) == ["variant", "replication", "seed"] for t in TABLES)
    assert set(tables["firms"]["variant"]) == {"baseline"}
    assert set(tables["firms"]["replication"]) == {0, 1}
    assert tables["firms"]["step"].max() == 3
    assert set(tables["trace"]["customer"]) == {0, 1}
    assert all(len(tables[t]) for t in TABLES if t != "cohorts")  # 3 weeks: maybe no cohort


def test_existing_out_needs_overwrite_which_replaces_only_what_relsim_wrote(small, tmp_path,
                                                                           capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    assert run_small(small, out) == 2
    assert "already exists (use --overwrite" in one_line_error(capsys.readouterr().err)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.yaml"]
    assert run_small(small, out, "--overwrite") == 2  # not written by relsim: kept
    assert f"has no {MARKER}" in one_line_error(capsys.readouterr().err)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    (out / "keep.txt").unlink()
    out.rmdir()
    assert run_small(small, out) == 0
    (out / "firms.csv").write_text("old")
    assert run_small(small, out, "--overwrite") == 0  # written by relsim: replaced
    assert (out / "firms.csv").read_text() != "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.yaml"]


def test_interrupted_run_resumes_with_finished_replications(small, tmp_path, run_one, capsys):
    out = tmp_path / "out"
    run_one.interrupt_at = 2
    assert run_small(small, out, "--replications", "3") == 130
    assert "1 of 3 runs finished and kept" in one_line_error(capsys.readouterr().err)
    assert not out.exists()
    assert len(list((tmp_path / ".out.partial" / "replications").glob("rep-0000-*"))) == 1
    run_one.calls, run_one.interrupt_at = [], None
    assert run_small(small, out, "--replications", "3") == 0
    assert run_one.calls == [1, 2]  # replication 0 came from the cache
    assert "(1 run reused)" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.yaml"]
    # the resumed tables are those of an uninterrupted run
    assert run_small(small, tmp_path / "fresh", "--replications", "3") == 0
    for name in (f"{t}.csv" for t in TABLES):
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()


def test_interrupt_before_anything_finished_leaves_nothing(small, tmp_path, run_one, capsys):
    run_one.interrupt_at = 1
    assert run_small(small, tmp_path / "out") == 130
    assert "interrupted" in one_line_error(capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.yaml"]


def test_cache_is_keyed_by_configuration(small, tmp_path, run_one):
    run_one.interrupt_at = 2
    assert run_small(small, tmp_path / "out") == 130
    run_one.calls, run_one.interrupt_at = [], None
    assert run_small(small, tmp_path / "out", "--steps", "4") == 0  # the last --steps wins
    assert run_one.calls == [0, 1]  # another horizon: nothing reused


def test_same_seed_same_tables_other_seed_other_tables(small, tmp_path):
    for name, seed in [("a", "7"), ("b", "7"), ("c", "8")]:
        assert run_small(small, tmp_path / name, "--seed", seed, "--format", "parquet") == 0
    for table in ("firms", "market", "transactions", "relationships"):
        a, b, c = (pd.read_parquet(tmp_path / n / f"{table}.parquet") for n in "abc")
        pd.testing.assert_frame_equal(a, b)
        assert not a.equals(c)


def test_edge_list_path_is_relative_to_the_scenario(tmp_path, capsys, monkeypatch):
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "edges.txt").write_text("# a ring\n" + "".join(
        f"{i} {(i + 1) % 50}\n" for i in range(50)))
    scenario = tmp_path / "net" / "ring.yaml"
    scenario.write_text("n_customers: 50\nnetwork:\n  kind: edge_list\n  path: edges.txt\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "net/ring.yaml", "--out", "out", "--steps", "2", "--quiet"]) == 0
    assert (tmp_path / "out" / "market.csv").exists()


def test_example_scenario_runs_in_a_real_process(tmp_path):
    example = HERE.parent / "scenarios" / "example.yaml"
    proc = relsim_subprocess("run", str(example), "--out", str(tmp_path / "example"),
                             "--steps", "2", "--replications", "1")
    assert proc.returncode == 0, proc.stderr
    assert "Premium" in proc.stdout
    assert (tmp_path / "example" / "firms.csv").exists()
    if importlib.util.find_spec("relsim.report") is not None:  # the real report, if there
        assert (tmp_path / "example" / "report.md").exists()


# ----------------------------------------------------------------------------- variants, workers

def read_tables(out: Path) -> dict[str, bytes]:
    """The bytes of every file in ``out`` but the marker (which holds the time)."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != MARKER}


def test_variants_are_run_side_by_side(variants, tmp_path, run_one, capsys):
    out = tmp_path / "out"
    assert run_small(variants, out) == 0
    stdout = capsys.readouterr().out
    assert f"wrote {len(TABLES)} csv tables of 3 variants x 2 replications (0 runs reused)" \
        in stdout
    assert stdout.index("baseline") < stdout.index("loyalty") < stdout.index("forgiving")
    assert len(run_one.calls) == 6
    firms = pd.read_csv(out / "firms.csv")
    assert firms.columns[0] == "variant"
    assert list(firms["variant"].unique()) == ["baseline", "loyalty", "forgiving"]
    final = firms[firms["step"] == 3]
    assert (final.loc[final["variant"] == "loyalty", "cost_loyalty"] > 0).any()
    assert (final.loc[final["variant"] == "baseline", "cost_loyalty"] == 0).all()
    # common random numbers: replication r has the same seed in every variant
    seeds = firms.groupby(["variant", "replication"])["seed"].first().unstack("variant")
    assert (seeds.nunique(axis=1) == 1).all() and seeds.iloc[:, 0].nunique() == 2


def test_workers_do_not_change_the_tables(variants, tmp_path):
    assert run_small(variants, tmp_path / "one", "--format", "parquet") == 0
    assert run_small(variants, tmp_path / "two", "--format", "parquet", "--workers", "2") == 0
    assert read_tables(tmp_path / "one") == read_tables(tmp_path / "two")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two", "variants.yaml"]


def test_interrupt_inside_a_worker_leaves_no_dir_and_resumes(variants, tmp_path, monkeypatch,
                                                             capsys):
    out = tmp_path / "out"
    monkeypatch.setattr(importlib.import_module("relsim.runs"), "run_one", interrupting_run_one)
    assert run_small(variants, out, "--workers", "2") == 130
    assert "interrupted" in one_line_error(capsys.readouterr().err)
    assert not out.exists()
    monkeypatch.undo()
    monkeypatch.setitem(sys.modules, "relsim.report", None)
    assert run_small(variants, out, "--workers", "2") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "variants.yaml"]
    assert run_small(variants, tmp_path / "fresh") == 0
    assert read_tables(out) == read_tables(tmp_path / "fresh")


def test_rerun_reuses_the_runs_of_unchanged_variants(variants, tmp_path, run_one, capsys):
    assert run_small(variants, tmp_path / "a") == 0
    variants.write_text(VARIANTS + "  cheaper:\n    firms.0.price: 0.8\n")
    run_one.interrupt_at = 9  # after the 2 runs of the new variant and one more
    assert run_small(variants, tmp_path / "b") == 130
    capsys.readouterr()
    # identical configurations share runs: a variant equal to the baseline runs nothing new
    variants.write_text(VARIANTS + "  same:\n    trust_loss: 0.2\n")
    run_one.calls, run_one.interrupt_at = [], None
    assert run_small(variants, tmp_path / "c") == 0
    assert len(run_one.calls) == 6
    assert "(0 runs reused)" in capsys.readouterr().out
    firms = pd.read_csv(tmp_path / "c" / "firms.csv")
    same, base = (firms[firms["variant"] == v].drop(columns="variant").reset_index(drop=True)
                  for v in ("same", "baseline"))
    pd.testing.assert_frame_equal(same, base)


# ----------------------------------------------------------------------------- report hook

class FakeReport:
    """Stand-in for relsim.report: records its calls, writes report.md, may be interrupted."""

    def __init__(self):
        self.calls, self.interrupt = [], False

    def build_report(self, result, scenario, out_dir):
        out_dir = Path(out_dir)
        self.calls.append((sorted(p.name for p in out_dir.iterdir()), out_dir))
        (out_dir / "report.md").write_text("# half a report\n")
        if self.interrupt:
            raise KeyboardInterrupt
        (out_dir / "report.md").write_text(f"# {scenario.name}: {len(result.firms)} rows\n")
        return pd.DataFrame({"variant": list(result.firms["variant"].unique()), "score": 1.5})


@pytest.fixture
def report(monkeypatch) -> FakeReport:
    fake = FakeReport()
    module = types.ModuleType("relsim.report")
    module.build_report = fake.build_report
    monkeypatch.setitem(sys.modules, "relsim.report", module)
    return fake


def test_report_is_built_in_the_staging_dir_before_the_rename(variants, tmp_path, report,
                                                              capsys):
    out = tmp_path / "out"
    assert run_small(variants, out) == 0
    (tables, staged), = report.calls
    assert tables == sorted(f"{t}.csv" for t in TABLES)  # the tables are there already
    assert staged != out and staged.parent.name == ".out.partial"
    assert (out / "report.md").read_text().startswith("# small: ")
    stdout = capsys.readouterr().out
    assert "score" in stdout and "market_share" not in stdout  # the report's summary
    assert "and a report to" in stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "variants.yaml"]


def test_interrupted_report_leaves_no_half_report_and_rerun_completes(variants, tmp_path,
                                                                      report, run_one, capsys):
    out = tmp_path / "out"
    report.interrupt = True
    assert run_small(variants, out) == 130
    assert "all 6 runs finished and kept" in one_line_error(capsys.readouterr().err)
    assert not out.exists()
    report.interrupt, run_one.calls = False, []
    assert run_small(variants, out) == 0
    assert run_one.calls == []  # every run came from the cache
    assert "(6 runs reused)" in capsys.readouterr().out
    assert (out / "report.md").read_text().startswith("# small: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "variants.yaml"]


def test_report_that_cannot_be_imported_is_skipped_with_a_warning(small, tmp_path, monkeypatch,
                                                                  capsys):
    module = types.ModuleType("relsim.report")
    module.__getattr__ = lambda name: (_ for _ in ()).throw(ImportError("no plotting"))
    monkeypatch.setitem(sys.modules, "relsim.report", None)
    real_import = importlib.import_module

    def failing(name, *args):
        if name == "relsim.report":
            raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", failing)
    assert run_small(small, tmp_path / "out") == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == "warning: no report: relsim.report needs matplotlib"
    assert "market_share" in captured.out
