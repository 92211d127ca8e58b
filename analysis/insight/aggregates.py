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

The tables are derived, never carried over by ``copy_live`` (``analysis.store.snapshot.DERIVED``): a snapshot
writer that changes sentences without calling ``update`` leaves no aggregates and the dashboard reads the base
tables. Only ``update`` itself, in a build, copies a year's rows from the live snapshot, and only when that
year's documents are exactly the live snapshot's.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable

import duckdb
import pyarrow as pa

from analysis.schema import AGGREGATE_GRAIN, EVIDENCE_TOP, FOLLOW_STATUSES
from analysis.store import snapshot

VERSION = "6"
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


def _evidence(con: duckdb.DuckDBPyConnection, carried: set[int], delta: bool = False,
              batches: dict[int | None, list[int]] | None = None, drop: bool = True) -> None:
    """``agg_evidence`` and ``agg_evidence_keys``: the evidence lists a page opens with, per grain.

    The first ``EVIDENCE_TOP`` distinct texts of a list over any set of grains are among the first
    ``EVIDENCE_TOP`` of each grain (a text's first sentence lies in one grain and comes after fewer than
    ``EVIDENCE_TOP`` others there), so a query merges the selected grains' lists; how often each text occurs
    in the selected grains comes from ``agg_evidence_keys``. ``delta``: a build over a live snapshot whose
    aggregates are current (``_added`` and ``_removed`` hold what changed): a changed year's lists are updated
    from the live ones (``_evidence_delta``) instead of recounted. ``batches``: the year's batches of whole
    grains (``_batches``) counted one after the other, so the largest sort and hash table is one batch's
    sentences, not a year's."""
    keys = ", ".join(AGGREGATE_GRAIN)
    # one year at a time (a grain lies in one year): the largest sort and hash table is one year's sentences
    for year in [r[0] for r in con.execute("SELECT DISTINCT year FROM documents ORDER BY 1").fetchall()]:
        if year in carried:  # a year carried over from the live snapshot has its lists already
            continue
        if delta and year is not None:
            _evidence_delta(con, keys, year)
        elif batches is not None:
            for batch in batches[year]:
                _evidence_of_batch(con, keys, batch)
                if drop:
                    snapshot.drop_cache(con)
        else:
            _evidence_of_year(con, keys, year)


_R = ("{'doc_id': doc_id, 'employee': employee, 'source_file': source_file, 'idx': idx, 'section': section, "
      "'text': text, 'sentiment': sentiment, 'label': label, 'themes': themes}")
"""An evidence list's row as the struct it is stored from (the sentence that first has the list's text)."""
_SAME_GRAIN = " AND ".join(f"x.{k} IS NOT DISTINCT FROM y.{k}" for k in AGGREGATE_GRAIN)


def _evidence_rows(con: duckdb.DuckDBPyConnection, name: str, docs: str, params: list, db: str = "") -> None:
    """Temp table ``name``: the sentences of the documents ``docs`` selects (in database ``db``) that an evidence
    list can show, with their document's grain, writer and file, and their text's ``key``."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS WITH s AS (SELECT * FROM {db}sentences "
        "WHERE (label IN ('pos', 'neg') OR len(themes) > 0) "
        f"AND doc_id IN ({docs})), "
        f"k AS (SELECT text_simplified, CAST(hash({EVIDENCE_KEY}) >> 1 AS BIGINT) AS key "
        "FROM (SELECT DISTINCT text_simplified FROM s)) "
        f"SELECT {_G}, d.employee, d.source_file, s.doc_id, s.idx, s.section, s.text, s.sentiment, s.label, "
        f"s.themes, k.key FROM s JOIN {db}documents d ON d.doc_id = s.doc_id "
        "JOIN k ON k.text_simplified IS NOT DISTINCT FROM s.text_simplified", params)


def _lists(ev: str) -> dict[str, str]:
    """Per kind of list (``EVIDENCE_ORDERS``), every (sentence, list) row of the sentences in ``ev``, with the
    list's ``for_*`` columns and the sentence's place ``o`` in it."""
    return {
        # a theme's sentences in document order, in every section ('') and in their own
        "idx": "SELECT e.*, t.theme AS for_theme, '' AS for_label, CASE WHEN a.every THEN '' ELSE e.section END "
               f"AS for_section, {EVIDENCE_ORDERS['idx'].format(p='e.')} AS o "
               f"FROM {ev} e, UNNEST(list_distinct(e.themes)) AS t(theme), (VALUES (true), (false)) a(every)",
        # the positive (negative) sentences, highest (lowest) score first
        **{lab: f"SELECT e.*, '' AS for_theme, '{lab}' AS for_label, CASE WHEN a.every THEN '' ELSE e.section END "
                f"AS for_section, {EVIDENCE_ORDERS[lab].format(p='e.')} AS o FROM {ev} e, "
                f"(VALUES (true), (false)) a(every) WHERE e.label = '{lab}'" for lab in ("pos", "neg")},
    }


def _evidence_of_year(con: duckdb.DuckDBPyConnection, keys: str, year: int | None, grains: str = "") -> None:
    """A year's lists and keys counted from its sentences; ``grains``: only those of the grains in this table."""
    only = f" AND EXISTS (SELECT 1 FROM {grains} y WHERE {_SAME_GRAIN})" if grains else ""
    _evidence_count(con, keys, f"SELECT doc_id FROM documents x WHERE year IS NOT DISTINCT FROM ?{only}", [year],
                    with_keys=not grains)


def _evidence_of_batch(con: duckdb.DuckDBPyConnection, keys: str, batch: int) -> None:
    """The lists and keys of one batch of whole grains (``_batch``, see ``_batches``) counted from its sentences."""
    _evidence_count(con, keys, "SELECT doc_id FROM _batch WHERE batch = ?", [batch], with_keys=True)


