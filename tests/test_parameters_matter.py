"""Every parameter moves something (no parameter silently does nothing, cf. SALib #412).

For each parameter we run a small market in which every mechanism is active,
once at the default and once at another valid value, with the same seed
(common random numbers): some output table must differ.
"""

from __future__ import annotations

import pandas as pd
import pytest

from relsim.config import ModelConfig
from relsim.odd import all_parameter_tables
from relsim.overrides import apply_overrides
from relsim.runs import run_one

BASE = ModelConfig.model_validate({
    "n_customers": 500, "steps": 30,
    "adoption": {"p_per_year": 1.0, "q_per_year": 3.0, "initial_customer_share": 0.5},
    "firms": [{"name": "A"}, {"name": "B", "quality": 0.6, "price": 0.8, "quality_sd": 0.2},
              {"name": "C", "status": 0.6, "price": 1.3}],
    "segments": [{"name": "b2c", "share": 0.7, "status_seeking": 0.4},
                 {"name": "b2b", "share": 0.3, "importance": 0.6, "basket": 5.0}],
    "behaviour": {"base_churn": 0.03, "winback_rate": 0.1, "churn_heterogeneity": 0.5},
    "record": {"trace": list(range(10))},
})

NOT_ALONE = {
    "network.path": "used only by kind 'edge_list' (tests/test_network.py, test_cli.py)",
    "segments[].share": "shares must add up to 1: moved together below",
}
ALTERNATIVE = {"network.kind": "erdos_renyi", "record.trace": [3, 4], "n_customers": 400,
               "network.mean_degree": 4.0, "firms[].policies": [{"kind": "loyalty"}],
               "segments[].preset": "status_seeker", "segments[].trust_weight": 0.6,
               "firms[].entry_step": 5}


def alternative(row: dict):
    """A valid value different from the default: the lower bound, else a value above."""
    if row["parameter"] in ALTERNATIVE:
        return ALTERNATIVE[row["parameter"]]
    default, lo, hi = row["default"], row["min"], row["max"]
    if isinstance(default, bool):
        return not default
    if isinstance(default, str):
        return default + "-x"
    if lo is not None and default > lo:
        return type(default)(lo)
    return type(default)(min(hi, default + 0.5) if hi is not None else default + 0.5)


def base_value(path: str):
    node = BASE.model_dump()
    for part in path.replace("[]", ".0").split("."):
        node = node[int(part)] if part.isdigit() else node[part]
    return node


def override_key(path: str) -> str:
    return path.replace("[]", ".0")


def outputs(config: ModelConfig) -> dict[str, pd.DataFrame]:
    return run_one(config, seed=2024).tables()


REFERENCE = None


def reference() -> dict[str, pd.DataFrame]:
    global REFERENCE
    if REFERENCE is None:
        REFERENCE = outputs(BASE)
    return REFERENCE


ROWS = [r for r in all_parameter_tables()
        if r["parameter"] not in NOT_ALONE and r["parameter"] not in ("firms", "segments")]


@pytest.mark.parametrize("row", ROWS, ids=[r["parameter"] for r in ROWS])
def test_parameter_changes_the_outputs(row):
    path = row["parameter"]
    value = alternative({**row, "default": base_value(path)})
    config = apply_overrides(BASE, {override_key(path): value})
    assert base_value(path) != value
    changed = outputs(config)
    differs = [name for name, table in changed.items()
               if name not in reference() or not table.equals(reference()[name])]
    assert differs, f"{path}: {base_value(path)!r} -> {value!r} changed no output"


def test_segment_shares_change_the_outputs():
    config = apply_overrides(BASE, {"segments.0.share": 0.4, "segments.1.share": 0.6})
    assert not outputs(config)["firms"].equals(reference()["firms"])
