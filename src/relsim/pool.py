"""Local worker processes for the runners (comparisons and sweeps).

A pool's processes are spawned with Ctrl-C ignored (the parent handles it and stops
them, :func:`stop_pool`), end on SIGTERM, and exit when the parent dies, even by
kill -9 (Linux ``PR_SET_PDEATHSIG``; elsewhere a thread that watches the parent's
process id), so ``relsim run ... | tee`` never hangs on orphaned workers.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1
"""Linux prctl option: the signal a process gets when its parent dies."""


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` dies: Linux delivers SIGKILL (prctl PR_SET_PDEATHSIG);
    elsewhere a daemon thread checks every half second whether the parent changed."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0:
                if os.getppid() != parent:  # it died before the call
                    os._exit(1)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="relsim-parent-watch", daemon=True).start()


def worker_initializer(parent: int) -> None:
    """Initializer of worker processes: Ctrl-C is handled by the parent, which stops the
    workers; SIGTERM ends them; they end when the parent ``parent`` dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` fresh (spawned) processes set up by :func:`worker_initializer`;
    end it with :func:`stop_pool` on interruption."""
    return ProcessPoolExecutor(max_workers=workers, initializer=worker_initializer,
                               initargs=(os.getpid(),),
                               mp_context=multiprocessing.get_context("spawn"))


@contextmanager
def sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while worker processes are started: they inherit an ignored SIGINT and
    so never print a KeyboardInterrupt traceback, even while they boot (the initializer runs
    only after that).  The window is the few milliseconds that starting processes takes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def stop_pool(executor: ProcessPoolExecutor, timeout: float = 5.0) -> None:
    """Cancel what has not started and end the worker processes now (a run can take long):
    SIGTERM, then SIGKILL for any still there after ``timeout`` seconds.

    A worker killed while it sends a result leaves half a message in the result pipe, and
    the pool's manager thread would wait for the rest forever (and the interpreter with it,
    at exit).  So the parent's copy of the pipe's writing end is closed too: once the
    workers are gone, the manager thread reads the end of the pipe and winds the pool up."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    results = getattr(executor, "_result_queue", None)  # shutdown() forgets both
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.exitcode is None:
            process.kill()
    writer = getattr(results, "_writer", None)
    if writer is not None:
        writer.close()
