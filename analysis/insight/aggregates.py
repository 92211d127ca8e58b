"""Aggregate tables for the dashboard, written once per snapshot (issue 18).

At 100,000 summaries the pages' group figures cannot be computed from the sentences per request: the
words of the 计划 section took 4.9 s and 2.7 GB per call (sentences × their words × COUNT DISTINCT).
Every figure they show is a sum over documents, so it is summed here once per *grain* — department ×
team × year × role, the finest unit any sidebar filter selects — and ``analysis.query`` adds up the
grains of the filtered documents instead (``analysis.query.sql.aggregate_grains``).

Why sums over grains give exactly the base tables' figures: each document belongs to one grain; a
count of documents, sentences or words over a set of documents is the sum of its counts over the
grains those documents fill; and every filter the aggregates serve (department, team, year range, role,
the reader's departments, the minimum reporting group, whose publication cells are unions of
department × year × team) selects whole grains. Filters that cut a grain (full-text search, single
documents, one employee) make the queries read the base tables as before.

The tables are derived, never carried over (``analysis.store.snapshot.DERIVED``): a snapshot writer that
changes sentences without calling ``update`` leaves no aggregates and the dashboard reads the base tables.
"""
from __future__ import annotations

import time

import duckdb

from analysis.schema import AGGREGATE_GRAIN, EVIDENCE_TOP, FOLLOW_STATUSES
from analysis.store import snapshot

VERSION = "2"
"""Bump when an aggregate's meaning changes: a store with an older stamp is read from its base tables."""

_G = ", ".join(f"d.{k}" for k in AGGREGATE_GRAIN)

EVIDENCE_KEY = ("regexp_replace(regexp_replace(text_simplified, "
                "'^\\s*[（(]?[0-9０-９一二三四五六七八九十①②③④⑤⑥⑦⑧⑨⑩]*[)）、.．]?\\s*', ''), '[0-9０-９.]+', '#', 'g')")
"""The text by which an evidence list counts a sentence once: the same sentence whatever its numbering (1、 ①
（5） 4.), script (Traditional) or figures (as the copy detection reads it: a template filled in with other
numbers is still the template)."""

EVIDENCE_ORDERS = {"idx": "(-{p}year, {p}department, {p}employee, {p}doc_id, {p}idx)",
                   "pos": "(-{p}sentiment, -{p}year, {p}doc_id, {p}idx)",
                   "neg": "({p}sentiment, -{p}year, {p}doc_id, {p}idx)"}
"""The order of an evidence list over a sentence's row (its document's columns and its own; ``p``: the
row's alias): total, so the first sentences of a list are the same whichever way they are computed."""


def _evidence(con: duckdb.DuckDBPyConnection) -> None:
    """``agg_evidence`` and ``agg_evidence_keys``: the evidence lists a page opens with, per grain.

    The first ``EVIDENCE_TOP`` distinct texts of a list over any set of grains are among the first
    ``EVIDENCE_TOP`` of each grain (a text's first sentence lies in one grain and comes after fewer than
    ``EVIDENCE_TOP`` others there), so a query merges the selected grains' lists; how often each text occurs
    in the selected grains comes from ``agg_evidence_keys``."""
    keys = ", ".join(AGGREGATE_GRAIN)
    # one year at a time (a grain lies in one year): the largest sort and hash table is one year's sentences
    for year in [r[0] for r in con.execute("SELECT DISTINCT year FROM documents ORDER BY 1").fetchall()]:
        _evidence_of_year(con, keys, year)


def _evidence_of_year(con: duckdb.DuckDBPyConnection, keys: str, year: int | None) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _ev AS WITH s AS (SELECT * FROM sentences "
        "WHERE (label IN ('pos', 'neg') OR len(themes) > 0) "
        "AND doc_id IN (SELECT doc_id FROM documents WHERE year IS NOT DISTINCT FROM ?)), "
        f"k AS (SELECT text_simplified, CAST(hash({EVIDENCE_KEY}) >> 1 AS BIGINT) AS key "
        "FROM (SELECT DISTINCT text_simplified FROM s)) "
        f"SELECT {_G}, d.employee, d.source_file, s.doc_id, s.idx, s.section, s.text, s.sentiment, s.label, "
        "s.themes, k.key FROM s JOIN documents d ON d.doc_id = s.doc_id "
        "JOIN k ON k.text_simplified IS NOT DISTINCT FROM s.text_simplified", [year])
    lists = (
        # a theme's sentences in document order, in every section ('') and in their own
        "SELECT e.*, t.theme AS for_theme, '' AS for_label, CASE WHEN a.every THEN '' ELSE e.section END "
        f"AS for_section, {EVIDENCE_ORDERS['idx'].format(p='e.')} AS o "
        "FROM _ev e, UNNEST(list_distinct(e.themes)) AS t(theme), (VALUES (true), (false)) a(every)",
        # the positive (negative) sentences, highest (lowest) score first
        *(f"SELECT e.*, '' AS for_theme, '{lab}' AS for_label, CASE WHEN a.every THEN '' ELSE e.section END "
          f"AS for_section, {EVIDENCE_ORDERS[lab].format(p='e.')} AS o FROM _ev e, (VALUES (true), (false)) a(every) "
          f"WHERE e.label = '{lab}'" for lab in ("pos", "neg")),
    )
    for select in lists:
        _insert(con, "agg_evidence", (
            f"SELECT {keys}, for_theme, for_label, for_section, key, CAST(n AS INTEGER), UNNEST(r) FROM ("
            f"SELECT {keys}, for_theme, for_label, for_section, key, COUNT(*) AS n, min(o) AS first, "
            "arg_min({'doc_id': doc_id, 'employee': employee, 'source_file': source_file, 'idx': idx, "
            "'section': section, 'text': text, 'sentiment': sentiment, 'label': label, 'themes': themes}, o) AS r "
            f"FROM ({select}) GROUP BY {keys}, for_theme, for_label, for_section, key "
            f"QUALIFY row_number() OVER (PARTITION BY {keys}, for_theme, for_label, for_section ORDER BY first) "
            # one list's rows together: a page reads one list, from few row groups
            f"<= {EVIDENCE_TOP}) ORDER BY for_theme, for_label, for_section, {keys}"))
    _insert(con, "agg_evidence_keys", (
        f"SELECT {keys}, key, section, label, themes, CAST(COUNT(*) AS INTEGER) FROM _ev GROUP BY ALL ORDER BY key"))
    con.execute("DROP TABLE _ev")


