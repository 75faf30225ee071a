"""Helpers of the tests of relsim's files (test_outputs.py, test_cache.py)."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from relsim.cli import main
from relsim.outputs import MARKER

SMALL = "name: small\nn_customers: 200\nreplications: 2\nsteps: 3\n"


def make_work(tmp_path: Path, monkeypatch) -> Path:
    """A working directory holding the scenario ``s.yaml``, made the current directory."""
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
    """``relsim run ARGS --quiet`` in this process; the exit status."""
    return main(["run", *args, "--quiet"])


def one_line(capsys) -> str:
    """stderr, asserted to be one line without a traceback."""
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def tables_of(out: Path) -> dict[str, bytes]:
    """The bytes of every file in ``out`` but the marker (which holds the time)."""
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != MARKER}
