"""Tests for relsim.outputs and its use by ``relsim run``: what --out and --overwrite refuse
(every refusal one line, exit 2, nothing changed), what they replace, the lock, the
verified cache, atomic writes and regular-file reads."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import stat
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from relsim.cli import main
from relsim.outputs import (
    MARKER,
    InputFileError,
    OutputError,
    TableCache,
    atomic_directory,
    atomic_path,
    atomic_write,
    claim_output,
    read_regular_file,
    rename_noreplace,
    write_tables,
)
from relsim.outputs import cache as cache_module
from relsim.run import TABLES

SMALL = "name: small\nn_customers: 200\nreplications: 2\nsteps: 3\n"


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    monkeypatch.setitem(sys.modules, "relsim.report", None)


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    """A working directory holding the scenario ``s.yaml``; the current directory."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "s.yaml").write_text(SMALL)
    monkeypatch.chdir(work)
    return work


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (hidden ones included) with its type, mode and content
    hash: equal snapshots mean nothing was created, changed or deleted."""
    entries = {}
    for here, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(here) / name
            info = os.lstat(path)
            rel = path.relative_to(root).as_posix()
            if stat.S_ISLNK(info.st_mode):
                entries[rel] = "link:" + os.readlink(path)
            elif stat.S_ISDIR(info.st_mode):
                entries[rel] = f"dir:{stat.S_IMODE(info.st_mode):o}"
            else:
                entries[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return entries


def run(*args: str) -> int:
    return main(["run", *args, "--quiet"])


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def tables_of(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != MARKER}


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


# ----------------------------------------------------------------------------- the cache

@pytest.fixture
def interrupted(work, monkeypatch, capsys) -> Path:
    """``relsim run s.yaml --out out`` interrupted after its first run: the cache holds
    replication 0; returns the cache directory."""
    module = importlib.import_module("relsim.run")
    real, calls = module.run_one, []

    def run_one(config, seed, replication=0):
        calls.append(replication)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(config, seed, replication)

    monkeypatch.setattr(module, "run_one", run_one)
    assert run("s.yaml", "--out", "out") == 130
    monkeypatch.setattr(module, "run_one", real)
    capsys.readouterr()
    return work / ".out.partial" / "replications"


def test_cache_directory_is_private_to_the_user(interrupted):
    assert stat.S_IMODE(interrupted.stat().st_mode) == 0o700
    assert stat.S_IMODE(interrupted.parent.stat().st_mode) == 0o700
    entry, = interrupted.iterdir()
    manifest = json.loads((entry / "manifest.json").read_text())
    assert manifest["name"] == entry.name
    assert sorted(manifest["files"]) == sorted(f"{t}.parquet" for t in TABLES)
    for file, meta in manifest["files"].items():
        data = (entry / file).read_bytes()
        assert meta == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def forge(entry: Path, target: Path | None = None, manifest: str = "drop") -> None:
    """Copy ``entry`` to ``target`` (default: in place) with firms' numbers forged, valid
    Parquet; the manifest is dropped, kept as it was (now wrong), or recomputed."""
    target = target or entry
    target.mkdir(exist_ok=True)
    for table in TABLES:
        frame = pd.read_parquet(entry / f"{table}.parquet")
        if table == "firms":
            frame["customers"] = 10**6
            frame["market_share"] = 0.99
        frame.to_parquet(target / f"{table}.parquet", index=False)
    if manifest == "drop":
        (target / "manifest.json").unlink(missing_ok=True)
    elif manifest == "copy":
        (target / "manifest.json").write_bytes((entry / "manifest.json").read_bytes())


@pytest.mark.parametrize("manifest", ["drop", "copy"])
def test_a_planted_entry_with_forged_numbers_is_not_reused(interrupted, work, manifest, capsys):
    entry, = interrupted.iterdir()
    forge(entry, interrupted / entry.name.replace("rep-0000", "rep-0001"), manifest)
    forge(entry, manifest=manifest)
    assert run("s.yaml", "--out", "out") == 0
    captured = capsys.readouterr()
    assert "(0 runs reused)" in captured.out
    assert "warning: 2 cached runs in" in captured.err and "did not verify" in captured.err
    assert run("s.yaml", "--out", "fresh") == 0
    assert tables_of(work / "out") == tables_of(work / "fresh")
    assert pd.read_csv(work / "out" / "firms.csv")["customers"].max() < 200


@pytest.mark.parametrize("damage", ["truncated", "emptied", "empty_dir", "extra_file",
                                    "manifest_garbage", "a_file"])
def test_damaged_cache_entries_are_run_again(interrupted, work, damage, capsys):
    entry, = interrupted.iterdir()
    firms = entry / "firms.parquet"
    if damage == "truncated":
        firms.write_bytes(firms.read_bytes()[: firms.stat().st_size // 2])
    elif damage == "emptied":
        firms.write_bytes(b"")
    elif damage == "empty_dir":
        for file in entry.iterdir():
            file.unlink()
    elif damage == "extra_file":
        (entry / "extra.parquet").write_bytes(firms.read_bytes())
    elif damage == "manifest_garbage":
        (entry / "manifest.json").write_bytes(b"\x00\xff{")
    else:
        for file in entry.iterdir():
            file.unlink()
        entry.rmdir()
        entry.write_text("a file where an entry should be")
    assert run("s.yaml", "--out", "out") == 0
    captured = capsys.readouterr()
    assert "(0 runs reused)" in captured.out and "Traceback" not in captured.err
    assert run("s.yaml", "--out", "fresh") == 0
    assert tables_of(work / "out") == tables_of(work / "fresh")


def test_a_verified_entry_is_reused(interrupted, work, capsys):
    assert run("s.yaml", "--out", "out") == 0
    captured = capsys.readouterr()
    assert "(1 run reused)" in captured.out and captured.err == ""


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a file to another user needs root")
def test_entries_and_caches_of_another_user_are_not_trusted(interrupted, work, capsys):
    entry, = interrupted.iterdir()
    forge(entry, manifest="drop")
    cache = TableCache(interrupted)
    tables = {t: pd.read_parquet(entry / f"{t}.parquet") for t in TABLES}
    cache.discard(entry.name)
    assert cache.put(entry.name, tables)  # a manifest that matches the forged numbers
    for path in [entry, *entry.iterdir()]:
        os.chown(path, 4242, 4242)
    assert TableCache(interrupted).get(entry.name) is None  # not the user's: not trusted
    os.chown(work / ".out.partial", 4242, 4242)
    assert run("s.yaml", "--out", "out") == 2
    assert "belongs to another user (uid 4242)" in one_line(capsys)


def test_table_cache_round_trip_and_manifest_written_last(tmp_path, monkeypatch):
    cache = TableCache(tmp_path / "c")
    frames = {"a": pd.DataFrame({"x": [1, 2], "y": ["p", "q"]}),
              "b": pd.DataFrame({"z": pd.Categorical(["u", "v"])})}
    assert cache.get("k") is None
    assert cache.put("k", frames)
    got = cache.get("k")
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(got[name], frame)
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o700
    real = cache_module._write_private

    def no_manifest(path, data):
        if path.name == "manifest.json":
            raise KeyboardInterrupt  # killed before the manifest
        real(path, data)

    monkeypatch.setattr(cache_module, "_write_private", no_manifest)
    with pytest.raises(KeyboardInterrupt):
        cache.put("half", frames)
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["k"]
    with pytest.raises(ValueError, match="cache entry names"):
        cache.get("../escape")


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
    with pytest.raises(IsADirectoryError):
        read_regular_file(tmp_path, max_bytes=10, what="scenario file")
    with pytest.raises(FileNotFoundError):
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


WIRING = ("the lead wires relsim.outputs.read_regular_file into relsim.scenario.read_yaml and "
          "relsim.network._read_text (files this branch may not edit)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
@pytest.mark.xfail(strict=True, reason=WIRING)
def test_a_fifo_as_scenario_returns_at_once_with_one_line(tmp_path, capsys):
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    status, blocked = main_with_fifo_watchdog(["validate", str(fifo)], fifo)
    assert not blocked and status == 2
    assert "is a FIFO (named pipe), not a regular file" in one_line(capsys)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
@pytest.mark.xfail(strict=True, reason=WIRING)
def test_a_fifo_as_edge_list_returns_at_once_with_one_line(tmp_path, capsys):
    fifo = tmp_path / "edges.txt"
    os.mkfifo(fifo)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("n_customers: 50\nnetwork: {kind: edge_list, path: edges.txt}\n")
    status, blocked = main_with_fifo_watchdog(["validate", str(scenario)], fifo)
    assert not blocked and status == 2
    assert "edges.txt: edge-list file is a FIFO (named pipe)" in one_line(capsys)
