"""Strip the teaching notebooks of their outputs before they are committed.

From the repository root::

    python notebooks/strip.py                 # every notebooks/*.ipynb, in place
    python notebooks/strip.py A.ipynb B.ipynb # only these
    python notebooks/strip.py --check         # change nothing; exit 1 naming every notebook
                                              # that still carries outputs

Stripping empties every code cell's outputs, clears its execution count and the timing
metadata a run leaves, and keeps of the notebook's ``language_info`` only the language's name
(the rest names the Python version of whoever ran it last).  Notebooks are committed
stripped so that no stale figure or number is ever shown as current: run them to see the
outputs.  ``tests/test_notebooks.py`` checks the committed notebooks with :func:`leftovers`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent


def leftovers(notebook: nbformat.NotebookNode) -> list[str]:
    """What a run left in ``notebook``: one line per cell with outputs, an execution count or
    timing metadata, and one for a detailed ``language_info``."""
    found = []
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        kinds = [kind for kind, left in (("outputs", cell.get("outputs")),
                                         ("execution count", cell.get("execution_count")),
                                         ("timing metadata", cell.metadata.get("execution")))
                 if left]
        if kinds:
            found.append(f"cell {i}: {', '.join(kinds)}")
    if set(notebook.metadata.get("language_info", {})) - {"name"}:
        found.append("notebook metadata: language_info beyond the language's name")
    return found


def strip(notebook: nbformat.NotebookNode) -> bool:
    """Remove what :func:`leftovers` finds, in place; whether anything was removed."""
    changed = bool(leftovers(notebook))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
    info = notebook.metadata.get("language_info")
    if info is not None:
        notebook.metadata["language_info"] = {"name": info.get("name", "python")}
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Strip outputs from the teaching notebooks.")
    parser.add_argument("paths", nargs="*", type=Path,
                        help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument("--check", action="store_true", help="only report notebooks with outputs")
    args = parser.parse_args(argv)
    paths = args.paths or sorted(HERE.glob("*.ipynb"))
    dirty = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        if args.check:
            if leftovers(notebook):
                dirty.append(path)
        elif strip(notebook):
            nbformat.write(notebook, path)
            print(f"stripped {path}")
    for path in dirty:
        print(f"{path}: has outputs; run python notebooks/strip.py", file=sys.stderr)
    return 1 if dirty else 0


if __name__ == "__main__":
    sys.exit(main())
