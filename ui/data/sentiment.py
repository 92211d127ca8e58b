"""Sentiment per section for the pages (``analysis.query.sentiment``)."""
from __future__ import annotations

import pandas as pd

from analysis.access.scope import Filters
from ui.data.cache import _read


def section_sentiment(f: Filters, by: tuple[str, ...] = ()) -> pd.DataFrame:
    return _read("section_sentiment", f, by=tuple(by))


def sentiment_box(f: Filters) -> pd.DataFrame:
    """Per department and year, the box plot's figures of document sentiment (nothing for a viewer)."""
    return _read("sentiment_box", f)
