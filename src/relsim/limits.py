"""Resource limits: a run's memory estimated from its configuration, before anything is
allocated, against the memory the machine has; worker counts against its CPUs.

:func:`estimate_memory` is the peak resident memory of one run (``relsim.runs.run_one`` in
a worker process, the tables it returns pickled for the parent, Python and the
libraries included), as a linear function of the configuration::

    IMPORTS + customers x (PER_CUSTOMER + firms x PER_CUSTOMER_FIRM
                           + policies x PER_CUSTOMER_POLICY)
            + network edges x PER_EDGE + transactions x PER_TRANSACTION
            + traced customer-steps x PER_TRACE_ROW

Reading an edge-list file peaks before the run does, so its term
``edge-list bytes x PER_EDGE_LIST_BYTE`` replaces the run's terms when it is larger.
The constants were fitted to the peak RSS measured by ``benchmarks/bench_memory.py``
(which prints the measurements beside the estimates) and rounded up, so that the
estimate is on the safe side and within about 30 % for runs of 50,000 customers or
more.  The counts come from the configuration:

* network edges: none for the complete graph (it is implicit), ``customers x (mean_degree
  + 1) / 2`` for the random kinds, and for an edge list its size in bytes over the
  shortest line two node ids of that many digits can take;
* transactions: ``customers x sum over weeks of A(t) x p``, where ``A(t)`` is the share
  of customers in a relationship by the mean-field Bass recursion ``A(t+1) = A(t) +
  (1 - A(t)) (p_Bass + q_Bass A(t)) / 52`` from ``A(0) = adoption.initial_customer_share``
  (an upper bound: churn and the network only lower it) and ``p`` the largest of the
  segments' weekly ``purchase_prob`` (the awareness stage's; explorers buy less, loyal
  customers more); none without ``record.transactions``;
* policies: their number over all firms.

:func:`check_memory` compares what a comparison needs -- ``workers`` runs at once, plus
the parent process holding every run's tables twice (the runs, then the tables
concatenated for writing) -- with the memory available (Linux ``MemAvailable``, else
free physical memory) or a budget given by the user (``--max-memory``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from typing import Any

from relsim.inputs import InputError

MiB = 1 << 20

IMPORTS = 200 * MiB
"""Python, numpy, pandas, scipy, networkx, Mesa and relsim imported (measured 165 MB)."""
PER_CUSTOMER = 760
"""Bytes per customer: state columns, the week's draws, rule temporaries, output tables
(fitted: 682)."""
PER_CUSTOMER_FIRM = 48
"""Bytes per customer and firm: attitudes, awareness, utilities, word-of-mouth sums
(fitted: 41)."""
PER_CUSTOMER_POLICY = 12
"""Bytes per customer and policy (over all firms): the policies' draws and columns."""
PER_EDGE = 24
"""Bytes per undirected network edge: the CSR adjacency (both directions) and its
construction and use (fitted: 18)."""
PER_TRANSACTION = 100
"""Bytes per row of the transaction log: the log, its table, its pickled copy (fitted:
92)."""
PER_TRACE_ROW = 4200
"""Bytes per traced customer-step (a row of Python objects, then of the trace table;
fitted: 3,840)."""
PER_EDGE_LIST_BYTE = 10
"""Bytes per byte of an edge-list file while it is read: the text and its parsed columns
(measured: 8.9)."""
TABLE_CUSTOMER = 100
"""Bytes per customer in a run's tables as the parent holds them (customers, relationships)."""
TABLE_TRANSACTION = 45
"""Bytes per transaction row in a run's tables as the parent holds them."""
MAX_EDGE_LIST_BYTES = 1 << 30
"""Largest edge-list file relsim reads (1 GiB: about 80 million edges)."""
WEEKS_PER_YEAR = 52


class MemoryLimitError(InputError):
    """A run that does not fit the memory; the message is one line."""


# --------------------------------------------------------------------------- the estimate

def network_edges(config: Any) -> int:
    """Upper bound of the number of undirected edges the configuration's network has."""
    net, n = config.network, config.n_customers
    if net.kind == "complete":
        return 0
    if net.kind == "edge_list":
        try:
            size = os.stat(net.path).st_size
        except (OSError, TypeError):
            return 0
        digits = len(str(max(n - 1, 0)))
        return size // (2 * digits + 2)  # "i j\n" with the shortest ids of that size
    return math.ceil(n * (net.mean_degree + 1) / 2)


def active_share_weeks(config: Any) -> float:
    """Sum over the weeks of the share of customers in a relationship, by the mean-field
    Bass recursion (an upper bound: churn and the network only slow adoption)."""
    adoption, share = config.adoption, config.adoption.initial_customer_share
    if not adoption.enabled:
        return share * config.steps
    p, q, total = adoption.p_per_year, adoption.q_per_year, 0.0
    for week in range(config.steps):
        share += (1.0 - share) * min(1.0, (p + q * share) / WEEKS_PER_YEAR)
        total += share
        if share > 1.0 - 1e-9:  # everyone adopted: the remaining weeks are full
            return total + (config.steps - week - 1)
    return total


def transaction_rows(config: Any) -> int:
    """Estimated rows of one run's transaction log (0 when it is not recorded)."""
    if not config.record.transactions:
        return 0
    buy = max(s.purchase_prob for s in config.segments)
    return math.ceil(config.n_customers * active_share_weeks(config) * buy)