def _evidence_count(con: duckdb.DuckDBPyConnection, keys: str, docs: str, params: list, with_keys: bool) -> None:
    """The lists (and with ``with_keys`` the keys) of the grains of the documents ``docs`` selects, counted from
    their sentences: whole grains, as every list and key count is a grain's."""
    _evidence_rows(con, "_ev", docs, params)
    for select in _lists("_ev").values():
        _insert(con, "agg_evidence", (
            f"SELECT {keys}, for_theme, for_label, for_section, key, CAST(n AS INTEGER), UNNEST(r) FROM ("
            f"SELECT {keys}, for_theme, for_label, for_section, key, COUNT(*) AS n, min(o) AS first, "
            f"arg_min({_R}, o) AS r "
            f"FROM ({select}) GROUP BY {keys}, for_theme, for_label, for_section, key "
            f"QUALIFY row_number() OVER (PARTITION BY {keys}, for_theme, for_label, for_section ORDER BY first) "
            # one list's rows together: a page reads one list, from few row groups
            f"<= {EVIDENCE_TOP}) ORDER BY for_theme, for_label, for_section, {keys}"))
    if with_keys:
        _insert(con, "agg_evidence_keys", (
            f"SELECT {keys}, key, section, label, themes, CAST(COUNT(*) AS INTEGER) FROM _ev "
            "GROUP BY ALL ORDER BY key"))
    con.execute("DROP TABLE _ev")


def _evidence_delta(con: duckdb.DuckDBPyConnection, keys: str, year: int) -> None:
    """A changed year's lists from the live snapshot's, the added documents' sentences and the removed ones'.

    ``agg_evidence_keys`` are counts: the live rows plus the added documents' minus the removed ones', exactly
    the year counted again. A list holds the first ``EVIDENCE_TOP`` texts by their first sentence; adding
    sentences can only move a text's first sentence earlier, so a grain that only gained is the first
    ``EVIDENCE_TOP`` of its live list and its added sentences together, each text counted (``n``) from the new
    keys. A removed document whose sentence is a list's row (a text's first sentence) may let texts further
    down the grain's lists move up, which the live lists do not hold: such a grain is counted from its
    sentences again. A removed sentence that is not a text's first changes only counts. Grains with nothing
    added or removed keep their rows."""
    _evidence_rows(con, "_ev_added", "SELECT doc_id FROM _added WHERE year = ?", [year])
    _evidence_rows(con, "_ev_removed", "SELECT doc_id FROM _removed WHERE year = ?", [year], "live.")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ev_grains AS SELECT DISTINCT {keys} FROM _ev_added "
                f"UNION SELECT DISTINCT {keys} FROM live.documents WHERE doc_id IN (SELECT doc_id FROM _removed) "
                "AND year = ?", [year])
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ev_recount AS SELECT DISTINCT {keys} FROM live.agg_evidence "
                "WHERE year = ? AND doc_id IN (SELECT doc_id FROM _removed)", [year])
    _insert(con, "agg_evidence_keys", (
        f"SELECT {keys}, key, section, label, themes, CAST(SUM(n) AS INTEGER) FROM ("
        f"SELECT {keys}, key, section, label, themes, n FROM live.agg_evidence_keys WHERE year = ? "
        f"UNION ALL SELECT {keys}, key, section, label, themes, COUNT(*) FROM _ev_added GROUP BY ALL "
        f"UNION ALL SELECT {keys}, key, section, label, themes, -COUNT(*) FROM _ev_removed GROUP BY ALL"
        ") GROUP BY ALL HAVING SUM(n) > 0 ORDER BY key"), [year])
    cols = ", ".join(f'"{c}"' for c in snapshot.TABLES["agg_evidence"])
    _insert(con, "agg_evidence", f"SELECT {cols} FROM live.agg_evidence x WHERE year = ? "
            f"AND NOT EXISTS (SELECT 1 FROM _ev_grains y WHERE {_SAME_GRAIN})", [year])
    _evidence_of_year(con, keys, year, grains="_ev_recount")
    merged = (f"EXISTS (SELECT 1 FROM _ev_grains y WHERE {_SAME_GRAIN}) "
              f"AND NOT EXISTS (SELECT 1 FROM _ev_recount y WHERE {_SAME_GRAIN})")
    kinds = {"idx": "x.for_theme <> ''", "pos": "x.for_label = 'pos'", "neg": "x.for_label = 'neg'"}
    for kind, select in _lists("_ev_added").items():
        # each text's first sentence among the live list's rows and the added sentences, then the first of them
        candidates = (
            f"SELECT {keys}, for_theme, for_label, for_section, key, {EVIDENCE_ORDERS[kind].format(p='x.')} AS o, "
            f"{_R} AS r FROM live.agg_evidence x WHERE year = ? AND {kinds[kind]} AND {merged} "
            f"UNION ALL SELECT {keys}, for_theme, for_label, for_section, key, o, {_R} AS r "
            f"FROM ({select}) x WHERE {merged}")
        same = " AND ".join(f"k.{c} IS NOT DISTINCT FROM c.{c}" for c in (*AGGREGATE_GRAIN, "key"))
        _insert(con, "agg_evidence", (
            f"SELECT {', '.join('c.' + k for k in AGGREGATE_GRAIN)}, c.for_theme, c.for_label, c.for_section, c.key, "
            f"(SELECT CAST(SUM(k.n) AS INTEGER) FROM agg_evidence_keys k WHERE {same} "
            "AND (c.for_theme = '' OR list_contains(k.themes, c.for_theme)) "
            "AND (c.for_label = '' OR k.label = c.for_label) AND (c.for_section = '' OR k.section = c.for_section)), "
            f"UNNEST(c.r) FROM (SELECT {keys}, for_theme, for_label, for_section, key, min(o) AS first, "
            f"arg_min(r, o) AS r FROM ({candidates}) GROUP BY {keys}, for_theme, for_label, for_section, key "
            f"QUALIFY row_number() OVER (PARTITION BY {keys}, for_theme, for_label, for_section ORDER BY first) "
            f"<= {EVIDENCE_TOP}) c ORDER BY c.for_theme, c.for_label, c.for_section, "
            f"{', '.join('c.' + k for k in AGGREGATE_GRAIN)}"), [year])
    for table in ("_ev_added", "_ev_removed", "_ev_grains", "_ev_recount"):
        con.execute(f"DROP TABLE {table}")


def _insert(con: duckdb.DuckDBPyConnection, table: str, select: str, params: list | None = None) -> None:
    cols = ", ".join(f'"{c}"' for c in snapshot.TABLES[table])
    con.execute(f'INSERT INTO "{table}" ({cols}) {select}', params or [])


PER_YEAR = ("agg_theme_sections", "agg_sentiment", "agg_terms", "agg_section_terms", "agg_evidence",
            "agg_evidence_keys", "agg_word_sentences", "agg_network_words", "agg_network_pairs")
"""The tables computed from a year's documents alone (their sentences, words and terms)."""


