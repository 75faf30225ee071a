"""A sweep's output directory: every file a sweep writes, written in this one module.

Layout of ``DIR``::

    experiment.yaml          the resolved experiment (scenario inlined, defaults filled in)
    design.parquet           the design: point id and one column per parameter
    batches/batch-*.parquet  the outcome rows of one finished batch each
    results.parquet          every row, sorted, once the sweep is complete
    analysis/                written by ``relsim analyze``

Every file is written under a temporary name (``.NAME.*.tmp*``) in its final
directory and renamed into place when complete (:func:`publish`), so a file
that exists is whole, even after SIGKILL.  A batch file holds whole units
(design point x replication, every arm and firm), and a unit is scheduled only
if no batch file holds it (:func:`finished_units`), so a resumed sweep runs every
unit exactly once.  Nothing here deletes a file it did not write: a directory
that exists and is not a sweep's is refused, and only this module's own
temporary files are removed.

The directory itself is checked, locked and marked by the shared output code
(:class:`relsim.outputs.InPlaceClaim`: never the working or home directory, one sweep
at a time, resumed only if ``relsim sweep`` wrote it).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from relsim.experiments.schema import Experiment, ExperimentError, dump_yaml
from relsim.outputs import MARKER, atomic_path

EXPERIMENT = "experiment.yaml"
DESIGN = "design.parquet"
BATCHES = "batches"
RESULTS = "results.parquet"
ANALYSIS = "analysis"


def publish(path: Path, write) -> None:
    """Write a file all or nothing: ``write(tmp)`` writes a temporary file beside ``path``,
    flushed to disk and renamed to ``path`` (:func:`relsim.outputs.atomic_path`)."""
    with atomic_path(path) as tmp:
        write(tmp)


def batch_path(out: Path, units: list[tuple[int, int]]) -> Path:
    """The file of a batch: named by its first unit and a hash of all of them."""
    digest = hashlib.sha1(repr(sorted(units)).encode()).hexdigest()[:10]
    point, replication = min(units)
    return out / BATCHES / f"batch-p{point:07d}-r{replication:04d}-{digest}.parquet"


def _differences(a: Any, b: Any, path: str = "") -> str | None:
    """The first path where two plain-data trees differ (None: equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            found = _differences(a.get(key), b.get(key), f"{path}.{key}" if path else str(key))
            if found:
                return found
        return None
    return None if a == b else (path or "(top level)")


def prepare(out: Path, experiment: Experiment, design: pd.DataFrame, resume: bool) -> None:
    """Make ``out`` a sweep directory for ``experiment``: new (or empty) unless ``resume``;
    with ``resume`` it must hold the same experiment and design.  Errors are one line."""
    resolved = experiment.resolved()
    marker = out / EXPERIMENT
    if marker.is_file():
        if not resume:
            raise ExperimentError(f"{out} already holds a sweep: add --resume to continue it, "
                                  "or choose another --out")
        with open(marker, encoding="utf-8") as stream:
            stored = yaml.safe_load(stream)
        differs = _differences(stored, resolved)
        if differs:
            raise ExperimentError(f"{out} holds a different experiment ({differs} differs): "
                                  "resume it with its own experiment.yaml, or choose another "
                                  "--out")
        if not read_design(out).equals(design):
            raise ExperimentError(f"{out}: design.parquet differs from the design sampled now "
                                  "(another SALib version?): choose another --out")
        for stale in (out / BATCHES).glob(".batch-*.tmp*"):  # our own unfinished writes
            stale.unlink()
        return
    if out.exists() and (not out.is_dir() or any(p.name != MARKER for p in out.iterdir())):
        raise ExperimentError(f"{out} exists and is not a sweep directory: choose another --out"
                              " (relsim does not write into or delete directories it did not "
                              "make)")
    try:
        (out / BATCHES).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExperimentError(f"cannot create {out}: {exc.strerror or exc}") from None
    publish(out / DESIGN, lambda tmp: design.to_parquet(tmp, index=False))
    publish(marker, lambda tmp: tmp.write_text(dump_yaml(resolved), encoding="utf-8"))


def read_design(out: Path) -> pd.DataFrame:
    """The design of a sweep directory."""
    return pd.read_parquet(out / DESIGN)


def write_batch(out: Path, rows: pd.DataFrame, units: list[tuple[int, int]]) -> Path:
    """Write the rows of one finished batch (all or nothing)."""
    path = batch_path(out, units)
    publish(path, lambda tmp: rows.to_parquet(tmp, index=False))
    return path


def batch_files(out: Path) -> list[Path]:
    """The finished batch files, in name order."""
    return sorted((out / BATCHES).glob("batch-*.parquet"))


def read_batches(out: Path) -> pd.DataFrame | None:
    """Every row of the finished batches (None if there is none)."""
    files = batch_files(out)
    if not files:
        return None
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def finished_units(out: Path) -> set[tuple[int, int]]:
    """The (point, replication) units some batch file holds."""
    found: set[tuple[int, int]] = set()
    for path in batch_files(out):
        units = pd.read_parquet(path, columns=["point", "replication"]).drop_duplicates()
        found.update(zip(units["point"].tolist(), units["replication"].tolist()))
    return found


def write_results(out: Path, results: pd.DataFrame) -> None:
    """Write the complete, sorted results."""
    publish(out / RESULTS, lambda tmp: results.to_parquet(tmp, index=False))


def read_results(out: Path) -> pd.DataFrame:
    """The results of a sweep directory: ``results.parquet``, or the finished batches of an
    unfinished sweep."""
    if (out / RESULTS).is_file():
        return pd.read_parquet(out / RESULTS)
    rows = read_batches(out)
    if rows is None:
        raise ExperimentError(f"{out}: no results yet (no finished batch in {out / BATCHES})")
    return rows


def analysis_dir(out: Path) -> Path:
    """Where ``relsim analyze`` writes (created)."""
    path = out / ANALYSIS
    path.mkdir(exist_ok=True)
    return path