def estimate_memory(config: Any) -> int:
    """Peak memory in bytes of one run of ``config`` (a ModelConfig) in its own process."""
    n, firms = config.n_customers, len(config.firms)
    policies = sum(len(f.policies) for f in config.firms)
    edge_list = 0
    if config.network.kind == "edge_list":
        try:
            edge_list = os.stat(config.network.path).st_size
        except (OSError, TypeError):
            edge_list = 0
    run = (n * (PER_CUSTOMER + firms * PER_CUSTOMER_FIRM + policies * PER_CUSTOMER_POLICY)
           + network_edges(config) * PER_EDGE + transaction_rows(config) * PER_TRANSACTION
           + len(config.record.trace) * config.steps * PER_TRACE_ROW)
    return int(IMPORTS + max(run, edge_list * PER_EDGE_LIST_BYTE))


def edge_list_max_bytes() -> int:
    """Largest edge-list file to read now: :data:`MAX_EDGE_LIST_BYTES`, or less if reading it
    (:data:`PER_EDGE_LIST_BYTE` per byte) would not fit the memory available."""
    available = available_memory()
    if available is None:
        return MAX_EDGE_LIST_BYTES
    return max(1 << 20, min(MAX_EDGE_LIST_BYTES, available // PER_EDGE_LIST_BYTE))


def estimate_tables(config: Any) -> int:
    """Bytes of one run's tables as the parent process holds them."""
    return int(config.n_customers * TABLE_CUSTOMER + transaction_rows(config) * TABLE_TRANSACTION
               + len(config.record.trace) * config.steps * PER_TRACE_ROW
               + config.steps * len(config.firms) * 2000)


# --------------------------------------------------------------------------- the machine

def available_memory() -> int | None:
    """Memory available to new work in bytes: Linux ``MemAvailable`` (free plus reclaimable
    caches), else free physical pages; None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def cpu_count() -> int:
    """CPUs this process may run on."""
    if hasattr(os, "process_cpu_count"):
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``; else what the platform says), for reports of
    cost and for benchmarks."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine() or "unknown"


def cap_workers(workers: int) -> tuple[int, str | None]:
    """``(workers, None)`` if the CPUs suffice, else ``(CPUs, warning)``: more processes
    than CPUs only add memory (each holds a run) and switching, never speed, and the
    tables do not depend on the number of workers."""
    cpus = cpu_count()
    if workers <= cpus:
        return workers, None
    return cpus, (f"warning: --workers {workers} is more than the {cpus} CPU"
                  f"{'s' * (cpus > 1)} available; using {cpus}")


def format_size(size: float) -> str:
    """Bytes as ``12.3 GB`` (powers of 1024, one decimal)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError  # pragma: no cover


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``"40G"``, ``"512M"``, ``"1.5T"``, ``"2GB"`` or bytes as an integer (powers of 1024);
    ValueError otherwise."""
    match = _SIZE.fullmatch(text)
    if not match or float(match[1]) <= 0:
        raise ValueError(f"expected a size such as 512M, 40G or 1.5T, got {text!r}")
    return int(float(match[1]) * 1024 ** " KMGT".index((match[2] or " ").upper()))


def _fields(config: Any) -> str:
    net = config.network
    network = (f"network.kind {net.kind}" if net.kind in ("complete", "edge_list")
               else f"network.kind {net.kind} with mean_degree {net.mean_degree:g}")
    trace = f", {len(config.record.trace)} traced customers" if config.record.trace else ""
    return (f"n_customers {config.n_customers:,}, {len(config.firms)} firms, {network}, "
            f"steps {config.steps:,}, record.transactions "
            f"{'on' if config.record.transactions else 'off'}{trace}")


def check_memory(configs: Any, workers: int = 1, *, runs: int = 1,
                 budget: int | None = None, command: str = "relsim run") -> int:
    """The memory in bytes a comparison of ``runs`` runs of ``configs`` (a ModelConfig, or a
    sequence of them: the variants, the largest counts) needs on ``workers`` processes;
    MemoryLimitError (one line naming the fields, the estimate and the memory available)
    if that exceeds ``budget`` (default: :func:`available_memory`; no check if unknown)."""
    configs = list(configs) if isinstance(configs, Sequence) else [configs]
    config = max(configs, key=estimate_memory)
    one_run, tables = estimate_memory(config), max(estimate_tables(c) for c in configs)
    at_once = max(1, min(workers, runs))
    parent = (IMPORTS if at_once > 1 else 0) + 2 * runs * tables
    need = at_once * one_run + parent
    limit = available_memory() if budget is None else budget
    if limit is not None and need > limit:
        how = "available" if budget is None else "allowed by --max-memory"
        on = (f"{at_once} runs at once ({format_size(one_run)} each)" if at_once > 1
              else f"{format_size(one_run)} for a run")
        raise MemoryLimitError(
            f"{command}: needs about {format_size(need)} of memory ({on}, the tables of "
            f"{runs:,} run{'s' * (runs > 1)} {format_size(2 * runs * tables)}) but "
            f"{format_size(limit)} is {how}: {_fields(config)}; use fewer customers, "
            "replications or --workers, or --max-memory SIZE to try anyway")
    return need
