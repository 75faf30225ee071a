"""A verified cache of tables: key -> a set of pandas DataFrames stored as Parquet.

``relsim run`` keeps each finished run in ``.DIR.partial/replications/rep-RRRR-KEY/`` and
the sweep runner keeps design-point batches the same way.  An entry is trusted only if
it verifies, so a run that was killed at any moment, a truncated file or an entry planted
by someone else is never read as a result:

* the cache directory is created private to the user (mode 0o700) and refused if it
  belongs to another user;
* an entry is a directory ``NAME/`` with one ``TABLE.parquet`` per table and
  ``manifest.json`` written **last**, holding the entry's name and the size and SHA-256
  of every file; the entry is built under a temporary name and renamed into place;
* :meth:`TableCache.get` reads an entry only if it is a directory owned by the user whose
  files are exactly those of its manifest, each a regular file owned by the user with
  the recorded size and hash (the bytes hashed are the bytes parsed).  Anything else --
  missing, unreadable or mismatching manifest, a truncated, extra or unparsable file --
  is discarded (deleted: it is only a cache) and ``get`` returns None, so the caller
  computes it again.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from relsim.outputs.claim import private_directory
from relsim.outputs.files import atomic_directory

MANIFEST = "manifest.json"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,200}")
_MANIFEST_MAX_BYTES = 1 << 20


def _owned_regular(path: Path) -> os.stat_result | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None
    return info


def _read_exactly(path: Path, size: int) -> bytes | None:
    """The bytes of a regular file owned by the user, if it has ``size`` bytes."""
    info = _owned_regular(path)
    if info is None or info.st_size != size:
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as stream:
        data = stream.read(size + 1)
    return data if len(data) == size else None


class TableCache:
    """Entries of tables in ``directory``, each verified before it is read (module docstring).

    ``discarded`` counts the entries found unverifiable and deleted by :meth:`get`.
    Use one process per directory at a time (``relsim run`` holds the output lock).
    """

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        self.discarded = 0
        self._ready = False

    def ensure(self) -> Path:
        """Create the directory (mode 0o700) or check that it is the user's; OutputError if
        it belongs to someone else."""
        if not self._ready:
            self.directory.parent.mkdir(parents=True, exist_ok=True)
            private_directory(self.directory, "the cache directory")
            self._ready = True
        return self.directory

    def path(self, name: str) -> Path:
        """The directory of entry ``name`` (letters, digits, ``_.-``)."""
        if not _NAME.fullmatch(name):
            raise ValueError(f"cache entry names are letters, digits and _.-, got {name!r}")
        return self.directory / name

    def get(self, name: str) -> dict[str, Any] | None:
        """The tables of entry ``name`` if it verifies, else None (and the entry is
        discarded)."""
        entry = self.path(name)
        try:
            info = os.lstat(entry)
        except FileNotFoundError:
            return None
        self.ensure()
        tables = None
        if stat.S_ISDIR(info.st_mode) and (not hasattr(os, "getuid")
                                            or info.st_uid == os.getuid()):
            tables = self._verified(entry, name)
        if tables is None:
            self.discard(name)
            self.discarded += 1
        return tables

    def _verified(self, entry: Path, name: str) -> dict[str, Any] | None:
        import pandas as pd

        info = _owned_regular(entry / MANIFEST)
        if info is None or info.st_size > _MANIFEST_MAX_BYTES:
            return None
        raw = _read_exactly(entry / MANIFEST, info.st_size)
        try:
            manifest = json.loads(raw) if raw is not None else None
            files = manifest["files"] if manifest["name"] == name else None
            if sorted(os.listdir(entry)) != sorted([*files, MANIFEST]):
                return None
            tables = {}
            for file, meta in files.items():
                if not (file.endswith(".parquet") and _NAME.fullmatch(file)):
                    return None
                data = _read_exactly(entry / file, int(meta["bytes"]))
                if data is None or hashlib.sha256(data).hexdigest() != meta["sha256"]:
                    return None
                tables[file.removesuffix(".parquet")] = pd.read_parquet(io.BytesIO(data))
        except Exception:  # noqa: BLE001  (any malformed manifest or Parquet: not verified)
            return None
        return tables

    def put(self, name: str, tables: Mapping[str, Any]) -> bool:
        """Store ``tables`` (name -> DataFrame, written without the index) as entry ``name``,
        the manifest last, renamed into place when complete.  An entry already there that
        cannot be removed (not the user's) is left alone and False returned."""
        entry = self.path(name)
        self.ensure()
        if os.path.lexists(entry):
            self.discard(name)
        files = {}
        try:
            with atomic_directory(entry, durable=False) as tmp:
                for table, frame in tables.items():
                    buffer = io.BytesIO()
                    frame.to_parquet(buffer, index=False)
                    data = buffer.getvalue()
                    file = f"{table}.parquet"
                    self.path(file)  # a table name that is a valid file name
                    _write_private(tmp / file, data)
                    files[file] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                _write_private(tmp / MANIFEST, json.dumps(
                    {"name": name, "files": files}, indent=1, sort_keys=True).encode())
        except FileExistsError:
            return False
        return True

    def discard(self, name: str) -> None:
        """Delete entry ``name`` (whatever it is; errors ignored)."""
        entry = self.path(name)
        if os.path.isdir(entry) and not os.path.islink(entry):
            shutil.rmtree(entry, ignore_errors=True)
        else:
            try:
                os.unlink(entry)
            except OSError:
                pass


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
                 | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as stream:
        stream.write(data)
