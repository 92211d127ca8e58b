"""Downloads: the export tables, made on click from the reader's scoped and masked table, each
recorded in the audit log; and the log itself for the 审计日志 page."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from analysis.access import audit
from analysis.access.mask import mask_frame
from analysis.access.scope import Filters
from analysis.query import export
from ui import auth
from ui.data.cache import _read, _scoped
from ui.state import store_path


def export_table(name: str, f: Filters) -> pd.DataFrame:
    return _read("export_table", name, f)


def export_preview(name: str, f: Filters, rows: int = 100) -> pd.DataFrame:
    """The first ``rows`` of ``export_table`` as the download shows them: Chinese headers, rounded numbers,
    who a document was copied from (``analysis.query.export.readable``)."""
    acc = auth.access()
    frame = export.with_copy_source(store_path(), export_table(name, f).head(rows), acc.departments)
    if acc.mask:
        frame = mask_frame(frame)  # the source's name; the rest was masked by the read
    return export.readable(frame, name).frame


def download(name: str, f: Filters, fmt: str) -> tuple[str, Callable[[], bytes]]:
    """The file name and a callable for ``st.download_button(data=…)``.

    The file is made only when the button is pressed (openpyxl takes seconds on ten thousand rows,
    and most visits download nothing), from the reader's scoped and masked table, and that moment is
    what the audit log records: a file that was never generated was never handed out. The file is
    ``analysis.query.export.handout`` — Chinese headers, a formatted workbook with its 说明 sheet and the
    evidence sentences of the view — the same as ``python -m analysis export --headers zh``.
    """
    acc = auth.access()
    path = store_path()
    scoped = _scoped(acc, "export_table", (name, f))[1]
    records = _scoped(acc, "evidence", (f,))[0] if acc.may_read_text else None
    file_name = export.filename(name, scoped, fmt)
    log = audit.audit_path(path)

    def make() -> bytes:
        book = export.handout(path, name, scoped, acc, evidence_filters=records)
        data = book.csv() if fmt == "csv" else book.xlsx()
        audit.record(log, user=acc.user, name=acc.name, role=acc.role, table=name, fmt=fmt, filters=scoped,
                     rows=book.rows, file_name=file_name)
        return data

    return file_name, make


def download_frame(name: str, title: str, frame: pd.DataFrame, f: Filters,
                   fmt: str = "csv") -> tuple[str, Callable[[], bytes]]:
    """A table the page computed (the network's edge list…) as a download, the same way as ``download``:
    from the reader's scoped ``f``, masked below hr_admin, with the Chinese headers declared for ``name`` in
    ``schema.EXPORT_HEADERS``, formula-neutralised, and recorded in the audit log (as ``name``) when the
    file is made."""
    acc = auth.access()
    path = store_path()
    scoped = _scoped(acc, "export_table", (name, f))[1]
    file_name = export.filename(title, scoped, fmt)
    log = audit.audit_path(path)

    def make() -> bytes:
        book = export.handout_frame(title, name, frame, path, scoped, acc)
        data = book.csv() if fmt == "csv" else book.xlsx()
        audit.record(log, user=acc.user, name=acc.name, role=acc.role, table=name, fmt=fmt, filters=scoped,
                     rows=book.rows, file_name=file_name)
        return data

    return file_name, make


def audit_log() -> pd.DataFrame:
    """The download audit log (HR admin's 审计 page); not cached, it grows with every download."""
    return audit.read(audit.audit_path(store_path()))


def audit_breaks() -> list[str]:
    """Where the audit log's hash chain is broken (empty when intact): HR admin only, like the log."""
    if auth.access().restricted:
        return []
    return audit.verify(audit.audit_path(store_path()))