def _insert(con: duckdb.DuckDBPyConnection, table: str, select: str, params: list | None = None) -> None:
    cols = ", ".join(f'"{c}"' for c in snapshot.TABLES[table])
    con.execute(f'INSERT INTO "{table}" ({cols}) {select}', params or [])


def update(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """(Re)write every aggregate table from the snapshot's base tables; returns timings per table.

    The word tables are summed one year at a time (a grain lies in one year), so the largest hash
    table is one year's documents × words, not the corpus'."""
    timings: dict[str, float] = {}
    for table in snapshot.DERIVED:
        con.execute(f'DELETE FROM "{table}"')

    t = time.perf_counter()
    _insert(con, "agg_theme_sections", (
        f"SELECT {_G}, x.section, x.theme, CAST(SUM(x.n) AS INTEGER), CAST(COUNT(*) AS INTEGER) FROM ("
        "SELECT s.doc_id, s.section, t.theme, COUNT(*) AS n FROM sentences s, UNNEST(s.themes) AS t(theme) "
        "GROUP BY ALL) x JOIN documents d ON d.doc_id = x.doc_id GROUP BY ALL"))
    timings["theme_sections"] = time.perf_counter() - t

    t = time.perf_counter()
    labels = ", ".join(f"CAST(COUNT(*) FILTER (WHERE s.label = '{lab}') AS INTEGER)" for lab in ("pos", "neu", "neg"))
    _insert(con, "agg_sentiment", (
        f"SELECT {_G}, s.section, CAST(COUNT(*) AS INTEGER), CAST(COUNT(s.sentiment) AS INTEGER), "
        f"SUM(s.sentiment), {labels} FROM documents d JOIN sentences s ON s.doc_id = d.doc_id GROUP BY ALL"))
    timings["sentiment"] = time.perf_counter() - t

    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM documents ORDER BY 1").fetchall()]
    t = time.perf_counter()
    for year in years:
        _insert(con, "agg_terms", (
            f"SELECT {_G}, t.term, CAST(SUM(t.n) AS INTEGER), CAST(COUNT(*) AS INTEGER) "
            "FROM documents d JOIN terms t ON t.doc_id = d.doc_id WHERE d.year IS NOT DISTINCT FROM ? GROUP BY ALL"),
            [year])
    timings["terms"] = time.perf_counter() - t

    t = time.perf_counter()
    for year in years:
        # per document first (one row per document, section and word), then per grain: no COUNT DISTINCT
        _insert(con, "agg_section_terms", (
            f"SELECT {_G}, x.section, x.term, CAST(COUNT(*) AS INTEGER), CAST(SUM(x.n) AS INTEGER) FROM ("
            "SELECT s.doc_id, s.section, t.term, COUNT(*) AS n FROM sentences s "
            "JOIN sentence_words w ON w.doc_id = s.doc_id AND w.idx = s.idx, UNNEST(w.words) AS t(term) "
            "WHERE s.doc_id IN (SELECT doc_id FROM documents WHERE year IS NOT DISTINCT FROM ?) GROUP BY ALL) x "
            "JOIN documents d ON d.doc_id = x.doc_id GROUP BY ALL"), [year])
    timings["section_terms"] = time.perf_counter() - t

    t = time.perf_counter()
    statuses = ", ".join(f"CAST(COUNT(*) FILTER (WHERE f.status = '{s}') AS INTEGER)" for s in FOLLOW_STATUSES)
    _insert(con, "agg_follow", (
        f"SELECT {_G}, CAST(COUNT(DISTINCT f.doc_id) AS INTEGER), CAST(COUNT(*) AS INTEGER), {statuses} "
        "FROM documents d JOIN follow_through f ON f.doc_id = d.doc_id GROUP BY ALL"))
    timings["follow"] = time.perf_counter() - t

    t = time.perf_counter()
    _insert(con, "agg_follow_pairs", (
        "SELECT CAST(row_number() OVER (ORDER BY d.year DESC, d.department, d.employee, f.idx, d.doc_id) - 1 "
        "AS INTEGER) AS pos, d.doc_id, d.employee, d.department, d.team, d.year, f.idx, p.text, p.themes, "
        "f.status, f.score, f.targets, f.shared, f.next_doc_id, n.year, f.evidence_idx, e.text, e.section "
        "FROM documents d JOIN follow_through f ON f.doc_id = d.doc_id "
        "JOIN sentences p ON p.doc_id = f.doc_id AND p.idx = f.idx "
        "JOIN documents n ON n.doc_id = f.next_doc_id "
        "LEFT JOIN sentences e ON e.doc_id = f.next_doc_id AND e.idx = f.evidence_idx ORDER BY pos"))
    timings["follow_pairs"] = time.perf_counter() - t

    t = time.perf_counter()
    _evidence(con)
    timings["evidence"] = time.perf_counter() - t

    snapshot.insert_rows(con, "agg_state", [{"key": "version", "value": VERSION}])
    return timings
