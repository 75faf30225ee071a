"""Reading and writing single files safely: all or nothing, never blocking, never too much.

* :func:`atomic_write` writes one file under a temporary name beside it and renames it
  into place, so a reader sees the old file or the new one, never half of one.
* :func:`atomic_path` does the same for writers that want a path (``DataFrame.to_csv``,
  ``Figure.savefig``).
* :func:`atomic_directory` builds a directory under a temporary name and renames it into
  place only when complete, never over something that appeared meanwhile
  (:func:`rename_noreplace`); :func:`write_tables` writes a set of tables that way.
* :func:`read_regular_file` and :func:`open_regular_file` read an input file only if it is
  a regular file no larger than a limit: a FIFO, a device such as ``/dev/zero`` or a
  directory is refused at once instead of blocking or filling the memory.

Temporary names start with ``.`` and end with ``.tmp`` (plus the file's own suffix for
:func:`atomic_path`); they live in the target's own directory, so the final rename
never crosses file systems.  ``durable=True`` (the default) also ``fsync``\\ s the data and
the directory, so that after a power cut the file is either the old or the new one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from relsim.inputs import InputError


class OutputError(InputError):
    """A path relsim refuses to write or to trust; the message is one line naming it."""


# --------------------------------------------------------------------------- durability

def fsync_directory(directory: str | os.PathLike) -> None:
    """Make the entries of ``directory`` (renames, new files) durable; file systems that
    cannot sync a directory are ignored."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_tree(root: str | os.PathLike) -> None:
    """fsync every regular file and directory under ``root`` (``root`` included)."""
    for here, _, files in os.walk(root):
        for name in files:
            path = os.path.join(here, name)
            if os.path.isfile(path) and not os.path.islink(path):
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        fsync_directory(here)


def _temporary_name(path: Path, keep_suffix: bool = False) -> Path:
    token = secrets.token_hex(4)
    if keep_suffix:  # writers that pick the format from the suffix (savefig)
        return path.with_name(f".{path.stem}.{token}.tmp{path.suffix}")
    return path.with_name(f".{path.name}.{token}.tmp")


# --------------------------------------------------------------------------- renames

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # glibc < 2.28, musl, ...
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def rename_noreplace(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """Rename ``source`` to ``target``; FileExistsError if ``target`` exists, even if it
    appears at the last moment (Linux ``renameat2(RENAME_NOREPLACE)``; elsewhere, or on file
    systems without it, a check just before the rename)."""
    function = _renameat2()
    if function is not None:
        if function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target),
                    _RENAME_NOREPLACE) == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.EINVAL, errno.ENOSYS):
            raise OSError(code, os.strerror(code), os.fspath(source), None, os.fspath(target))
    if os.path.lexists(target):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fspath(target))
    os.rename(source, target)


# --------------------------------------------------------------------------- writing

def atomic_write(path: str | os.PathLike, data: bytes | str, *, durable: bool = True) -> None:
    """Write ``data`` (str: as UTF-8) to ``path`` all or nothing: into a new temporary file
    beside it (created exclusively, never through a symbolic link), then renamed over
    ``path``.  The file gets the usual permissions (0o666 less the umask)."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    tmp = _temporary_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
                 | getattr(os, "O_NOFOLLOW", 0), 0o666)
    with _renamed_over(tmp, path, durable), os.fdopen(fd, "wb") as stream:
        stream.write(payload)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, durable: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path`` (same suffix) to write to; renamed over ``path``
    when the block ends normally, deleted if it raises::

        with atomic_path(directory / "retention.png") as tmp:
            figure.savefig(tmp, dpi=110)
    """
    path = Path(path)
    tmp = _temporary_name(path, keep_suffix=True)
    with _renamed_over(tmp, path, durable):
        yield tmp


@contextlib.contextmanager
def _renamed_over(tmp: Path, path: Path, durable: bool) -> Iterator[None]:
    """Rename ``tmp`` over ``path`` when the block ends normally (flushed to disk first
    with ``durable``); delete ``tmp`` if it raises."""
    try:
        yield
        if durable:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_directory(path.parent)


@contextlib.contextmanager
def atomic_directory(directory: str | os.PathLike, *, durable: bool = True) -> Iterator[Path]:
    """A new, empty temporary directory beside ``directory`` to fill; renamed to
    ``directory`` when the block ends normally (FileExistsError if ``directory`` exists by
    then: nothing is replaced), deleted with its contents if the block raises."""
    directory = Path(directory)
    tmp = _temporary_name(directory)
    os.mkdir(tmp)
    try:
        yield tmp
        if durable:
            fsync_tree(tmp)
        rename_noreplace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if durable:
        fsync_directory(directory.parent)


def write_tables(tables: Mapping[str, Any], directory: str | os.PathLike, fmt: str, *,
                 durable: bool = True) -> None:
    """Write each table (a pandas DataFrame) to ``directory/NAME.FMT`` (``fmt``: ``csv`` or
    ``parquet``, without the index), all or nothing: ``directory`` must not exist and
    appears complete (:func:`atomic_directory`).  A Parquet file of one of relsim's tables
    carries each column's unit and meaning in its field metadata (:mod:`relsim.tables`)."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"table format must be 'csv' or 'parquet', got {fmt!r}")
    with atomic_directory(directory, durable=durable) as tmp:
        for name, frame in tables.items():
            if fmt == "parquet":
                import pyarrow.parquet as pq

                from relsim.tables import TABLE_COLUMNS, arrow_table

                if name in TABLE_COLUMNS:
                    pq.write_table(arrow_table(frame, name), tmp / f"{name}.parquet")
                else:
                    frame.to_parquet(tmp / f"{name}.parquet", index=False)
            else:
                frame.to_csv(tmp / f"{name}.csv", index=False)
