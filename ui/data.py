"""Cached reads of the store for the pages.

Every read goes through one ``st.cache_data`` function keyed by the query's name, its arguments (the
``Filters`` value among them), the store path and ``store.data_version``: a rebuild swaps in a new
snapshot file, the version changes, and the next run reads the new data at once without clearing any
cache by hand. The query functions themselves live in ``analysis.query`` (no Streamlit there).

Access is enforced here, once for every page (issue 6): each ``Filters`` is narrowed by the reader's
``Access.scope`` (departments; the minimum reporting group for figures; nothing for a viewer's record
reads), a document outside the scope has no sentences, and below hr_admin every text cell is masked
before it leaves this module. Downloads are generated on click and recorded in the audit log.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analysis import audit, export, query, store
from analysis.access import Access
from analysis.mask import mask_frame
from analysis.query import Filters
from analysis.schema import TEXT_COLUMNS
from ui import auth
from ui.state import store_path

_CACHE_ENTRIES = 128
# Reads that return single documents or sentences rather than group figures: scoped by department
# (nothing for a viewer) instead of by the minimum reporting group.
RECORD_READS = frozenset({"documents", "sentences_of", "evidence", "keyword_hits"})
EXPORT_TITLES = {"documents": "文档", "groups": "分组", "themes": "主题", "keywords": "关键词"}


@st.cache_data(max_entries=_CACHE_ENTRIES, show_spinner=False)
def _cached(name: str, path: str, version: str, args: tuple, kwargs: tuple, mask: bool = False) -> Any:
    """``version`` is not read here: it is part of the cache key. Masked results are cached apart."""
    if name == "export_table":
        out = export.table(Path(path), *args, **dict(kwargs))
    else:
        out = getattr(query, name)(Path(path), *args, **dict(kwargs))
    return mask_frame(out) if mask and isinstance(out, pd.DataFrame) else out


def _is_record(name: str, args: tuple) -> bool:
    return name in RECORD_READS or (name == "export_table" and args[:1] == ("documents",))


def _scoped(acc: Access, name: str, args: tuple) -> tuple:
    record = _is_record(name, args)
    return tuple(acc.scope(a, record=record or bool(a.doc_ids)) if isinstance(a, Filters) else a for a in args)


def _read(name: str, *args, **kwargs) -> Any:
    path = store_path()
    acc = auth.access()
    args = _scoped(acc, name, args)
    if name == "sentences_of" and _read("documents", Filters(doc_ids=(args[0],))).empty:
        args = ("",)  # a document outside the reader's scope has no sentences to show
    if name == "keyword_hits" and acc.mask:
        kwargs["mask"] = True  # masked before the context is cut (analysis.query.keyword_hits)
    out = _cached(name, str(path), store.data_version(path), args, tuple(sorted(kwargs.items())), acc.mask)
    if not acc.may_read_text and isinstance(out, pd.DataFrame):
        out = out.drop(columns=[c for c in TEXT_COLUMNS if c in out.columns])
    return out


def facets() -> pd.DataFrame:
    """The sidebar's choices: only the reader's departments, and no per-group counts below hr_admin."""
    frame = _read("facets")
    acc = auth.access()
    if acc.departments is not None:
        frame = frame[frame["department"].isin(acc.departments)]
    return frame.drop(columns="documents") if acc.restricted else frame


def store_info() -> dict:
    return _read("store_info")


def failures() -> pd.DataFrame:
    """Files that could not be analysed: their paths name departments and people, so HR admin only."""
    frame = _read("failures")
    return frame if not auth.access().restricted else frame.iloc[0:0]


def overview(f: Filters, records: bool = False) -> dict:
    """The headline figures. ``records``: over the documents the reader may open (the 文档 page), not
    over the publication cells. Below hr_admin, ``suppressed`` says whether documents of the filtered
    range were left out of the figures because their group is too small (a yes/no, never a count)."""
    acc = auth.access()
    path = str(store_path())
    version = store.data_version(path)
    if records:
        return _cached("overview", path, version, (acc.scope(f, record=True),), ())
    figures = dict(_read("overview", f))
    if acc.min_group:
        unsuppressed = replace(acc.scope(f), min_group=0)
        figures["suppressed"] = _cached("overview", path, version, (unsuppressed,), ())["documents"] > figures[
            "documents"]
    return figures


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


def download(name: str, f: Filters, fmt: str) -> tuple[str, Callable[[], bytes]]:
    """The file name and a callable for ``st.download_button(data=…)``.

    The file is made only when the button is pressed (openpyxl takes seconds on ten thousand rows,
    and most visits download nothing), from the reader's scoped and masked table, and that moment is
    what the audit log records: a file that was never generated was never handed out.
    """
    acc = auth.access()
    path = store_path()
    scoped = _scoped(acc, "export_table", (name, f))[1]
    file_name = export.filename(name, scoped, fmt)
    log = audit.audit_path(path)

    def make() -> bytes:
        frame = export.table(path, name, scoped)
        if acc.mask:
            frame = mask_frame(frame)
        if fmt == "csv":
            data = export.csv_bytes(frame)
        else:
            data = export.xlsx_bytes(frame, sheet=EXPORT_TITLES.get(name, name))
        audit.record(log, user=acc.user, name=acc.name, role=acc.role, table=name, fmt=fmt, filters=scoped,
                     rows=len(frame), file_name=file_name)
        return data

    return file_name, make


def audit_log() -> pd.DataFrame:
    """The download audit log (HR admin's 审计 page); not cached, it grows with every download."""
    return audit.read(audit.audit_path(store_path()))


def managed_documents(f: Filters) -> pd.DataFrame:
    return _read("managed_documents", f)
