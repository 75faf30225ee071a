"""Claiming an output directory: refuse what must not be touched, lock, stage, publish.

:func:`claim_output` is what every relsim command that writes ``--out DIR`` uses::

    with claim_output(args.out, overwrite=args.overwrite, inputs=[scenario_file]) as claim:
        cache = claim.private_directory("replications")   # kept across interruptions
        staged = claim.staging()                            # does not exist yet
        write_tables(tables, staged, "csv")                 # creates it, all or nothing
        claim.publish(staged)                               # DIR appears, complete

What it promises (docs/files.md):

* **Refusals**, each one line naming ``--out`` and exit status 2 in the CLI: an empty
  path, a name too long for the file system, ``/``, the working directory or any
  directory that contains it, the home directory or any directory that contains it, an
  input file or a directory that contains one; an existing DIR unless ``overwrite``; and
  with ``overwrite``, anything that is not a directory relsim wrote: a directory without
  the marker :data:`MARKER` (written into every directory relsim publishes, with the
  command, the relsim version, the time and the list of files), or one holding files the
  marker does not list.
* **One process per DIR**: an exclusive ``flock`` on ``.DIR.lock`` (beside DIR; it holds
  the PID).  A second process gets "--out DIR is in use by process N".  The kernel
  releases the lock when the holder dies, even by kill -9.
* **Publishing** renames the staged directory to DIR without ever replacing something
  that appeared there meanwhile; with ``overwrite`` the old DIR is checked again, moved
  into ``.DIR.partial/replaced`` and deleted only after the new DIR is in place.
  ``.DIR.partial`` (private to the user, mode 0o700) is then deleted.
* Nothing but DIR, ``.DIR.lock`` and ``.DIR.partial`` is ever created, changed or deleted
  (besides DIR's missing parent directories, which are created).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Self

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover  (Windows: a byte-range lock)
    fcntl = None
    import msvcrt

from relsim.outputs.files import (
    OutputError,
    fsync_directory,
    fsync_tree,
    rename_noreplace,
)
from relsim.outputs.marker import MARKER, foreign_files, read_marker, write_marker

PARTIAL_SUFFIX = ".partial"
LOCK_SUFFIX = ".lock"
_PATH_MAX = 4096


# --------------------------------------------------------------------------- checks

def _name_max(path: Path) -> int:
    for folder in (path.parent, *path.parent.parents):
        try:
            return os.pathconf(folder, "PC_NAME_MAX")
        except (OSError, ValueError):
            continue
    return 255


def _is_within(inner: Path, outer: Path) -> bool:
    return inner == outer or inner.is_relative_to(outer)


def resolve_output(out: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (),
                   command: str = "relsim run") -> Path:
    """The absolute output directory (``..`` removed, symbolic links kept), or OutputError
    if it can never be one: empty, too long, ``/``, the working or home directory, one that
    contains either, an input file or one that contains an input file."""
    text = os.fspath(out)
    if not text.strip():
        raise OutputError(f"{command}: --out is empty (an unset variable?); give the name "
                          "of a new directory")
    if "\0" in text:
        raise OutputError(f"{command}: --out contains a NUL character")
    path = Path(os.path.abspath(text))
    if len(os.fsencode(path.name)) + len(PARTIAL_SUFFIX) + 1 > _name_max(path) \
            or len(os.fsencode(path)) + len(PARTIAL_SUFFIX) + 40 > _PATH_MAX:
        raise OutputError(f"{command}: --out: name too long")
    where = f"{command}: --out {text}"
    if not path.name:
        raise OutputError(f"{where}: is the root directory")
    real = Path(os.path.realpath(path))
    for name, get in (("the working directory", Path.cwd), ("your home directory", Path.home)):
        try:
            other = get().resolve()
        except (OSError, RuntimeError, KeyError):
            continue
        if real == other:
            raise OutputError(f"{where}: is {name}; give the name of a new directory")
        if other.is_relative_to(real):
            raise OutputError(f"{where}: contains {name}; give the name of a new directory")
    for item in inputs:
        source = Path(os.path.realpath(item))
        if _is_within(source, real):
            verb = "is" if source == real else "contains"
            raise OutputError(f"{where}: {verb} the input file {os.fspath(item)}; give the name "
                              "of a new directory")
    return path


def check_replaceable(path: Path, *, overwrite: bool, command: str = "relsim run") -> None:
    """OutputError unless ``path`` does not exist, or ``overwrite`` and it is a directory
    relsim wrote (its marker lists everything in it)."""
    where = f"{command}: --out {path}"
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # (a parent that is a file: caught later)
        return
    except OSError as exc:
        raise OutputError(f"{where}: cannot look at it: {exc.strerror or exc}") from None
    if not overwrite:
        raise OutputError(f"{where}: already exists (use --overwrite to replace a directory "
                          "relsim wrote)")
    if stat.S_ISLNK(info.st_mode):
        raise OutputError(f"{where}: is a symbolic link, not a directory relsim wrote; "
                          "--overwrite replaces only those")
    if not stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{where}: is a file, not a directory relsim wrote; --overwrite "
                          "replaces only those")
    marker = read_marker(path)
    if marker is None:
        raise OutputError(f"{where}: has no {MARKER}, so relsim did not write it; "
                          "--overwrite replaces only directories relsim wrote")
    foreign = foreign_files(path, marker)
    if foreign:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise OutputError(f"{where}: holds files relsim did not write ({', '.join(foreign[:3])}"
                          f"{more}); move them away or choose another --out")


def private_directory(path: Path, what: str) -> Path:
    """Create ``path`` with mode 0o700, or check that the existing one is a real directory
    owned by this user (and make it private); OutputError otherwise.  ``what`` names it in
    the message."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
                 | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise OutputError(f"{what} {path} belongs to another user (uid {info.st_uid}), so "
                              "it is not trusted; remove it or use another directory")
        if stat.S_IMODE(info.st_mode) != 0o700:
            os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return path


