"""Documents and their evidence: the filtered documents table, group aggregates (department ×
team × year), headline figures, the sentences behind a number, filter options, and the documents HR
manages from the browser."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.access import suppress
from analysis.access.scope import Filters
from analysis.insight import aggregates
from analysis.query.sql import aggregable, fetch, fetch_wide, grain_join
from analysis.query.taxonomy import added_themes, documents_relation, theme_keys
from analysis.schema import DOCUMENT_COLUMNS, EVIDENCE_TOP
from analysis.store import snapshot


def documents(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """The documents table (schema.DOCUMENT_COLUMNS, then a count column per theme HR added) for the
    filters, newest year first."""
    where, params = filters.where()
    cols = ", ".join(f'd."{c}"' for c in (*DOCUMENT_COLUMNS, *added_themes(store_path)))
    # stored columns only: read through Arrow (fetch_wide), the 文档 and 原创性 pages' 100,000 rows
    return fetch_wide(store_path, f"SELECT {cols} FROM {documents_relation(store_path)} d WHERE {where} "
                      "ORDER BY d.year DESC, d.department, d.team, d.employee", params)


def options(store_path: Path) -> dict[str, list]:
    """Distinct values for the filter widgets."""
    with snapshot.read(store_path) as con:
        out = {}
        for col in ("department", "team", "role", "year"):
            rows = con.execute(f"SELECT DISTINCT {col} FROM documents WHERE {col} IS NOT NULL ORDER BY 1").fetchall()
            out[col] = [r[0] for r in rows if r[0] not in ("", 0)]
        return out


GROUP_KEYS = ("department", "team", "year")


def groups(store_path: Path, filters: Filters = Filters(), by: tuple[str, ...] = GROUP_KEYS) -> pd.DataFrame:
    """Per group: documents, employees, characters, sentences, sentiment, and per theme (``theme_keys``: HR's
    added ones too) the share of
    documents mentioning it (``<theme>_覆盖率``), its rate per 1,000 characters (``<theme>_千字``) and the
    share of the group's sentences that carry it (``<theme>_句占比``).

    With ``filters.min_group`` a group that is not a union of whole publication cells keeps its keys
    but loses its figures, and a ``suppressed`` column says so (``analysis.access.suppress``)."""
    return groups_sets(store_path, filters, (tuple(by),))[0]


def groups_sets(store_path: Path, filters: Filters = Filters(),
                sets: tuple[tuple[str, ...], ...] = (GROUP_KEYS,)) -> tuple[pd.DataFrame, ...]:
    """``groups`` for each grouping of ``sets`` (e.g. by department and year, by year, by department) from one
    scan of the filtered documents (``GROUPING SETS``): the same frames, in the same order and types, as one
    ``groups`` call per grouping. A page that draws several groupings of the same documents asks once."""
    where, params = filters.where()
    asked = tuple(tuple(s) for s in sets)
    sets = tuple(dict.fromkeys(asked))
    keys = list(dict.fromkeys(k for s in sets for k in s))
    # GROUPING(keys) has a bit set, leftmost key highest, for each key a row is not grouped by
    masks = [sum(1 << (len(keys) - 1 - j) for j, key in enumerate(keys) if key not in s) for s in sets]
    which = f"GROUPING({', '.join(f'd.{k}' for k in keys)})"
    theme_cols = ", ".join(
        f'AVG(CASE WHEN d."{t}" > 0 THEN 1.0 ELSE 0.0 END) AS "{t}_覆盖率", '
        f'1000.0 * SUM(d."{t}") / NULLIF(SUM(d.chars), 0) AS "{t}_千字", '
        f'SUM(d."{t}") * 1.0 / NULLIF(SUM(d.sentences), 0) AS "{t}_句占比"'
        for t in theme_keys(store_path)
    )
    k = filters.min_group
    cells = f"LEFT JOIN ({suppress.cells_sql(k)}) c ON c.doc_id = d.doc_id " if k > 0 else ""
    whole = (", CASE " + " ".join(f"WHEN {which} = {m} THEN {suppress.whole_sql(s)}" for m, s in zip(masks, sets))
             + " END AS _whole") if k > 0 else ""
    sql = (
        f"SELECT {which} AS _set, {', '.join(f'd.{k}' for k in keys)}, COUNT(*) AS documents, "
        "COUNT(DISTINCT d.employee) AS employees, "
        "SUM(d.chars) AS chars, SUM(d.sentences) AS sentence_count, AVG(d.sentiment_mean) AS sentiment_mean, "
        "AVG(d.pos_share) AS pos_share, "
        f"AVG(d.neg_share) AS neg_share, SUM(d.placeholders) AS placeholders, {theme_cols}{whole} "
        f"FROM {documents_relation(store_path)} d {cells}WHERE {where} "
        f"GROUP BY GROUPING SETS ({', '.join('(' + ', '.join(f'd.{k}' for k in s) + ')' for s in sets)})"
    )
    frames = []
    with snapshot.read(store_path) as con:
        # each grouping read back on its own: its key columns keep their types (no NULL of another grouping)
        con.execute(f"CREATE TEMP TABLE _groups AS {sql}", params)
        try:
            for m, s in zip(masks, sets):
                frames.append(con.execute(f"SELECT {', '.join(s)}, * EXCLUDE (_set, {', '.join(keys)}) "
                                          f"FROM _groups WHERE _set = {m} ORDER BY {', '.join(s)}").df())
        finally:
            con.execute("DROP TABLE _groups")
    out = {s: suppress.suppress_rows(frame, s, k) if k > 0 else frame for frame, s in zip(frames, sets)}
    return tuple(out[s] for s in asked)


def evidence(store_path: Path, filters: Filters = Filters(), theme: str | None = None,
             section: str | None = None, label: str | None = None, order: str = "idx",
             limit: int = 200, distinct: bool = False) -> pd.DataFrame:
    """The sentences behind a number, with the document they come from.

    ``distinct``: each sentence text once (its first row in ``order``), with ``occurrences``, the
    number of matching sentences with that text — the most negative sentences of a department are
    otherwise one pasted template sentence eleven times."""
    where, params = filters.where()
    where_params, cond = list(params), []
    if theme:
        cond.append("list_contains(s.themes, ?)")
        params.append(theme)
    if section:
        cond.append("s.section = ?")
        params.append(section)
    if label:
        cond.append("s.label = ?")
        params.append(label)
    extra = "".join(f" AND {c}" for c in cond)
    orders = {"idx": "d.year DESC, d.department, d.employee, s.idx", "pos": "s.sentiment DESC",
              "neg": "s.sentiment ASC"}
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, d.source_file, s.idx, s.section, "
        "s.text, s.sentiment, s.label, s.themes FROM documents d JOIN sentences s ON s.doc_id = d.doc_id "
        f"WHERE {where}{extra}"
    )
    if not distinct:
        return fetch(store_path, f"{sql} ORDER BY {orders[order]} LIMIT {int(limit)}", params)
    # the same sentence whatever its numbering, script or figures (aggregates.EVIDENCE_KEY). Rows are first
    # grouped by their exact text, the key is computed once per distinct text, and only the chosen rows
    # are read back: 0.2 s on 120,000 positive sentences, where a window over every row took 0.8 s.
    rank = {"idx": "(-d.year, d.department, d.employee, d.doc_id, s.idx)",
            "pos": "(-s.sentiment, -d.year, d.doc_id, s.idx)", "neg": "(s.sentiment, -d.year, d.doc_id, s.idx)"}[order]
    sql = sql.replace("s.themes FROM", f"s.themes, s.text_simplified, {rank} AS _ord FROM", 1)
    sql = (f"WITH ev AS ({sql}), t AS (SELECT text_simplified, COUNT(*) AS n, min(_ord) AS _ord FROM ev GROUP BY 1), "
           f"k AS (SELECT {aggregates.EVIDENCE_KEY} AS _key, CAST(SUM(n) AS BIGINT) AS occurrences, min(_ord) AS _ord "
           f"FROM t GROUP BY 1 ORDER BY 3 LIMIT {int(limit)}) "
           "SELECT ev.* EXCLUDE (text_simplified, _ord), k.occurrences FROM ev JOIN k ON ev._ord = k._ord "
           "ORDER BY k._ord")
    aggregate = None
    listed = (theme and not label and order == "idx") or (label and not theme and order == label)
    if listed and aggregable(filters) and limit <= EVIDENCE_TOP:
        # a list the build keeps per grain (aggregates.agg_evidence): merge the selected grains' lists
        ordered = aggregates.EVIDENCE_ORDERS[order].format(p="a.")
        chosen = "a.for_theme = ? AND a.for_label = ? AND a.for_section = ?"
        lists = [theme or "", label or "", section or ""]
        aggregate = (
            f"WITH docs AS (SELECT * FROM documents d WHERE {where}), "
            f"ev AS (SELECT a.key, {ordered} AS _ord FROM agg_evidence a {grain_join()} WHERE {chosen}), "
            f"k AS (SELECT key, min(_ord) AS _ord FROM ev GROUP BY key ORDER BY 2 LIMIT {int(limit)}), "
            "n AS (SELECT a.key, CAST(SUM(a.n) AS BIGINT) AS occurrences FROM agg_evidence_keys a "
            f"{grain_join()} WHERE a.key IN (SELECT key FROM k){extra.replace('s.', 'a.')} GROUP BY a.key) "
            # the text of the chosen sentences only (an order value is one sentence's)
            "SELECT a.doc_id, a.employee, a.department, a.team, a.year, a.source_file, a.idx, a.section, a.text, "
            f"a.sentiment, a.label, a.themes, n.occurrences FROM agg_evidence a JOIN k ON {ordered} = k._ord "
            f"JOIN n ON n.key = k.key WHERE {chosen} ORDER BY k._ord",
            [*where_params, *lists, *params[len(where_params):], *lists])
    return fetch(store_path, sql, params, aggregate)


def sentences_of(store_path: Path, doc_id: str) -> pd.DataFrame:
    return fetch(store_path, "SELECT * FROM sentences WHERE doc_id = ? ORDER BY idx", [doc_id])


def failures(store_path: Path) -> pd.DataFrame:
    return fetch(store_path, "SELECT source_file, reason FROM failures ORDER BY source_file", [])


def facets(store_path: Path) -> pd.DataFrame:
    """Distinct (department, team, role, year) with their document counts.

    The sidebar offers only the teams of the chosen departments; the flat lists of ``options`` cannot
    say which team belongs where.
    """
    return fetch(store_path, "SELECT department, team, role, year, COUNT(*) AS documents FROM documents "
                  "GROUP BY ALL ORDER BY department, team, role, year", [])


def store_info(store_path: Path) -> dict:
    """What the sidebar says about the data: when it was built, with which version, how many files."""
    with snapshot.read(store_path) as con:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        docs = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        failed = con.execute("SELECT COUNT(*) FROM failures").fetchone()[0]
    return {"built_at": meta.get("built_at", ""), "analysis_version": meta.get("analysis_version", ""),
            "documents": int(docs), "failures": int(failed)}


def overview(store_path: Path, filters: Filters = Filters()) -> dict:
    """The headline figures of the filtered documents.

    Employees are counted as distinct (department, name) pairs: names repeat across a large company,
    and the per-department figures of ``groups`` count names within a department the same way.
    A document with template placeholders (20xx, xx地市, xxx万元) left in is a template flag.
    """
    where, params = filters.where()
    sql = (
        "SELECT COUNT(*), COUNT(DISTINCT CASE WHEN d.employee <> '' THEN d.department || '\x1f' || d.employee END), "
        "COUNT(DISTINCT NULLIF(d.department, '')), COUNT(DISTINCT NULLIF(d.team, '')), "
        "COUNT(DISTINCT NULLIF(d.year, 0)), MIN(NULLIF(d.year, 0)), MAX(NULLIF(d.year, 0)), "
        "COALESCE(SUM(d.chars), 0), COALESCE(SUM(d.sentences), 0), AVG(d.sentiment_mean), AVG(d.pos_share), "
        "AVG(d.neg_share), COUNT(*) FILTER (WHERE d.placeholders > 0) "
        f"FROM documents d WHERE {where}"
    )
    with snapshot.read(store_path) as con:
        row = con.execute(sql, params).fetchone()
    names = ("documents", "employees", "departments", "teams", "years", "year_min", "year_max", "chars",
             "sentences", "sentiment_mean", "pos_share", "neg_share", "template_documents")
    out = dict(zip(names, row))
    for k in ("documents", "employees", "departments", "teams", "years", "chars", "sentences",
              "template_documents"):
        out[k] = int(out[k] or 0)
    out["template_share"] = out["template_documents"] / out["documents"] if out["documents"] else None
    return out


def managed_documents(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """The filtered documents with where each came from (上传 or the corpus folder) and when HR last
    changed it, for the page that re-tags and removes documents."""
    where, params = filters.where()
    with snapshot.read(store_path) as con:
        has = con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'managed'").fetchall()[0][0]
        joined = ("LEFT JOIN managed m ON m.doc_id = d.doc_id AND NOT m.removed" if has
                  else "LEFT JOIN (SELECT NULL AS doc_id, NULL AS origin, NULL AS updated_at) m ON FALSE")
        sql = (
            "SELECT d.doc_id, d.employee, d.department, d.team, d.role, d.year, d.source_file, d.chars, "
            "COALESCE(m.origin, 'folder') AS origin, COALESCE(m.updated_at, '') AS updated_at "
            f"FROM documents d {joined} WHERE {where} "
            "ORDER BY d.year DESC, d.department, d.team, d.employee, d.source_file"
        )
        return con.execute(sql, params).df()
