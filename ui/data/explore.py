"""The 探索 page's reads (``analysis.query.explore``), through the one scoped, masked, cached read."""
from __future__ import annotations

import pandas as pd

from analysis.access.scope import Filters
from ui.data.cache import _read


def cooccurrence(f: Filters, min_freq: int = 5, top_edges: int = 60, threshold: float | None = None,
                 highlight: str = "") -> pd.DataFrame:
    return _read("cooccurrence", f, min_freq=min_freq, top_edges=top_edges, threshold=threshold,
                 highlight=highlight)


def correspondence(f: Filters, by: str = "department", top: int = 60) -> pd.DataFrame:
    return _read("correspondence", f, by=by, top=top)


def word_sentences(f: Filters, word: str, other: str = "", limit: int = 200) -> pd.DataFrame:
    return _read("word_sentences", f, word=word, other=other, limit=limit)


def collocates(f: Filters, word: str, top: int = 20) -> pd.DataFrame:
    return _read("collocates", f, word=word, top=top)


def word_trend(f: Filters, word: str) -> pd.DataFrame:
    return _read("word_trend", f, word=word)


def topics(f: Filters) -> pd.DataFrame:
    return _read("topics", f)


def topic_shares(f: Filters, by: str = "department") -> pd.DataFrame:
    return _read("topic_shares", f, by=by)


def topic_sentences(f: Filters, topic: int, limit: int = 50) -> pd.DataFrame:
    return _read("topic_sentences", f, topic=topic, limit=limit)
