"""The downloadable tables, as CSV (UTF-8 with BOM, so Excel reads Chinese) and as .xlsx.

Two shapes of the same tables:

- ``table``: the stable English columns scripts rely on (DESIGN §4), what ``python -m analysis export``
  writes by default.
- ``handout``: what the dashboard hands out and ``export --headers zh`` writes, for a person rather than
  a script: Chinese headers (``schema.EXPORT_HEADERS``), rounded numbers, shares as percentages, who a
  document was copied from instead of a hash. Its .xlsx is a formatted workbook: a 说明 sheet first
  (scope, filters, data version, date), then the table, then the evidence sentences of the same view,
  each with a frozen header row, an autofilter, column widths and number formats. Its CSV is the table
  alone, with the same headers and the percentages written out (12.3%).

Cells that begin with = + - @ tab or CR are prefixed with an apostrophe: a summary sentence such as
``=HYPERLINK(...)`` must not become a live formula in the analyst's spreadsheet (CSV injection).
Numbers stay numbers: only text cells are touched.
"""
from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pandas as pd

from analysis.access.mask import mask_frame
from analysis.access.scope import Access, Filters
from analysis.query.documents import documents, evidence, groups, overview, store_info
from analysis.query.keywords import keywords
from analysis.query.sql import fetch
from analysis.query.themes import theme_sections
from analysis.schema import (
    EXPORT_HEADERS,
    EXPORT_HIDDEN,
    EXPORT_SHEET_NAMES,
    EXPORT_TABLE_NAMES,
    EXPORT_TABLES,
    LABEL_NAMES,
    ROLE_NAMES,
)

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")

EVIDENCE_ROWS = 5000
"""The evidence sheet holds at most this many sentences of the view (the 说明 sheet says how many there are)."""

DESCRIPTIONS = {
    "documents": "每篇文档一行：员工、部门、班组、岗位、年份、字数、情感、各主题句数、模板占位符、抄袭来源。",
    "groups": "每个 部门 × 班组 × 年份 一行：文档数、员工数、平均情感，以及各主题的提及文档占比、每千字句数和句占比。",
    "themes": "每个 部门 × 年份 × 段落 × 主题 一行：主题句数、提及文档数及其占比。",
    "keywords": "每个部门的特色词：出现次数、文档数、TF-IDF 权重和区分度（z 值，越大越是该部门特有）。",
}

_FORMATS = {"int": "#,##0", "year": "0", "pct": "0.0%", "dec1": "0.0", "dec2": "0.00"}
_DIGITS = {"pct": 3, "dec1": 1, "dec2": 2}


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
    """The English table (``table``) as CSV or .xlsx, by the file's extension."""
    write_bytes(out, lambda: csv_bytes(frame), lambda: xlsx_bytes(frame, out.stem))


def write_bytes(out: Path, csv, xlsx) -> None:
    suffix = out.suffix.lower()
    if suffix == ".csv":
        data = csv()
    elif suffix == ".xlsx":
        data = xlsx()
    else:
        raise ValueError(f"不支持的导出格式：{suffix or '无扩展名'}（请用 .csv 或 .xlsx）")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)


def filename(name: str, filters: Filters, suffix: str) -> str:
    """A Chinese file name that says what the table holds: 年终洞察_文档_销售部_2022-2024.csv"""
    parts = ["年终洞察", EXPORT_TABLE_NAMES.get(name, name)]
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


# ---------------------------------------------------------------- for people: Chinese, rounded, formatted

@dataclass(frozen=True)
class Sheet:
    title: str
    frame: pd.DataFrame
    """Chinese headers, rounded values, masked where the reader is masked; formula-neutralised on writing."""
    kinds: tuple[str, ...]
    """Per column, its kind in ``schema.EXPORT_HEADERS`` (the number format)."""


@dataclass(frozen=True)
class Handout:
    """A table as the dashboard hands it out: the 说明 sheet, the table, the evidence (if any)."""

    sheets: tuple[Sheet, ...]
    rows: int
    """Rows of the table (what the audit log records)."""

    @property
    def table(self) -> Sheet:
        return self.sheets[1]

    def csv(self) -> bytes:
        """The table alone, headers as in the workbook, percentages and decimals written as shown there."""
        sheet = self.table
        out = sheet.frame.copy()
        for col, kind in zip(out.columns, sheet.kinds):
            if kind in _DIGITS:
                fmt = "{:.1%}" if kind == "pct" else f"{{:.{_DIGITS[kind]}f}}"
                out[col] = out[col].map(lambda v, f=fmt: "" if pd.isna(v) else f.format(v))
        return csv_bytes(out)

    def xlsx(self) -> bytes:
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as writer:
            for sheet in self.sheets:
                safe_frame(sheet.frame).to_excel(writer, index=False, sheet_name=sheet.title[:31])
                _format(writer.sheets[sheet.title[:31]], sheet)
        return buf.getvalue()


