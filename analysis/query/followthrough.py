"""Plan follow-through: rates per group and the plan sentences beside the sentence of the next year
that reports them."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.access.scope import Filters
from analysis.query import sql as sql_module
from analysis.query.sql import aggregable, fetch, grain_join, has_aggregates
from analysis.schema import FOLLOW_STATUSES
from analysis.store import snapshot


def follow_rates(store_path: Path, filters: Filters = Filters(), by: tuple[str, ...] = ("department",)) -> pd.DataFrame:
    """Per group of plan documents (year N): plans with targets, carried out, partly, not, and the
    follow-through rate (落实 + ½ 部分落实) / plans."""
    where, params = filters.where()
    keys = ", ".join(f"d.{k}" for k in by)
    counts = ", ".join(f"COUNT(*) FILTER (WHERE f.status = '{s}') AS \"{s}\"" for s in FOLLOW_STATUSES)
    sql = (
        f"SELECT {keys}, COUNT(DISTINCT f.doc_id) AS documents, COUNT(*) AS plans, {counts}, "
        "(COUNT(*) FILTER (WHERE f.status = '落实') + 0.5 * COUNT(*) FILTER (WHERE f.status = '部分落实')) "
        "/ COUNT(*) AS rate "
        f"FROM documents d JOIN follow_through f ON f.doc_id = d.doc_id WHERE {where} "
        f"GROUP BY {keys} ORDER BY {keys}"
    )
    aggregate = None
    if aggregable(filters, by):
        akeys = ", ".join(f"a.{k}" for k in by)
        sums = ", ".join(f'CAST(SUM(a."{s}") AS BIGINT) AS "{s}"' for s in FOLLOW_STATUSES)
        aggregate = (
            f"WITH docs AS (SELECT * FROM documents d WHERE {where}), "
            f"x AS (SELECT {akeys}, CAST(SUM(a.documents) AS BIGINT) AS documents, "
            f"CAST(SUM(a.plans) AS BIGINT) AS plans, {sums} FROM agg_follow a {grain_join()} GROUP BY {akeys}) "
            f"SELECT *, (\"落实\" + 0.5 * \"部分落实\") / plans AS rate FROM x ORDER BY {', '.join(by)}", params)
    return fetch(store_path, sql, params, aggregate)


def follow_pairs(store_path: Path, filters: Filters = Filters(), status: str | None = None,
                 department: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Plan sentences of year N beside the sentence of year N+1 that reports them (the evidence)."""
    where, params = filters.where()
    if sql_module.AGGREGATES:
        # the pairs as the build wrote them, in the page's order: pick the first ``limit`` positions of the
        # filtered documents, then read only those rows (no join of 4 million sentences per request)
        cond, extra_params = "", []
        if department:
            cond += " AND d.department = ?"
            extra_params.append(department)
        picked = " AND a.status = ?" if status else ""
        aggregate = (
            f"WITH docs AS (SELECT d.doc_id FROM documents d WHERE {where}{cond}), "
            "top AS (SELECT a.pos FROM agg_follow_pairs a WHERE a.doc_id IN (SELECT doc_id FROM docs)"
            f"{picked} ORDER BY a.pos LIMIT {int(limit)}) "
            "SELECT a.* EXCLUDE (pos) FROM agg_follow_pairs a WHERE a.pos IN (SELECT pos FROM top) ORDER BY a.pos",
            [*params, *extra_params, *([status] if status else [])])
    else:
        aggregate = None
    extra = ""
    if status:
        extra += " AND f.status = ?"
        params = [*params, status]
    if department:
        extra += " AND d.department = ?"
        params = [*params, department]
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, f.idx, p.text AS plan_text, p.themes, "
        "f.status, f.score, f.targets, f.shared, f.next_doc_id, n.year AS next_year, f.evidence_idx, "
        "e.text AS evidence_text, e.section AS evidence_section "
        "FROM documents d JOIN follow_through f ON f.doc_id = d.doc_id "
        "JOIN sentences p ON p.doc_id = f.doc_id AND p.idx = f.idx "
        "JOIN documents n ON n.doc_id = f.next_doc_id "
        "LEFT JOIN sentences e ON e.doc_id = f.next_doc_id AND e.idx = f.evidence_idx "
        f"WHERE {where}{extra} ORDER BY d.year DESC, d.department, d.employee, f.idx LIMIT {int(limit)}"
    )
    return fetch(store_path, sql, params, aggregate)


def follow_examples(store_path: Path, filters: Filters = Filters(), status: str = "落实", limit: int = 50,
                    within: int = 100_000) -> pd.DataFrame:
    """The first ``limit`` pairs of ``status`` among ``follow_pairs(filters, limit=within)`` (the report's examples).

    The report used to read every pair of its scope (25,000 at 100,000 summaries, with their texts, sorted: 0.3 CPU
    s) to quote two of each status; from the build's pairs only the quoted rows' texts are read."""
    if not sql_module.AGGREGATES:
        return _first_of_status(follow_pairs(store_path, filters, limit=within), status, limit)
    where, params = filters.where()
    aggregate = (
        f"WITH docs AS (SELECT d.doc_id FROM documents d WHERE {where}), "
        "top AS (SELECT a.pos, a.status FROM agg_follow_pairs a WHERE a.doc_id IN (SELECT doc_id FROM docs) "
        f"ORDER BY a.pos LIMIT {int(within)}), "
        f"pick AS (SELECT pos FROM top WHERE status = ? ORDER BY pos LIMIT {int(limit)}) "
        "SELECT a.* EXCLUDE (pos) FROM agg_follow_pairs a WHERE a.pos IN (SELECT pos FROM pick) ORDER BY a.pos",
        [*params, status])
    with snapshot.read(store_path) as con:
        if has_aggregates(con):
            return con.execute(*aggregate).df()
    return _first_of_status(follow_pairs(store_path, filters, limit=within), status, limit)


def _first_of_status(every: pd.DataFrame, status: str, limit: int) -> pd.DataFrame:
    """The first ``limit`` rows of ``status`` of the pairs ``every``, through DuckDB: the frame the build's pairs give
    (a column is nullable only when the rows read hold a NULL)."""
    import duckdb

    with duckdb.connect() as con:
        con.register("_every", every.assign(_n=range(len(every))))
        return con.execute(f"SELECT * EXCLUDE (_n) FROM _every WHERE status = ? ORDER BY _n LIMIT {int(limit)}",
                           [status]).df()
