"""One call for the page and the command line: gather, render, audit.

The audit line is written when the file's bytes exist, as for the CSV and Excel downloads
(``analysis.access.audit``): table ``report``, format ``pptx`` or ``docx``, the scope as filters (with the
reader's departments and the reporting minimum), and the number of documents the report covers.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from analysis.access import audit
from analysis.access.scope import Access
from analysis.report import paper, slides
from analysis.report.content import Report, ReportError, Scope, gather

FORMATS = {"pptx": "PowerPoint", "docx": "Word"}
MIME = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
AUDIT_TABLE = "report"


def render(report: Report, fmt: str) -> bytes:
    if fmt == "pptx":
        return slides.build(report)
    if fmt == "docx":
        return paper.build(report)
    raise ReportError(f"不支持的报告格式：{fmt or '无扩展名'}（请用 .pptx 或 .docx）")


def file_name(report: Report, fmt: str) -> str:
    return f"{report.file_stem}.{fmt}"


def make(store_path: Path, access: Access, scope: Scope, fmt: str, min_group: int,
         audit_log: Path | None = None, report: Report | None = None) -> tuple[str, bytes]:
    """(file name, bytes) of the report in ``fmt``, recorded in the audit log beside the store."""
    if fmt not in FORMATS:
        raise ReportError(f"不支持的报告格式：{fmt or '无扩展名'}（请用 .pptx 或 .docx）")
    report = report or gather(store_path, access, scope, min_group)
    data = render(report, fmt)
    name = file_name(report, fmt)
    filters = access.scope(scope.filters())
    audit.record(audit_log or audit.audit_path(store_path), user=access.user, name=access.name, role=access.role,
                 table=AUDIT_TABLE, fmt=fmt, filters=replace(filters, min_group=report.min_group),
                 rows=report.now["documents"], file_name=name)
    return name, data