def _width(value) -> int:
    """Display width in Excel's character units: a Chinese character takes two."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _format(ws, sheet: Sheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF4")
    for cell in ws[1]:
        cell.font, cell.fill = bold, fill
    ws.freeze_panes = "A2"
    if len(sheet.frame):
        ws.auto_filter.ref = ws.dimensions
    sample = sheet.frame.head(500)
    for i, (col, kind) in enumerate(zip(sheet.frame.columns, sheet.kinds), start=1):
        letter = get_column_letter(i)
        if kind in _FORMATS:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = _FORMATS[kind]
        widest = max([_width(col), *(_width(v) for v in sample[col])]) if len(sample) else _width(col)
        if kind == "pct":
            widest = max(widest, 7)
        ws.column_dimensions[letter].width = min(max(widest + 2, 6), 80)
        if widest > 80:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def readable(frame: pd.DataFrame, kind: str) -> Sheet:
    """``frame`` (English columns of ``kind`` in ``schema.EXPORT_HEADERS``) for a person: Chinese headers,
    numbers rounded as they are shown, labels and yes/no in words, without ``schema.EXPORT_HIDDEN``."""
    spec = {**{c: (c, "text") for c in frame.columns if c not in EXPORT_HIDDEN}, **EXPORT_HEADERS.get(kind, {})}
    cols = [c for c in frame.columns if c in spec]
    out = frame[cols].copy()
    for col in cols:
        how = spec[col][1]
        if how in _DIGITS:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64").round(_DIGITS[how])
        elif how in ("int", "year"):
            out[col] = pd.to_numeric(out[col], errors="coerce").round().astype("Int64")
        elif out[col].dtype == bool or col in ("traditional", "suppressed"):
            out[col] = out[col].map(lambda v: "" if pd.isna(v) else ("是" if bool(v) else "否"))
        elif col == "label":
            out[col] = out[col].map(lambda v: LABEL_NAMES.get(v, v))
        elif col == "themes":
            out[col] = out[col].map(lambda v: "、".join(map(str, v)) if v is not None and not isinstance(v, str)
                                    else (v or ""))
    out.columns = [spec[c][0] for c in cols]
    return Sheet(EXPORT_SHEET_NAMES.get(kind, kind), out.reset_index(drop=True), tuple(spec[c][1] for c in cols))


def copy_sources(store_path: Path, copy_of: pd.Series, departments: tuple[str, ...] | None) -> pd.Series:
    """Who each document was copied from (or is closest to), in words: 钱多多（销售部，2023 年）, a 范文's
    name, or only the department when the source lies outside the reader's ``departments``."""
    ids = sorted({v for v in copy_of if isinstance(v, str) and v})
    found = {}
    if ids:
        rows = fetch(store_path, f"SELECT doc_id, employee, department, year FROM documents "
                                 f"WHERE doc_id IN ({', '.join('?' * len(ids))})", ids)
        found = {r.doc_id: r for r in rows.itertuples()}

    def name(value) -> str:
        if not isinstance(value, str) or not value:
            return ""
        row = found.get(value)
        if row is None:
            return f"范文“{value}”"
        if departments is not None and row.department not in departments:
            return f"{row.department}的一篇总结（权限范围外）"
        return f"{row.employee or '（未署名）'}（{row.department or '未知部门'}，{row.year} 年）"

    return copy_of.map(name)


def with_copy_source(store_path: Path, frame: pd.DataFrame, departments: tuple[str, ...] | None) -> pd.DataFrame:
    """``frame`` with ``copy_source`` (``copy_sources`` of its ``copy_of``) just before ``copy_of``."""
    if "copy_of" not in frame.columns:
        return frame
    out = frame.copy()
    out.insert(out.columns.get_loc("copy_of"), "copy_source", copy_sources(store_path, out["copy_of"], departments))
    return out


