"""Where runs go and how they are run: local worker processes or a Dask cluster
(:func:`executor_for`), and the one loop that runs tasks there and hands each result over as
it finishes (:func:`run_tasks`), for every runner (comparisons, sweeps, calibrations).

A pool's processes are spawned with Ctrl-C ignored (the parent handles it and stops
them, :func:`stop_pool`), end on SIGTERM, and exit when the parent dies, even by
kill -9 (Linux ``PR_SET_PDEATHSIG``; elsewhere a thread that watches the parent's
process id), so ``relsim run ... | tee`` never hangs on orphaned workers.
"""

from __future__ import annotations

import ctypes
import importlib.util
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack, contextmanager

from relsim.inputs import InputError

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


# --------------------------------------------------------------------------- executors

CONNECT_TIMEOUT = 5.0
"""Seconds to wait for a Dask scheduler before giving up."""
DASK_EXTRA = "pip install 'relsim[experiments]'"


class SchedulerError(InputError):
    """A Dask scheduler that cannot be used (not installed, unreachable); one line."""


NO_MALLOC_TRIM = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
"""Dask configuration that leaves glibc's malloc trim threshold alone in the workers a
:func:`local_cluster` spawns.  Dask's default (65536) also fixes glibc's mmap threshold, so
every large temporary array is mapped and unmapped again: measured, a 20,000-customer run
took 27% longer with it."""


def local_cluster(workers: int):
    """A ``distributed.LocalCluster`` of ``workers`` single-threaded worker processes, with
    :data:`NO_MALLOC_TRIM`.  Starting it leaves this process's environment as it was: Dask's
    nannies write their workers' variables (``OMP_NUM_THREADS``, ...) into it, and a local
    pool started later in this process would inherit them."""
    import dask
    from distributed import LocalCluster

    before = dict(os.environ)
    try:
        with dask.config.set(NO_MALLOC_TRIM):
            return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                dashboard_address=None, silence_logs=logging.ERROR)
    finally:
        for name in set(os.environ) - set(before):
            del os.environ[name]
        os.environ.update(before)


def dask_client(scheduler: str, workers: int, stack: ExitStack):
    """A Dask client: of a ``LocalCluster`` of ``workers`` processes (``scheduler="local"``)
    or connected to the scheduler at ``scheduler``; closed when ``stack`` closes.  An
    unreachable scheduler is a :class:`SchedulerError`."""
    if importlib.util.find_spec("distributed") is None:
        raise SchedulerError(f"--scheduler needs the distributed package: {DASK_EXTRA}")
    from distributed import Client

    if scheduler == "local":
        return stack.enter_context(Client(stack.enter_context(local_cluster(workers))))
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise SchedulerError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there "
                             f"within {CONNECT_TIMEOUT:g} s ({reason})") from None
    return stack.enter_context(client)


@contextmanager
def executor_for(workers: int, scheduler: str | None = None,
                 executor: Executor | None = None) -> Iterator[tuple[Executor | None, int]]:
    """The executor runs go to and its number of workers: ``executor`` if given (left
    running), a Dask cluster (``scheduler``: an address, or ``"local"`` for a LocalCluster of
    ``workers`` processes), a local pool of ``workers`` processes booted with Ctrl-C ignored
    and stopped at once on an exception, or None (run in this process) for one worker."""
    with ExitStack() as stack:
        if executor is not None:
            yield executor, workers
        elif scheduler is not None:
            client = dask_client(scheduler, workers, stack)
            count = sum(client.nthreads().values()) or workers
            yield client.get_executor(pure=False), count
        elif workers > 1:
            pool = process_pool(workers)
            with sigint_ignored():  # the workers boot with Ctrl-C ignored (the parent's)
                for started in [pool.submit(int) for _ in range(workers)]:
                    started.result()
            try:
                yield pool, workers
            except BaseException:
                stop_pool(pool)
                raise
            pool.shutdown(wait=True)
        else:
            yield None, 1


# --------------------------------------------------------------------------- the runner

def run_tasks(pool: Executor | None, function: Callable, tasks: Iterable[tuple[object, tuple]],
              finished: Callable[[object, object], None], *, in_flight: int) -> None:
    """Run ``function(*args)`` for each ``(key, args)`` of ``tasks`` and call
    ``finished(key, result)`` as each result arrives: in this process, one after another,
    when ``pool`` is None; else on ``pool`` (from :func:`executor_for`), at most
    ``in_flight`` submitted at a time (``tasks`` is read lazily), in the order they finish.

    The one loop of ``relsim run``, ``relsim sweep`` and ``relsim calibrate``: callers keep
    their results by key, so what they produce does not depend on the order.  On any
    exception (Ctrl-C included) the tasks not started are cancelled, those that finished
    meanwhile are still handed over (so that they are kept: cached or written), and the
    exception propagates (an own pool is then stopped by :func:`executor_for`)."""
    if in_flight < 1:
        raise ValueError(f"in_flight must be at least 1, got {in_flight}")
    if pool is None:
        for key, args in tasks:
            finished(key, function(*args))
        return
    running: dict[Future, object] = {}
    try:
        for key, args in tasks:
            running[pool.submit(function, *args)] = key
            while len(running) >= in_flight:
                _hand_over(running, finished)
        while running:
            _hand_over(running, finished)
    except BaseException:
        for future in running:
            future.cancel()
        try:  # keep what finished meanwhile
            for future, key in running.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    finished(key, future.result())
        except Exception:  # noqa: BLE001  (e.g. the disk that failed the first: that one is raised)
            pass
        raise


def _hand_over(running: dict[Future, object], finished) -> None:
    """Wait for at least one running task; hand every finished one to ``finished``."""
    done, _ = wait(list(running), return_when=FIRST_COMPLETED)
    for future in done:
        finished(running.pop(future), future.result())
