"""Analysing one document: a pure function of its bytes, its name and its metadata hints.

Keeping it pure (plus the dictionaries loaded once per process) is what lets the build map it over a
process pool today and over a Dask cluster for millions of summaries tomorrow, and what makes the
content hash a valid cache key.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import sys
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from analysis.insight import copies
from analysis.judge import aggregate, concreteness, themes
from analysis.read import decode, metadata, normalize
from analysis.schema import ANALYSIS_VERSION
from analysis.text import sections, segment


@dataclass
class Analysed:
    """What one document contributes to the store (rows ready for the tables of ``schema``)."""

    document: dict
    sentences: list[dict] = field(default_factory=list)
    terms: dict[str, int] = field(default_factory=dict)
    signature: dict = field(default_factory=dict)       # a ``signatures`` row
    words: list[dict] = field(default_factory=list)     # ``sentence_words`` rows
    shingles: np.ndarray | None = None
    """The exact shingle set behind the signature: not stored, handed to the copy pass by the build."""


def content_hash(data: bytes) -> str:
    """The document key: the same bytes are the same document, wherever they were found."""
    return hashlib.sha256(data).hexdigest()[:20]


@dataclass(frozen=True)
class SentenceResult:
    """What one sentence contributes wherever it occurs: a function of its text and heading flag alone."""

    sentiment: float
    label: str
    themes: tuple[str, ...]
    words: tuple[str, ...]  # content words in order, repeats kept (term counts)
    distinct: list[str]  # the same, sorted and without repeats (the sentence_words row)


MEMO_ENV = "YEAREND_SENTENCE_MEMO_MB"
MEMO_BYTES = int(float(os.environ.get(MEMO_ENV, 64)) * 2**20)
"""Bytes of remembered sentences per process (``memo_bytes``); 0 remembers nothing from one document to the
next. A budget in bytes, not in sentences: on a corpus that repeats few sentences the memo fills whatever the
count, and 200,000 sentences of long text took several hundred MB in each worker."""
_memo: dict[tuple[str, bool], SentenceResult] = {}
_memo_size = 0
"""``memo_bytes`` summed over the entries of ``_memo``."""
_ENTRY_OVERHEAD = 100
"""What an entry costs beyond its objects' own sizes (its slot in the dict, the instance's attribute dict):
with it, ``memo_bytes`` summed over the demo corpus's sentences is within 1 % of what tracemalloc counts."""


def memo_bytes(key: tuple[str, bool], result: SentenceResult) -> int:
    """What one remembered sentence holds, by ``sys.getsizeof`` of its objects (the word strings counted once:
    ``distinct`` holds the same strings as ``words``)."""
    return (_ENTRY_OVERHEAD + sys.getsizeof(key) + sys.getsizeof(key[0]) + sys.getsizeof(result)
            + sys.getsizeof(result.themes) + sys.getsizeof(result.words) + sys.getsizeof(result.distinct)
            + sum(map(sys.getsizeof, result.words)))


def clear_memo() -> None:
    """Forget the remembered sentences (a long-lived process that analysed a few uploads)."""
    global _memo_size
    _memo.clear()
    _memo_size = 0


def analyse_sentences(sentences: list[tuple[str, bool]], model=None) -> list[SentenceResult]:
    """Sentiment, themes and content words of (Simplified text, is heading) pairs.

    Summaries repeat themselves: headings (二、存在的不足), stock phrases and pasted 范文 recur across
    a company's documents, so with the default model each distinct sentence is analysed once per
    process and remembered, within ``MEMO_BYTES``: a sentence that would pass the budget empties the
    memo first (the cheapest exact rule; headings and stock phrases are back after a few documents), one
    larger than the whole budget is not remembered.
    The themes of a document's new sentences are scored in one batch.
    """
    from analysis.judge.sentiment import default_model

    global _memo_size
    remember = model is None and MEMO_BYTES > 0
    memo = _memo if remember else {}
    model = model or default_model()
    todo = list(dict.fromkeys(key for key in sentences if key not in memo))
    fresh: dict[tuple[str, bool], SentenceResult] = {}
    if todo:
        tokens = [segment.cut(text) for text, _ in todo]
        # metadata lines (部门：销售部) name the writer, they are about no theme
        themed = [n for n, (text, heading) in enumerate(todo) if not (heading and metadata.is_metadata_line(text))]
        assigned = themes.assign_many([todo[n][0] for n in themed], [tokens[n] for n in themed])
        found = dict(zip(themed, assigned))
        scores = model.score_many([text for text, _ in todo], tokens, [heading or None for _, heading in todo])
        for n, (text, heading) in enumerate(todo):
            scored = scores[n]
            # 存在/不足 from 二、存在的不足 are structure, not keywords
            words = () if heading else tuple(segment.content_words(tokens[n]))
            fresh[text, heading] = SentenceResult(scored.sentiment, scored.label, tuple(found.get(n, ())), words,
                                                  sorted(set(words)))
    results = [fresh.get(key) or memo[key] for key in sentences]
    if remember:
        for key, result in fresh.items():
            size = memo_bytes(key, result)
            if size > MEMO_BYTES:
                continue  # never fits: not worth forgetting the others for
            if _memo_size + size > MEMO_BYTES:
                clear_memo()
            _memo[key] = result
            _memo_size += size
    return results


def analyse_text(text: str, model=None) -> tuple[list[dict], dict[str, int], normalize.Normalized]:
    """Sentences (with section, sentiment, themes) and term counts of a decoded text."""
    split = _Split(text)
    return split.rows(analyse_sentences(split.keys(), model)) + (split.norm,)