def update(con: duckdb.DuckDBPyConnection, changed: set[str] | None = None,
           verdicts: Callable[[], object] | None = None) -> dict[str, float]:
    """(Re)write every aggregate table from the snapshot's base tables; returns timings per table.

    ``verdicts``: called before the plan verdicts (``follow_through``) are summed, last; a build's passes judge them
    meanwhile in another process (``analysis.insight.passes.run``) and store them from this call.

    The word tables are summed one year at a time (a grain lies in one year), so the largest hash
    table is one year's documents × words, not the corpus'. With ``changed`` (a build over a live
    snapshot: the doc_ids whose sentences differ from the live snapshot's), the ``PER_YEAR`` tables of a
    year whose documents are exactly the live snapshot's (same doc_ids and grain, none changed) are
    carried over from it instead of summed again: they are sums over those same rows."""
    timings: dict[str, float] = {}
    carried = _unchanged_years(con, changed) if changed is not None else []
    delta = changed is not None and _live_aggregates(con)
    follow = _follow_years(con, carried)
    # a build's snapshot that began as a byte copy of the live file still holds the live aggregates (the build
    # keeps them, ``analysis.build._copy_reused``; agg_state says so): the carried years' rows stay where they
    # are and only the other years' are deleted, instead of emptying the tables and copying the rows back
    in_place = bool(carried) and snapshot.started_from_live(con) and con.execute(
        "SELECT value FROM agg_state WHERE key = 'version'").fetchall() == [(VERSION,)]
    t = time.perf_counter()
    con.register("_carried", pa.table({"year": pa.array(carried, pa.int32())}))
    con.register("_follow_carried", pa.table({"year": pa.array(follow, pa.int32())}))
    try:
        for table in snapshot.DERIVED:
            kept = ("_carried" if table in PER_YEAR else "_follow_carried" if table in _FOLLOW else "")
            if in_place and delta and table == "agg_follow_pairs":
                # every year still in the corpus keeps its rows: ``_follow_pairs`` updates the others by difference
                con.execute('DELETE FROM "agg_follow_pairs" WHERE year IS NULL OR year NOT IN '
                            "(SELECT year FROM documents WHERE year IS NOT NULL)")
                continue
            if in_place and kept:
                con.execute(f'DELETE FROM "{table}" WHERE year IS NULL OR year NOT IN (SELECT year FROM {kept})')
                continue
            con.execute(f'DELETE FROM "{table}"')
            if kept and carried and table != "agg_follow_pairs":  # (its carried rows move: _follow_pairs)
                cols = ", ".join(f'"{c}"' for c in snapshot.TABLES[table])
                con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM live."{table}" '
                            f"WHERE year IN (SELECT year FROM {kept})")
        timings["carried"] = time.perf_counter() - t
        years = {int(y) for y in carried}
        if _side_by_side(con, delta):
            # the word tables on a second connection, in a thread, while this one sums the rest: both threads are
            # in DuckDB (which lets go of the GIL), and neither lowers the memory limit under the other's statements
            beside = _Beside(con, _text_tables, years)
            try:
                _sum(con, timings, years, in_place, delta, drop=False)
            finally:
                timings.update(beside.join())
        else:
            _sum(con, timings, years, in_place, delta)
            _text_tables(con, timings, years, delta)
        if verdicts is not None:
            verdicts()
        _sum_follow(con, timings, in_place, delta)
        t = time.perf_counter()
        doc_rows(con)
        timings["doc_rows"] = time.perf_counter() - t
    finally:
        con.unregister("_carried")
        con.unregister("_follow_carried")
        con.execute("DROP TABLE IF EXISTS _added")
        con.execute("DROP TABLE IF EXISTS _removed")
    return timings


_FOLLOW = ("agg_follow", "agg_follow_pairs")

SIDE_BY_SIDE_SENTENCES = 250_000
"""Sentences of a corpus up to which a full count sums the word tables (``_text_tables``) on a second connection
beside the other tables (``_Beside``). DuckDB runs a statement on as many threads as the table scanned has row
groups (122,880 rows): below about two, each statement fills one core, and the two connections fill two. Above,
DuckDB parallelises each statement itself, and two at once would only add their hash tables up."""


def _side_by_side(con: duckdb.DuckDBPyConnection, delta: bool) -> bool:
    """Whether ``update`` sums the word tables beside the others: a full count (not ``delta``) of a corpus of at most
    ``SIDE_BY_SIDE_SENTENCES`` sentences."""
    return not delta and con.execute(
        "SELECT COALESCE(SUM(sentences), 0) FROM documents").fetchall()[0][0] <= SIDE_BY_SIDE_SENTENCES


class _Beside:
    """``count(cursor, timings, carried, False, drop=False)`` in a thread, on a second connection to the snapshot
    (``con.cursor()``: its own temp tables, the same tables and memory limit); ``join`` waits, closes it and
    returns the timings, or raises what the count raised."""

    def __init__(self, con: duckdb.DuckDBPyConnection, count: Callable, carried: set[int]) -> None:
        self.cursor = con.cursor()
        self.timings: dict[str, float] = {}
        self.error: BaseException | None = None

        def work() -> None:
            try:
                count(self.cursor, self.timings, carried, False, drop=False)
            except BaseException as error:  # noqa: BLE001 - raised again in the thread that joins
                self.error = error

        self.thread = threading.Thread(target=work, name="yearend-aggregates", daemon=True)
        self.thread.start()

    def join(self) -> dict[str, float]:
        self.thread.join()
        self.cursor.close()
        if self.error is not None:
            raise self.error
        return self.timings


def _follow_years(con: duckdb.DuckDBPyConnection, carried: list[int]) -> list[int]:
    """The carried years whose plan verdicts are the live snapshot's too: the next year is carried as well, or
    has no documents in either snapshot (a plan is judged against the writer's summary of the next year)."""
    if not carried:
        return []
    years = {r[0] for r in con.execute(
        "SELECT year FROM documents UNION SELECT year FROM live.documents").fetchall()}
    return [y for y in carried if y + 1 in carried or y + 1 not in years]


