"""The refactorings of the code must not change a number: every table of the default model,
an all-policies run and every bundled scenario (reduced size) hashes as recorded.

A change that is meant to change results updates the record on purpose
(``python benchmarks/table_hashes.py --quick --write tests/data/table_hashes_quick.json``)
and says why in the CHANGELOG.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _table_hashes():
    spec = importlib.util.spec_from_file_location("table_hashes",
                                                  ROOT / "benchmarks" / "table_hashes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_table_of_every_case_hashes_as_recorded():
    recorded = json.loads((ROOT / "tests" / "data" / "table_hashes_quick.json").read_text())
    found = _table_hashes().cases(quick=True)
    assert set(found) == set(recorded)
    differ = {f"{case}/{table}" for case in recorded for table in recorded[case]
              if found[case].get(table) != recorded[case][table]}
    assert not differ, f"tables changed: {sorted(differ)}"
