"""Tests for the ``relsim`` command line: bad input, output atomicity, resumption, formats."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import relsim
from relsim.cli import main
from relsim.run import TABLES

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


def expectation(path: Path) -> tuple[str, int | None]:
    """The ``# expect:`` fragment and optional ``# line:`` of a bad scenario file."""
    head = path.read_bytes().decode("latin-1").splitlines()
    assert head[0].startswith("# expect: "), f"{path.name} lacks its '# expect:' line"
    line = int(head[1].removeprefix("# line: ")) if head[1].startswith("# line: ") else None
    return head[0].removeprefix("# expect: "), line


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


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


class CountingRunOne:
    """Stand-in for relsim.run.run_one that records the replications it runs and raises
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
    module = importlib.import_module("relsim.run")  # relsim.run is also a function's name
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
    assert "nope.yaml: file not found" in err
    assert list(tmp_path.iterdir()) == []


def test_scenario_that_is_a_directory(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    assert "cannot read file" in one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize("flags, fragment", [
    (["--out", "OUT", "--replications", "0"],
     "argument --replications: expected an integer in [1, 10000], got '0'"),
    (["--out", "OUT", "--replications", "many"], "argument --replications"),
    (["--out", "OUT", "--steps", "0"], "argument --steps"),
    (["--out", "OUT", "--seed", "-1"], "argument --seed"),
    (["--out", "OUT", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
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
    assert f"wrote {len(TABLES)} {fmt} tables of 2 replications" in stdout
    assert {"firms", "market", "transactions", "relationships", "cohorts", "trace"} <= set(TABLES)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.{fmt}" for t in TABLES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.yaml"]  # no .partial
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    tables = {t: read(out / f"{t}.{fmt}") for t in TABLES}
    assert set(tables["firms"]["replication"]) == {0, 1}
    assert tables["firms"]["step"].max() == 3
    assert set(tables["trace"]["customer"]) == {0, 1}
    assert all(len(tables[t]) for t in TABLES if t != "cohorts")  # 3 weeks: maybe no cohort


def test_existing_out_needs_overwrite(small, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    assert run_small(small, out) == 2
    assert "already exists (use --overwrite" in one_line_error(capsys.readouterr().err)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.yaml"]
    assert run_small(small, out, "--overwrite") == 0
    assert not (out / "keep.txt").exists() and (out / "firms.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "small.yaml"]


def test_interrupted_run_resumes_with_finished_replications(small, tmp_path, run_one, capsys):
    out = tmp_path / "out"
    run_one.interrupt_at = 2
    assert run_small(small, out, "--replications", "3") == 130
    assert "1 of 3 replications finished and kept" in one_line_error(capsys.readouterr().err)
    assert not out.exists()
    assert len(list((tmp_path / ".out.partial" / "replications").glob("rep-0000-*"))) == 1
    run_one.calls, run_one.interrupt_at = [], None
    assert run_small(small, out, "--replications", "3") == 0
    assert run_one.calls == [1, 2]  # replication 0 came from the cache
    assert "(1 reused)" in capsys.readouterr().out
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