# --------------------------------------------------------------------------- the claim

def _try_lock(fd: int) -> None:
    """Lock the open file ``fd`` exclusively without waiting; OSError if someone holds it."""
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:  # pragma: no cover
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)


def _read_at_start(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 32).decode("ascii", "replace").strip()


class OutputClaim:
    """An output directory held by this process: checked, locked, staged, published.

    Use :func:`claim_output`.  Attributes: ``path`` (DIR), ``lock_path`` (``.DIR.lock``),
    ``partial`` (``.DIR.partial``, created on demand, private to the user)."""

    def __init__(self, out: str | os.PathLike, *, overwrite: bool = False,
                 inputs: Iterable[str | os.PathLike] = (), command: str = "relsim run"):
        self.command, self.overwrite = command, overwrite
        self.path = resolve_output(out, inputs=inputs, command=command)
        self.lock_path = self.path.with_name(f".{self.path.name}{LOCK_SUFFIX}")
        self.partial = self.path.with_name(f".{self.path.name}{PARTIAL_SUFFIX}")
        self._fd: int | None = None

    def _fail(self, action: str, exc: OSError) -> OutputError:
        if exc.errno == errno.ENAMETOOLONG:
            return OutputError(f"{self.command}: --out: name too long")
        return OutputError(f"{self.command}: --out {self.path}: cannot {action}: "
                           f"{exc.strerror or exc}")

    def __enter__(self) -> Self:
        check_replaceable(self.path, overwrite=self.overwrite, command=self.command)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._fail(f"create {self.path.parent}", exc) from None
        self._fd = self._lock()
        try:  # what was checked may have changed before the lock was ours
            check_replaceable(self.path, overwrite=self.overwrite, command=self.command)
            if os.path.lexists(self.partial):
                self._private(self.partial)
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._unlock()

    # ------------------------------------------------------------------ lock
    def _lock(self) -> int:
        while True:
            try:
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
                             | getattr(os, "O_NOFOLLOW", 0), 0o644)
            except OSError as exc:
                raise self._fail(f"create {self.lock_path}", exc) from None
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or (hasattr(os, "getuid")
                                                  and info.st_uid != os.getuid()):
                os.close(fd)
                raise OutputError(f"{self.command}: --out {self.path}: {self.lock_path} is not "
                                  "a lock file of yours; remove it or choose another --out")
            try:
                _try_lock(fd)
            except OSError:
                holder = _read_at_start(fd)
                os.close(fd)
                who = f"process {holder}" if holder.isdigit() else "another process"
                raise OutputError(f"{self.command}: --out {self.path} is in use by {who}") \
                    from None
            try:  # the previous holder deletes the file before it lets go: start again
                current = os.lstat(self.lock_path)
            except FileNotFoundError:
                current = None
            if current is None or (current.st_dev, current.st_ino) != (info.st_dev, info.st_ino):
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd

    def _unlock(self) -> None:
        if self._fd is None:
            return
        try:
            os.unlink(self.lock_path)  # while still holding the lock (see _lock)
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None

    # ------------------------------------------------------------------ partial directory
    def _private(self, path: Path) -> Path:
        try:
            return private_directory(path, "the work directory")
        except OSError as exc:
            raise self._fail(f"create {path}", exc) from None

    def private_directory(self, name: str) -> Path:
        """``.DIR.partial/NAME``, created private to the user (mode 0o700, like
        ``.DIR.partial``); kept after an interruption, deleted by :meth:`publish`."""
        self._private(self.partial)
        return self._private(self.partial / name)

    def staging(self, name: str = "tables") -> Path:
        """A path inside ``.DIR.partial`` (which is created) that does not exist (a leftover of
        an interrupted command is deleted): write the output there, e.g. with
        :func:`~relsim.outputs.files.write_tables`, then :meth:`publish` it."""
        self._private(self.partial)
        staged = self.partial / name
        shutil.rmtree(staged, ignore_errors=True)
        return staged

    def discard(self) -> None:
        """Delete ``.DIR.partial`` (nothing in it is worth keeping)."""
        shutil.rmtree(self.partial, ignore_errors=True)

    # ------------------------------------------------------------------ publish
    def publish(self, staged: Path) -> None:
        """Write the marker into ``staged`` and rename it to DIR (durably); with
        ``overwrite`` an old DIR relsim wrote is moved aside first and deleted after.  Then
        ``.DIR.partial`` is deleted.  Something that appeared at DIR meanwhile is never
        replaced (OutputError)."""
        write_marker(staged, self.command)
        fsync_tree(staged)
        check_replaceable(self.path, overwrite=self.overwrite, command=self.command)
        aside = None
        if os.path.lexists(self.path):
            aside = self.partial / "replaced"
            shutil.rmtree(aside, ignore_errors=True)
            os.rename(self.path, aside)
        try:
            rename_noreplace(staged, self.path)
        except FileExistsError:
            raise OutputError(f"{self.command}: --out {self.path}: appeared while relsim was "
                              f"working; the output is kept in {staged}") from None
        except BaseException:
            if aside is not None and not os.path.lexists(self.path):
                os.rename(aside, self.path)
            raise
        fsync_directory(self.path.parent)
        shutil.rmtree(self.partial, ignore_errors=True)


