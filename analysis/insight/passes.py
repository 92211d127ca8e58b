"""Figures that depend on more than one document, recomputed for a whole snapshot.

Per-document analysis is a pure function of one file (pipeline.py), which is what makes the build
incremental. Whether a summary was copied, or whether last year's plans were carried out, depends on
the other summaries and on the template library, so these figures are recomputed over every new
snapshot, from what the pipeline stored (MinHash signatures, content words): no document is analysed
again (follow-through reads the word frequencies of jieba's dictionary, from the tokenizer's cache).
Both run on the snapshot connection before it is swapped in, so a
reader never sees documents without their copy and follow-through figures.
"""
from __future__ import annotations

import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from analysis.insight import aggregates, copies, corrections, explore, followthrough, taxonomy
from analysis.store import snapshot

KNOWN_SHINGLES_BYTES = 32 * 2**20
"""Bytes of shingle sets (~5 KB per summary) a build keeps for the copy pass; beyond, they are recomputed from
the stored text of the pairs verified (``copies.VERIFY_PAIRS`` at a time)."""
KNOWN_SENTENCES_BYTES = 64 * 2**20
"""Bytes of sentences (in the compact form the workers send: ~9 KB per summary) a build keeps for plan
follow-through; beyond, they are read back from the snapshot, a chunk of pairs at a time. Keeping every
document's sentences as word lists (the corpus in one process, ~26 KB per summary) was most of a
100,000-summary build's 7 GB; an entry count (5,000 documents) still let it grow with the summaries' length."""


def _sentences_size(sentences: list[tuple[int, str, str, str]]) -> int:
    """What ``Known`` counts for a document's sentences: the list, each tuple and its words string (the
    section and label strings are the pipeline's few constants, shared)."""
    return sys.getsizeof(sentences) + sum(sys.getsizeof(s) + sys.getsizeof(s[3]) for s in sentences)


@dataclass
class Known:
    """What a build already holds of the documents it analysed, so the passes need not read it back.

    Reading every sentence's words back from the snapshot and re-deriving the shingle sets of copy
    candidates cost as much as both passes' own work. Documents the build reused from the live
    store are not here and are read as before. Each cache stops taking documents at its byte budget
    (``KNOWN_SHINGLES_BYTES``, ``KNOWN_SENTENCES_BYTES``), so what the build holds does not grow with the
    corpus; documents beyond it are read back from the snapshot.
    """

    shingles: dict[str, np.ndarray] = field(default_factory=dict)
    sentences: dict[str, list[tuple[int, str, str, str]]] = field(default_factory=dict)
    """Per document, its sentences that have content words as (idx, section, label, words joined by tabs)."""
    analysed: set[str] = field(default_factory=set)
    """Every document the build analysed (the caches hold only those within their budgets)."""
    shingle_bytes: int = 0
    sentence_bytes: int = 0

    def add(self, doc_id: str, shingles: np.ndarray | None, sentences: list[tuple[int, str, str, str]]) -> None:
        """One analysed document: its shingle set, and its sentences that have content words as
        (idx, section, label, the words joined by tabs), in order (the rows update_follow_through reads)."""
        self.analysed.add(doc_id)
        if shingles is not None and self.shingle_bytes + shingles.nbytes <= KNOWN_SHINGLES_BYTES:
            self.shingles[doc_id] = shingles
            self.shingle_bytes += shingles.nbytes
        size = _sentences_size(sentences)
        if self.sentence_bytes + size <= KNOWN_SENTENCES_BYTES:
            self.sentences[doc_id] = sentences
            self.sentence_bytes += size

    def forget_sentences(self, doc_id: str) -> None:
        sentences = self.sentences.pop(doc_id, None)
        if sentences is not None:
            self.sentence_bytes -= _sentences_size(sentences)


def _has_live_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE database_name = 'live' AND table_name = ?", [table]).fetchall())


