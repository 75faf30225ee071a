"""Reading the user's input files: regular files only, bounded, one-line errors.

Every file relsim reads on a user's behalf (YAML files, edge lists, data
tables) is read through :func:`read_regular_file`, so a FIFO, a device such
as ``/dev/zero``, a directory or an oversized file is refused at once with a
one-line :class:`InputError` naming the file, never read until memory runs
out or waited on forever.
"""

from __future__ import annotations

import os
import reprlib
import stat
from pathlib import Path


class InputError(ValueError):
    """Bad input from a file, a flag or a keyword; the message is one line for the user.

    The command line reports it on stderr and exits with status 2.
    """


def quote(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to about ``limit`` characters."""
    short = reprlib.Repr()
    short.maxstring = limit
    return short.repr(text)


def read_regular_file(path: str | os.PathLike, *, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``max_bytes``; anything else (missing,
    unreadable, a directory, a FIFO or a device, too large) is a one-line InputError naming
    the file.  A FIFO is refused before it is opened, and the file is opened without
    blocking and checked again, so nothing here waits for a writer."""
    path = Path(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError(f"{path}: not a regular file: a {what} must be a file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as stream:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the check
            raise InputError(f"{path}: not a regular file: a {what} must be a file")
        try:
            raw = stream.read(max_bytes + 1)
        except OSError as exc:
            raise InputError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise InputError(f"{path}: {what} larger than {max_bytes:,} bytes")
    return raw


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark skipped); otherwise a one-line InputError with the line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"{source}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                         f"offset {exc.start})") from None