class _Split:
    """A decoded text normalised and split into sentences, waiting for their ``analyse_sentences`` results:
    the two halves of ``analyse_text``, apart so that ``analyse_files`` can score the sentences of many
    documents in one batch."""

    def __init__(self, text: str, file_format: str = "", encoding: str = "") -> None:
        self.text, self.file_format, self.encoding = text, file_format, encoding
        self.norm = norm = normalize.normalize(text)
        simplified_lines = norm.simplified.split("\n")
        original_lines = text.split("\n")
        # Split the simplified text (cue phrases are written in Simplified) and map each sentence back to
        # the original characters: OpenCC t2s keeps the length of every line, so offsets line up.
        self.aligned = norm.traditional and len(simplified_lines) == len(original_lines) and all(
            len(a) == len(b) for a, b in zip(simplified_lines, original_lines)
        )
        self.split = sections.split_document(norm.simplified)

    def keys(self) -> list[tuple[str, bool]]:
        return [(sent.text, sent.is_heading) for sent in self.split]

    def rows(self, results: list[SentenceResult]) -> tuple[list[dict], dict[str, int]]:
        """Sentence rows and term counts, from the ``analyse_sentences`` results of ``keys()``."""
        norm, text = self.norm, self.text
        rows: list[dict] = []
        terms = Counter(itertools.chain.from_iterable(r.words for r in results))
        for idx, (sent, result) in enumerate(zip(self.split, results)):
            # a heading or a sentence of stock phrases carries no theme for its document (aggregate.substantive)
            carried = list(result.themes) if result.themes and aggregate.substantive(sent.text) else []
            rows.append({
                "idx": idx,
                "section": sent.section,
                "text": _find_original(sent.text, norm.simplified, text) if self.aligned else sent.text,
                "text_simplified": sent.text,
                "sentiment": result.sentiment,
                "label": result.label,
                "themes": carried,
                "words": list(result.distinct),
            })
        return rows, dict(terms)


def _find_original(simplified_sentence: str, simplified: str, original: str) -> str:
    pos = simplified.find(simplified_sentence)
    return original[pos:pos + len(simplified_sentence)] if pos >= 0 else simplified_sentence


def analyse_bytes(source_file: str, data: bytes, meta: dict | None = None, model=None) -> Analysed:
    """Decode, normalise, split, segment, score and aggregate one file's bytes.

    ``meta`` holds what the caller already knows (manifest, path convention); headings inside the
    text fill the gaps. Raises ``decode.IngestError`` for input that is not a readable Chinese summary.
    """
    result = analyse_files([(source_file, data, meta)], model)[0]
    if isinstance(result, decode.IngestError):
        raise result
    return result


def analyse_files(items: list[tuple[str, bytes, dict | None]], model=None) -> list[Analysed | decode.IngestError]:
    """``analyse_bytes`` of many files (source file, bytes, meta), a file that is not a readable summary as
    its ``decode.IngestError``. The sentences of all the files are scored in one ``analyse_sentences``
    batch: the scorers' numpy calls and automaton passes cost the same few microseconds for thirty sentences
    as for a thousand, and per document they were a third of the analysis. The results are the same as one
    file at a time (every sentence's result is a function of its text and heading flag alone)."""
    splits: list[_Split | decode.IngestError] = []
    for source_file, data, _ in items:
        try:
            splits.append(_Split(*decode.read_bytes(source_file, data)))
        except decode.IngestError as exc:
            splits.append(exc)
    keys = [split.keys() for split in splits if isinstance(split, _Split)]
    results = iter(analyse_sentences(list(itertools.chain.from_iterable(keys)), model))
    out: list[Analysed | decode.IngestError] = []
    for (source_file, data, meta), split in zip(items, splits):
        if isinstance(split, _Split):
            sentence_rows, terms = split.rows(list(itertools.islice(results, len(split.split))))
            split = _document(source_file, data, meta, split, sentence_rows, terms)
        out.append(split)
    return out


def _document(source_file: str, data: bytes, meta: dict | None, split: _Split, sentence_rows: list[dict],
              terms: dict[str, int]) -> Analysed | decode.IngestError:
    """What ``analyse_bytes`` returns for a file, from its analysed sentences."""
    if not sentence_rows:
        return decode.IngestError("没有可分析的句子")
    merged = metadata.merge_meta(meta or {}, metadata.meta_from_text(split.norm.simplified))
    doc_id = content_hash(data)
    for row in sentence_rows:
        row["doc_id"] = doc_id
    shingles = copies.shingles(copies.canonical(r["text_simplified"] for r in sentence_rows))
    document = {
        "doc_id": doc_id,
        **merged,
        "source_file": source_file,
        "file_format": split.file_format,
        "encoding": split.encoding,
        "traditional": split.norm.traditional,
        "chars": sum(len(r["text_simplified"]) for r in sentence_rows),
        "sentences": len(sentence_rows),
        **aggregate.document_figures(sentence_rows),
        "placeholders": len(split.norm.placeholders),
        "concreteness": concreteness.score((r["idx"], r["text_simplified"]) for r in sentence_rows),
        # corpus-wide figures: filled in for the whole snapshot by analysis.insight.passes after the build
        "copy_of": "", "copy_kind": "", "copy_similarity": None, "follow_through": None,
        "analysis_version": ANALYSIS_VERSION,
    }
    words = [{"doc_id": doc_id, "idx": r["idx"], "words": r["words"]} for r in sentence_rows if r["words"]]
    signature = {"doc_id": doc_id, "minhash": copies.signature(shingles), "shingles": len(shingles)}
    return Analysed(document, sentence_rows, terms, signature, words, shingles)
