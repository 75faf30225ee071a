"""Fingerprints of every table relsim writes, to show that a refactoring changed no number.

Run from the repository root::

    python benchmarks/table_hashes.py                  # print the fingerprints
    python benchmarks/table_hashes.py --check FILE     # compare with a recorded set
    python benchmarks/table_hashes.py --write FILE     # record them

Cases: the default model, the default model with every policy kind on for
every firm, and every bundled scenario in ``scenarios/`` with all its
variants.  ``--quick`` (what the test suite uses) runs each case at 300
customers over 26 weeks with two replications; without it the bundled
scenarios run at their own size (a few minutes).

A table's fingerprint is the SHA-256 of its column names, dtypes and CSV text
(floats written with their full precision), so any change of a value, a
column or a type shows.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
if importlib.util.find_spec("relsim") is None and SRC.is_dir():
    sys.path.insert(0, str(SRC))  # not installed and no PYTHONPATH: use this checkout

QUICK = {"n_customers": 300, "steps": 26, "replications": 2}
"""The reduced size of ``--quick`` runs."""


def fingerprint(frame) -> str:
    """SHA-256 of a table's columns, dtypes and values."""
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(frame.to_csv(index=False, float_format=repr).encode())
    return digest.hexdigest()[:16]


def every_policy_firms() -> list[dict]:
    """The default firms, each running one policy of every kind."""
    from relsim.config import ModelConfig
    from relsim.policies import POLICY_CLASSES

    every = [{"kind": kind} for kind in POLICY_CLASSES]
    return [{**f.model_dump(exclude_unset=True), "policies": every} for f in ModelConfig().firms]


def cases(quick: bool) -> dict[str, dict[str, str]]:
    """Fingerprints of every table of every case, by case and table name."""
    from relsim.compare import run_comparison
    from relsim.scenario import Scenario, load_scenario

    size = QUICK if quick else {}
    scenarios = {"default": Scenario(name="default", **size),
                 "all-policies": Scenario(name="all-policies", firms=every_policy_firms(),
                                          **size)}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        if quick:
            data = scenario.model_dump(exclude_unset=True)
            data.update(QUICK)
            data["network"] = {**data.get("network", {}),
                               "mean_degree": min(scenario.network.mean_degree, 10.0)}
            scenario = Scenario.model_validate(data)
        scenarios[path.stem] = scenario
    out = {}
    for name, scenario in scenarios.items():
        result = run_comparison(scenario, progress=False)
        out[name] = {table: fingerprint(frame) for table, frame in result.tables().items()}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small runs (seconds)")
    parser.add_argument("--check", type=Path, help="compare with the fingerprints in FILE")
    parser.add_argument("--write", type=Path, help="write the fingerprints to FILE")
    args = parser.parse_args(argv)
    found = cases(args.quick)
    if args.write:
        args.write.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    if args.check:
        expected = json.loads(args.check.read_text())
        differ = [f"{case}/{table}" for case in sorted(set(expected) | set(found))
                  for table in sorted(set(expected.get(case, {})) | set(found.get(case, {})))
                  if expected.get(case, {}).get(table) != found.get(case, {}).get(table)]
        print("identical" if not differ else "differ: " + ", ".join(differ))
        return 1 if differ else 0
    if not args.write:
        print(json.dumps(found, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
