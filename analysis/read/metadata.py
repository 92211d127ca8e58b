"""Metadata: who wrote a summary, in which department, team, role and year.

From, in order: a manifest (CSV or Excel), the path convention ``<year>/<department>/<employee>[_<team>]``,
and headings inside the text (部门：…). Every value is untrusted: ``clean_name`` and ``validate_meta`` are
the one cleaning that the folder build, headings and uploads all go through (control and right-to-left
characters, Markdown, lengths, plausible years).
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import time
import unicodedata
from pathlib import Path, PurePosixPath

from analysis.read.decode import IngestError, decode_text
from analysis.schema import META_FIELDS

# ---------------------------------------------------------------- names and metadata values

YEAR_MIN = 2000
"""Summaries older than this are not what the dashboard is for; a typo such as 1024 is caught."""
MAX_META_CHARS = 40
MAX_NAME_CHARS = 160
FIELD_NAMES = {"employee": "员工", "department": "部门", "team": "班组", "role": "岗位", "year": "年份"}
_INVISIBLE = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}
"""Control, format (incl. the right-to-left overrides U+202E, U+2066–2069), private-use, surrogates."""
_MARKUP = re.compile(r"[<>\[\]`]")
"""Characters that make a label Markdown or HTML (``![](http://…)``, ``<img>``): no name needs them."""


def year_max() -> int:
    """Next year: a summary of this year is often written in January of the next."""
    return _next_year(int(time.time() // 60))


@functools.lru_cache(maxsize=1)
def _next_year(minute: int) -> int:
    """``year_max`` for the minute ``minute`` (since the epoch): asked once per file when a folder is listed, the
    date is looked up once a minute (``date.today`` for each of 100,000 files was 0.35 s)."""
    return dt.date.today().year + 1


_SPACE = re.compile(r"\s+")
_SLASHES = re.compile(r"/{2,}")


def _visible(text: str, instead: str = "") -> str:
    """``text`` with every ``_INVISIBLE`` character replaced by ``instead``. ``str.isprintable`` is false for
    each of those categories, so a printable text (nearly every name) is returned as it is without looking
    up each character's category: listing a 100,000-file corpus cleans 100,000 names."""
    if text.isprintable():
        return text
    return "".join(instead if unicodedata.category(ch) in _INVISIBLE else ch for ch in text)


@functools.lru_cache(maxsize=65536)
def _clean_text(value: str) -> str:
    """A metadata value without invisible characters, its whitespace runs made one space, NFC, stripped.
    Remembered: a corpus repeats its departments, teams and roles thousands of times."""
    return unicodedata.normalize("NFC", _SPACE.sub(" ", _visible(value))).strip()


def clean_name(name: str) -> str:
    """A file name safe to show and store: no control or bidi-override characters, no runs of
    whitespace, not absurdly long (the extension is kept). Uploads and the folder build both pass
    every file name through here; originals are saved under their content hash, so a name never
    reaches the file system."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/"))
    name = _visible(name, " ")
    if _SPACE.search(name):
        name = "/".join(_SPACE.sub(" ", part).strip() for part in name.split("/"))
    name = _SLASHES.sub("/", name).strip("/ ") or "未命名文件"
    if len(name) > MAX_NAME_CHARS:
        suffix = PurePosixPath(name).suffix[:10]
        name = name[: MAX_NAME_CHARS - len(suffix) - 1] + "…" + suffix
    return name


def validate_meta(meta: dict) -> tuple[dict, list[str]]:
    """Cleaned metadata (only the fields given) and the problems, one Chinese sentence each.

    Used for the upload form, for re-tagging, for every manifest row, and for what the folder build
    reads from paths and headings, so the same rules hold everywhere.
    """
    out: dict = {}
    errors: list[str] = []
    for key in META_FIELDS:
        value = meta.get(key)
        if value in (None, ""):
            continue
        name = FIELD_NAMES[key]
        if key == "year":
            try:
                year = int(str(value).strip().removesuffix("年"))
            except ValueError:
                errors.append(f"{name}“{value}”不是数字")
                continue
            if not YEAR_MIN <= year <= year_max():
                errors.append(f"{name} {year} 不在 {YEAR_MIN}–{year_max()} 之间")
                continue
            out[key] = year
            continue
        text, error = _checked_text(name, str(value))
        if error:
            errors.append(error)
        elif text:
            out[key] = text
    return out, errors


@functools.lru_cache(maxsize=65536)
def _checked_text(name: str, value: str) -> tuple[str, str]:
    """A text field's cleaned value and the problem with it ('' if none), for the field called ``name``.
    Remembered, as ``_clean_text``: listing 100,000 files checked their departments, teams and roles 100,000 times
    each (about a second)."""
    text = _clean_text(value)
    if len(text) > MAX_META_CHARS:
        return text, f"{name}“{text[:12]}…”太长（最多 {MAX_META_CHARS} 个字）"
    if "/" in text or "\\" in text:
        return text, f"{name}“{text}”不能含有斜杠"
    if _MARKUP.search(text):
        return text, f"{name}“{text}”不能含有 < > [ ] ` 等标记符号"
    return text, ""


def clean_meta(meta: dict) -> dict:
    """``meta`` with every value cleaned as ``validate_meta`` does, and the invalid ones left out
    (a file keeps its other fields; an invalid heading is no heading)."""
    return validate_meta({k: v for k, v in meta.items() if v not in (None, "", 0)})[0]


# ---------------------------------------------------------------- metadata

_HEADING_FIELDS = {
    "employee": ("姓名", "员工", "员工姓名", "述职人", "汇报人", "姓  名"),
    "department": ("部门", "所在部门", "单位", "部门名称"),
    "team": ("班组", "小组", "团队", "组别", "所属团队"),
    "role": ("岗位", "职位", "职务", "岗位名称"),
}
_HEADING_RE = re.compile(r"^\s*([\u4e00-\u9fff ]{2,5})\s*[：:]\s*(\S[^\n]{0,30}?)\s*$")
_YEAR_RE = re.compile(r"(20\d{2})\s*年(?:度)?")


def is_metadata_line(line: str) -> bool:
    """``部门：销售部``-style lines: document metadata, not content to find themes or keywords in."""
    m = _HEADING_RE.match(line)
    return bool(m) and any(
        m.group(1).replace(" ", "") in {n.replace(" ", "") for n in names} for names in _HEADING_FIELDS.values()
    )


def meta_from_text(text: str) -> dict:
    """Metadata from heading lines such as ``部门：销售部`` and a year in the title.

    Only the first lines are read: a ``部门：`` deep inside the body is content, not a heading.
    """
    found: dict = {}
    head = text.strip().split("\n")[:15]
    for line in head:
        m = _HEADING_RE.match(line)
        if not m:
            continue
        key = m.group(1).replace(" ", "")
        for fld, names in _HEADING_FIELDS.items():
            if key in {n.replace(" ", "") for n in names} and fld not in found:
                found[fld] = m.group(2).strip()
    for line in head[:5]:
        m = _YEAR_RE.search(line)
        if m:
            found["year"] = int(m.group(1))
            break
    return clean_meta(found)  # headings are typed by anybody: the rules of uploaded metadata hold


_YEAR_FOLDER = re.compile(r"(19|20)\d{2}")


def meta_from_path(rel: PurePosixPath | tuple[str, ...]) -> dict:
    """``<year>/<department>/<employee>[_<team>].<ext>``: any prefix folders are ignored. ``rel``: a relative
    path, or its parts (what a corpus listing has at hand)."""
    parts = rel if isinstance(rel, tuple) else rel.parts
    found: dict = {}
    if len(parts) >= 3 and _YEAR_FOLDER.fullmatch(parts[-3]):
        stem = _stem(parts[-1])
        found["year"] = int(parts[-3])
        found["department"] = parts[-2]
        employee, _, team = stem.partition("_")
        found["employee"] = employee
        if team:
            found["team"] = team
    return found


def _stem(name: str) -> str:
    """``PurePosixPath(name).stem`` of a name without slashes, without making a path object."""
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


MANIFEST_COLUMNS = {
    "file": ("file", "文件", "文件名", "路径", "文件路径"),
    "employee": ("employee", "姓名", "员工", "员工姓名"),
    "department": ("department", "部门"),
    "team": ("team", "班组", "团队", "小组"),
    "role": ("role", "岗位", "职位"),
    "year": ("year", "年份", "年度"),
}
"""Manifest headings: the English names of the corpus manifest, or the Chinese ones HR types in Excel."""
MANIFEST_SUFFIXES = frozenset({".csv", ".xlsx"})


def _manifest_table(name: str, data: bytes) -> list[list[str]]:
    """The manifest's cells as text, first row the headings."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
            rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        except Exception as exc:  # openpyxl raises many unrelated types for a broken workbook
            raise IngestError("Excel 清单已损坏或不是有效的 .xlsx") from exc
        return rows
    if suffix != ".csv":
        raise IngestError(f"清单必须是 .csv 或 .xlsx 文件，不是“{suffix or '无扩展名'}”")
    text, _ = decode_text(data)
    return list(csv.reader(io.StringIO(text)))


def _manifest_key(value: str) -> str:
    key = value.strip().replace("\\", "/")
    while key.startswith("./"):
        key = key[2:]
    return key


def parse_manifest(name: str, data: bytes) -> tuple[dict[str, dict], list[str]]:
    """Manifest rows keyed by file path (forward slashes), and the problems found, one sentence each.

    A row with a bad year keeps its other fields; a repeated file keeps its first row. Raises
    ``IngestError`` when the manifest cannot be used at all (unreadable, no file column).
    """
    if not data.strip():
        raise IngestError("清单文件为空")
    table = [row for row in _manifest_table(name, data) if any(c.strip() for c in row)]
    if not table:
        raise IngestError("清单文件为空")
    heads = [h.strip().lstrip("\ufeff").lower() for h in table[0]]
    columns: dict[str, int] = {}
    for fld, names in MANIFEST_COLUMNS.items():
        for i, h in enumerate(heads):
            if h in names and fld not in columns:
                columns[fld] = i
    if "file" not in columns:
        raise IngestError("清单缺少“file”（或“文件”）列，无法对应到文件")
    rows: dict[str, dict] = {}
    problems: list[str] = []
    for number, row in enumerate(table[1:], start=2):
        cell = {fld: (row[i].strip() if i < len(row) else "") for fld, i in columns.items()}
        file = _manifest_key(cell.pop("file"))
        if not file:
            problems.append(f"清单第 {number} 行没有填写文件名，已忽略")
            continue
        if file in rows:
            problems.append(f"清单第 {number} 行：文件“{file}”重复出现，只用第一次出现的那一行")
            continue
        meta = {k: v for k, v in cell.items() if v}
        if "year" in meta:
            try:
                meta["year"] = int(float(meta["year"]))
            except ValueError:
                problems.append(f"清单第 {number} 行：年份“{meta['year']}”不是数字，已忽略该年份")
                del meta["year"]
        rows[file] = meta
    return rows, problems


def read_manifest(path: Path) -> dict[str, dict]:
    """Manifest rows keyed by the file path relative to the manifest's folder (forward slashes)."""
    return parse_manifest(path.name, path.read_bytes())[0]


def merge_meta(*sources: dict, fill: bool = True) -> dict:
    """First source wins per field (manifest, then path, then headings).

    With ``fill`` the gaps become '' (0 for the year) so that every record has every field.
    """
    merged: dict = {}
    for src in sources:
        for k, v in src.items():
            if k in META_FIELDS and k not in merged and v not in ("", None, 0):
                merged[k] = v
    if not fill:
        return merged
    return {k: merged.get(k, 0 if k == "year" else "") for k in META_FIELDS}
