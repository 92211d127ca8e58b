"""Cached reads of the store for the pages.

Every read goes through one ``st.cache_data`` function keyed by the query's name, its arguments (the
``Filters`` value among them), the store path and ``store.data_version``: a rebuild swaps in a new
snapshot file, the version changes, and the next run reads the new data at once without clearing any
cache by hand. The query functions themselves live in ``analysis.query`` (no Streamlit there).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analysis import export, query, store
from analysis.query import Filters
from ui.state import store_path

_CACHE_ENTRIES = 128


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def _cached(name: str, path: str, version: str, args: tuple, kwargs: tuple) -> Any:
    """``version`` is not read here: it is part of the cache key."""
    if name == "export_table":
        return export.table(Path(path), *args, **dict(kwargs))
    return getattr(query, name)(Path(path), *args, **dict(kwargs))


def _read(name: str, *args, **kwargs) -> Any:
    path = store_path()
    return _cached(name, str(path), store.data_version(path), args, tuple(sorted(kwargs.items())))


def facets() -> pd.DataFrame:
    return _read("facets")


def store_info() -> dict:
    return _read("store_info")


def failures() -> pd.DataFrame:
    return _read("failures")


def overview(f: Filters) -> dict:
    return _read("overview", f)


def documents(f: Filters) -> pd.DataFrame:
    return _read("documents", f)


def document(doc_id: str) -> pd.DataFrame:
    return _read("documents", Filters(doc_ids=(doc_id,)))


def sentences_of(doc_id: str) -> pd.DataFrame:
    return _read("sentences_of", doc_id)


def groups(f: Filters, by: tuple[str, ...] = query.GROUP_KEYS) -> pd.DataFrame:
    return _read("groups", f, by=tuple(by))


def theme_totals(f: Filters) -> pd.DataFrame:
    return _read("theme_totals", f)


def theme_section_totals(f: Filters) -> pd.DataFrame:
    return _read("theme_section_totals", f)


def year_changes(f: Filters) -> pd.DataFrame:
    return _read("year_changes", f)


def evidence(f: Filters, theme: str | None = None, section: str | None = None, label: str | None = None,
             order: str = "idx", limit: int = 200) -> pd.DataFrame:
    return _read("evidence", f, theme=theme, section=section, label=label, order=order, limit=limit)


def section_sentiment(f: Filters, by: tuple[str, ...] = ()) -> pd.DataFrame:
    return _read("section_sentiment", f, by=tuple(by))


def keywords(f: Filters, by: str = "department", top: int = 20) -> pd.DataFrame:
    return _read("keywords", f, by=by, top=top)


def term_frequencies(f: Filters, top: int = 120) -> pd.DataFrame:
    return _read("term_frequencies", f, top=top)


def keyword_hits(f: Filters, term: str, limit: int = 200) -> pd.DataFrame:
    return _read("keyword_hits", f, term=term, limit=limit)


def keyword_counts(f: Filters, term: str) -> pd.DataFrame:
    return _read("keyword_counts", f, term=term)


def export_table(name: str, f: Filters) -> pd.DataFrame:
    return _read("export_table", name, f)


@st.cache_data(max_entries=16, show_spinner=False)
def _csv(name: str, path: str, version: str, f: Filters) -> bytes:
    return export.csv_bytes(_cached("export_table", path, version, (name, f), ()))


def export_csv(name: str, f: Filters) -> bytes:
    """The CSV download (UTF-8 with BOM, formula cells neutralised by ``export.csv_bytes``)."""
    path = store_path()
    return _csv(name, str(path), store.data_version(path), f)


def export_xlsx_later(name: str, f: Filters):
    """A callable for ``st.download_button``: the .xlsx is written only when the button is pressed,
    since openpyxl takes seconds on ten thousand rows and most visits download nothing."""
    path = Path(store_path())

    def make() -> bytes:
        titles = {"documents": "文档", "groups": "分组", "themes": "主题", "keywords": "关键词"}
        return export.xlsx_bytes(export.table(path, name, f), sheet=titles.get(name, name))

    return make


# ---------------------------------------------------------------- originality and follow-through (issue 5)

def originality(f: Filters, by: tuple[str, ...] = ("department",)) -> pd.DataFrame:
    return _read("originality", f, by=tuple(by))


def copied_documents(f: Filters, kind: str | None = None, include_near: bool = False) -> pd.DataFrame:
    return _read("copied_documents", f, kind=kind, include_near=include_near)


def copy_passages(doc_id: str) -> pd.DataFrame:
    return _read("copy_passages", doc_id)


def template_library() -> pd.DataFrame:
    return _read("template_library")


def placeholder_sentences(f: Filters) -> pd.DataFrame:
    return _read("placeholder_sentences", f)


def concreteness_reasons(doc_id: str) -> tuple[dict, pd.DataFrame]:
    return _read("concreteness_reasons", doc_id)


def section_terms(f: Filters, section: str, top: int = 20) -> pd.DataFrame:
    return _read("section_terms", f, section=section, top=top)


def section_term_evidence(f: Filters, section: str, term: str) -> pd.DataFrame:
    return _read("section_term_evidence", f, section=section, term=term)


def follow_rates(f: Filters, by: tuple[str, ...] = ("department",)) -> pd.DataFrame:
    return _read("follow_rates", f, by=tuple(by))


def follow_pairs(f: Filters, status: str | None = None, department: str | None = None) -> pd.DataFrame:
    return _read("follow_pairs", f, status=status, department=department)


def add_template(name: str, text: str, source: str = "") -> int:
    """Add a 范文 to the library (a new snapshot; the cached reads follow its new data version).

    Raises ``analysis.library.LibraryError`` with a message for the page, ``store.StoreBusy`` when a
    build holds the store."""
    from analysis import library

    return library.add_template(store_path(), name, text, source)


def template_text(name: str, data: bytes) -> str:
    from analysis import library

    return library.template_from_file(name, data)


def remove_template(name: str) -> int:
    from analysis import library

    return library.remove_template(store_path(), name)
