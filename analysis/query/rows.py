"""Reading the sentences and word lists of a few documents by position (``agg_doc_rows``) instead of by doc_id.

doc_ids are content hashes, so the rows of a department-year or of 100 documents are spread over the whole of
``sentences`` and ``sentence_words`` as far as zone maps can tell: a join on doc_id read every row group of the
3.9 M-row tables at 100,000 summaries (0.2–0.35 CPU s per question). A document's rows were inserted together, so
they are one run of rowids (two when a row group boundary of a parallel insert falls inside them: 19 of 100,000
documents), and a join on rowid lets DuckDB skip the row groups outside those runs (its dynamic rowid filter). The
join also requires the doc_id, and the runs are used only while the tables' stamps are the ones the build recorded,
so a moved row can make a question slower (read by doc_id), never different."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from analysis.access.scope import Filters
from analysis.insight import aggregates
from analysis.query import sql
from analysis.query.sql import has_aggregates
from analysis.store import snapshot


def located(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this snapshot's ``agg_doc_rows`` holds the runs of every document, at the rowids the tables have now
    (and the aggregates are read at all: ``sql.AGGREGATES``)."""
    if not sql.AGGREGATES or not has_aggregates(con):
        return False

    def ask() -> bool:  # 10–20 ms at 100,000 summaries (two counts): once per snapshot
        stamps = dict(con.execute("SELECT key, value FROM agg_state WHERE key IN (?, ?)",
                                  list(aggregates.ROW_TABLES.values())).fetchall())
        return all(stamps.get(key) == aggregates.row_stamp(con, table)
                   for table, key in aggregates.ROW_TABLES.items())

    return snapshot.remember(con, "located", ask)


def rows_of(docs: str, table: str, columns: str) -> str:
    """SQL: the rows of ``table`` (``sentences`` or ``sentence_words``, alias ``r``) of the documents of the relation
    ``docs`` (any columns, doc_id among them; alias ``d``), with ``columns`` (over ``d`` and ``r``)."""
    return (f"SELECT {columns} FROM (SELECT x.*, unnest(generate_series(l.row_start, l.row_start + l.row_count - 1)) "
            f"AS _row FROM {docs} x JOIN agg_doc_rows l ON l.doc_id = x.doc_id AND l.base = '{table}') d "
            f"JOIN {table} r ON r.rowid = d._row AND r.doc_id = d.doc_id")


MAX_RUNS = 64
"""Most rowid ranges a question names in its SQL (``runs``); more, and it joins on each row's rowid instead."""


def runs(con: duckdb.DuckDBPyConnection, docs: str, params: list, table: str) -> list[tuple[int, int]] | None:
    """The rows of ``table`` of the documents the query ``docs`` (selecting doc_id) gives, as ranges of rowids
    (first, last), adjacent documents' runs merged; None when there are more than ``MAX_RUNS``.

    A department's documents over five years are five runs in a store built in corpus order: named as ranges, they
    let DuckDB skip every other row group, where a join on their 500,000 rowids filtered only by its smallest and
    largest rowid. The ranges hold no other document's rows (runs are merged only when they touch)."""
    assert table in aggregates.ROW_TABLES
    found = con.execute(
        "WITH l AS (SELECT l.row_start AS a, l.row_start + l.row_count - 1 AS b FROM agg_doc_rows l "
        f"WHERE l.base = '{table}' AND l.doc_id IN ({docs})), "
        "g AS (SELECT a, b, SUM(CASE WHEN a = prev + 1 THEN 0 ELSE 1 END) OVER (ORDER BY a) AS run "
        "FROM (SELECT a, b, lag(b) OVER (ORDER BY a) AS prev FROM l)) "
        f"SELECT min(a), max(b) FROM g GROUP BY run ORDER BY 1 LIMIT {MAX_RUNS + 1}", params).fetchall()
    return None if len(found) > MAX_RUNS else [(int(a), int(b)) for a, b in found]


def in_runs(found: list[tuple[int, int]], alias: str = "") -> str:
    """SQL condition: the row lies in one of the ranges ``found`` (``runs``); FALSE for none."""
    col = f"{alias}.rowid" if alias else "rowid"
    return "(" + (" OR ".join(f"{col} BETWEEN {a} AND {b}" for a, b in found) or "FALSE") + ")"


def section_texts(store_path: Path, filters: Filters = Filters(), section: str = "不足") -> pd.DataFrame:
    """The text of every sentence of one section of the filtered documents, in ``evidence``'s order (newest year,
    department, writer, position): the report's voices match their top words in them.

    ``evidence`` with no limit joins the whole sentences table to the documents (0.34 CPU s for one department-year
    at 100,000 summaries); the documents' runs of rows (``runs``) are read instead when the snapshot has them."""
    where, params = filters.where()
    order = "ORDER BY d.year DESC, d.department, d.employee, s.idx, d.doc_id"
    docs = f"WITH docs AS (SELECT doc_id, employee, department, year FROM documents d WHERE {where}) "
    with snapshot.read(store_path) as con:
        found = None
        if located(con):
            found = runs(con, f"SELECT doc_id FROM documents d WHERE {where}", params, "sentences")
        if found is not None:
            sql = (docs + f"SELECT s.text FROM (SELECT doc_id, idx, text FROM sentences WHERE {in_runs(found)} "
                   f"AND section = ?) s JOIN docs d ON d.doc_id = s.doc_id {order}")
        else:
            sql = (docs + "SELECT s.text FROM docs d JOIN sentences s ON s.doc_id = d.doc_id "
                   f"WHERE s.section = ? {order}")
        return con.execute(sql, [*params, section]).df()
