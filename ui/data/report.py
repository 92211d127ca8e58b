"""The 报告 page's reads: what the reader may build a report of, the report itself (cached by data version),
and the two downloads, each made on click and recorded in the audit log (``analysis.report.make``)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import pandas as pd
import streamlit as st

from analysis.access.scope import Access
from analysis.report import make
from analysis.report.content import Report, ReportError, Scope, gather
from analysis.store import snapshot
from ui import auth
from ui.data.documents import facets
from ui.state import store_path

__all__ = ["Report", "ReportError", "report", "report_choices", "report_download", "report_min_group"]


def report_min_group() -> int:
    """The reporting minimum of the users file's policy: it applies to every report, HR admin's too."""
    return int(auth.config().policy.min_group)


def report_choices() -> pd.DataFrame:
    """department, team, year with documents, within the reader's departments (the sidebar's facets)."""
    return facets()[["department", "team", "year"]].drop_duplicates()


@st.cache_data(max_entries=16, show_spinner="正在汇总报告……")
def _gathered(path: str, version: str, access: Access, scope: Scope, min_group: int) -> Report:
    """``version`` is not read here: it is part of the cache key (a rebuild makes a new report)."""
    from pathlib import Path

    return gather(Path(path), access, scope, min_group)


def report(scope: Scope) -> Report:
    """The report of ``scope`` for the signed-in reader; raises ``ReportError`` with the reason."""
    path = store_path()
    return _gathered(str(path), snapshot.data_version(path), auth.access(), scope, report_min_group())


def report_download(scope: Scope, fmt: str) -> tuple[str, str, Callable[[], bytes]]:
    """(file name, MIME type, a callable for ``st.download_button(data=…)``): the file is made when the
    button is pressed, and that moment is what the audit log records."""
    acc = auth.access()
    path = store_path()
    gathered = report(scope)

    def build() -> bytes:
        fresh = replace(gathered, generated_at=datetime.now().strftime("%Y-%m-%d %H:%M"))
        return make.make(path, acc, scope, fmt, gathered.min_group, report=fresh)[1]

    return make.file_name(gathered, fmt), make.MIME[fmt], build
