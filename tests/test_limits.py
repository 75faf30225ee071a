"""Tests for relsim.limits: runs that do not fit the memory are refused before anything is
allocated (one line naming the fields, the estimate and the memory available), the
override lets them through, the estimate is on the safe side, workers are capped."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import relsim
from relsim import limits
from relsim.cli import main
from relsim.config import ModelConfig
from relsim.overrides import apply_overrides

GiB = 1 << 30


@pytest.fixture(autouse=True)
def no_report(monkeypatch):
    monkeypatch.setitem(sys.modules, "relsim.report", None)


@pytest.fixture
def sixteen_gb(monkeypatch):
    """A machine with 16 GiB available, whatever this one has."""
    monkeypatch.setattr(limits, "available_memory", lambda: 16 * GiB)


def config(**overrides) -> ModelConfig:
    return apply_overrides(ModelConfig(), overrides)


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


HUGE = {
    "50M customers": ("n_customers: 50000000\n", "n_customers 50,000,000"),
    "mean degree 1000": ("n_customers: 3000000\nnetwork: {kind: erdos_renyi, mean_degree: 1000}\n",
                         "network.kind erdos_renyi with mean_degree 1000"),
}


@pytest.mark.parametrize("name", list(HUGE))
def test_runs_that_do_not_fit_the_memory_are_refused_by_validate_and_run(
        name, tmp_path, sixteen_gb, capsys):
    text, fields = HUGE[name]
    scenario = tmp_path / "huge.yaml"
    scenario.write_text(text)
    assert main(["validate", str(scenario)]) == 2
    err = one_line(capsys)
    assert err.startswith("error: relsim validate: needs about ") and fields in err
    assert "but 16.0 GB is available" in err and "--max-memory SIZE" in err
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 2
    err = one_line(capsys)
    assert err.startswith("error: relsim run: needs about ") and fields in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["huge.yaml"]  # nothing written
    # the override lets them through (validate only: run would allocate them)
    assert main(["validate", str(scenario), "--max-memory", "100T"]) == 0
    assert ": ok (" in capsys.readouterr().out


def test_the_override_is_a_budget_both_ways(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("n_customers: 200000\nreplications: 3\n")
    assert main(["validate", str(scenario), "--max-memory", "64M"]) == 2
    err = one_line(capsys)
    assert "but 64.0 MB is allowed by --max-memory" in err and "n_customers 200,000" in err
    assert main(["validate", str(scenario), "--max-memory", "64G"]) == 0
    for bad in ("lots", "-1G", "0"):
        assert main(["validate", str(scenario), f"--max-memory={bad}"]) == 2
        assert "argument --max-memory: expected a size such as 512M" in one_line(capsys)


def test_the_check_counts_workers_and_the_tables_of_every_run():
    big = config(n_customers=1_000_000)
    one = limits.check_memory(big, 1, budget=1 << 60)
    assert one == limits.estimate_memory(big) + 2 * limits.estimate_tables(big)
    four = limits.check_memory(big, 4, runs=4, budget=1 << 60)
    assert four > 3.5 * limits.estimate_memory(big)
    assert limits.check_memory(big, 4, runs=1, budget=1 << 60) < four  # one run: one worker
    many = limits.check_memory(big, 1, runs=100, budget=1 << 60)
    assert many - one == 2 * 99 * limits.estimate_tables(big)
    with pytest.raises(limits.MemoryLimitError, match=r"4 runs at once"):
        limits.check_memory(big, 4, runs=8, budget=four)
    assert limits.check_memory([config(n_customers=100), big], budget=1 << 60) == one


def test_the_estimate_follows_the_configuration():
    base = limits.estimate_memory(config(n_customers=1_000_000))
    assert limits.estimate_memory(config(n_customers=2_000_000)) > 1.8 * base - limits.IMPORTS
    assert limits.estimate_memory(config(n_customers=1_000_000, network__kind="complete")) < base
    assert limits.estimate_memory(config(n_customers=1_000_000, network__mean_degree=100)) \
        >= base + 1_000_000 * 45 * limits.PER_EDGE
    assert limits.estimate_memory(config(n_customers=1_000_000, transactions=False)) < base
    assert limits.estimate_memory(config(n_customers=1_000_000, steps=520)) > 5 * base // 2
    assert limits.estimate_memory(config(n_customers=1_000_000, firms=[
        {"name": f"F{i}"} for i in range(20)])) >= base + 17 * 1_000_000 * limits.PER_CUSTOMER_FIRM
    # 50 million customers need tens of GB on any machine
    assert limits.estimate_memory(config(n_customers=50_000_000)) > 30 * GiB


def test_transactions_follow_the_bass_share_of_customers():
    quiet = config(n_customers=1000, steps=10, adoption__enabled=False,
                   adoption__initial_customer_share=0.5)
    purchase = quiet.segments[0].purchase_prob
    assert limits.transaction_rows(quiet) == pytest.approx(1000 * 10 * 0.5 * purchase, abs=1)
    everyone = config(n_customers=1000, steps=100, adoption__p_per_year=5.0,
                      adoption__q_per_year=50.0)
    assert limits.transaction_rows(everyone) > 0.9 * 1000 * 100 * purchase
    assert limits.transaction_rows(config(transactions=False)) == 0


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_the_estimate_is_on_the_safe_side_of_a_measured_run(tmp_path):
    """A real run in a fresh process: its peak resident memory (VmHWM: ru_maxrss would
    include the memory of the process that started it) is below the estimate."""
    overrides = {"n_customers": 30_000, "steps": 30}
    code = ("import pickle; from relsim.config import ModelConfig; from relsim.overrides import apply_overrides;"
            "from relsim.runs import run_one;"
            f"r = run_one(apply_overrides(ModelConfig(), {overrides!r}), 1); pickle.dumps(r);"
            "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')))")
    src = str(Path(relsim.__file__).parents[1])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
                          timeout=120)
    peak = int(done.stdout.split()[1]) * 1024
    estimate = limits.estimate_memory(config(**overrides))
    assert peak < estimate < 1.5 * peak, (peak, estimate)


def test_edge_list_limit_follows_the_memory(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 100 * GiB)
    assert limits.edge_list_max_bytes() == limits.MAX_EDGE_LIST_BYTES
    monkeypatch.setattr(limits, "available_memory", lambda: 2 * GiB)
    assert limits.edge_list_max_bytes() == 2 * GiB // limits.PER_EDGE_LIST_BYTE


def test_workers_beyond_the_cpus_are_capped_with_a_warning(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(limits, "cpu_count", lambda: 1)
    scenario = tmp_path / "s.yaml"
    scenario.write_text("n_customers: 100\nreplications: 2\nsteps: 2\n")
    assert main(["run", str(scenario), "--out", str(tmp_path / "out"), "--workers", "8",
                 "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "warning: --workers 8 is more than the 1 CPU available; using 1\n"
    assert limits.cap_workers(1) == (1, None)
    assert main(["run", str(scenario), "--out", str(tmp_path / "o2"), "--workers", "1025"]) == 2
    assert "expected a number of worker processes in [1, 1024]" in one_line(capsys)


@pytest.mark.parametrize("text, size", [("512M", 512 << 20), ("40G", 40 << 30), ("1.5T", 3 << 39),
                                        ("2GB", 2 << 30), ("4GiB", 4 << 30), ("1000", 1000)])
def test_sizes_are_read_in_powers_of_1024(text, size):
    assert limits.parse_size(text) == size


def test_available_memory_is_read_from_the_machine():
    available = limits.available_memory()
    if Path("/proc/meminfo").exists():
        lines = Path("/proc/meminfo").read_text().splitlines()
        total = next(int(x.split()[1]) * 1024 for x in lines if x.startswith("MemTotal:"))
        assert 0 < available <= total
    assert json.dumps(limits.format_size(3 * GiB)) == '"3.0 GB"'