class InPlaceClaim(OutputClaim):
    """An output directory written where it stands, result by result (a sweep): checked
    and locked like any other (:class:`OutputClaim`); either new (made by :meth:`create`,
    with the marker) or, with ``resume``, one that the same command wrote before (its marker
    says so).  Nothing is staged; :meth:`finish` refreshes the marker's list of files."""

    def __init__(self, out: str | os.PathLike, *, resume: bool = False,
                 inputs: Iterable[str | os.PathLike] = (), command: str) -> None:
        super().__init__(out, inputs=inputs, command=command)
        self.resume = resume

    def __enter__(self) -> Self:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._fail(f"create {self.path.parent}", exc) from None
        self._fd = self._lock()
        try:
            self._check()
        except BaseException:
            self._unlock()
            raise
        return self

    def _check(self) -> None:
        if not os.path.lexists(self.path):
            return
        where = f"{self.command}: --out {self.path}"
        marker = read_marker(self.path) if self.path.is_dir() else None
        if marker is None or marker.get("command") != self.command:
            raise OutputError(f"{where}: exists and was not written by {self.command}; "
                              "choose another --out (relsim does not write into or delete "
                              "directories it did not make)")
        if not self.resume:
            raise OutputError(f"{where}: already holds a sweep: add --resume to continue "
                              "it, or choose another --out")

    def create(self) -> None:
        """Make the directory, with its marker, if it does not exist yet."""
        if not os.path.lexists(self.path):
            try:
                self.path.mkdir()
            except OSError as exc:
                raise self._fail("create it", exc) from None
            write_marker(self.path, self.command)

    def finish(self) -> None:
        """Record every file now in the directory in its marker."""
        write_marker(self.path, self.command)


def claim_output(out: str | os.PathLike, *, overwrite: bool = False,
                 inputs: Iterable[str | os.PathLike] = (),
                 command: str = "relsim run") -> OutputClaim:
    """Check ``--out`` (see the module docstring) and return the claim; entering it (``with``)
    takes the lock, leaving it lets go.  ``inputs`` are the files the command reads (the
    scenario, edge lists, data): DIR may not be or contain one.  ``command`` starts every
    error message."""
    return OutputClaim(out, overwrite=overwrite, inputs=inputs, command=command)
