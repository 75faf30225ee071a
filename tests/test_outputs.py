"""Tests for relsim.outputs and its use by ``relsim run``: what --out and --overwrite refuse
(every refusal one line, exit 2, nothing changed), what they replace, the lock, the
atomic writes and regular-file reads (the cache: test_cache.py)."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from files_helpers import SMALL, make_work, one_line, run, snapshot, tables_of

from relsim.cli import main
from relsim.outputs import (
    MARKER,
    InputFileError,
    OutputError,
    atomic_directory,
    atomic_path,
    atomic_write,
    claim_output,
    read_regular_file,
    rename_noreplace,
    write_tables,
)
from relsim.runs import TABLES


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    monkeypatch.setitem(sys.modules, "relsim.report", None)


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    return make_work(tmp_path, monkeypatch)


# ----------------------------------------------------------------------------- refusals

def test_overwrite_refuses_a_home_like_directory_with_unrelated_files(tmp_path, work,
                                                                      monkeypatch, capsys):
    home = tmp_path / "users" / "home"
    (home / "documents").mkdir(parents=True)
    (home / ".bashrc").write_text("export PATH\n")
    (home / "documents" / "thesis.tex").write_text("precious")
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(tmp_path)
    assert run("s.yaml", "--out", str(home), "--overwrite") == 2
    assert "is your home directory" in one_line(capsys)
    assert run("s.yaml", "--out", str(tmp_path / "users"), "--overwrite") == 2
    assert "contains your home directory" in one_line(capsys)
    assert snapshot(tmp_path) == before
    other = tmp_path / "projects"  # not home, but not written by relsim either
    other.mkdir()
    (other / "notes.txt").write_text("precious")
    before = snapshot(tmp_path)
    assert run("s.yaml", "--out", str(other), "--overwrite") == 2
    assert f"has no {MARKER}" in one_line(capsys)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("out, reason", [
    (".", "--out .: is the working directory"),
    ("..", "--out ..: contains the working directory"),
    ("/", "--out /: is the root directory"),
    ("", "--out is empty (an unset variable?)"),
    ("   ", "--out is empty"),
    ("s.yaml", "--out s.yaml: is the input file s.yaml"),
])
def test_overwrite_refuses_the_working_directory_its_parents_empty_and_inputs(
        out, reason, tmp_path, work, capsys):
    before = snapshot(tmp_path)
    for extra in (["--overwrite"], []):
        assert run("s.yaml", "--out", out, *extra) == 2
        err = one_line(capsys)
        assert err.startswith("error: relsim run: --out") and reason in err, err
    assert snapshot(tmp_path) == before


def test_out_that_contains_an_input_file_is_refused(tmp_path, work, capsys):
    (work / "net").mkdir()
    (work / "net" / "ring.txt").write_text("".join(f"{i} {(i + 1) % 200}\n" for i in range(200)))
    (work / "r.yaml").write_text(SMALL + "network: {kind: edge_list, path: net/ring.txt}\n")
    (work / "net" / MARKER).write_text(json.dumps({"relsim_output": 1, "files": ["ring.txt"]}))
    before = snapshot(tmp_path)
    assert run("r.yaml", "--out", "net", "--overwrite") == 2
    assert "--out net: contains the input file" in one_line(capsys)
    assert snapshot(tmp_path) == before


def test_overwrite_refuses_a_directory_relsim_did_not_write(tmp_path, work, capsys):
    cases = {"no_marker": {"a.csv": "1"},
             "bad_marker": {"a.csv": "1", MARKER: "not json"},
             "foreign_file": {"firms.csv": "1", "mine.txt": "2",
                              MARKER: json.dumps({"relsim_output": 1, "files": ["firms.csv"]})}}
    for name, files in cases.items():
        (work / name).mkdir()
        for file, text in files.items():
            (work / name / file).write_text(text)
    (work / "file.txt").write_text("not a directory")
    (work / "link").symlink_to(work / "foreign_file")
    before = snapshot(tmp_path)
    expected = {"no_marker": f"has no {MARKER}", "bad_marker": f"has no {MARKER}",
                "foreign_file": "holds files relsim did not write (mine.txt)",
                "file.txt": "is a file, not a directory relsim wrote",
                "link": "is a symbolic link, not a directory relsim wrote"}
    for name, fragment in expected.items():
        assert run("s.yaml", "--out", name, "--overwrite") == 2
        assert fragment in one_line(capsys)
    assert snapshot(tmp_path) == before


def test_overwrite_replaces_a_directory_relsim_wrote_and_nothing_else(tmp_path, work, capsys):
    assert run("s.yaml", "--out", "out") == 0
    first = tables_of(work / "out")
    marker = json.loads((work / "out" / MARKER).read_text())
    assert marker["files"] == sorted(f"{t}.csv" for t in TABLES)
    assert marker["command"] == "relsim run" and marker["relsim"]
    (work / "out" / "firms.csv").write_text("edited by hand")  # listed: may be replaced
    outside = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("work/out")}
    assert run("s.yaml", "--out", "out", "--overwrite") == 0
    assert tables_of(work / "out") == first
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("work/out")} \
        == outside
    assert sorted(p.name for p in work.iterdir()) == ["out", "s.yaml"]


def test_a_too_long_out_name_is_one_line(tmp_path, work, capsys):
    before = snapshot(tmp_path)
    for out in ("x" * 300, "d/" * 3000 + "x"):
        assert run("s.yaml", "--out", out) == 2
        assert "relsim run: --out: name too long" in one_line(capsys)
    assert snapshot(tmp_path) == before


def test_a_dir_in_use_is_refused_naming_the_process(tmp_path, work, capsys):
    with claim_output("out"):
        assert (work / ".out.lock").read_text().strip() == str(os.getpid())
        before = snapshot(tmp_path)
        assert run("s.yaml", "--out", "out") == 2
        assert f"--out {work / 'out'} is in use by process {os.getpid()}" in one_line(capsys)
        assert snapshot(tmp_path) == before
    assert not (work / ".out.lock").exists()  # let go and removed
    assert run("s.yaml", "--out", "out") == 0
    assert sorted(p.name for p in work.iterdir()) == ["out", "s.yaml"]


def test_publish_never_replaces_what_appeared_meanwhile(tmp_path):
    claim = claim_output(tmp_path / "out")
    with claim:
        staged = claim.staging()
        write_tables({"t": pd.DataFrame({"x": [1]})}, staged, "csv")
        (tmp_path / "out").mkdir()  # someone else's, after the claim was checked
        (tmp_path / "out" / "theirs.txt").write_text("keep")
        with pytest.raises(OutputError, match="already exists"):
            claim.publish(staged)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["theirs.txt"]
    assert (staged / "t.csv").exists()  # the work is kept, not lost


# ----------------------------------------------------------------------------- atomic writes

def test_atomic_write_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    atomic_write(path, "old")

    def killed(fd):
        raise KeyboardInterrupt  # interrupted after writing, before the rename

    monkeypatch.setattr(os, "fsync", killed)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, "new")
    monkeypatch.undo()
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt"]  # no temporary file
    with pytest.raises(KeyboardInterrupt), atomic_path(tmp_path / "g.png") as tmp:
        tmp.write_bytes(b"half a plot")
        raise KeyboardInterrupt
    atomic_write(path, "new")
    with atomic_path(tmp_path / "g.png") as tmp:
        assert tmp.suffix == ".png" and tmp.parent == tmp_path
        tmp.write_bytes(b"plot")
    assert path.read_text() == "new" and (tmp_path / "g.png").read_bytes() == b"plot"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.txt", "g.png"]


def test_atomic_directory_appears_complete_and_never_replaces(tmp_path):
    target = tmp_path / "d"
    with pytest.raises(RuntimeError), atomic_directory(target) as tmp:
        (tmp / "a").write_text("1")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
    target.mkdir()
    (target / "theirs").write_text("keep")
    with pytest.raises(FileExistsError), atomic_directory(target) as tmp:
        (tmp / "a").write_text("1")
    assert [p.name for p in target.iterdir()] == ["theirs"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]
    (tmp_path / "empty").mkdir()  # os.rename would replace an empty directory
    (tmp_path / "src").mkdir()
    with pytest.raises(FileExistsError):
        rename_noreplace(tmp_path / "src", tmp_path / "empty")
    write_tables({"t": pd.DataFrame({"x": [1.5]})}, tmp_path / "tables", "parquet")
    assert pd.read_parquet(tmp_path / "tables" / "t.parquet")["x"].tolist() == [1.5]


# ----------------------------------------------------------------------------- input files

def returns_within(seconds: float, function, *args, **kwargs):
    """Call ``function`` in a thread; fail if it has not returned after ``seconds``."""
    outcome: dict = {}

    def call():
        try:
            outcome["value"] = function(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{function.__name__} blocked for {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_read_regular_file_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError) as info:
        returns_within(5, read_regular_file, fifo, max_bytes=100, what="scenario file")
    assert str(info.value) == f"{fifo}: scenario file is a FIFO (named pipe), not a regular file"


def test_read_regular_file_refuses_devices_large_files_and_directories(tmp_path):
    if os.path.exists("/dev/zero"):
        with pytest.raises(InputFileError, match="/dev/zero: edge-list file is a character "
                                                 "device, not a regular file"):
            returns_within(5, read_regular_file, "/dev/zero", max_bytes=10, what="edge-list file")
    big = tmp_path / "big.txt"
    big.write_bytes(b"0 1\n" * 300)
    with pytest.raises(InputFileError, match=r"big\.txt: edge-list file is larger than 1,000 "
                                             r"bytes \(1,200 bytes\)"):
        read_regular_file(big, max_bytes=1000, what="edge-list file")
    assert read_regular_file(big, max_bytes=1200, what="edge-list file") == b"0 1\n" * 300
    with pytest.raises(InputFileError, match="scenario file is a directory"):
        read_regular_file(tmp_path, max_bytes=10, what="scenario file")
    with pytest.raises(InputFileError, match="none: scenario file not found"):
        read_regular_file(tmp_path / "none", max_bytes=10, what="scenario file")


def main_with_fifo_watchdog(argv: list[str], fifo: Path, seconds: float = 3.0) -> tuple[int, bool]:
    """``main(argv)`` in a thread; if it still runs after ``seconds`` (blocked opening the
    FIFO), a writer opens and closes the FIFO to let it go.  Returns (status, blocked)."""
    outcome: dict = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("status", main(argv)),
                              daemon=True)
    thread.start()
    thread.join(seconds)
    blocked = thread.is_alive()
    while thread.is_alive():
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        thread.join(0.1)
    return outcome.get("status"), blocked


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_as_scenario_returns_at_once_with_one_line(tmp_path, capsys):
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    status, blocked = main_with_fifo_watchdog(["validate", str(fifo)], fifo)
    assert not blocked and status == 2
    assert "is a FIFO (named pipe), not a regular file" in one_line(capsys)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_as_edge_list_returns_at_once_with_one_line(tmp_path, capsys):
    fifo = tmp_path / "edges.txt"
    os.mkfifo(fifo)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("n_customers: 50\nnetwork: {kind: edge_list, path: edges.txt}\n")
    status, blocked = main_with_fifo_watchdog(["validate", str(scenario)], fifo)
    assert not blocked and status == 2
    assert "edges.txt: edge-list file is a FIFO (named pipe)" in one_line(capsys)
