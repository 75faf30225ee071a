"""Tables describe themselves: one dtype per column across tables, the data dictionary in
docs/tables.md and in every Parquet file's field metadata, matching what is written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import relsim
from relsim.outputs import write_tables
from relsim.tables import TABLE_COLUMNS, dictionary_markdown

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = """\
n_customers: 300
steps: 8
replications: 2
record: {trace: [1, 2], truth: true}
variants:
  loyal: {firms.0.policies: [{kind: loyalty}]}
"""


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    path = tmp_path_factory.mktemp("s") / "s.yaml"
    path.write_text(SCENARIO)
    return relsim.run_comparison(relsim.load_scenario(path), progress=False)


def declared(table: str) -> list[str]:
    return ["variant", *(c.name for c in TABLE_COLUMNS[table])]


def test_every_table_has_the_declared_columns_in_order(comparison):
    for table, frame in comparison.tables().items():
        assert list(frame.columns) == declared(table), table


def test_a_column_has_one_dtype_in_every_table(comparison):
    seen: dict[str, set[str]] = {}
    for frame in comparison.tables().values():
        for column, dtype in frame.dtypes.items():
            kind = "category" if isinstance(dtype, pd.CategoricalDtype) else str(dtype)
            seen.setdefault(column, set()).add(kind)
    mixed = {c: kinds for c, kinds in seen.items() if len(kinds) > 1
             and c not in ("end",)}  # end is nullable Int32: running relationships have none
    assert not mixed
    firm_categories = {tuple(frame["firm"].cat.categories)
                       for frame in comparison.tables().values() if "firm" in frame}
    assert firm_categories == {("A", "B", "C")}


def test_counts_are_integers_and_empty_tables_keep_their_schema():
    result = relsim.run(n_customers=200, steps=3)
    assert (result.firms["customers"].dtype, result.market["market_customers"].dtype) == (
        "int64", "int64")
    assert result.trace.empty and list(result.trace.columns) == declared("trace")[1:]


def test_the_market_and_firm_metrics_do_not_share_names(comparison):
    market = set(comparison.market.columns) - {"variant", "replication", "seed", "step"}
    firms = set(comparison.firms.columns) - {"variant", "replication", "seed", "step"}
    assert not market & firms


def test_docs_tables_md_is_generated_from_the_declarations():
    assert (ROOT / "docs" / "tables.md").read_text(encoding="utf-8") == dictionary_markdown()


def test_parquet_files_carry_the_unit_and_meaning_of_every_column(comparison, tmp_path):
    write_tables(comparison.tables(), tmp_path / "out", "parquet")
    for table in comparison.tables():
        schema = pq.read_schema(tmp_path / "out" / f"{table}.parquet")
        assert schema.names == declared(table)
        for column in TABLE_COLUMNS[table]:
            meta = schema.field(column.name).metadata
            assert meta[b"description"].decode() == column.doc
            assert meta[b"unit"].decode() == column.unit
        back = pd.read_parquet(tmp_path / "out" / f"{table}.parquet")
        assert list(back.columns) == declared(table)


def test_a_run_builds_only_the_tables_asked_for():
    """run_one(tables=...) (what the sweep's workers and the calibration use): the tables
    asked for are those of a full run, the others None; an unknown name is refused."""
    config = relsim.ModelConfig(n_customers=300, steps=12)
    full = relsim.run_one(config, 5, 2)
    part = relsim.run_one(config, 5, 2, tables=("relationships", "firms"))
    assert sorted(part.tables()) == ["firms", "relationships"]
    assert part.cohorts is None and part.transactions is None and part.trace is None
    for name, frame in part.tables().items():
        pd.testing.assert_frame_equal(frame, full.tables()[name], check_exact=True)
    cohorts = relsim.run_one(config, 5, 2, tables=["cohorts"])  # built from relationships
    assert list(cohorts.tables()) == ["cohorts"]
    pd.testing.assert_frame_equal(cohorts.cohorts, full.cohorts, check_exact=True)
    with pytest.raises(ValueError, match="unknown tables"):
        relsim.run_one(config, 5, tables=["firm"])


def test_the_empty_table_is_built_once_and_handed_out_as_a_copy():
    from relsim.tables import conform

    first = conform(pd.DataFrame(), "trace", ["A", "B"], ["s"])
    assert list(first.columns) == [c.name for c in TABLE_COLUMNS["trace"]
                                   if c.name not in ("replication", "seed")]
    first.insert(0, "seed", pd.Series([], dtype="int64"))
    first["firm"] = first["firm"].cat.add_categories(["C"])
    second = conform(pd.DataFrame(), "trace", ["A", "B"], ["s"])
    assert "seed" not in second.columns and list(second["firm"].cat.categories) == ["A", "B"]
    assert list(conform(pd.DataFrame(), "trace", ["X"])["firm"].cat.categories) == ["X"]


def test_a_count_that_is_not_finite_is_refused_not_wrapped():
    from relsim.tables import conform

    frame = relsim.run(n_customers=100, steps=2).firms.drop(columns=["replication", "seed"])
    for bad in (float("nan"), float("inf")):
        broken = frame.astype({"churn": "float64"})
        broken.loc[0, "churn"] = bad
        with pytest.raises(ValueError):
            conform(broken, "firms", list(frame["firm"].cat.categories))