def _years(filters: Filters, only_years: tuple[int, ...] | None) -> str:
    if only_years:
        return "、".join(map(str, sorted(set(only_years))))
    if not filters.years:
        return "全部"
    a, b = filters.years
    return str(a) if a == b else f"{a}–{b}"


def _about(store_path: Path, name: str, filters: Filters, access: Access, rows: int, evidence_note: str,
           only_years: tuple[int, ...] | None, today: date) -> Sheet:
    info = store_info(store_path)
    scope = "全部部门" if access.departments is None else ("、".join(access.departments) or "无")
    lines = [
        ("表格", f"{EXPORT_TABLE_NAMES.get(name, name)}：{DESCRIPTIONS.get(name, '')}"),
        ("角色", ROLE_NAMES.get(access.role, access.role)),
        ("可查看的部门", scope),
        ("最小报告人数", f"{access.min_group} 人（不足的分组不显示数字）" if access.min_group > 0 else "不限"),
        ("脱敏", "是（电话、身份证号、邮箱、银行卡号已替换）" if access.mask else "否"),
        ("筛选：部门", "、".join(filters.departments) or "全部"),
        ("筛选：班组", "、".join(filters.teams) or "全部"),
        ("筛选：年份", _years(filters, only_years)),
        ("筛选：岗位", "、".join(filters.roles) or "全部"),
        ("筛选：全文检索", f"“{filters.search.strip()}”" if filters.search.strip() else "无"),
        ("数据版本", f"{info['built_at']} 构建，分析版本 {info['analysis_version']}，共 {info['documents']:,} 篇文档"),
        ("行数", f"{rows:,}"),
        ("证据句", evidence_note),
        ("生成日期", today.isoformat()),
    ]
    frame = pd.DataFrame(lines, columns=["项目", "内容"])
    return Sheet(EXPORT_SHEET_NAMES["about"], frame, ("text", "text"))


def handout(store_path: Path, name: str, filters: Filters, access: Access,
            evidence_filters: Filters | None = None, only_years: tuple[int, ...] | None = None,
            today: date | None = None) -> Handout:
    """The table ``name`` for a person, as the dashboard downloads it.

    ``filters`` are the table's filters already narrowed to the reader (``ui/data`` does that; the command
    line reads the whole store as HR admin); ``evidence_filters`` the same view narrowed as a record read
    (None: no evidence sheet, e.g. for a viewer). ``only_years`` keeps only those years (the command
    line's repeated ``--year``). Masked readers get every text cell masked, the copy source included."""
    frame = with_copy_source(store_path, table(store_path, name, filters), access.departments)
    if only_years and "year" in frame.columns:
        frame = frame[frame["year"].isin(only_years)]
    ev = None
    if evidence_filters is not None and access.may_read_text:
        views = ([replace(evidence_filters, years=(y, y)) for y in sorted(set(only_years), reverse=True)]
                 if only_years else [evidence_filters])
        ev = pd.concat([evidence(store_path, v, limit=EVIDENCE_ROWS) for v in views], ignore_index=True)
        ev = ev.head(EVIDENCE_ROWS)
        total = sum(overview(store_path, v)["sentences"] for v in views)
        note = ("见“证据句”表：当前筛选下的全部句子" if len(ev) >= total
                else f"见“证据句”表：当前筛选下共 {total:,} 句，列出前 {len(ev):,} 句"
                     "（年份从新到旧，再按部门、员工、原文顺序）")
    else:
        note = "不含（你的账号只能导出汇总表）" if not access.may_read_text else "不含"
    if access.mask:
        frame = mask_frame(frame)
        ev = mask_frame(ev) if ev is not None else None
    main = readable(frame, name)
    sheets = [_about(store_path, name, filters, access, len(frame), note, only_years, today or date.today()), main]
    if ev is not None:
        sheets.append(readable(ev, "evidence"))
    return Handout(tuple(sheets), len(frame))


def handout_frame(title: str, kind: str, frame: pd.DataFrame, store_path: Path, filters: Filters, access: Access,
                  today: date | None = None) -> Handout:
    """A table a page computed (the network's edge list) handed out the same way: 说明, then the table."""
    out = mask_frame(frame) if access.mask else frame
    sheet = readable(out, kind)
    about = _about(store_path, kind, filters, access, len(out), "不含", None, today or date.today())
    about.frame.loc[0, "内容"] = title
    return Handout((about, Sheet(title, sheet.frame, sheet.kinds)), len(out))
