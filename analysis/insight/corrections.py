"""HR's corrections of sentence judgements, applied to a snapshot.

A correction says: this sentence's sentiment (and/or themes) is not what the model said, it is this.
They live in the ``corrections`` table (``analysis.schema.CORRECTION_TYPES``), which every new snapshot
carries over like the template library, and ``apply`` runs on every new snapshot before the other
corpus-wide passes (``passes.run``): so a rebuild, an upload, a re-tag or an ANALYSIS_VERSION bump that
re-analyses every document all end with HR's judgement in place, and the document figures
(pos_share, neg_share, sentiment_mean, theme counts) recomputed from the corrected sentences the same
way the pipeline computes them (``analysis.judge.aggregate``).

A correction is keyed by the document's content hash, the sentence index and the hash of the
sentence's simplified text. If a new version of the sentence splitter moved the sentence, it is found
again by its text (when the text occurs once in the document); if the document is gone or the
sentence no longer exists, the correction is not applied anywhere else: its ``status`` says why, the
list on the 语料管理 page shows it, and ``python -m analysis build`` reports it.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING

import duckdb

from analysis.judge.aggregate import document_figures
from analysis.schema import CORRECTED_SENTIMENT, CORRECTION_COLUMNS, LABEL_NAMES, THEMES

if TYPE_CHECKING:
    import pandas as pd

TRAINING_COLUMNS = ("label", "themes", "text")
"""The columns of the training files (``analysis/data/sentiment_train_*.tsv``), in their order."""
MISSING_DOCUMENT = "文档已不在库中，未应用"
MISSING_SENTENCE = "文档重新分析后找不到这句话，未应用"
AMBIGUOUS = "这句话在文档中出现了不止一次、位置也变了，未应用"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = ", ".join(f'"{c}"' for c in CORRECTION_COLUMNS)
    return [dict(zip(CORRECTION_COLUMNS, r))
            for r in con.execute(f"SELECT {cols} FROM corrections ORDER BY created_at, doc_id, idx").fetchall()]


def describe(label: str | None, themes: list[str] | None) -> str:
    """A correction's new judgement in words: 情感 负面；主题 客户跟进、货款回笼."""
    parts = []
    if label:
        parts.append(f"情感 {LABEL_NAMES[label]}")
    if themes is not None:
        parts.append("主题 " + ("、".join(themes) if themes else "无"))
    return "；".join(parts)


