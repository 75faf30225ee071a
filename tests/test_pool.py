"""relsim.pool.run_tasks, the one loop of relsim run, relsim sweep and relsim calibrate:
every result handed over once, at most ``in_flight`` tasks submitted, and on an error or
Ctrl-C the finished results kept and the tasks not started never run."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from relsim.pool import run_tasks


class Recorder:
    """A task function that records what ran and how many ran at once."""

    def __init__(self, fail_on: int | None = None, seconds: float = 0.01):
        self.lock = threading.Lock()
        self.started: list[int] = []
        self.active = self.most = 0
        self.fail_on, self.seconds = fail_on, seconds

    def __call__(self, n: int) -> int:
        with self.lock:
            self.started.append(n)
            self.active += 1
            self.most = max(self.most, self.active)
        time.sleep(self.seconds)
        with self.lock:
            self.active -= 1
        if n == self.fail_on:
            raise RuntimeError(f"task {n} failed")
        return n * n


def test_in_this_process_every_result_is_handed_over_in_order():
    got = []
    run_tasks(None, lambda n: n * n, ((f"k{n}", (n,)) for n in range(5)),
              lambda key, value: got.append((key, value)), in_flight=1)
    assert got == [(f"k{n}", n * n) for n in range(5)]


def test_on_a_pool_each_result_is_handed_over_once_with_at_most_in_flight_submitted():
    task, got = Recorder(), {}
    submitted = []

    def tasks():
        for n in range(20):
            submitted.append(n)
            # a task is read only when fewer than in_flight are waiting to be handed over
            assert len(submitted) - len(got) <= 3
            yield n, (n,)

    with ThreadPoolExecutor(4) as pool:
        run_tasks(pool, task, tasks(), lambda key, value: got.setdefault(key, value),
                  in_flight=3)
    assert got == {n: n * n for n in range(20)} and sorted(task.started) == list(range(20))
    assert task.most <= 3


def test_a_failed_task_stops_the_rest_and_the_finished_results_are_kept():
    task, got = Recorder(fail_on=3, seconds=0.05), {}
    with ThreadPoolExecutor(2) as pool, pytest.raises(RuntimeError, match="task 3 failed"):
        run_tasks(pool, task, ((n, (n,)) for n in range(40)),
                  lambda key, value: got.setdefault(key, value), in_flight=4)
    assert {0, 1} <= set(got) and 3 not in got  # (2 ran beside 3: kept if done by then)
    assert all(value == key * key for key, value in got.items())
    assert len(task.started) < 12  # the rest were never submitted or were cancelled


def test_ctrl_c_while_handing_over_keeps_the_results_that_finished_meanwhile():
    task, got = Recorder(seconds=0.02), {}

    def finished(key, value):
        if key == 2:
            time.sleep(0.5)  # every task started by now finishes meanwhile
            raise KeyboardInterrupt
        got[key] = value

    with ThreadPoolExecutor(3) as pool, pytest.raises(KeyboardInterrupt):
        run_tasks(pool, task, ((n, (n,)) for n in range(30)), finished, in_flight=4)
    assert {0, 1} <= set(got) and 2 not in got
    # what started before the interrupt finished and was kept; what did not start never runs
    assert set(got) == set(task.started) - {2} and len(task.started) < 10
    assert all(value == key * key for key, value in got.items())


def test_in_flight_must_be_positive():
    with pytest.raises(ValueError, match="in_flight"):
        run_tasks(None, int, [], print, in_flight=0)


def _trim_threshold():
    import os

    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def test_local_cluster_leaves_malloc_alone_and_this_process_environment_unchanged(monkeypatch):
    """Dask's nanny default MALLOC_TRIM_THRESHOLD_=65536 made 20,000-customer runs 27% slower,
    and its nannies wrote their workers' variables into the starting process, where a local
    pool started later inherited them."""
    import os

    pytest.importorskip("distributed")
    from distributed import Client

    from relsim.pool import local_cluster

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    before = dict(os.environ)
    with local_cluster(1) as cluster, Client(cluster) as client:
        assert dict(os.environ) == before
        assert list(client.run(_trim_threshold).values()) == [None]
