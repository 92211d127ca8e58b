"""Keyword figures, keyword in context and section words for the pages (``analysis.query.keywords``)."""
from __future__ import annotations

import pandas as pd

from analysis.access.scope import Filters
from ui.data.cache import _read


def keywords(f: Filters, by: str = "department", top: int = 20) -> pd.DataFrame:
    return _read("keywords", f, by=by, top=top)


def term_frequencies(f: Filters, top: int = 120) -> pd.DataFrame:
    return _read("term_frequencies", f, top=top)


def keyword_hits(f: Filters, term: str, limit: int = 200) -> pd.DataFrame:
    return _read("keyword_hits", f, term=term, limit=limit)


def keyword_counts(f: Filters, term: str) -> pd.DataFrame:
    return _read("keyword_counts", f, term=term)


def section_terms(f: Filters, section: str, top: int = 20) -> pd.DataFrame:
    return _read("section_terms", f, section=section, top=top)


def section_term_evidence(f: Filters, section: str, term: str) -> pd.DataFrame:
    return _read("section_term_evidence", f, section=section, term=term)