def _sentences(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    if not doc_ids:
        return out
    found = con.execute(
        "SELECT doc_id, idx, text_simplified, sentiment, label, themes FROM sentences "
        f"WHERE doc_id IN ({', '.join('?' * len(doc_ids))}) ORDER BY doc_id, idx", doc_ids).fetchall()
    for doc_id, idx, text, sentiment, label, themes in found:
        out[doc_id].append({"idx": idx, "text_simplified": text, "sentiment": sentiment, "label": label,
                            "themes": list(themes) if themes is not None else []})
    return out


def _locate(correction: dict, sentences: list[dict]) -> tuple[dict | None, str]:
    """The sentence a correction is about, or None and why not."""
    by_idx = {s["idx"]: s for s in sentences}
    same = by_idx.get(correction["idx"])
    if same is not None and text_hash(same["text_simplified"]) == correction["text_hash"]:
        return same, ""
    moved = [s for s in sentences if text_hash(s["text_simplified"]) == correction["text_hash"]]
    if len(moved) == 1:
        return moved[0], ""
    return None, AMBIGUOUS if moved else MISSING_SENTENCE


def refresh_documents(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> None:
    """Recompute the sentence-derived figures of these documents from their (corrected) sentences."""
    by_doc = _sentences(con, list(doc_ids))
    for doc_id, sentences in by_doc.items():
        figures = document_figures(sentences)
        assignments = ", ".join(f'"{c}" = ?' for c in figures)
        con.execute(f"UPDATE documents SET {assignments} WHERE doc_id = ?", [*figures.values(), doc_id])


def _set_sentence(con, doc_id: str, idx: int, sentiment: float, label: str, themes: list[str]) -> None:
    con.execute("UPDATE sentences SET sentiment = ?, label = ?, themes = ? WHERE doc_id = ? AND idx = ?",
                [sentiment, label, themes, doc_id, idx])


def apply(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Apply every correction to the snapshot ``con`` is writing; returns the documents changed.

    Idempotent: applying twice gives the same snapshot. Where a document was analysed afresh (its
    analysis version differs from the one the correction recorded), the model's new judgement is kept
    in ``model_*`` first, so undo restores what the current model says."""
    corrections = rows(con)
    if not corrections:
        return set()
    doc_ids = sorted({c["doc_id"] for c in corrections})
    versions = dict(con.execute(
        f"SELECT doc_id, analysis_version FROM documents WHERE doc_id IN ({', '.join('?' * len(doc_ids))})",
        doc_ids).fetchall())
    sentences = _sentences(con, doc_ids)
    changed: set[str] = set()
    for c in corrections:
        key = [c["doc_id"], c["idx"], c["text_hash"]]
        if c["doc_id"] not in versions:
            con.execute("UPDATE corrections SET status = ? WHERE doc_id = ? AND idx = ? AND text_hash = ?",
                        [MISSING_DOCUMENT, *key])
            continue
        sentence, why = _locate(c, sentences[c["doc_id"]])
        if sentence is None:
            con.execute("UPDATE corrections SET status = ? WHERE doc_id = ? AND idx = ? AND text_hash = ?",
                        [why, *key])
            continue
        model = (c["model_sentiment"], c["model_label"], c["model_themes"], c["model_version"])
        if c["model_version"] != versions[c["doc_id"]]:  # re-analysed: this is the model's new judgement
            model = (sentence["sentiment"], sentence["label"], sentence["themes"], versions[c["doc_id"]])
        con.execute("UPDATE corrections SET idx = ?, status = '', model_sentiment = ?, model_label = ?, "
                    "model_themes = ?, model_version = ? WHERE doc_id = ? AND idx = ? AND text_hash = ?",
                    [sentence["idx"], *model, *key])
        label = c["label"] or sentence["label"]
        sentiment = CORRECTED_SENTIMENT[c["label"]] if c["label"] else sentence["sentiment"]
        themes = list(c["themes"]) if c["themes"] is not None else sentence["themes"]
        _set_sentence(con, c["doc_id"], sentence["idx"], sentiment, label, themes)
        changed.add(c["doc_id"])
    refresh_documents(con, sorted(changed))
    return changed


def restore(con: duckdb.DuckDBPyConnection, correction: dict) -> bool:
    """Put the model's judgement back on a corrected sentence (undo); False if it is not in the snapshot."""
    sentence, _ = _locate(correction, _sentences(con, [correction["doc_id"]]).get(correction["doc_id"], []))
    if sentence is None or correction["model_label"] is None:
        return False
    _set_sentence(con, correction["doc_id"], sentence["idx"], correction["model_sentiment"],
                  correction["model_label"], list(correction["model_themes"] or []))
    refresh_documents(con, [correction["doc_id"]])
    return True


def training_rows(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The corrected sentences as training data (label, themes, text), in the format of
    ``analysis/data/sentiment_train_*.tsv``; only corrections that are applied.

    A correction of themes alone keeps the sentence's current label (the model's, which HR accepted by
    not changing it); one of the label alone keeps its current themes."""
    import pandas as pd  # 0.5 s+ of imports the build (which never calls this) should not pay
    found = con.execute(
        "SELECT s.label, s.themes, s.text_simplified FROM corrections c "
        "JOIN sentences s ON s.doc_id = c.doc_id AND s.idx = c.idx "
        "WHERE COALESCE(c.status, '') = '' ORDER BY c.created_at, c.doc_id, c.idx").fetchall()
    order = {t: n for n, t in enumerate(THEMES)}
    return pd.DataFrame(
        [{"label": label, "themes": ",".join(sorted(themes or [], key=lambda t: order.get(t, len(order)))),
          "text": " ".join(text.split())} for label, themes, text in found],
        columns=list(TRAINING_COLUMNS))
