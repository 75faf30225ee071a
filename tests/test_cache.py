"""Tests of the verified run cache (relsim.outputs.TableCache) as ``relsim run`` uses it:
private to the user, entries verified against their manifest, forged, damaged or foreign
entries discarded and run again, never a traceback."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import stat
import sys
from pathlib import Path

import pandas as pd
import pytest
from files_helpers import make_work, one_line, run, tables_of

from relsim.outputs import TableCache
from relsim.outputs import cache as cache_module
from relsim.runs import TABLES


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    monkeypatch.setitem(sys.modules, "relsim.report", None)


@pytest.fixture
def work(tmp_path, monkeypatch) -> Path:
    return make_work(tmp_path, monkeypatch)


@pytest.fixture
def interrupted(work, monkeypatch, capsys) -> Path:
    """``relsim run s.yaml --out out`` interrupted after its first run: the cache holds
    replication 0; returns the cache directory."""
    module = importlib.import_module("relsim.runs")
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
