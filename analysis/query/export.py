"""The downloadable tables, as CSV (UTF-8 with BOM, so Excel reads Chinese) and as .xlsx.

Cells that begin with = + - @ tab or CR are prefixed with an apostrophe: a summary sentence such as
``=HYPERLINK(...)`` must not become a live formula in the analyst's spreadsheet (CSV injection).
Numbers stay numbers: only text cells are touched.
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from analysis.access.scope import Filters
from analysis.query.documents import documents, groups
from analysis.query.keywords import keywords
from analysis.query.themes import theme_sections
from analysis.schema import EXPORT_TABLES

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    if isinstance(value, (list, tuple)):
        return neutralise("、".join(map(str, value)))
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    return out


def table(store_path: Path, name: str, filters: Filters = Filters()) -> pd.DataFrame:
    """One of the export tables (schema.EXPORT_TABLES) for the filters."""
    if name == "documents":
        return documents(store_path, filters)
    if name == "groups":
        return groups(store_path, filters)
    if name == "themes":
        return theme_sections(store_path, filters)
    if name == "keywords":
        return keywords(store_path, filters)
    raise ValueError(f"未知的表：{name}（可选：{'、'.join(EXPORT_TABLES)}）")


def csv_bytes(frame: pd.DataFrame) -> bytes:
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet: str = "数据") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe_frame(frame).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buf.getvalue()


def write(frame: pd.DataFrame, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix == ".csv":
        data = csv_bytes(frame)
    elif suffix == ".xlsx":
        data = xlsx_bytes(frame, out.stem)
    else:
        raise ValueError(f"不支持的导出格式：{suffix or '无扩展名'}（请用 .csv 或 .xlsx）")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)


def filename(name: str, filters: Filters, suffix: str) -> str:
    """A Chinese file name that says what the table holds: 年终洞察_文档_销售部_2022-2024.csv"""
    titles = {"documents": "文档", "groups": "分组", "themes": "主题", "keywords": "关键词"}
    parts = ["年终洞察", titles.get(name, name)]
    departments = filters.departments or filters.allowed_departments
    parts.append("+".join(departments) if departments else "全部部门")
    if filters.teams:
        parts.append("+".join(filters.teams))
    if filters.years:
        a, b = filters.years
        parts.append(str(a) if a == b else f"{a}-{b}")
    if filters.search.strip():
        parts.append(f"含“{filters.search.strip()}”")
    stem = "_".join(parts)
    for ch in '\\/:*?"<>|':
        stem = stem.replace(ch, "")
    return f"{stem}.{suffix.lstrip('.')}"
