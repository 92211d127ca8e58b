"""The helpers every question shares: run SQL over a short-lived read-only connection, refuse groupings
that would cut publication cells, and read the build's aggregate tables where the filters allow."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from analysis.access import suppress
from analysis.access.scope import Filters
from analysis.insight import aggregates
from analysis.schema import AGGREGATE_GRAIN
from analysis.store import snapshot

AGGREGATES = True
"""Read the aggregate tables when a snapshot has them and the filters allow (tests turn this off to
compute the same figures from the base tables)."""


def safe_grouping(filters: Filters, by: tuple[str, ...]) -> None:
    """Refuse a grouping that would cut publication cells where only whole cells may be shown (only
    ``groups`` knows how to blank such rows)."""
    if filters.min_group > 0 and set(by) - suppress.SAFE_KEYS:
        raise ValueError(f"在最小报告人数限制下不能按 {'、'.join(by)} 分组")


def aggregable(filters: Filters, by: tuple[str, ...] = ()) -> bool:
    """Whether the filtered documents are whole grains (department × team × year × role) and ``by``
    groups by grain columns only: then sums over the aggregate tables equal the base tables' figures.

    A full-text search, single documents or one employee's documents cut grains: base tables."""
    return (AGGREGATES and not filters.search.strip() and not filters.doc_ids and not filters.employees
            and set(by) <= set(AGGREGATE_GRAIN))


def grain_join(alias: str = "a", docs: str = "docs") -> str:
    """``JOIN`` of an aggregate table ``alias`` to the grains of the filtered documents ``docs``."""
    keys = ", ".join(AGGREGATE_GRAIN)
    on = " AND ".join(f"{alias}.{k} IS NOT DISTINCT FROM g.{k}" for k in AGGREGATE_GRAIN)
    return f"JOIN (SELECT DISTINCT {keys} FROM {docs}) g ON {on}"


def has_aggregates(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this snapshot's aggregates were written for its base tables by the current code (asked once per
    snapshot: ``snapshot.remember``)."""
    def ask() -> bool:
        if not con.execute("SELECT 1 FROM duckdb_tables() WHERE table_name = 'agg_state'").fetchone():
            return False
        row = con.execute("SELECT value FROM agg_state WHERE key = 'version'").fetchone()
        return bool(row) and row[0] == aggregates.VERSION

    return snapshot.remember(con, "has_aggregates", ask)


def fetch(store_path: Path, sql: str, params: list, aggregate: tuple[str, list] | None = None) -> pd.DataFrame:
    """Run ``sql``; or ``aggregate`` (its SQL and parameters, giving the same frame from the aggregate
    tables) when it is given and the snapshot has current aggregates."""
    with snapshot.read(store_path) as con:
        if aggregate is not None and has_aggregates(con):
            sql, params = aggregate
        return con.execute(sql, params).df()


def fetch_wide(store_path: Path, sql: str, params: list) -> pd.DataFrame:
    """``fetch`` for a long result of stored columns (the documents table: 100,000 rows of text cells): read
    through Arrow, then made exactly the frame DuckDB's ``.df()`` gives (``_as_duckdb_frame``).

    DuckDB's own conversion builds the frame cell by cell; Arrow's builds each column at once: 0.45 → 0.12 s of
    CPU for every document of a 100,000-summary store. Only for stored columns: a SUM of integers is a HUGEINT,
    which Arrow gives as Python Decimals where ``.df()`` gives floats."""
    with snapshot.read(store_path) as con:
        table = con.sql(sql, params=params).to_arrow_table()
        if table.num_rows == 0:  # DuckDB's empty frame (its text columns are of object dtype)
            return con.execute(sql, params).df()
    return _as_duckdb_frame(table)


def _as_duckdb_frame(table) -> pd.DataFrame:
    """``table.to_pandas()`` with DuckDB's types where they differ: an integer or boolean column with NULLs is
    pandas' nullable ``Int32``/``boolean`` (Arrow gives floats and objects)."""
    import pyarrow as pa

    frame = table.to_pandas()
    for i, field in enumerate(table.schema):
        column = table.column(i)
        if not column.null_count:
            continue
        if pa.types.is_integer(field.type):
            frame[field.name] = column.to_pandas(types_mapper=pd.ArrowDtype).astype(
                f"{'U' if pa.types.is_unsigned_integer(field.type) else ''}Int{field.type.bit_width}")
        elif pa.types.is_boolean(field.type):
            frame[field.name] = column.to_pandas(types_mapper=pd.ArrowDtype).astype("boolean")
    return frame