def _unchanged_years(con: duckdb.DuckDBPyConnection, changed: set[str]) -> list[int]:
    """Years whose documents (doc_id and grain) are the live snapshot's and none of which changed, when the
    live snapshot's aggregates are of this ``VERSION``."""
    if not _live_aggregates(con):
        return []
    # the employee and file name too: the evidence lists and plan pairs show them
    cols = ", ".join(("doc_id", "employee", "source_file", *AGGREGATE_GRAIN))
    con.register("_changed", pa.table({"doc_id": pa.array(sorted(changed), pa.string())}))
    try:
        # the documents whose rows an aggregate must add (this snapshot's) and subtract (the live one's)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _added AS SELECT doc_id, year FROM (SELECT {cols} FROM documents "
                    f"EXCEPT SELECT {cols} FROM live.documents) UNION "
                    "SELECT doc_id, year FROM documents WHERE doc_id IN (SELECT doc_id FROM _changed)")
        con.execute(f"CREATE OR REPLACE TEMP TABLE _removed AS SELECT doc_id, year FROM (SELECT {cols} FROM "
                    f"live.documents EXCEPT SELECT {cols} FROM documents) UNION "
                    "SELECT doc_id, year FROM live.documents WHERE doc_id IN (SELECT doc_id FROM _changed)")
        return [r[0] for r in con.execute(
            "SELECT DISTINCT year FROM documents WHERE year IS NOT NULL "
            "AND year NOT IN (SELECT year FROM _added WHERE year IS NOT NULL) "
            "AND year NOT IN (SELECT year FROM _removed WHERE year IS NOT NULL) ORDER BY 1").fetchall()]
    finally:
        con.unregister("_changed")


