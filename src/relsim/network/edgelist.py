"""Networks read from edge-list files.

Each non-blank line holds two integer node ids in ``[0, n)`` separated by whitespace
and/or a comma, optionally followed by a third (weight) column, which is ignored; text
from ``#`` to the end of a line is a comment.  A file is read once per process
(:func:`load_edge_list` keeps the parsed network and the file's SHA-256, keyed by the
file's path, size and modification time), through :func:`relsim.inputs.read_regular_file`:
only regular files of at most :func:`relsim.limits.edge_list_max_bytes` are read (1 GiB,
or less when the machine has less memory to parse it).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
from typing import Final

import numpy as np
import pandas as pd

from relsim.inputs import InputError, quote, read_regular_file
from relsim.limits import edge_list_max_bytes
from relsim.network.graph import SocialNetwork, _check_count

_EDGE_COLUMNS: Final = ["u", "v", "weight"]
_COMMENT: Final = re.compile(r"#[^\n]*")
_PANDAS_LINE: Final = re.compile(r"\bline (\d+)\b")
_EXPECTED_LINE: Final = "expected two integer node ids in [0, {n}) and an optional weight"


class NetworkFileError(InputError):
    """An edge-list file is missing, unreadable or malformed.

    The message is one line naming the file and, for a malformed file, the line number
    and what was expected there.
    """


def read_edge_list(path: str | os.PathLike, n: int) -> SocialNetwork:
    """Read an undirected network on ``n`` nodes from a text edge list (module docstring).

    Self loops are dropped and repeated edges (in either direction) collapse into one.
    Parsing is vectorised (pandas); integral values written as floats (``3.0``) are
    accepted as ids.  Raises :class:`NetworkFileError` with a one-line message naming
    the file if it cannot be read, and naming the file, the line number and what was
    expected if a line is malformed or a node id is out of range.  The graph itself is
    whatever the file describes.
    """
    return load_edge_list(path, n)


def load_edge_list(path: str | os.PathLike, n: int) -> SocialNetwork:
    """The network of an edge-list file, parsed once per process (see :func:`_parsed`)."""
    return _parsed(*_identity(path), _check_count("n", n, minimum=1))[0]


def edge_list_digest(path: str | os.PathLike) -> str:
    """SHA-256 of an edge-list file's contents (from the same single read)."""
    return _read(*_identity(path))[1]


def _identity(path: str | os.PathLike) -> tuple[str, int, int]:
    """(absolute path, size, modification time): a changed file is read again."""
    name = os.path.abspath(os.fspath(path))
    try:
        info = os.stat(name)
    except OSError:
        info = None
    return name, getattr(info, "st_size", -1), getattr(info, "st_mtime_ns", -1)


@functools.lru_cache(maxsize=8)
def _read(name: str, size: int, mtime: int) -> tuple[str, str]:
    """The text of an edge-list file and its SHA-256."""
    try:
        raw = read_regular_file(name, max_bytes=edge_list_max_bytes(), what="edge-list file")
    except InputError as exc:
        raise NetworkFileError(str(exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NetworkFileError(f"{name}: edge-list file is not UTF-8 text") from None
    return text, hashlib.sha256(raw).hexdigest()


@functools.lru_cache(maxsize=8)
def _parsed(name: str, size: int, mtime: int, n: int) -> tuple[SocialNetwork]:
    """The network of an edge-list file on ``n`` nodes (cached: callers must not change it)."""
    text = _read(name, size, mtime)[0]
    table = _parse_edge_table(name, text, n)
    u = pd.to_numeric(table["u"], errors="coerce").to_numpy(dtype=np.float64)
    v = pd.to_numeric(table["v"], errors="coerce").to_numpy(dtype=np.float64)
    blank = table["u"].isna().to_numpy()  # blank or comment-only line: no first field at all
    bad = ~blank & ~(_is_node_id(u, n) & _is_node_id(v, n))
    if bad.any():
        raise _bad_line(name, text, int(np.argmax(bad)) + 1, n)
    return (SocialNetwork.from_edges(n, u[~blank].astype(np.int64),
                                     v[~blank].astype(np.int64)),)


def _parse_edge_table(name: str, text: str, n: int) -> pd.DataFrame:
    """Split ``text`` into columns u, v, weight with one row per line (line = row + 1).

    Comments are blanked out and commas turned into spaces first, so that blank lines
    survive as all-missing rows and row numbers stay aligned with line numbers.
    """
    cleaned = _COMMENT.sub("", text).replace(",", " ")
    try:
        return pd.read_csv(
            io.StringIO(cleaned),
            sep=r"\s+",
            header=None,
            names=_EDGE_COLUMNS,
            skip_blank_lines=False,
            keep_default_na=False,
            na_values=[""],  # only absent fields are missing; "nan" stays text and is rejected
            index_col=False,  # a fourth field is an error, not a shift of the columns
            engine="c",
        )
    except pd.errors.ParserError as exc:  # a line with more than three fields
        match = _PANDAS_LINE.search(str(exc))
        if match is None:
            raise NetworkFileError(f"{name}: {_EXPECTED_LINE.format(n=n)}") from None
        raise _bad_line(name, text, int(match.group(1)), n) from None


def _bad_line(name: str, text: str, line_number: int, n: int) -> NetworkFileError:
    """The error for malformed line ``line_number`` (1-based) of file ``name``."""
    lines = text.split("\n")
    line = lines[line_number - 1].strip() if line_number <= len(lines) else ""
    expected = _EXPECTED_LINE.format(n=n)
    return NetworkFileError(f"{name} line {line_number}: {expected}, got {quote(line)}")


def _is_node_id(x: np.ndarray, n: int) -> np.ndarray:
    """Elementwise: is ``x`` an integral number in ``[0, n)``? (NaN -> False)."""
    with np.errstate(invalid="ignore"):
        return (x >= 0) & (x < n) & (x == np.floor(x))


