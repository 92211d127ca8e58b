"""Analysing one document: a pure function of its bytes, its name and its metadata hints.

Keeping it pure (plus the dictionaries loaded once per process) is what lets the build map it over a
process pool today and over a Dask cluster for millions of summaries tomorrow, and what makes the
content hash a valid cache key.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from analysis import concreteness, copies, ingest, normalize, sections, segment, themes
from analysis.schema import ANALYSIS_VERSION, THEMES


@dataclass
class Analysed:
    """What one document contributes to the store (rows ready for the tables of ``schema``)."""

    document: dict
    sentences: list[dict] = field(default_factory=list)
    terms: dict[str, int] = field(default_factory=dict)
    signature: dict = field(default_factory=dict)       # a ``signatures`` row
    words: list[dict] = field(default_factory=list)     # ``sentence_words`` rows


def content_hash(data: bytes) -> str:
    """The document key: the same bytes are the same document, wherever they were found."""
    return hashlib.sha256(data).hexdigest()[:20]


def analyse_text(text: str, model=None) -> tuple[list[dict], dict[str, int], normalize.Normalized]:
    """Sentences (with section, sentiment, themes) and term counts of a decoded text."""
    from analysis.sentiment import default_model

    model = model or default_model()
    norm = normalize.normalize(text)
    simplified_lines = norm.simplified.split("\n")
    original_lines = text.split("\n")
    rows: list[dict] = []
    terms: Counter[str] = Counter()
    # Split the simplified text (cue phrases are written in Simplified) and map each sentence back to
    # the original characters: OpenCC t2s keeps the length of every line, so offsets line up.
    aligned = len(simplified_lines) == len(original_lines) and all(
        len(a) == len(b) for a, b in zip(simplified_lines, original_lines)
    )
    idx = 0
    for sent in sections.split_document(norm.simplified):
        original = sent.text
        if aligned and norm.traditional:
            original = _find_original(sent.text, norm.simplified, text)
        tokens = segment.cut(sent.text)
        scored = model.score(sent.text, tokens, heading=sent.is_heading or None)
        metadata = sent.is_heading and ingest.is_metadata_line(sent.text)
        words: list[str] = []
        if not sent.is_heading:  # 存在/不足 from 二、存在的不足 are structure, not keywords
            words = segment.content_words(tokens)
            terms.update(words)
        rows.append({
            "idx": idx,
            "section": sent.section,
            "text": original,
            "text_simplified": sent.text,
            "sentiment": scored.sentiment,
            "label": scored.label,
            "themes": [] if metadata else themes.assign(sent.text, tokens=tokens),
            "words": sorted(set(words)),
        })
        idx += 1
    return rows, dict(terms), norm


def _find_original(simplified_sentence: str, simplified: str, original: str) -> str:
    pos = simplified.find(simplified_sentence)
    return original[pos:pos + len(simplified_sentence)] if pos >= 0 else simplified_sentence


def analyse_bytes(source_file: str, data: bytes, meta: dict | None = None, model=None) -> Analysed:
    """Decode, normalise, split, segment, score and aggregate one file's bytes.

    ``meta`` holds what the caller already knows (manifest, path convention); headings inside the
    text fill the gaps. Raises ``ingest.IngestError`` for input that is not a readable Chinese summary.
    """
    text, fmt, encoding = ingest.read_bytes(source_file, data)
    sentence_rows, terms, norm = analyse_text(text, model)
    if not sentence_rows:
        raise ingest.IngestError("没有可分析的句子")
    merged = ingest.merge_meta(meta or {}, ingest.meta_from_text(norm.simplified))
    doc_id = content_hash(data)
    for row in sentence_rows:
        row["doc_id"] = doc_id
    minhash, shingles = copies.text_signature(r["text_simplified"] for r in sentence_rows)
    body = [r for r in sentence_rows if not sections.is_heading(r["text_simplified"])] or sentence_rows
    labels = Counter(r["label"] for r in body)
    theme_counts = Counter(t for r in sentence_rows for t in r["themes"])
    document = {
        "doc_id": doc_id,
        **merged,
        "source_file": source_file,
        "file_format": fmt,
        "encoding": encoding,
        "traditional": norm.traditional,
        "chars": sum(len(r["text_simplified"]) for r in sentence_rows),
        "sentences": len(sentence_rows),
        "sentiment_mean": round(sum(r["sentiment"] for r in body) / len(body), 4),
        "pos_share": round(labels["pos"] / len(body), 4),
        "neg_share": round(labels["neg"] / len(body), 4),
        **{t: theme_counts.get(t, 0) for t in THEMES},
        "themes_total": sum(theme_counts.get(t, 0) for t in THEMES),
        "placeholders": len(norm.placeholders),
        "concreteness": concreteness.score((r["idx"], r["text_simplified"]) for r in sentence_rows),
        # corpus-wide figures: filled in for the whole snapshot by analysis.passes after the build
        "copy_of": "", "copy_kind": "", "copy_similarity": None, "follow_through": None,
        "analysis_version": ANALYSIS_VERSION,
    }
    words = [{"doc_id": doc_id, "idx": r["idx"], "words": r["words"]} for r in sentence_rows if r["words"]]
    return Analysed(document, sentence_rows, terms, {"doc_id": doc_id, "minhash": minhash, "shingles": shingles},
                    words)
