"""Fuzzing the scenario loader: whatever a careless or hostile user does to a bundled
scenario -- keys deleted, duplicated, renamed, retyped, values out of range, text truncated,
random bytes -- ``relsim validate`` ends in exit 0 or exit 2 with one line, never a
traceback, and within 10 seconds."""

from __future__ import annotations

import contextlib
import io
import signal
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relsim.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SECONDS = 10

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.lists(st.integers(-5, 5), max_size=3), st.dictionaries(st.text(max_size=5),
                                                               st.integers(), max_size=2),
    st.sampled_from(["1e6", "0700", "1:30", "yes", "-1", "nan", "", "  ", "A\nB"]))


def paths(node, prefix=()) -> list[tuple]:
    """Every path to a mapping key or list item in parsed YAML."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append(prefix + (key,))
            out.extend(paths(value, prefix + (key,)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append(prefix + (i,))
            out.extend(paths(value, prefix + (i,)))
    return out


def parent_of(data, path):
    node = data
    for part in path[:-1]:
        node = node[part]
    return node


@st.composite
def mutated(draw, text: str) -> bytes:
    """A mutation of a scenario's text: structural (on the parsed data) or textual."""
    kind = draw(st.sampled_from(["delete", "rename", "retype", "scale", "duplicate_line",
                                 "delete_line", "truncate", "bytes"]))
    if kind in ("delete", "rename", "retype", "scale"):
        data = yaml.safe_load(text)
        where = paths(data)
        path = draw(st.sampled_from(where))
        parent, last = parent_of(data, path), path[-1]
        if kind == "delete":
            del parent[last]
        elif kind == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(last)
        elif kind == "scale" and isinstance(parent[last], (int, float)) \
                and not isinstance(parent[last], bool):
            parent[last] = parent[last] * draw(st.sampled_from([-1, 0, 1e9, -1e300, 1e-300]))
        else:
            parent[last] = draw(VALUES)
        return yaml.safe_dump(data, allow_unicode=True).encode()
    lines = text.splitlines(keepends=True)
    if kind == "duplicate_line" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[:i + 1] + lines[i:]).encode()
    if kind == "delete_line" and lines:
        i = draw(st.integers(0, len(lines) - 1))
        return "".join(lines[:i] + lines[i + 1:]).encode()
    raw = text.encode()
    cut = draw(st.integers(0, len(raw)))
    if kind == "truncate":
        return raw[:cut]
    return raw[:cut] + draw(st.binary(min_size=1, max_size=40)) + raw[cut:]


def _timeout(signum, frame):
    raise TimeoutError(f"relsim validate took more than {SECONDS} s")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[p.stem for p in SCENARIOS])
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_a_mutated_scenario_is_valid_or_one_line_and_exit_2_never_a_traceback(
        scenario, tmp_path, data):
    mutation = data.draw(mutated(scenario.read_text(encoding="utf-8")))
    path = tmp_path / scenario.name  # beside it: the edge-list files it may name are absent
    path.write_bytes(mutation)
    err, out = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(SECONDS)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            status = main(["validate", str(path)])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert time.perf_counter() - start < SECONDS
    message = err.getvalue()
    assert "Traceback" not in message
    assert status in (0, 2), (status, message)
    if status == 2:
        assert message.count("\n") == 1 and message.startswith("error: "), message
    else:
        assert ": ok (" in out.getvalue() and message == ""
