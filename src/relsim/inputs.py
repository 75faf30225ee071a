"""Reading the user's input files: regular files only, bounded, one-line errors.

Every file relsim reads on a user's behalf (YAML files, edge lists, data
tables) is read through :func:`read_regular_file`, so a FIFO, a device such
as ``/dev/zero``, a directory or an oversized file is refused at once with a
one-line :class:`InputError` naming the file, never read until memory runs
out or waited on forever.
"""

from __future__ import annotations

import errno
import os
import reprlib
import stat
from typing import IO


class InputError(ValueError):
    """Bad input from a file, a flag or a keyword; the message is one line for the user.

    The command line reports it on stderr and exits with status 2.
    """


class InputFileError(InputError):
    """An input file relsim refuses to read (missing, not a regular file, too large)."""


def quote(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut to about ``limit`` characters."""
    short = reprlib.Repr()
    short.maxstring = limit
    return short.repr(text)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISDIR, "a directory")):
        if test(mode):
            return name
    return "not a regular file"


def _check_regular(path: str | os.PathLike, mode: int, size: int, max_bytes: int,
                   what: str) -> None:
    if stat.S_ISDIR(mode):  # the OSError callers already turn into "cannot read"
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
    if not stat.S_ISREG(mode):
        raise InputFileError(f"{os.fspath(path)}: {what} is {_kind(mode)}, not a regular file")
    if size > max_bytes:
        raise InputFileError(f"{os.fspath(path)}: {what} is larger than {max_bytes:,} bytes "
                             f"({size:,} bytes)")


def open_regular_file(path: str | os.PathLike, *, max_bytes: int, what: str) -> IO[bytes]:
    """Open an input file for reading in binary, if it is a regular file of at most
    ``max_bytes`` bytes.

    The file is checked with ``os.stat`` before opening (a FIFO would block ``open``),
    opened with ``O_NONBLOCK`` (in case it was swapped for a FIFO meanwhile) and checked
    again with ``fstat``.  Raises :class:`InputFileError` (one line naming the file and
    ``what`` it is, e.g. ``"edge-list file"``) for a FIFO, device or socket and for a
    file over the limit; missing files, directories (IsADirectoryError) and permissions
    raise the usual OSError.
    """
    info = os.stat(path)
    _check_regular(path, info.st_mode, info.st_size, max_bytes, what)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)
                 | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        _check_regular(path, info.st_mode, info.st_size, max_bytes, what)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular_file(path: str | os.PathLike, *, max_bytes: int, what: str) -> bytes:
    """The contents of an input file that is a regular file of at most ``max_bytes`` bytes
    (see :func:`open_regular_file`; a file that grows past the limit while it is read is
    refused too).  Every problem, a missing or unreadable file included, is an
    :class:`InputFileError` with one line naming the file."""
    try:
        with open_regular_file(path, max_bytes=max_bytes, what=what) as stream:
            data = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputFileError(f"{os.fspath(path)}: {what} not found") from None
    except IsADirectoryError:
        raise InputFileError(f"{os.fspath(path)}: {what} is a directory, not a regular "
                             "file") from None
    except OSError as exc:
        raise InputFileError(f"{os.fspath(path)}: cannot read {what}: "
                             f"{exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise InputFileError(f"{os.fspath(path)}: {what} is larger than {max_bytes:,} bytes")
    return data


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark skipped); otherwise a one-line InputError with the line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"{source}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at "
                         f"offset {exc.start})") from None