def _document_texts(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> dict[str, list[str]]:
    if not doc_ids:
        return {}
    con.register("_wanted", pa.table({"doc_id": doc_ids}))
    try:
        rows = con.execute(
            "SELECT doc_id, list(text_simplified ORDER BY idx) FROM sentences "
            "WHERE doc_id IN (SELECT doc_id FROM _wanted) GROUP BY doc_id").fetchall()
    finally:
        con.unregister("_wanted")
    return dict(rows)


def _copy_queries(con: duckdb.DuckDBPyConnection, analysed: set[str]) -> set[str]:
    """The documents whose copy match an incremental build must look for again: analysed in this
    build, new to the store, or with other metadata than in the live snapshot (who and when decide
    which texts may be a source), and those whose stored source is gone or is one of those."""
    con.register("_analysed", pa.table({"doc_id": pa.array(sorted(analysed), pa.string())}))
    try:
        con.execute(
            "CREATE TEMP TABLE _queries AS SELECT d.doc_id FROM documents d "
            "LEFT JOIN live.documents l USING (doc_id) WHERE l.doc_id IS NULL "
            "OR d.doc_id IN (SELECT doc_id FROM _analysed) OR l.employee IS DISTINCT FROM d.employee "
            "OR l.department IS DISTINCT FROM d.department OR l.year IS DISTINCT FROM d.year")
        stale = con.execute(
            "SELECT doc_id FROM documents WHERE coalesce(copy_of, '') <> '' AND (copy_of IN (SELECT doc_id FROM "
            "_queries) OR (copy_of NOT IN (SELECT doc_id FROM documents) AND copy_of NOT IN (SELECT name FROM "
            "templates)))").fetchall()
        return {r[0] for r in con.execute("SELECT doc_id FROM _queries").fetchall()} | {r[0] for r in stale}
    finally:
        con.execute("DROP TABLE IF EXISTS _queries")
        con.unregister("_analysed")


def update_copies(con: duckdb.DuckDBPyConnection, known: Known | None = None) -> int:
    """Find every document's closest earlier source and store it in the documents table; the number of copies.

    In a build (``known`` given) over a live snapshot, only pairs that involve a document analysed
    now, new, re-tagged or whose source went (``_copy_queries``) are looked at: those documents get
    their best match afresh, every other keeps its stored match unless a new document is closer."""
    return start_copies(con, known)()


def start_copies(con: duckdb.DuckDBPyConnection, known: Known | None = None) -> Callable[[], int]:
    """``update_copies`` started; the returned call finishes it (verifies the candidate pairs, stores the matches)
    and returns the number of copies.

    In an incremental build the candidate pairs are worked out in a thread while the aggregates are summed (``run``):
    that half is numpy on the signatures read here (no store access), the aggregates are DuckDB statements, and
    both let go of the GIL. Beside the passes that are Python (follow-through, topics) the two threads slowed each
    other down. A full build does all of it at once: its candidate index (hundreds of MB at 100,000 summaries)
    would otherwise sit on top of the aggregates' peak."""
    incremental = known is not None and _has_live_table(con, "documents")
    known = known or Known()
    rows = con.execute(
        "SELECT d.doc_id, s.minhash, s.shingles, d.employee, d.department, d.year "
        "FROM documents d JOIN signatures s USING (doc_id)").fetchall()
    library = con.execute("SELECT name, text FROM templates ORDER BY name").fetchall()
    template_sets = {}
    templates = []
    for name, text in library:
        key = "\x00template:" + name
        template_sets[key] = copies.shingles(copies.canonical(copies.template_lines(text)))
        templates.append(copies.Source(key, copies.signature(template_sets[key]), len(template_sets[key]),
                                       template=name))
    queries = _copy_queries(con, known.analysed) if incremental else None

    def pairs():
        docs = [copies.Source(r[0], r[1], r[2], r[3] or "", r[4] or "", r[5] or 0) for r in rows]
        rows.clear()
        return copies.pairs_to_verify(docs, templates, new=queries)

    pending: Future | None = None
    if incremental:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yearend-copies")
        pending = pool.submit(pairs)
        pool.shutdown(wait=False)  # the thread ends with its one task
    else:
        done = pairs()

    def shingles_of(keys: list[str]) -> dict:
        out = {k: template_sets[k] if k in template_sets else known.shingles[k]
               for k in keys if k in template_sets or k in known.shingles}
        texts = _document_texts(con, [k for k in keys if k not in out])
        # the blocks of ``sentences`` each run scans stay cached otherwise: at 100,000 summaries, 340 MB by the last run
        snapshot.drop_cache(con)
        out.update({k: copies.shingles(copies.canonical(t)) for k, t in texts.items()})
        return out

    def finish() -> int:
        matches = copies.verify(*(pending.result() if pending is not None else done), shingles_of)
        if queries is None:
            con.execute("UPDATE documents SET copy_of = '', copy_kind = '', copy_similarity = NULL")
        else:
            con.register("_queries", pa.table({"doc_id": pa.array(sorted(queries), pa.string())}))
            try:
                con.execute("UPDATE documents SET copy_of = '', copy_kind = '', copy_similarity = NULL "
                            "WHERE doc_id IN (SELECT doc_id FROM _queries)")
            finally:
                con.unregister("_queries")
        if matches:
            table = pa.table({
                "doc_id": [m.doc_id for m in matches], "copy_of": [m.copy_of for m in matches],
                "copy_kind": [m.kind if m.copied else "" for m in matches],
                "copy_similarity": [m.similarity for m in matches],
            })
            con.register("_copies", table)
            try:
                # a stored match stands unless the new one is closer (the queried documents were cleared)
                con.execute("UPDATE documents SET copy_of = c.copy_of, copy_kind = c.copy_kind, "
                            "copy_similarity = c.copy_similarity FROM _copies c WHERE documents.doc_id = c.doc_id "
                            "AND (documents.copy_similarity IS NULL OR c.copy_similarity > documents.copy_similarity)")
            finally:
                con.unregister("_copies")
        return con.execute("SELECT COUNT(*) FROM documents WHERE copy_kind <> ''").fetchall()[0][0]

    if pending is not None:
        return finish
    count = finish()
    return lambda: count


_PAIRS_SQL = """
WITH p AS (SELECT employee, department, year, min(doc_id) AS doc_id FROM {db}documents
           WHERE coalesce(employee, '') <> '' AND coalesce(year, 0) <> 0 GROUP BY employee, department, year)
SELECT a.doc_id, b.doc_id AS next_doc_id FROM p a JOIN p b
  ON a.employee = b.employee AND a.department IS NOT DISTINCT FROM b.department AND b.year = a.year + 1
"""
"""(plan document, next year's document) pairs, as ``followthrough.follow_through`` forms them: per
employee, department and year the smallest doc_id."""


def _sentence_rows(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> pa.Table | None:
    """The (doc_id, idx, section, label, words) rows of ``doc_ids``' sentences that have content words, in order, as
    an Arrow table (None for no documents).

    Arrow, not Python tuples: making a Python list of words for each of a chunk's ~130,000 sentences took the build
    process ~2.5 s of the ~2.8 s a chunk's read cost (20,000 and 100,000 summaries alike); read as Arrow it is
    ~0.3 s, and the lists are made by the pass helper (``_judge``), beside the build process's next read."""
    if not doc_ids:
        return None
    con.register("_unread", pa.table({"doc_id": pa.array(doc_ids, pa.string())}))
    try:
        return con.sql(
            "SELECT s.doc_id, s.idx, s.section, s.label, w.words FROM sentences s "
            "JOIN sentence_words w ON w.doc_id = s.doc_id AND w.idx = s.idx "
            "WHERE s.doc_id IN (SELECT doc_id FROM _unread) ORDER BY s.doc_id, s.idx").to_arrow_table()
    finally:
        con.unregister("_unread")


def _judge(pairs: list[tuple[str, str]], kept: dict[str, list[tuple[int, str, str, str]]],
           rows: pa.Table | None) -> tuple[list[followthrough.Result], dict[str, float]]:
    """``followthrough.judge_pairs`` over sentences as they travel: the build's compact ones (``Known.sentences``) and
    the rows read back (``_sentence_rows``). Runs in the pass helper, so the objects are made there, not in the build
    process."""
    sentences: dict[str, list[followthrough.Sentence]] = defaultdict(list)
    for doc_id, compact in kept.items():
        sentences[doc_id] = [followthrough.Sentence(idx, section, label, words.split("\t"))
                             for idx, section, label, words in compact]
    if rows is not None:
        for doc_id, idx, section, label, words in zip(*(column.to_pylist() for column in rows.columns)):
            sentences[doc_id].append(followthrough.Sentence(idx, section, label, words))
    return followthrough.judge_pairs(pairs, sentences)


class Inline(Executor):
    """An executor that runs each call at once, in this process: the passes outside a build (an upload, an edit,
    a test), where no helper process is worth forking."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # noqa: BLE001 - handed to whoever asks for the result, as a pool would
            future.set_exception(error)
        return future


INLINE = Inline()


def _store_follow_through(con: duckdb.DuckDBPyConnection, results: list[followthrough.Result]) -> None:
    snapshot.insert_rows(con, "follow_through", [
        {"doc_id": r.doc_id, "idx": r.idx, "next_doc_id": r.next_doc_id, "status": r.status, "score": r.score,
         "evidence_idx": r.evidence_idx, "targets": list(r.targets), "shared": list(r.shared)} for r in results
    ])


def _store_rates(con: duckdb.DuckDBPyConnection, rates: dict[str, float]) -> None:
    if rates:
        con.register("_rates", pa.table({"doc_id": list(rates), "rate": list(rates.values())}))
        try:
            con.execute("UPDATE documents SET follow_through = r.rate FROM _rates r "
                        "WHERE documents.doc_id = r.doc_id")
        finally:
            con.unregister("_rates")


PAIR_CHUNK = 2000
"""Plan/next-year pairs judged at once: the sentences of at most twice as many documents are in memory per chunk
(in the build process, at most ``FOLLOW_AHEAD`` chunks: those read and not yet judged and stored)."""


FOLLOW_AHEAD = 6
"""Chunks of pairs sent to the pass helper and not yet stored. Up to this many, the build process does not wait for
the helper's judging but goes on with the other passes (topics, network, aggregates), storing the verdicts when the
aggregates need them; with 2, at 10,000 summaries (4 chunks) it waited 2.5–3 s, a core idle meanwhile. Each chunk
in flight holds its sentences read back (``_sentence_rows``, ~18 MB of Arrow at ``PAIR_CHUNK``) until judged, then
its verdicts (~10 MB) until stored: ~170 MB at most."""


def update_follow_through(con: duckdb.DuckDBPyConnection, known: Known | None = None,
                          changed: set[str] | None = None) -> int:
    """Judge every plan sentence against the writer's next summary; store pairs and per-document rates; returns
    the number of plans judged (``start_follow_through``, run to the end here)."""
    return start_follow_through(con, known, changed)()


def start_follow_through(con: duckdb.DuckDBPyConnection, known: Known | None = None,
                         changed: set[str] | None = None, executor: Executor = INLINE) -> Callable[[], int]:
    """Start judging every plan sentence against the writer's next summary; the returned call stores the last
    verdicts and per-document rates and returns the number of plans judged here.

    The judging (``followthrough.judge_pairs``, pure Python) runs on ``executor``: in a build, the pass helper
    process, while this process goes on with the other passes (``run``); elsewhere at once (``INLINE``).

    The pairs are formed in SQL and judged ``PAIR_CHUNK`` at a time, reading back only those pairs'
    sentences, so memory is bounded by the chunk, not the corpus. With ``changed`` (the doc_ids whose
    sentences differ from the live snapshot's: analysed in this build, or corrected), only the pairs
    that are new or involve a changed document are judged; the verdicts and rates of the other pairs
    are carried over from the live snapshot in SQL, so adding a year of summaries reads back only the
    documents paired with the new ones."""
    known = known or Known()
    incremental = changed is not None and _has_live_table(con, "follow_through") and _has_live_table(con, "documents")
    # a build's snapshot that began as a byte copy of the live file keeps the live verdicts in place
    # (``analysis.build._copy_reused``): only those not kept are deleted, instead of copying the kept back
    in_place = incremental and snapshot.started_from_live(con) and bool(
        con.execute("SELECT COUNT(*) FROM (SELECT 1 FROM follow_through LIMIT 1)").fetchall()[0][0])
    if not in_place:
        con.execute("DELETE FROM follow_through")
    con.execute(f"CREATE TEMP TABLE _pairs AS {_PAIRS_SQL.format(db='')}")
    try:
        if incremental:
            con.register("_changed", pa.table({"doc_id": pa.array(sorted(changed), pa.string())}))
            # pairs of the live snapshot neither of whose documents changed: their verdicts stand
            con.execute(
                f"CREATE TEMP TABLE _kept AS SELECT * FROM ({_PAIRS_SQL.format(db='live.')}) "
                "INTERSECT SELECT * FROM _pairs")
            con.execute("DELETE FROM _kept WHERE doc_id IN (SELECT doc_id FROM _changed) "
                        "OR next_doc_id IN (SELECT doc_id FROM _changed)")
            con.unregister("_changed")
            if in_place:
                con.execute("DELETE FROM follow_through f WHERE NOT EXISTS (SELECT 1 FROM _kept k "
                            "WHERE k.doc_id = f.doc_id AND k.next_doc_id = f.next_doc_id)")
            else:
                cols = ", ".join(f'f."{c}"' for c in snapshot.TABLES["follow_through"])
                con.execute(f"INSERT INTO follow_through SELECT {cols} FROM live.follow_through f "
                            "JOIN _kept k USING (doc_id, next_doc_id)")
            todo = con.execute("SELECT * FROM (SELECT doc_id, next_doc_id FROM _pairs EXCEPT "
                               "SELECT doc_id, next_doc_id FROM _kept) ORDER BY doc_id").fetchall()
            con.execute("UPDATE documents SET follow_through = NULL "
                        "WHERE doc_id NOT IN (SELECT doc_id FROM _kept)")
        else:
            todo = con.execute("SELECT doc_id, next_doc_id FROM _pairs ORDER BY doc_id").fetchall()
            con.execute("UPDATE documents SET follow_through = NULL")
    finally:
        con.execute("DROP TABLE IF EXISTS _pairs")
        con.execute("DROP TABLE IF EXISTS _kept")
    judged = 0
    pending: deque[Future] = deque()

    def store(future: Future) -> None:
        nonlocal judged
        results, rates = future.result()
        _store_follow_through(con, results)
        _store_rates(con, rates)
        judged += len(results)

    for start in range(0, len(todo), PAIR_CHUNK):
        chunk = todo[start:start + PAIR_CHUNK]
        involved = sorted({d for pair in chunk for d in pair})
        kept = {d: known.sentences[d] for d in involved if d in known.sentences}
        read = _sentence_rows(con, [d for d in involved if d not in known.sentences])
        pending.append(executor.submit(_judge, chunk, kept, read))
        del kept, read
        while pending and (len(pending) >= FOLLOW_AHEAD or pending[0].done()):
            store(pending.popleft())

    def finish() -> int:
        while pending:
            store(pending.popleft())
        return judged

    return finish


def run(con: duckdb.DuckDBPyConnection, known: Known | None = None, refit_topics: bool = False,
        helper: Executor = INLINE) -> dict[str, float]:
    """All corpus-wide passes over a new snapshot; returns their timings (seconds, of this process) for the report.

    HR's taxonomy and HR's corrections come first, in that order: they change sentence themes and labels,
    which copies, plan follow-through and topics read.

    ``helper``: where the two passes that are Python rather than SQL run, plan follow-through's judging and the topic
    fit (a build's pass helper process, ``analysis.build``). They are started before the aggregates and collected
    when needed: the verdicts just before the aggregates sum them, the topics at the end. The aggregates are DuckDB
    statements, and on a corpus of a few thousand summaries each of them fills one core at most, so the
    other core judges and fits meanwhile. Outside a build (``INLINE``) each runs where it is started."""
    timings = {}
    # before each pass, DuckDB's cached blocks of the previous one are let go (``snapshot.drop_cache``): what a
    # pass reads stays cached under the default limit, and the next pass's peak would sit on top of it
    snapshot.drop_cache(con)
    t = time.perf_counter()
    taxonomy.carry(con)
    taxonomy.apply_active(con, sorted(known.analysed) if known is not None else None)
    timings["taxonomy"] = time.perf_counter() - t
    t = time.perf_counter()
    # HR's corrections after HR's taxonomy: a sentence HR corrected keeps HR's themes whatever the rules say
    corrected = corrections.apply(con)
    # in a build, the documents whose sentences differ from the live snapshot's: the rest keep their
    # plan verdicts (and, as sources and copies among themselves, their copy matches)
    changed = None if known is None else known.analysed | set(corrected)
    if known is not None:
        for doc_id in corrected:  # the build's in-memory labels are the model's: read these back
            known.forget_sentences(doc_id)
    timings["corrections"] = time.perf_counter() - t
    snapshot.drop_cache(con)
    # a full build's copies at once, before the helper's work (their index is the build process's peak); an
    # incremental build's beside the aggregates (``start_copies``)
    incremental = known is not None and _has_live_table(con, "documents")
    timings["copies"] = 0.0
    if not incremental:
        t = time.perf_counter()
        copied = start_copies(con, known)
        timings["copies"] = time.perf_counter() - t
        snapshot.drop_cache(con)
    t = time.perf_counter()
    follow = start_follow_through(con, known, changed, helper)
    timings["follow_through"] = time.perf_counter() - t
    snapshot.drop_cache(con)
    t = time.perf_counter()
    topics = start_topics(con, changed=None if known is None else known.analysed, refit=refit_topics, executor=helper)
    helper.shutdown(wait=False)  # no more tasks: a helper process leaves once it has done these two
    # refitting the topics is the way to a store exactly the full build's: the network is then counted afresh too
    snapshot.drop_cache(con)
    update_network(con, changed=None if known is None or refit_topics else known.analysed)
    timings["topics"] = time.perf_counter() - t
    snapshot.drop_cache(con)

    waited = []

    def verdicts() -> None:
        t = time.perf_counter()
        follow()
        waited.append(time.perf_counter() - t)

    if incremental:
        t = time.perf_counter()
        copied = start_copies(con, known)
        timings["copies"] = time.perf_counter() - t
    t = time.perf_counter()
    aggregates.update(con, changed, verdicts)  # the dashboard's sums of everything but the topics
    timings["aggregates"] = time.perf_counter() - t - sum(waited)
    timings["follow_through"] += sum(waited)
    t = time.perf_counter()
    copied()
    timings["copies"] += time.perf_counter() - t
    snapshot.drop_cache(con)
    t = time.perf_counter()
    topics()
    timings["topics"] += time.perf_counter() - t
    return timings


NETWORK_CANDIDATES = 2
"""How many times the network's words (``explore.DEFAULT_NETWORK``) a full count keeps co-occurrences for
(``network_counts``): an incremental build recounts the corpus only when its vocabulary leaves them."""


def update_network(con: duckdb.DuckDBPyConnection, changed: set[str] | None = None) -> int:
    """The co-occurrence network of every document with the 探索 page's default settings (issue 15).

    It is drawn from sums over documents kept in ``network_counts`` (every word's occurrences in
    ``terms``; the sentences holding each candidate word and each pair of them), the network's
    vocabulary being its most frequent words. With ``changed`` (a build over a live snapshot: the doc_ids
    it analysed), the live snapshot's sums are carried and only the documents added, removed or analysed
    again are added or subtracted, as long as the new vocabulary stays among the stored candidates; else
    (or with no live sums) every document is counted, in DuckDB. Either way the edges are exactly those
    ``explore.network`` finds over the whole store. Returns the number of edges."""
    min_freq, top_edges, threshold, _, max_words = explore.DEFAULT_NETWORK
    con.execute("DELETE FROM network_edges")
    con.execute("DELETE FROM network_counts")
    candidates: list[str] = []
    if changed is not None and _has_live_table(con, "network_counts") and _has_live_table(con, "documents"):
        candidates = _network_delta(con, changed)
    def most_frequent(n: int) -> list[str]:  # explore.network's vocabulary: at least min_freq, ties by the word
        return [r[0] for r in con.execute(
            "SELECT source FROM network_counts WHERE target = '' AND n >= ? ORDER BY n DESC, source LIMIT ?",
            [min_freq, n]).fetchall()]

    vocab = most_frequent(max_words) if candidates else []
    if not candidates or not set(vocab) <= set(candidates):
        con.execute("DELETE FROM network_counts")
        con.execute("INSERT INTO network_counts SELECT term, '', SUM(n) FROM terms GROUP BY term")
        candidates = most_frequent(NETWORK_CANDIDATES * max_words)
        _count_pairs(con, candidates, "", 1)
        vocab = candidates[:max_words]
    vocab = sorted(vocab)
    code = {w: i for i, w in enumerate(vocab)}
    pairs = [(code[a], code[b], n) for a, b, n in con.execute(
        "SELECT source, target, n FROM network_counts WHERE target <> '' AND n > 0").fetchall()
        if a in code and b in code]
    f = np.zeros(len(vocab))
    for a, b, n in pairs:
        if a == b:
            f[a] = n
    a, b, c = (np.array([p[i] for p in pairs if p[0] != p[1]], dtype=np.int64) for i in range(3))
    # the pair (a, b) is stored in code-point order, which is the sorted vocabulary's order: a < b
    edges = explore.edges_from_counts(a, b, c, f, vocab, top_edges, threshold)
    rows = edges.assign(rank=range(len(edges))).to_dict("records")
    snapshot.insert_rows(con, "network_edges", rows)
    return len(rows)


NETWORK_ROWS = 500_000
"""``sentence_words`` rows (sentences) whose co-occurrences a full count of the network pairs joins at a time."""


def _count_pairs(con: duckdb.DuckDBPyConnection, words: list[str], doc_ids: str, sign: int, db: str = "") -> None:
    """Add ``sign`` × the sentences (of the documents ``doc_ids`` selects, or all, in the ``db`` snapshot) holding each
    of ``words`` and each pair of them to ``network_counts``; every word gets a row, if only of 0.

    The pairs come from a self-join of (sentence, word) rows on the sentence, keyed by the row's ``rowid`` (one
    integer rather than doc_id and idx). Counting every document joins ``NETWORK_ROWS`` sentences at a time, so
    the join's hash table is bounded by that range, not by the corpus: at 100,000 summaries the whole join
    (3.9 M sentences) was the largest DuckDB allocation of the build process."""
    if not words:
        return
    where = f"doc_id IN ({doc_ids})" if doc_ids else "rowid >= $lo AND rowid < $hi"
    ranges = [(None, None)] if doc_ids else [(lo, lo + NETWORK_ROWS) for lo in range(0, con.execute(
        f"SELECT COALESCE(MAX(rowid) + 1, 0) FROM {db}sentence_words").fetchall()[0][0], NETWORK_ROWS)]
    con.register("_vocab", pa.table({"word": pa.array(words, pa.string())}))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _counts AS SELECT word AS source, word AS target, 0::BIGINT AS n "
                    "FROM _vocab")
        for lo, hi in ranges:
            con.execute(
                "INSERT INTO _counts "
                f"WITH u AS (SELECT w.r, w.word FROM (SELECT rowid AS r, unnest(words) AS word FROM "
                f"{db}sentence_words WHERE {where}) w JOIN _vocab v USING (word)) "
                "SELECT a.word, b.word, $sign * COUNT(*) FROM u a JOIN u b ON a.r = b.r AND a.word <= b.word "
                "GROUP BY ALL",
                {"sign": sign} | ({} if doc_ids else {"lo": lo, "hi": hi}))
    finally:
        con.unregister("_vocab")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _merged AS SELECT source, target, SUM(n) AS n FROM "
        "(SELECT * FROM network_counts WHERE target <> '' UNION ALL SELECT * FROM _counts) GROUP BY ALL")
    con.execute("DELETE FROM network_counts WHERE target <> ''")
    con.execute("INSERT INTO network_counts SELECT source, target, n FROM _merged WHERE n <> 0 OR source = target")
    con.execute("DROP TABLE _counts")
    con.execute("DROP TABLE _merged")


def _network_delta(con: duckdb.DuckDBPyConnection, changed: set[str]) -> list[str]:
    """The live snapshot's network sums with the added documents' counts added and the removed (or analysed
    again) documents' subtracted; returns the stored candidate words ([] when the live snapshot has none)."""
    candidates = [r[0] for r in con.execute(
        "SELECT source FROM live.network_counts WHERE source = target ORDER BY source").fetchall()]
    if not candidates:
        return []
    con.register("_changed", pa.table({"doc_id": pa.array(sorted(changed), pa.string())}))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _added AS SELECT doc_id FROM documents WHERE doc_id IN "
                    "(SELECT doc_id FROM _changed) OR doc_id NOT IN (SELECT doc_id FROM live.documents)")
        con.execute("CREATE OR REPLACE TEMP TABLE _removed AS SELECT doc_id FROM live.documents WHERE doc_id IN "
                    "(SELECT doc_id FROM _changed) OR doc_id NOT IN (SELECT doc_id FROM documents)")
    finally:
        con.unregister("_changed")
    con.execute(
        "INSERT INTO network_counts SELECT source, '', SUM(n) FROM ("
        "SELECT source, n FROM live.network_counts WHERE target = '' "
        "UNION ALL SELECT term, n FROM terms WHERE doc_id IN (SELECT doc_id FROM _added) "
        "UNION ALL SELECT term, -n FROM live.terms WHERE doc_id IN (SELECT doc_id FROM _removed)) "
        "GROUP BY source HAVING SUM(n) <> 0")
    con.execute("INSERT INTO network_counts SELECT * FROM live.network_counts WHERE target <> ''")
    _count_pairs(con, candidates, "SELECT doc_id FROM _added", 1)
    _count_pairs(con, candidates, "SELECT doc_id FROM _removed", -1, "live.")
    con.execute("DROP TABLE _added")
    con.execute("DROP TABLE _removed")
    return candidates


TOPIC_REFIT_SHARE = 0.1
"""A build refits the topic model when the documents it has not seen (added or re-analysed since the fit)
would exceed this share of the corpus; below it, the stored model is reused and only they are projected."""
TOPIC_TABLES = ("topics", "topic_model", "doc_topics", "sentence_topics")
"""The topic model's tables: a build over a copy of the live file keeps them (``analysis.build._copy_reused``), and
``start_topics`` deletes what it does not reuse."""


def update_topics(con: duckdb.DuckDBPyConnection, k: int = explore.TOPICS, seed: int = explore.SEED,
                  changed: set[str] | None = None, refit: bool = False) -> int:
    """Topics found in the corpus itself (issue 15), once per snapshot: the explore page reads them; returns the
    number of topics (``start_topics``, run to the end here)."""
    return start_topics(con, k, seed, changed, refit)()


def start_topics(con: duckdb.DuckDBPyConnection, k: int = explore.TOPICS, seed: int = explore.SEED,
                 changed: set[str] | None = None, refit: bool = False, executor: Executor = INLINE
                 ) -> Callable[[], int]:
    """Start finding the topics; the returned call stores them and returns their number.

    NMF over every document's content-word counts (``terms``), then, in SQL, the topic of each body
    sentence: the one sharing most of its top words with the sentence's words (at least two; ties to the
    lower number, as ``explore.sentence_topic``). Deterministic for a given corpus and seed. The fit
    (``explore.fit_sample``: importing scikit-learn and the factorisation) runs on ``executor``: in a build, the
    pass helper process, while this process sums the aggregates (``run``).

    With ``changed`` (a build over a live snapshot: the doc_ids it analysed) and unless ``refit``, the
    live snapshot's model is reused when the documents it has not seen stay within
    ``TOPIC_REFIT_SHARE`` of the corpus: the topics, and the shares and sentence topics of every other
    document, are carried over; only the new documents are projected on the stored model
    (``explore.project``). This is deliberately not what a refit over the grown corpus would give (the
    topics themselves would move a little); the next refit (forced, or past the share) catches up.
    """
    # a build's snapshot that began as a byte copy of the live file holds the live model and shares: reused, they stay
    # where they are (900,000 sentence topics at 100,000 summaries were deleted and copied back)
    in_place = not refit and changed is not None and snapshot.started_from_live(con)
    if not in_place:
        _clear_topics(con)
    con.execute("DELETE FROM meta WHERE key = 'topics_projected'")
    if not refit and changed is not None:
        reused = _reuse_topics(con, changed, in_place)
        if reused is not None:
            return lambda: reused
    if in_place:
        _clear_topics(con)
    n_docs = con.execute("SELECT COUNT(*) FROM documents").fetchall()[0][0]
    if n_docs < max(3, k):
        return lambda: 0
    # the vocabulary (words in at least 3 documents and at most half of them) and integer codes of words and
    # documents, in SQL: only integers leave DuckDB, and only a range of documents' counts at a time
    con.execute("CREATE TEMP TABLE _topic_vocab AS SELECT term, row_number() OVER (ORDER BY term) - 1 AS code "
                "FROM terms GROUP BY term HAVING COUNT(*) >= 3 AND COUNT(*) <= ? / 2", [n_docs])
    con.execute("CREATE TEMP TABLE _topic_docs AS SELECT doc_id, row_number() OVER (ORDER BY doc_id) - 1 AS doc "
                "FROM documents")

    def drop() -> None:
        con.execute("DROP TABLE IF EXISTS _topic_vocab")
        con.execute("DROP TABLE IF EXISTS _topic_docs")

    try:
        vocab = [r[0] for r in con.execute("SELECT term FROM _topic_vocab ORDER BY code").fetchall()]
        if len(vocab) < 2:
            drop()
            return lambda: 0
        rows = explore.fit_rows(n_docs, seed)
        fit = executor.submit(explore.fit_sample, _term_counts(con, rows, len(vocab)), vocab, k, seed)
    except BaseException:
        drop()
        raise

    def finish() -> int:
        try:
            return _store_topics(con, fit.result(), n_docs, len(rows), len(vocab))
        finally:
            drop()

    return finish


def _store_topics(con: duckdb.DuckDBPyConnection, found: explore.Fitted, n_docs: int, n_fit: int, n_words: int
                  ) -> int:
    """The fitted topics, the model, and every document's shares and sentence topics, ``TOPIC_RANGE`` documents at a
    time (``_topic_docs``, ``_topic_vocab``); returns the number of topics."""
    if not found.words:
        return 0
    snapshot.insert_rows(con, "topics", [
        {"topic": t, "label": explore.topic_label(w), "words": w, "weights": found.weights[t]}
        for t, w in enumerate(found.words)])
    model = found.model
    snapshot.insert_arrow(con, "topic_model", [snapshot.record_batch("topic_model", {
        "code": list(range(len(model.vocab))), "word": model.vocab, "idf": model.idf.tolist(),
        "weights": model.components.T.tolist()})])
    snapshot.insert_rows(con, "meta", [{"key": "topics_projected", "value": "0"}])
    for start in range(0, n_docs, TOPIC_RANGE):
        docs = np.arange(start, min(start + TOPIC_RANGE, n_docs))
        ids = [r[0] for r in con.execute("SELECT doc_id FROM _topic_docs WHERE doc BETWEEN ? AND ? ORDER BY doc",
                                         [int(docs[0]), int(docs[-1])]).fetchall()]
        # a corpus the sample is all of keeps the factorisation's own weights; else each document's
        # TF-IDF row projected on the topics (depends on that row alone, so ranges store what one pass would)
        shares = (found.shares[docs] if n_fit == n_docs
                  else explore.project(model, _term_counts(con, docs, n_words)))
        _store_doc_topics(con, ids, shares)
        _store_sentence_topics(con, docs=(int(docs[0]), int(docs[-1])))
    return len(found.words)


TOPIC_RANGE = 5000
"""Documents whose term counts the topic pass holds at once (projected on the topics, their shares and
sentence topics stored), instead of every document's (22 M term rows at 100,000 summaries)."""


def _term_counts(con: duckdb.DuckDBPyConnection, docs: np.ndarray, n_words: int):
    """The word counts of the documents numbered ``docs`` in ``_topic_docs`` (sorted), over the
    ``_topic_vocab`` codes, as a sparse matrix with one row per entry of ``docs``."""
    from scipy import sparse

    con.register("_rows", pa.table({"doc": pa.array(docs, pa.int64()), "row": pa.array(np.arange(len(docs)))}))
    try:
        counts = con.execute(
            "SELECT r.row, v.code, t.n FROM terms t JOIN _topic_docs d USING (doc_id) JOIN _rows r ON r.doc = d.doc "
            "JOIN _topic_vocab v USING (term)").fetchnumpy()
    finally:
        con.unregister("_rows")
    return sparse.csr_matrix((np.asarray(counts["n"], dtype=float), (counts["row"], counts["code"])),
                             shape=(len(docs), n_words))


def _store_doc_topics(con: duckdb.DuckDBPyConnection, ids: list[str], shares: np.ndarray) -> None:
    doc_idx, topic_idx = np.nonzero(shares >= 0.01)
    snapshot.insert_arrow(con, "doc_topics", [snapshot.record_batch("doc_topics", {
        "doc_id": [ids[i] for i in doc_idx], "topic": topic_idx.tolist(),
        "share": shares[doc_idx, topic_idx].tolist()})])


def _store_sentence_topics(con: duckdb.DuckDBPyConnection, only: str = "", docs: tuple[int, int] | None = None
                           ) -> None:
    """The topic of each sentence from ``topics``: of the documents in the temp table ``only``, or numbered
    ``docs`` (first, last) in ``_topic_docs``, or all."""
    where = f" WHERE doc_id IN (SELECT doc_id FROM {only})" if only else ""
    params = []
    if docs is not None:
        where, params = " WHERE doc_id IN (SELECT doc_id FROM _topic_docs WHERE doc BETWEEN ? AND ?)", list(docs)
    con.execute(
        "INSERT INTO sentence_topics (doc_id, idx, topic, shared) "
        "SELECT doc_id, idx, topic, shared FROM (SELECT s.doc_id, s.idx, tw.topic, COUNT(*) AS shared "
        f"FROM (SELECT doc_id, idx, unnest(words) AS word FROM sentence_words{where}) s "
        "JOIN (SELECT topic, unnest(words) AS word FROM topics) tw USING (word) GROUP BY 1, 2, 3 "
        "HAVING COUNT(*) >= 2) QUALIFY row_number() OVER (PARTITION BY doc_id, idx ORDER BY shared DESC, topic) = 1",
        params)


def _clear_topics(con: duckdb.DuckDBPyConnection) -> None:
    for table in TOPIC_TABLES:
        con.execute(f"DELETE FROM {table}")


def _reuse_topics(con: duckdb.DuckDBPyConnection, changed: set[str], in_place: bool = False) -> int | None:
    """Carry the live snapshot's topic model and project only the new documents; None when a refit is due
    (no stored model, or too many documents it has not seen). ``in_place``: the topic tables hold the live
    snapshot's rows (a byte copy of its file); only the rows of documents gone or analysed again are deleted."""
    if not (_has_live_table(con, "topic_model") and _has_live_table(con, "meta")):
        return None
    rows = con.execute("SELECT value FROM live.meta WHERE key = 'topics_projected'").fetchall()
    if not rows or not con.execute("SELECT COUNT(*) FROM live.topic_model").fetchall()[0][0]:
        return None
    con.register("_changed", pa.table({"doc_id": pa.array(sorted(changed), pa.string())}))
    try:
        con.execute("CREATE TEMP TABLE _new AS SELECT doc_id FROM documents WHERE doc_id IN "
                    "(SELECT doc_id FROM _changed) OR doc_id NOT IN (SELECT doc_id FROM live.documents)")
    finally:
        con.unregister("_changed")
    try:
        new = [r[0] for r in con.execute("SELECT doc_id FROM _new ORDER BY doc_id").fetchall()]
        total = con.execute("SELECT COUNT(*) FROM documents").fetchall()[0][0]
        projected = int(rows[0][0]) + len(new)
        if projected > TOPIC_REFIT_SHARE * total:
            return None
        if in_place:
            for table in ("doc_topics", "sentence_topics"):
                con.execute(f"DELETE FROM {table} WHERE doc_id NOT IN (SELECT doc_id FROM documents) "
                            "OR doc_id IN (SELECT doc_id FROM _new)")
        else:
            for table in ("topics", "topic_model"):
                con.execute(f"INSERT INTO {table} SELECT * FROM live.{table}")
            for table in ("doc_topics", "sentence_topics"):
                con.execute(f"INSERT INTO {table} SELECT * FROM live.{table} WHERE doc_id IN "
                            "(SELECT doc_id FROM documents) AND doc_id NOT IN (SELECT doc_id FROM _new)")
        snapshot.insert_rows(con, "meta", [{"key": "topics_projected", "value": str(projected)}])
        if new:
            words, idf, weights = zip(*con.execute(
                "SELECT word, idf, weights FROM topic_model ORDER BY code").fetchall())
            model = explore.TopicModel(list(words), np.array(idf), np.array(weights, dtype=float).T)
            counts = con.execute(
                "WITH i AS (SELECT doc_id, row_number() OVER (ORDER BY doc_id) - 1 AS doc FROM _new) "
                "SELECT i.doc, m.code, t.n FROM terms t JOIN i USING (doc_id) JOIN topic_model m ON m.word = t.term"
            ).fetchnumpy()
            from scipy import sparse

            x = sparse.csr_matrix((np.asarray(counts["n"], dtype=float), (counts["doc"], counts["code"])),
                                  shape=(len(new), len(model.vocab)))
            _store_doc_topics(con, new, explore.project(model, x))
            _store_sentence_topics(con, "_new")
        return con.execute("SELECT COUNT(*) FROM topics").fetchall()[0][0]
    finally:
        con.execute("DROP TABLE IF EXISTS _new")
