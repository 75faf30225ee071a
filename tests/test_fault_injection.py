"""Fault injection on real ``relsim run`` processes: kill -9 at seeded moments, SIGTERM,
two runs on one DIR, Ctrl-C at start-up.  After each: no process left behind, nothing
outside DIR, its cache and its lock changed, and the final output is byte-identical to an
uninterrupted run's.

Subprocesses skip the report (``RELSIM_NO_REPORT=1``, the test hook of relsim.cli) to stay
fast; processes are found by process group in /proc (Linux)."""

from __future__ import annotations

import os
import random
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import relsim
from relsim.outputs import MARKER

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="needs Linux /proc to find processes")

SCENARIO = """\
name: faults
n_customers: 5000
steps: 30
replications: 3
variants:
  forgiving: {trust_loss: 0.05}
"""
SRC = str(Path(relsim.__file__).parents[1])
ENV = {**os.environ, "RELSIM_NO_REPORT": "1",
       "PYTHONPATH": os.pathsep.join(filter(None, [SRC, os.environ.get("PYTHONPATH")]))}


def start(work: Path, *args: str) -> subprocess.Popen:
    """``relsim run s.yaml --out out ARGS`` in ``work``, in its own process group."""
    return subprocess.Popen([sys.executable, "-m", "relsim.cli", "run", "s.yaml", "--out", "out",
                             "--quiet", *args], cwd=work, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def group(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, _, pgrp = text[text.rindex(")") + 2:].split()[:3]
        if int(pgrp) == pgid and state != "Z":
            members.append(int(entry))
    return members


def gone_within(pgid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while group(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def outside(work: Path) -> dict[str, bytes]:
    """Everything in ``work`` but DIR, its cache and its lock."""
    mine = {"out", ".out.partial", ".out.lock"}
    return {str(p.relative_to(work)): p.read_bytes() if p.is_file() else b"dir"
            for p in work.rglob("*") if p.relative_to(work).parts[0] not in mine}


def tables(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != MARKER}


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@dataclass
class Baseline:
    tables: dict[str, bytes]
    seconds: float


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Baseline:
    """An uninterrupted run with --workers 2: its tables and how long it took."""
    work = tmp_path_factory.mktemp("baseline")
    (work / "s.yaml").write_text(SCENARIO)
    began = time.monotonic()
    proc = start(work, "--workers", "2")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return Baseline(tables(work / "out"), time.monotonic() - began)


@pytest.fixture
def work(tmp_path) -> Path:
    (tmp_path / "s.yaml").write_text(SCENARIO)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("a file next to the output")
    return tmp_path


def test_kill_9_at_ten_moments_then_rerun_gives_identical_output(work, baseline):
    rng = random.Random(20261205)
    moments = [rng.uniform(0.05, 1.0) * baseline.seconds for _ in range(10)]
    before = outside(work)
    for moment in moments:
        proc = start(work, "--workers", "2", "--overwrite")
        try:
            proc.wait(timeout=moment)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=20)  # EOF: no worker keeps stdout or stderr open
        assert gone_within(proc.pid, 10), f"left behind after kill at {moment:.2f} s"
        assert outside(work) == before
        if (work / "out").exists():  # DIR is all or nothing at every moment
            assert tables(work / "out") == baseline.tables
    proc = start(work, "--workers", "2", "--overwrite")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert tables(work / "out") == baseline.tables
    assert outside(work) == before
    assert sorted(p.name for p in work.iterdir()) == ["notes", "out", "s.yaml"]


def test_sigterm_stops_the_workers_exits_130_and_the_rerun_reuses_finished_runs(work, baseline):
    proc = start(work, "--workers", "2")
    cache = work / ".out.partial" / "replications"
    assert wait_for(lambda: cache.is_dir() and any(
        (e / "manifest.json").exists() for e in cache.iterdir()), 120)
    assert len(group(proc.pid)) >= 3  # the parent and its two workers
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err and "interrupted" in err and "kept in" in err
    assert gone_within(proc.pid, 5)
    assert not (work / "out").exists()
    proc = start(work, "--workers", "2")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    reused = int(out.rsplit("(", 1)[1].split()[0])
    assert reused >= 1
    assert tables(work / "out") == baseline.tables


def ready_to_run(work: Path, *args: str) -> subprocess.Popen:
    """A process that has imported relsim.cli and runs ``relsim run ARGS`` when a line
    arrives on its stdin (so that it reaches the lock within milliseconds)."""
    code = ("import sys, relsim.cli, relsim.cli.scenarios, relsim.compare, relsim.report; "
            "relsim.cli.build_parser(); print('ready', flush=True); sys.stdin.readline(); "
            f"sys.exit(relsim.cli.main(['run', *{list(args)!r}, '--quiet']))")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=work, env=ENV, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == "ready\n"
    return proc


def test_two_runs_on_one_dir_one_succeeds_the_other_is_refused(work, baseline):
    (work / "other.yaml").write_text(SCENARIO.replace("faults", "other") + "seed: 99\n")
    seconds = [ready_to_run(work, "other.yaml", "--out", "out", *extra)
               for extra in ([], ["--overwrite"])]
    first = start(work, "--workers", "1")
    assert wait_for(lambda: (work / ".out.lock").exists()
                    and (work / ".out.lock").read_text().strip() == str(first.pid), 120)
    before = outside(work)
    for second in seconds:
        _, err = second.communicate("go\n", timeout=60)
        assert second.returncode == 2
        assert err == f"error: relsim run: --out {work / 'out'} is in use by process {first.pid}\n"
    # (the message naming the first's process is the proof that it still held DIR)
    _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert tables(work / "out") == baseline.tables  # the first run's output, whole
    assert outside(work) == before
    assert not (work / ".out.lock").exists() and not (work / ".out.partial").exists()


def test_importing_relsim_imports_neither_pandas_nor_mesa():
    """``import relsim`` (and so the console script) is light: Ctrl-C is handled at once."""
    code = "import sys, relsim.cli; print(sorted({'pandas', 'mesa'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_ctrl_c_at_start_up_prints_one_line(work):
    """Ctrl-C at moments from the imports to the end; each later run resumes what the
    earlier ones kept.  A run the signal reached only after it published DIR (exit 0, or
    the signal's own status once main() returned) is complete: DIR is removed so that the
    next run is not refused for an existing --out, which is correct but not under test."""
    for delay in (0.3, 0.6, 1.0, 1.5):
        proc = start(work)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err and len(err.splitlines()) <= 1, (delay, err)
        assert proc.returncode in (130, 0, -signal.SIGINT), (delay, proc.returncode, err)
        assert gone_within(proc.pid, 5)
        if proc.returncode == 0:
            assert (work / "out" / MARKER).is_file(), delay
        if proc.returncode != 130 and (work / "out").exists():  # finished: DIR published
            shutil.rmtree(work / "out")


@pytest.mark.parametrize("platform", ["linux", "other"])
def test_a_worker_ends_when_its_parent_is_killed(platform):
    """relsim.pool.worker_initializer: Linux PR_SET_PDEATHSIG, elsewhere (the platform
    faked) the thread that watches the parent's process id."""
    worker = ("import os, sys, time; from relsim.pool import worker_initializer; "
              f"sys.platform = {platform!r}; "
              "worker_initializer(os.getppid()); print('ready', flush=True); time.sleep(120)")
    parent = ("import subprocess, sys; child = subprocess.Popen([sys.executable, '-c', "
              f"{worker!r}]); print(child.pid, flush=True); child.wait()")
    proc = subprocess.Popen([sys.executable, "-c", parent], env=ENV, stdout=subprocess.PIPE,
                            text=True, start_new_session=True)
    assert proc.stdout.readline().strip().isdigit()  # the worker started (its pid)
    assert proc.stdout.readline() == "ready\n"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    try:
        readable, _, _ = select.select([proc.stdout], [], [], 10)
        assert readable, "the worker still holds the pipe 10 s after its parent died"
        assert proc.stdout.read() == ""  # EOF
        assert gone_within(proc.pid, 5)
    finally:
        for pid in group(proc.pid):
            os.kill(pid, signal.SIGKILL)
