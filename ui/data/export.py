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

EXPORT_TITLES = {"documents": "文档", "groups": "分组", "themes": "主题", "keywords": "关键词"}


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


def audit_breaks() -> list[str]:
    """Where the audit log's hash chain is broken (empty when intact): HR admin only, like the log."""
    if auth.access().restricted:
        return []
    return audit.verify(audit.audit_path(store_path()))
