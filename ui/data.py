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
RECORD_READS = frozenset({"documents", "sentences_of", "evidence", "keyword_hits", "copied_documents",
                          "placeholder_sentences", "section_term_evidence", "follow_pairs"})
# Reads of one document by doc_id: empty for a document outside the reader's scope.
DOCUMENT_READS = frozenset({"sentences_of", "copy_passages", "concreteness_reasons"})
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
    if name in DOCUMENT_READS and _read("documents", Filters(doc_ids=(args[0],))).empty:
        args = ("",)  # a document outside the reader's scope has nothing to show
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


# ---------------------------------------------------------------- originality and follow-through (issue 5)

def originality(f: Filters, by: tuple[str, ...] = ("department",)) -> pd.DataFrame:
    return _read("originality", f, by=tuple(by))


def _outside(frame: pd.DataFrame, department_column: str) -> pd.Series:
    """Rows whose source lies in a department the reader may not see (a colleague elsewhere)."""
    allowed = auth.access().departments
    if allowed is None:
        return pd.Series(False, index=frame.index)
    return (frame[department_column] != "") & ~frame[department_column].isin(allowed)


def copied_documents(f: Filters, kind: str | None = None, include_near: bool = False) -> pd.DataFrame:
    """Below hr_admin, a source in a department outside the reader's scope is named by its department
    only: that it was copied is the reader's business, who wrote the source is not."""
    frame = _read("copied_documents", f, kind=kind, include_near=include_near)
    if len(frame) and "source_department" in frame:
        hidden = _outside(frame, "source_department")
        if hidden.any():
            frame = frame.copy()
            frame.loc[hidden, ["source_employee", "source_file_of_copy"]] = "（权限范围外）"
            frame.loc[hidden, "copy_of"] = ""
    return frame


def copy_passages(doc_id: str) -> pd.DataFrame:
    """The document beside its source; a source outside the reader's departments shows no text."""
    frame = _read("copy_passages", doc_id)
    source = _read("documents", Filters(doc_ids=(doc_id,)))
    if len(frame) and len(source) and auth.access().departments is not None:
        of = source.iloc[0].get("copy_of", "")
        if of and _read("documents", Filters(doc_ids=(of,))).empty and _is_document(of):
            frame = frame.assign(source_text="（来源文档在您的权限范围之外）")
    return frame


def _is_document(doc_id: str) -> bool:
    """Whether ``doc_id`` names a stored document (not a 范文 of the library), whoever may read it."""
    path = store_path()
    return not _cached("documents", str(path), store.data_version(path), (Filters(doc_ids=(doc_id,)),),
                       ()).empty


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


def may_edit_library() -> bool:
    """The 范文 library changes every department's copy figures: HR admin only."""
    return not auth.access().restricted


def add_template(name: str, text: str, source: str = "") -> int:
    """Add a 范文 to the library (a new snapshot; the cached reads follow its new data version).

    Raises ``analysis.library.LibraryError`` with a message for the page, ``store.StoreBusy`` when a
    build holds the store, ``PermissionError`` below hr_admin."""
    from analysis import library

    if not may_edit_library():
        raise PermissionError("只有 HR 管理员可以修改范文库")
    return library.add_template(store_path(), name, text, source)


def template_text(name: str, data: bytes) -> str:
    from analysis import library

    return library.template_from_file(name, data)


def remove_template(name: str) -> int:
    from analysis import library

    if not may_edit_library():
        raise PermissionError("只有 HR 管理员可以修改范文库")
    return library.remove_template(store_path(), name)
