"""Safe files for every relsim command: claimed output directories, atomic writes, a
verified cache, and input files that cannot hang or exhaust the machine.

What relsim promises about files is in docs/files.md.  The API:

Output directories (:mod:`relsim.outputs.claim`)
    ``claim_output(out, *, overwrite, inputs=(), command="relsim run") -> OutputClaim``:
    refuses what must not be written or replaced (OutputError, one line naming ``--out``),
    locks DIR against a second process, gives a staging directory
    (``claim.staging()``) and private work directories (``claim.private_directory(name)``)
    inside ``.DIR.partial``, and publishes atomically (``claim.publish(staged)``), writing
    the marker :data:`MARKER` that later lets ``--overwrite`` replace the directory.

Files (:mod:`relsim.outputs.files`)
    ``atomic_write(path, data)`` for one file, ``atomic_path(path)`` for writers that want a
    path (``savefig``), ``atomic_directory(directory)`` and
    ``write_tables(tables, directory, fmt)`` for a set of files;
    (input files are read by :mod:`relsim.inputs`: ``read_regular_file``, re-exported here).

The cache (:mod:`relsim.outputs.cache`)
    ``TableCache(directory)``: ``get(name) -> dict of DataFrames | None`` (verified against
    a manifest of SHA-256 hashes written last, else discarded) and ``put(name, tables)``.

This package imports only the standard library (pandas when the cache reads a table), so
the command line can use it before the heavy imports.
"""

from relsim.inputs import InputFileError, open_regular_file, read_regular_file
from relsim.outputs.cache import TableCache
from relsim.outputs.claim import (
    InPlaceClaim,
    OutputClaim,
    check_replaceable,
    claim_output,
    resolve_output,
)
from relsim.outputs.files import (
    OutputError,
    atomic_directory,
    atomic_path,
    atomic_write,
    rename_noreplace,
    write_tables,
)
from relsim.outputs.marker import MARKER, read_marker

__all__ = [
    "MARKER",
    "InPlaceClaim",
    "InputFileError",
    "OutputClaim",
    "OutputError",
    "TableCache",
    "atomic_directory",
    "atomic_path",
    "atomic_write",
    "check_replaceable",
    "claim_output",
    "open_regular_file",
    "read_marker",
    "read_regular_file",
    "rename_noreplace",
    "resolve_output",
    "write_tables",
]
