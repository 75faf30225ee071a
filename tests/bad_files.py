"""The expectations written at the top of the bad input files under tests/data/ (scenarios,
experiments, calibrations): ``# expect: FRAGMENT`` and, optionally, ``# line: N``."""

from __future__ import annotations

from pathlib import Path


def expectation(path: Path, *, need_line: bool = False) -> tuple[str, int | None]:
    """The ``# expect:`` fragment of the one-line error and the ``# line:`` it names (None
    without that line, which ``need_line`` forbids; 0: the error is in another file)."""
    head = path.read_bytes().decode("latin-1").splitlines()
    assert head[0].startswith("# expect: "), f"{path.name} lacks its '# expect:' line"
    has_line = head[1:] and head[1].startswith("# line: ")
    assert has_line or not need_line, f"{path.name} lacks its '# line:' line"
    line = int(head[1].removeprefix("# line: ")) if has_line else None
    return head[0].removeprefix("# expect: "), line
