"""Figures that depend on more than one document, recomputed for a whole snapshot.

Per-document analysis is a pure function of one file (pipeline.py), which is what makes the build
incremental. Whether a summary was copied, or whether last year's plans were carried out, depends on
the other summaries and on the template library, so these figures are recomputed over every new
snapshot, from what the pipeline stored (MinHash signatures, content words): no document is analysed
again, and no tokenizer is loaded. Both run on the snapshot connection before it is swapped in, so a
reader never sees documents without their copy and follow-through figures.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pyarrow as pa

from analysis.insight import copies, corrections, followthrough
from analysis.store import snapshot

KNOWN_SHINGLES_LIMIT = 20_000
"""Documents whose shingle sets a build keeps for the copy pass (~4 KB each); beyond, they are recomputed."""


@dataclass
class Known:
    """What a build already holds of the documents it analysed, so the passes need not read it back.

    Reading every sentence's words back from the snapshot and re-deriving the shingle sets of copy
    candidates cost as much as both passes' own work. Documents the build reused from the live
    store are not here and are read as before.
    """

    shingles: dict[str, np.ndarray] = field(default_factory=dict)
    sentences: dict[str, list[followthrough.Sentence]] = field(default_factory=dict)

    def add(self, doc_id: str, shingles: np.ndarray | None, sentences: list[tuple[int, str, str, str]]) -> None:
        """One analysed document: its shingle set, and its sentences that have content words as
        (idx, section, label, the words joined by tabs), in order (the rows update_follow_through reads)."""
        if shingles is not None and len(self.shingles) < KNOWN_SHINGLES_LIMIT:
            self.shingles[doc_id] = shingles
        self.sentences[doc_id] = [followthrough.Sentence(idx, section, label, words.split("\t"))
                                  for idx, section, label, words in sentences]


def _has_live_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "SELECT 1 FROM duckdb_tables() WHERE database_name = 'live' AND table_name = ?", [table]).fetchone())


def carry_templates(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the template library of the live snapshot (attached as ``live``) in the new one."""
    if _has_live_table(con, "templates"):
        cols = ", ".join(f'"{c}"' for c in snapshot.TABLES["templates"])
        con.execute(f"INSERT INTO templates ({cols}) SELECT {cols} FROM live.templates")


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


def update_copies(con: duckdb.DuckDBPyConnection, known: Known | None = None) -> int:
    """Find every document's closest earlier source and store it in the documents table."""
    known = known or Known()
    rows = con.execute(
        "SELECT d.doc_id, s.minhash, s.shingles, d.employee, d.department, d.year "
        "FROM documents d JOIN signatures s USING (doc_id)").fetchall()
    docs = [copies.Source(r[0], r[1], r[2], r[3] or "", r[4] or "", r[5] or 0) for r in rows]
    library = con.execute("SELECT name, text FROM templates ORDER BY name").fetchall()
    template_sets = {}
    templates = []
    for name, text in library:
        key = "\x00template:" + name
        template_sets[key] = copies.shingles(copies.canonical(copies.template_lines(text)))
        templates.append(copies.Source(key, copies.signature(template_sets[key]), len(template_sets[key]),
                                       template=name))

    def shingles_of(keys: list[str]) -> dict:
        out = {k: template_sets[k] if k in template_sets else known.shingles[k]
               for k in keys if k in template_sets or k in known.shingles}
        texts = _document_texts(con, [k for k in keys if k not in out])
        out.update({k: copies.shingles(copies.canonical(t)) for k, t in texts.items()})
        return out

    matches = copies.find_copies(docs, templates, shingles_of)
    con.execute("UPDATE documents SET copy_of = '', copy_kind = '', copy_similarity = NULL")
    if matches:
        table = pa.table({
            "doc_id": [m.doc_id for m in matches], "copy_of": [m.copy_of for m in matches],
            "copy_kind": [m.kind if m.copied else "" for m in matches],
            "copy_similarity": [m.similarity for m in matches],
        })
        con.register("_copies", table)
        try:
            con.execute("UPDATE documents SET copy_of = c.copy_of, copy_kind = c.copy_kind, "
                        "copy_similarity = c.copy_similarity FROM _copies c WHERE documents.doc_id = c.doc_id")
        finally:
            con.unregister("_copies")
    return sum(m.copied for m in matches)


def update_follow_through(con: duckdb.DuckDBPyConnection, known: Known | None = None) -> int:
    """Judge every plan sentence against the writer's next summary; store pairs and per-document rates."""
    known = known or Known()
    docs = con.execute("SELECT doc_id, employee, department, year FROM documents").fetchall()
    n_docs = len(docs)
    doc_freq = dict(con.execute("SELECT term, COUNT(*) FROM terms GROUP BY term").fetchall())
    sentences: dict[str, list[followthrough.Sentence]] = defaultdict(list, known.sentences)
    unread = [d[0] for d in docs if d[0] not in known.sentences]
    if unread:
        con.register("_unread", pa.table({"doc_id": unread}))
        try:
            rows = con.execute(
                "SELECT s.doc_id, s.idx, s.section, s.label, w.words FROM sentences s "
                "JOIN sentence_words w ON w.doc_id = s.doc_id AND w.idx = s.idx "
                "WHERE s.doc_id IN (SELECT doc_id FROM _unread) ORDER BY s.doc_id, s.idx").fetchall()
        finally:
            con.unregister("_unread")
        for doc_id, idx, section, label, words in rows:
            sentences[doc_id].append(followthrough.Sentence(idx, section, label, words))
    results, rates = followthrough.follow_through(docs, sentences, doc_freq, n_docs)
    con.execute("DELETE FROM follow_through")
    snapshot.insert_rows(con, "follow_through", [
        {"doc_id": r.doc_id, "idx": r.idx, "next_doc_id": r.next_doc_id, "status": r.status, "score": r.score,
         "evidence_idx": r.evidence_idx, "targets": list(r.targets), "shared": list(r.shared)} for r in results
    ])
    con.execute("UPDATE documents SET follow_through = NULL")
    if rates:
        con.register("_rates", pa.table({"doc_id": list(rates), "rate": list(rates.values())}))
        try:
            con.execute("UPDATE documents SET follow_through = r.rate FROM _rates r "
                        "WHERE documents.doc_id = r.doc_id")
        finally:
            con.unregister("_rates")
    return len(results)


def run(con: duckdb.DuckDBPyConnection, known: Known | None = None) -> dict[str, float]:
    """All corpus-wide passes over a new snapshot; returns their timings (seconds) for the report.

    HR's corrections come first: they change sentence labels, which plan follow-through reads."""
    timings = {}
    t = time.perf_counter()
    corrected = corrections.apply(con)
    if known is not None:
        for doc_id in corrected:  # the build's in-memory labels are the model's: read these back
            known.sentences.pop(doc_id, None)
    timings["corrections"] = time.perf_counter() - t
    t = time.perf_counter()
    update_copies(con, known)
    timings["copies"] = time.perf_counter() - t
    t = time.perf_counter()
    update_follow_through(con, known)
    timings["follow_through"] = time.perf_counter() - t
    return timings