def _live_aggregates(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the attached live snapshot has every aggregate table, of this ``VERSION``."""
    live = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'live'").fetchall()}
    return {"documents", "agg_state", *snapshot.DERIVED} <= live and con.execute(
        "SELECT value FROM live.agg_state WHERE key = 'version'").fetchall() == [(VERSION,)]


BATCH_SENTENCES = 200_000
"""Sentences (``documents.sentences``) of the whole grains summed at once by a full count (``_batches``): the
hash tables and sorts of the aggregates are bounded by the batch, not by a year of the corpus (at 100,000
summaries one year's (document, section, word) rows took 1.2 GB and its evidence lists 1.6 GB)."""


def _batches(con: duckdb.DuckDBPyConnection, years: list[int | None],
             across: bool = False) -> dict[int | None, list[int]]:
    """Temp table ``_batch`` (doc_id, batch): the documents of ``years`` in batches of whole grains, each of at
    most ``BATCH_SENTENCES`` sentences (a larger grain is a batch of its own); returns each year's batches.

    Whole grains, because every aggregate row is a sum over one grain's documents (the evidence lists too: their
    order and cut are per grain), so summing a batch's grains gives exactly the rows summing the year gives.

    ``across`` (a full count): a batch may hold the grains of several years, listed under the year it starts in, so
    a corpus of at most ``BATCH_SENTENCES`` sentences is one batch. Each statement of a batch has a fixed cost (its
    plan, its temp tables, a pass over the base tables): at 2,000 summaries in five years, one batch instead of five
    took the aggregates from 2.9 to 2.1 s. A year's rows are still those of its grains alone (the grain holds the
    year). Without ``across`` (the incremental counts, which update a year from the live one) each year starts a
    batch."""
    grains = con.execute(
        f"SELECT {', '.join(AGGREGATE_GRAIN)}, SUM(sentences) FROM documents GROUP BY ALL "
        f"ORDER BY year NULLS LAST, {', '.join(AGGREGATE_GRAIN)}").fetchall()
    wanted = set(years)
    out: dict[int | None, list[int]] = {y: [] for y in years}
    rows: dict[str, list] = {k: [] for k in (*AGGREGATE_GRAIN, "batch")}
    at = AGGREGATE_GRAIN.index("year")
    size = 0
    batch = -1
    for *grain, n in grains:
        year = grain[at]
        if year not in wanted:
            continue
        if batch < 0 or (not across and not out[year]) or (size + (n or 0) > BATCH_SENTENCES and size):
            batch += 1
            out[year].append(batch)
            size = 0
        size += n or 0
        for k, v in zip(AGGREGATE_GRAIN, grain):
            rows[k].append(v)
        rows["batch"].append(batch)
    types = {"department": pa.string(), "team": pa.string(), "year": pa.int32(), "role": pa.string()}
    con.register("_grains", pa.table({**{k: pa.array(rows[k], types[k]) for k in AGGREGATE_GRAIN},
                                      "batch": pa.array(rows["batch"], pa.int32())}))
    try:
        same = " AND ".join(f"d.{k} IS NOT DISTINCT FROM g.{k}" for k in AGGREGATE_GRAIN)
        con.execute(f"CREATE OR REPLACE TEMP TABLE _batch AS SELECT d.doc_id, g.batch FROM documents d "
                    f"JOIN _grains g ON {same}")
    finally:
        con.unregister("_grains")
    return out


def _sum(con: duckdb.DuckDBPyConnection, timings: dict[str, float], carried: set[int], in_place: bool,
         delta: bool, drop: bool = True) -> None:
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM documents ORDER BY 1").fetchall()
             if r[0] not in carried]
    try:
        batches = _batches(con, years, across=not delta)
        _sum_batches(con, timings, carried, years, batches, in_place, delta, drop)
    finally:
        con.execute("DROP TABLE IF EXISTS _batch")


def _sum_batches(con: duckdb.DuckDBPyConnection, timings: dict[str, float], carried: set[int],
                 years: list[int | None], batches: dict[int | None, list[int]], in_place: bool, delta: bool,
                 drop: bool = True) -> None:
    """``_sum`` over the batches of whole grains of ``years`` (the years not carried), one batch at a time,
    each table's rows of a batch summed from that batch's documents alone; DuckDB's cached blocks are let go
    after each batch (``snapshot.drop_cache``), since every batch scans the base tables again."""
    labels = ", ".join(f"CAST(COUNT(*) FILTER (WHERE s.label = '{lab}') AS INTEGER)" for lab in ("pos", "neu", "neg"))
    sentiment = (
        f"SELECT {_G}, s.section, CAST(COUNT(*) AS INTEGER), CAST(COUNT(s.sentiment) AS INTEGER), "
        f"SUM(s.sentiment), {labels} FROM documents d JOIN sentences s ON s.doc_id = d.doc_id "
        "WHERE d.doc_id IN (SELECT doc_id FROM _batch WHERE batch = ?) GROUP BY ALL")
    theme_sections = (
        "SELECT {g}, x.section, x.theme, SUM(x.n) AS sentences, COUNT(*) AS documents FROM ("
        "SELECT s.doc_id, s.section, t.theme, COUNT(*) AS n FROM (SELECT doc_id, section, themes FROM {db}sentences "
        "WHERE doc_id IN (SELECT doc_id FROM {db}documents d WHERE {where})) s, UNNEST(s.themes) AS t(theme) "
        "GROUP BY ALL) x JOIN {db}documents d ON d.doc_id = x.doc_id GROUP BY ALL")
    terms = ("SELECT {g}, t.term, SUM(t.n) AS n, COUNT(*) AS documents FROM {db}documents d "
             "JOIN {db}terms t ON t.doc_id = d.doc_id WHERE {where} GROUP BY ALL")
    # per document first (one row per document, section and word), then per grain: no COUNT DISTINCT
    section_terms = (
        "SELECT {g}, x.section, x.term, COUNT(*) AS documents, SUM(x.n) AS occurrences FROM ("
        "WITH docs AS (SELECT doc_id FROM {db}documents d WHERE {where}) "
        "SELECT s.doc_id, s.section, t.term, COUNT(*) AS n "
        "FROM (SELECT doc_id, idx, section FROM {db}sentences WHERE doc_id IN (SELECT doc_id FROM docs)) s "
        "JOIN (SELECT doc_id, idx, words FROM {db}sentence_words WHERE doc_id IN (SELECT doc_id FROM docs)) w "
        "ON w.doc_id = s.doc_id AND w.idx = s.idx, UNNEST(w.words) AS t(term) GROUP BY ALL) x "
        "JOIN {db}documents d ON d.doc_id = x.doc_id GROUP BY ALL")
    counts = ("n", "documents", "occurrences", "sentences")
    per_year = (("agg_theme_sections", theme_sections), ("agg_terms", terms), ("agg_section_terms", section_terms))
    for name in ("sentiment", *(table.removeprefix("agg_") for table, _ in per_year)):
        timings[name] = 0.0
    # year first, then its batches: every table's rows of one batch, then the next batch
    for year in years:
        for batch in batches[year]:
            t = time.perf_counter()
            _insert(con, "agg_sentiment", sentiment, [batch])
            timings["sentiment"] += time.perf_counter() - t
            for table, select in ([] if delta else per_year):
                t = time.perf_counter()
                cols = list(snapshot.TABLES[table])
                sums = ", ".join(f"CAST(SUM({c}) AS INTEGER)" if c in counts else c for c in cols)
                each = select.format(g=_G, db="", where="d.doc_id IN (SELECT doc_id FROM _batch WHERE batch = ?)")
                _insert(con, table, f"SELECT {sums} FROM ({each}) GROUP BY ALL", [batch])
                timings[table.removeprefix("agg_")] += time.perf_counter() - t
            if drop:
                snapshot.drop_cache(con)
    for table, select in (per_year if delta else []):
        t = time.perf_counter()
        cols = list(snapshot.TABLES[table])
        sums = ", ".join(f"CAST(SUM({c}) AS INTEGER)" if c in counts else c for c in cols)
        # the live rows of the years summed again, plus the added documents' sums, minus the removed ones':
        # integer counts, so exactly what summing the year's documents gives
        negated = ", ".join(f"-{c}" if c in counts else c for c in cols)
        added = select.format(g=_G, db="", where="d.doc_id IN (SELECT doc_id FROM _added)")
        removed = select.format(g=_G, db="live.", where="d.doc_id IN (SELECT doc_id FROM _removed)")
        _insert(con, table, (
            f"SELECT {sums} FROM (SELECT {', '.join(cols)} FROM live.{table} "
            "WHERE year IS NULL OR year NOT IN (SELECT year FROM _carried) "
            f"UNION ALL SELECT {', '.join(cols)} FROM ({added}) UNION ALL SELECT {negated} FROM ({removed})"
            ") GROUP BY ALL HAVING SUM(documents) > 0"))
        timings[table.removeprefix("agg_")] = time.perf_counter() - t

    t = time.perf_counter()
    _evidence(con, carried, delta, batches, drop)
    timings["evidence"] = time.perf_counter() - t

    snapshot.insert_rows(con, "agg_state", [{"key": "version", "value": VERSION}])


def _sum_follow(con: duckdb.DuckDBPyConnection, timings: dict[str, float], in_place: bool, delta: bool) -> None:
    """``agg_follow`` and ``agg_follow_pairs`` of the years not in ``_follow_carried``."""
    t = time.perf_counter()
    statuses = ", ".join(f"CAST(COUNT(*) FILTER (WHERE f.status = '{s}') AS INTEGER)" for s in FOLLOW_STATUSES)
    _insert(con, "agg_follow", (
        f"SELECT {_G}, CAST(COUNT(DISTINCT f.doc_id) AS INTEGER), CAST(COUNT(*) AS INTEGER), {statuses} "
        "FROM documents d JOIN follow_through f ON f.doc_id = d.doc_id "
        "WHERE d.year NOT IN (SELECT year FROM _follow_carried) GROUP BY ALL"))
    timings["follow"] = time.perf_counter() - t

    t = time.perf_counter()
    _follow_pairs(con, in_place, delta)
    timings["follow_pairs"] = time.perf_counter() - t


def _follow_pairs(con: duckdb.DuckDBPyConnection, in_place: bool, delta: bool) -> None:
    """``agg_follow_pairs``: every judged plan in the page's order (``pos``: newest year first, then department,
    employee, sentence). The pairs of a year in ``_follow_carried`` are the live snapshot's, in the same order
    within their year: they are copied (``in_place``: kept) with their position moved by the change in the number
    of pairs of the later years; the other years' pairs are read from the base tables, one year at a time
    (``_fresh_pairs``): the plan and evidence texts of every year at once were a table that grew with the corpus
    (+250 MB in the build process at 20,000 summaries, +420 MB at 40,000). In a snapshot that holds the live rows
    (``in_place``) of current aggregates (``delta``), the other years are updated by difference instead
    (``_pairs_by_difference``): adding a year's summaries changes the pairs of the year before only for the writers
    of the new summaries."""
    by_difference = in_place and delta
    carried = {int(r[0]) for r in con.execute("SELECT year FROM _follow_carried").fetchall()}
    fresh = {r[0] for r in con.execute(
        "SELECT DISTINCT d.year FROM follow_through f JOIN documents d ON d.doc_id = f.doc_id "
        "WHERE d.year NOT IN (SELECT year FROM _follow_carried)").fetchall()}
    if carried or by_difference:
        live = dict(con.execute(
            "SELECT year, COUNT(*) FROM live.agg_follow_pairs GROUP BY year").fetchall())
    else:
        live = {}
    counts = {y: live.get(y, 0) for y in carried}
    cols = ", ".join(f'"{c}"' for c in snapshot.TABLES["agg_follow_pairs"])
    before, live_before = 0, 0  # pairs of the later years, in this snapshot and in the live one
    for year in sorted(fresh | set(counts) | set(live), reverse=True):
        if year in carried and in_place:
            if before != live_before:
                con.execute("UPDATE agg_follow_pairs SET pos = pos - ? + ? WHERE year = ?", [live_before, before, year])
        elif year in carried:
            con.execute(f"INSERT INTO agg_follow_pairs ({cols}) SELECT CAST(pos - ? + ? AS INTEGER), "
                        f"{cols.split(', ', 1)[1]} FROM live.agg_follow_pairs WHERE year = ? ORDER BY pos",
                        [live_before, before, year])
        elif by_difference:
            counts[year] = _pairs_by_difference(con, year, before)
            snapshot.drop_cache(con)
        elif year in fresh:
            counts[year] = _fresh_pairs(con, year, before)
            snapshot.drop_cache(con)
        before += counts.get(year, 0)
        live_before += live.get(year, 0)


def _pairs_by_difference(con: duckdb.DuckDBPyConnection, year: int, before: int) -> int:
    """One year's ``agg_follow_pairs``, which holds the live snapshot's rows of that year, brought up to date; positions
    from ``before`` on; returns how many.

    A row is made of its plan document (writer, grain, the plan sentence and its themes), its verdict
    (``follow_through``) and its next summary (year, evidence sentence). So the rows of a document can differ from the
    live ones only when it was added or removed (``_added``, ``_removed``: analysed, corrected or re-tagged), when its
    next summary, now or in the live snapshot, was, or when it is paired with another next summary, or no longer or
    newly paired: a pair of two unchanged documents keeps its verdicts (``passes.start_follow_through``), and the
    verdicts of any other pair are judged again, which the first two cases cover. Those documents' rows are deleted and
    read again from the base tables (``_fresh_pairs``'s statement, for them alone); the year's positions are then
    numbered again in the page's order. Adding 1,000 summaries to the last year of a 100,000-summary store reads back
    about 1,000 documents' plans instead of the 166,000 pairs of the year before."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _moved AS SELECT doc_id FROM _added UNION SELECT doc_id FROM _removed")
    pairs = ("SELECT DISTINCT f.doc_id, f.next_doc_id FROM {db}follow_through f JOIN {db}documents d "
             "ON d.doc_id = f.doc_id WHERE d.year = $year")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pair_docs AS SELECT doc_id FROM ("
        f"({pairs.format(db='')} EXCEPT {pairs.format(db='live.')}) UNION ALL "
        f"({pairs.format(db='live.')} EXCEPT {pairs.format(db='')})) "
        "UNION SELECT doc_id FROM _moved "
        "UNION SELECT doc_id FROM follow_through WHERE next_doc_id IN (SELECT doc_id FROM _moved) "
        "UNION SELECT doc_id FROM live.follow_through WHERE next_doc_id IN (SELECT doc_id FROM _moved)", {"year": year})
    try:
        con.execute("DELETE FROM agg_follow_pairs WHERE year = ? AND doc_id IN (SELECT doc_id FROM _pair_docs)", [year])
        _fresh_pairs(con, year, before, only="_pair_docs")
        con.execute(
            "UPDATE agg_follow_pairs SET pos = r.p FROM (SELECT doc_id AS d, idx AS i, CAST(? + row_number() OVER "
            "(ORDER BY department, employee, idx, doc_id) - 1 AS INTEGER) AS p FROM agg_follow_pairs WHERE year = ?) r "
            "WHERE agg_follow_pairs.year = ? AND agg_follow_pairs.doc_id = r.d AND agg_follow_pairs.idx = r.i "
            "AND agg_follow_pairs.pos <> r.p", [before, year, year])
        return con.execute("SELECT COUNT(*) FROM agg_follow_pairs WHERE year = ?", [year]).fetchall()[0][0]
    finally:
        con.execute("DROP TABLE _pair_docs")
        con.execute("DROP TABLE _moved")


def _fresh_pairs(con: duckdb.DuckDBPyConnection, year: int, before: int, only: str = "") -> int:
    """Insert one year's judged plans into ``agg_follow_pairs`` from the base tables, positions from ``before`` on;
    returns how many. ``only``: a table of the doc_ids whose plans are inserted (the others are not read)."""
    # the plans' documents and their next ones first: only their sentences are read
    mine = f" AND f.doc_id IN (SELECT doc_id FROM {only})" if only else ""
    con.execute("CREATE OR REPLACE TEMP TABLE _plans AS SELECT DISTINCT f.doc_id, f.next_doc_id FROM follow_through f "
                f"JOIN documents d ON d.doc_id = f.doc_id WHERE d.year = ?{mine}", [year])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _fresh_pairs AS "
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, f.idx, p.text, p.themes, "
        "f.status, f.score, f.targets, f.shared, f.next_doc_id, n.year AS next_year, f.evidence_idx, e.text AS etext, "
        "e.section AS esection FROM documents d JOIN follow_through f ON f.doc_id = d.doc_id "
        "JOIN (SELECT doc_id, idx, text, themes FROM sentences WHERE doc_id IN (SELECT doc_id FROM _plans)) p "
        "ON p.doc_id = f.doc_id AND p.idx = f.idx "
        "JOIN documents n ON n.doc_id = f.next_doc_id "
        "LEFT JOIN (SELECT doc_id, idx, text, section FROM sentences "
        "WHERE doc_id IN (SELECT next_doc_id FROM _plans)) e "
        "ON e.doc_id = f.next_doc_id AND e.idx = f.evidence_idx "
        f"WHERE d.year = ?{mine}", [year])
    try:
        n = con.execute("SELECT COUNT(*) FROM _fresh_pairs").fetchall()[0][0]
        cols = ", ".join(f'"{c}"' for c in snapshot.TABLES["agg_follow_pairs"])
        con.execute(
            f"INSERT INTO agg_follow_pairs ({cols}) SELECT CAST(? + row_number() OVER "
            "(ORDER BY department, employee, idx, doc_id) - 1 AS INTEGER), doc_id, employee, department, team, "
            "year, idx, text, themes, status, score, targets, shared, next_doc_id, next_year, evidence_idx, etext, "
            "esection FROM _fresh_pairs ORDER BY 1", [before])
        return n
    finally:
        con.execute("DROP TABLE _fresh_pairs")
        con.execute("DROP TABLE _plans")


NETWORK_WORDS = 300
"""Candidate words of a year (``agg_network_words``): the year's ``NETWORK_WORDS`` most frequent words (by ``terms``,
as the network ranks its vocabulary), and each department's in that year. The 探索 page draws at most 150 words
(``explore.DEFAULT_NETWORK``), the most frequent of the filtered documents: for one department (or the whole
store) they are among that department's (the store's) 300 most frequent words of every year unless its words
change a lot from year to year; when they are not, the page reads the base tables."""


def _text_tables(con: duckdb.DuckDBPyConnection, timings: dict[str, float], carried: set[int],
                 delta: bool = False, drop: bool = True) -> None:
    """``agg_word_sentences``, ``agg_network_words`` and ``agg_network_pairs`` of the years not carried over from the
    live snapshot, batch by batch (``_batches``): the largest join is one batch's sentences × their candidate words,
    not the corpus'. A full count's batch may hold several years (a small corpus is one batch), so every year's
    network words are ranked first and each sentence's pairs are of its own year's words (``_pair_rows(own_year)``).

    The 探索 page's figures are sums over sentences: a word's sentences (its frequency in the network and among
    collocates, its trend), every sentence (the rates' denominators), and two words' shared sentences (the network's
    edges). Each sentence lies in one grain, so the sums over the grains of the filtered documents are exactly the
    sums over their sentences (``analysis.query.explore``). A year is counted in its batches of whole grains
    (``_batches``): one year of 100,000 summaries at once took 1.0 GB in DuckDB, the peak of the whole build.
    ``delta`` (a build over a live snapshot whose aggregates
    are current; ``_added`` and ``_removed`` hold what changed): a changed year's counts are the live rows plus the
    added documents' minus the removed ones' (integer counts: exactly the year counted again), and so are its pairs
    when its network words are the live ones; an incremental build then reads the new documents' words, not the
    year's."""
    years = [r[0] for r in con.execute("SELECT DISTINCT year FROM documents ORDER BY 1").fetchall()
             if r[0] not in carried]
    try:
        batches = _batches(con, years, across=not delta)
        if not delta:  # a batch may hold several years: every year's network words first, which its pairs are of
            for year in years:
                _network_words(con, timings, year)
        for year in years:
            _year_text_tables(con, timings, year, delta and year is not None, batches[year], drop, words=delta)
            for table in ("_sw", "_sw_added", "_sw_removed"):
                con.execute(f"DROP TABLE IF EXISTS {table}")
            if drop:
                snapshot.drop_cache(con)  # a year's blocks are not read again (mem18: the cache grew with the corpus)
    finally:
        con.execute("DROP TABLE IF EXISTS _batch")


def _word_table(con: duckdb.DuckDBPyConnection, name: str, docs: str, params: list, db: str = "") -> None:
    """Temp table ``name``: the word lists (``sentence_words``, with their rowid) of the documents ``docs`` selects,
    with each document's grain, from this snapshot or (``db`` ``live.``) the live one."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {_G}, w.rowid AS r, w.doc_id, w.words FROM {db}documents d "
        f"JOIN {db}sentence_words w ON w.doc_id = d.doc_id WHERE {docs}", params)


def _word_rows(words: str) -> str:
    """Per grain and word of the word lists in ``words`` (``_word_table``): the sentences and documents holding the
    word, and per grain the word '' for every sentence. Per document first (one row per document and word), then
    per grain: no COUNT DISTINCT."""
    keys = ", ".join(AGGREGATE_GRAIN)
    return (f"SELECT {keys}, word, SUM(n) AS sentences, COUNT(*) AS documents FROM ("
            f"SELECT {keys}, doc_id, word, COUNT(*) AS n FROM (SELECT {keys}, doc_id, unnest(words) AS word "
            f"FROM {words}) GROUP BY ALL) GROUP BY ALL "
            f"UNION ALL SELECT {keys}, '' AS word, SUM(n), COUNT(*) FROM ("
            f"SELECT {keys}, doc_id, COUNT(*) AS n FROM {words} GROUP BY ALL) GROUP BY ALL")


def _pair_rows(words: str, where: str = "TRUE", own_year: bool = False) -> str:
    """Per grain, each pair of the year's network words (parameter: the year) with the sentences of ``words`` holding
    both (a sentence stores each word once); ``where``: a condition on the pair (``a.word``, ``b.word``).
    ``own_year`` (no parameter): each sentence's pairs of its own year's network words, for word lists of
    several years (a batch of ``_batches(across=True)``)."""
    keys = ", ".join(AGGREGATE_GRAIN)
    network = ("x SEMI JOIN agg_network_words n ON n.word = x.word AND n.year IS NOT DISTINCT FROM x.year" if own_year
               else "x WHERE word IN (SELECT word FROM agg_network_words WHERE year IS NOT DISTINCT FROM ?)")
    return (f"WITH u AS (SELECT x.* FROM (SELECT {keys}, r, unnest(words) AS word FROM {words}) {network}) "
            f"SELECT {', '.join('a.' + k for k in AGGREGATE_GRAIN)}, a.word AS source, b.word AS target, "
            f"COUNT(*) AS sentences FROM u a JOIN u b ON a.r = b.r AND a.word < b.word WHERE {where} GROUP BY ALL")


def _network_words(con: duckdb.DuckDBPyConnection, timings: dict[str, float], year: int | None) -> None:
    """The year's rows of ``agg_network_words``: its most frequent words, and each department's, ranked as the
    network's vocabulary is."""
    t = time.perf_counter()
    _insert(con, "agg_network_words", (
        "WITH n AS (SELECT d.department, t.term, SUM(t.n) AS n FROM documents d "
        "JOIN terms t ON t.doc_id = d.doc_id WHERE d.year IS NOT DISTINCT FROM $year GROUP BY ALL), "
        "every AS (SELECT term, SUM(n) AS n FROM n GROUP BY ALL) "
        f"SELECT DISTINCT CAST($year AS INTEGER), term FROM ("
        f"(SELECT term FROM every ORDER BY n DESC, term LIMIT {NETWORK_WORDS}) UNION ALL "
        f"SELECT term FROM n QUALIFY row_number() OVER (PARTITION BY department ORDER BY n DESC, term) "
        f"<= {NETWORK_WORDS}) ORDER BY 2"), {"year": year})
    timings["text_tables"] = timings.get("text_tables", 0.0) + time.perf_counter() - t


def _year_text_tables(con: duckdb.DuckDBPyConnection, timings: dict[str, float], year: int | None,
                      delta: bool, batches: list[int], drop: bool = True, words: bool = True) -> None:
    """One year's rows of the three tables of ``_text_tables``: by difference (``delta``), or counted batch by
    batch (``batches``, of the temp table ``_batch``: the batches that start in this year, which may hold later
    years' grains too). ``words``: the year's network words are not summed yet (``_network_words``)."""
    keys = ", ".join(AGGREGATE_GRAIN)
    if words:
        _network_words(con, timings, year)
    t = time.perf_counter()
    if delta:
        _word_table(con, "_sw_added", "d.doc_id IN (SELECT doc_id FROM _added WHERE year = ?)", [year])
        _word_table(con, "_sw_removed", "d.doc_id IN (SELECT doc_id FROM _removed WHERE year = ?)", [year], "live.")
        _insert(con, "agg_word_sentences", (
            f"SELECT {keys}, word, CAST(SUM(sentences) AS INTEGER), CAST(SUM(documents) AS INTEGER) FROM ("
            f"SELECT {keys}, word, sentences, documents FROM live.agg_word_sentences WHERE year = ? "
            f"UNION ALL SELECT * FROM ({_word_rows('_sw_added')}) "
            f"UNION ALL SELECT {keys}, word, -sentences, -documents FROM ({_word_rows('_sw_removed')})"
            ") GROUP BY ALL HAVING SUM(documents) > 0 ORDER BY word"), [year])
        _network_pairs_delta(con, keys, year)
    for batch in [] if delta else batches:
        _word_table(con, "_sw", "d.doc_id IN (SELECT doc_id FROM _batch WHERE batch = ?)", [batch])
        _insert(con, "agg_word_sentences", (
            f"SELECT {keys}, word, CAST(sentences AS INTEGER), CAST(documents AS INTEGER) "
            f"FROM ({_word_rows('_sw')}) ORDER BY word"))
        _insert(con, "agg_network_pairs", (
            f"SELECT {keys}, source, target, CAST(sentences AS INTEGER) FROM ({_pair_rows('_sw', own_year=True)}) "
            "ORDER BY 5, 6"))
        if drop:
            snapshot.drop_cache(con)
    timings["text_tables"] = timings.get("text_tables", 0.0) + time.perf_counter() - t


def _network_pairs_delta(con: duckdb.DuckDBPyConnection, keys: str, year: int) -> None:
    """A changed year's ``agg_network_pairs`` from the live ones. The year's network words move only at the tail of
    the ranking (adding 1 % of 100,000 summaries to a year: one word in, three out, of ~1,000), so: the live pairs
    of two words still in the network, plus the added sentences' pairs of such words, minus the removed sentences';
    and the pairs with a word new to the network counted over the year's sentences holding one of the new words."""
    con.execute("CREATE OR REPLACE TEMP TABLE _new_words AS SELECT word FROM agg_network_words WHERE year = $year "
                "EXCEPT SELECT word FROM live.agg_network_words WHERE year = $year", {"year": year})
    new = "(SELECT word FROM _new_words)"
    old = f"a.word NOT IN {new} AND b.word NOT IN {new}"
    kept = ("source IN (SELECT word FROM agg_network_words WHERE year = ?) "
            "AND target IN (SELECT word FROM agg_network_words WHERE year = ?)")
    parts = [f"SELECT {keys}, source, target, sentences FROM live.agg_network_pairs WHERE year = ? AND {kept}",
             f"SELECT * FROM ({_pair_rows('_sw_added', old)})",
             f"SELECT {keys}, source, target, -sentences FROM ({_pair_rows('_sw_removed', old)})"]
    params = [year, year, year, year, year]
    if con.execute("SELECT COUNT(*) FROM _new_words").fetchall()[0][0]:
        _word_table(con, "_sw", "d.year = ? AND list_has_any(w.words, (SELECT list(word) FROM _new_words))", [year])
        parts.append(f"SELECT * FROM ({_pair_rows('_sw', f'NOT ({old})')})")
        params.append(year)
    _insert(con, "agg_network_pairs", (
        f"SELECT {keys}, source, target, CAST(SUM(sentences) AS INTEGER) FROM ("
        + " UNION ALL ".join(parts) + ") GROUP BY ALL HAVING SUM(sentences) > 0 ORDER BY 5, 6"), params)
    con.execute("DROP TABLE _new_words")


ROW_TABLES = {"sentences": "sentences_rows", "sentence_words": "words_rows"}
"""The base tables ``agg_doc_rows`` locates rows in, and the ``agg_state`` key of each one's stamp."""


def row_stamp(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """The rows and the largest rowid of ``table``: rowids move only when a checkpoint compacts deleted rows, which
    changes the largest; a writer that adds rows changes the count (and leaves no aggregates anyway)."""
    n, top = con.execute(f'SELECT COUNT(*), MAX(rowid) FROM "{table}"').fetchall()[0]
    return f"{n}:{top}"


def doc_rows(con: duckdb.DuckDBPyConnection) -> None:
    """``agg_doc_rows``: each document's runs of rowids in ``sentences`` and ``sentence_words``, and the two tables'
    stamps (``row_stamp``) in ``agg_state``.

    Every document, always recounted: rowids are this file's positions, so rows of another snapshot mean nothing
    here. A document whose rows span min..max without a gap (nearly all) is one run, from one hash aggregate; the
    few others (split by a row group boundary of a parallel insert) are cut into runs from their own rows."""
    for table in ROW_TABLES:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _spans AS SELECT doc_id, min(rowid) AS a, max(rowid) AS b, "
                    f"COUNT(*) AS n FROM {table} GROUP BY doc_id")
        _insert(con, "agg_doc_rows", (
            f"SELECT doc_id, '{table}', a, CAST(n AS INTEGER) FROM _spans WHERE b - a + 1 = n "
            f"UNION ALL SELECT doc_id, '{table}', min(rowid), CAST(COUNT(*) AS INTEGER) FROM ("
            "SELECT doc_id, rowid, rowid - row_number() OVER (PARTITION BY doc_id ORDER BY rowid) AS run "
            f"FROM {table} WHERE doc_id IN (SELECT doc_id FROM _spans WHERE b - a + 1 <> n)) GROUP BY doc_id, run "
            "ORDER BY 1, 3"))
        con.execute("DROP TABLE _spans")
    snapshot.insert_rows(con, "agg_state", [{"key": key, "value": row_stamp(con, table)}
                                            for table, key in ROW_TABLES.items()])
