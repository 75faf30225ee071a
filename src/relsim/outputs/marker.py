"""The marker relsim writes inside every directory it publishes (``--overwrite`` replaces
only directories that hold it, and only if it lists everything in them)."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Any

from relsim.inputs import InputFileError, read_regular_file
from relsim.outputs.files import atomic_write

MARKER = ".relsim-output.json"
"""The file inside every directory relsim publishes; ``--overwrite`` replaces only those."""
MARKER_MAX_BYTES = 16 << 20


def write_marker(directory: Path, command: str) -> None:
    """Write :data:`MARKER` into ``directory``, listing every file in it (relative paths)."""
    from relsim import __version__

    marker = {"relsim_output": 1, "command": command, "relsim": __version__,
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "files": sorted(_listing(directory)[0] - {MARKER})}
    atomic_write(directory / MARKER, json.dumps(marker, indent=1) + "\n")


def read_marker(directory: Path) -> dict[str, Any] | None:
    """The marker of a directory relsim wrote, or None (missing, not a file, not JSON of the
    expected shape)."""
    path = directory / MARKER
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        marker = json.loads(read_regular_file(path, max_bytes=MARKER_MAX_BYTES, what="marker"))
    except (OSError, InputFileError, ValueError):
        return None
    if not (isinstance(marker, dict) and marker.get("relsim_output") == 1
            and isinstance(marker.get("files"), list)
            and all(isinstance(f, str) for f in marker["files"])):
        return None
    return marker


def _listing(root: Path) -> tuple[set[str], set[str]]:
    """(files, directories) under ``root`` as relative POSIX paths; symbolic links count as
    files and are not followed."""
    files, directories = set(), set()
    for here, dirs, names in os.walk(root):
        rel = Path(here).relative_to(root)
        for name in list(dirs):
            if os.path.islink(os.path.join(here, name)):
                dirs.remove(name)
                files.add((rel / name).as_posix())
            else:
                directories.add((rel / name).as_posix())
        files.update((rel / name).as_posix() for name in names)
    return files, directories


def foreign_files(directory: Path, marker: dict[str, Any]) -> list[str]:
    """Entries of ``directory`` that its marker does not list (sorted)."""
    listed = set(marker["files"]) | {MARKER}
    parents = {p.as_posix() for f in listed for p in Path(f).parents if p.as_posix() != "."}
    files, directories = _listing(directory)
    return sorted((files - listed) | (directories - parents))
