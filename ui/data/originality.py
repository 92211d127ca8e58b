"""Copies, placeholders, concreteness and the 范文 library for the 原创性 page
(``analysis.query.originality``, ``analysis.insight.library``)."""
from __future__ import annotations

import pandas as pd

from analysis.access.scope import Filters
from analysis.store import snapshot
from ui import auth
from ui.data.cache import _cached, _read
from ui.state import store_path


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
    return not _cached("documents", str(path), snapshot.data_version(path), (Filters(doc_ids=(doc_id,)),),
                       ()).empty


def template_library() -> pd.DataFrame:
    """The library with its copy counts over what the reader may see (departments, minimum group)."""
    return _read("template_library", Filters())


def placeholder_sentences(f: Filters) -> pd.DataFrame:
    return _read("placeholder_sentences", f)


def concreteness_reasons(doc_id: str) -> tuple[dict, pd.DataFrame]:
    return _read("concreteness_reasons", doc_id)


def may_edit_library() -> bool:
    """The 范文 library changes every department's copy figures: HR admin only."""
    return not auth.access().restricted


def add_template(name: str, text: str, source: str = "") -> int:
    """Add a 范文 to the library (a new snapshot; the cached reads follow its new data version).

    Raises ``analysis.insight.library.LibraryError`` with a message for the page, ``snapshot.StoreBusy`` when a
    build holds the store, ``PermissionError`` below hr_admin."""
    from analysis.insight import library

    if not may_edit_library():
        raise PermissionError("只有 HR 管理员可以修改范文库")
    return library.add_template(store_path(), name, text, source)


def template_text(name: str, data: bytes) -> str:
    from analysis.insight import library

    return library.template_from_file(name, data)


def remove_template(name: str) -> int:
    from analysis.insight import library

    if not may_edit_library():
        raise PermissionError("只有 HR 管理员可以修改范文库")
    return library.remove_template(store_path(), name)
