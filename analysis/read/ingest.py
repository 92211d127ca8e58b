"""Turn files (and zip archives of files) into decoded text plus metadata.

Every failure is an ``IngestError`` whose message is a Chinese sentence an HR analyst can act on; the
caller reports it with the file name and goes on with the next file. Nothing here raises anything
else for bad input: a traceback in the page is a bug.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from charset_normalizer import from_bytes

from analysis.schema import META_FIELDS

TEXT_SUFFIXES = frozenset({".txt", ".md"})
SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".docx", ".pdf"})
ARCHIVE_SUFFIXES = frozenset({".zip"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic"})
MANIFEST_NAMES = ("manifest.csv",)

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Larger single files are refused: a year-end summary is a few pages, not a database dump."""
MAX_ZIP_TOTAL_BYTES = 500 * 1024 * 1024
MAX_ZIP_RATIO = 100
MAX_ZIP_MEMBERS = 5000
MAX_INFLATED_BYTES = 20 * 1024 * 1024
"""What a .docx (itself a zip) may inflate to: a .docx of 1 MB can hold gigabytes of XML."""
MAX_TEXT_CHARS = 1_000_000
"""Characters one document may have: about 500 pages; a year-end summary has a few thousand."""
MAX_PDF_PAGES = 1000
"""Defaults of ``Limits``; ``Limits.from_env`` lets an installation raise or lower them."""
MIN_CJK_CHARS = 20
"""A text with fewer Chinese characters than this is not a Chinese work summary (e.g. Latin-only)."""

_CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")


class IngestError(Exception):
    """Bad input: the message says why, in words an HR analyst understands."""


LIMIT_ENV = {
    "max_file_bytes": ("YEAREND_MAX_FILE_MB", 1024 * 1024),
    "max_zip_total_bytes": ("YEAREND_MAX_ZIP_MB", 1024 * 1024),
    "max_zip_ratio": ("YEAREND_MAX_ZIP_RATIO", 1),
    "max_zip_members": ("YEAREND_MAX_ZIP_FILES", 1),
    "max_inflated_bytes": ("YEAREND_MAX_INFLATED_MB", 1024 * 1024),
    "max_chars": ("YEAREND_MAX_CHARS", 1),
}
"""Environment variables that override the limits (MB for sizes), e.g. ``YEAREND_MAX_FILE_MB=50``."""


@dataclass(frozen=True)
class Limits:
    """What one file or archive may be: the guard against oversized files and zip bombs.

    The defaults are the module constants, read when a ``Limits`` is made (so a test can patch them).
    """

    max_file_bytes: int = 0
    max_zip_total_bytes: int = 0
    max_zip_ratio: float = 0
    max_zip_members: int = 0
    max_inflated_bytes: int = 0
    max_chars: int = 0

    def __post_init__(self) -> None:
        defaults = {"max_file_bytes": MAX_FILE_BYTES, "max_zip_total_bytes": MAX_ZIP_TOTAL_BYTES,
                    "max_zip_ratio": MAX_ZIP_RATIO, "max_zip_members": MAX_ZIP_MEMBERS,
                    "max_inflated_bytes": MAX_INFLATED_BYTES, "max_chars": MAX_TEXT_CHARS}
        for name, value in defaults.items():
            if not getattr(self, name):
                object.__setattr__(self, name, value)

    @classmethod
    def from_env(cls, environ: dict | None = None) -> Limits:
        """The limits with ``LIMIT_ENV`` overrides; a value that is not a positive number is ignored."""
        environ = os.environ if environ is None else environ
        values = {}
        for name, (var, unit) in LIMIT_ENV.items():
            try:
                number = float(environ.get(var, ""))
            except ValueError:
                continue
            if number > 0:
                values[name] = number * unit if name == "max_zip_ratio" else int(number * unit)
        return cls(**values)


def human_size(n: int) -> str:
    """Bytes as HR reads them: 1.5 MB, 12 KB, 800 字节."""
    if n >= 1024 * 1024:
        return f"{n / 1048576:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


@dataclass
class RawDocument:
    """A decoded document before analysis; ``data`` is kept so the content hash is of the bytes."""

    source_file: str
    data: bytes
    text: str
    file_format: str
    encoding: str
    meta: dict = field(default_factory=dict)


# ---------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _textlike_share(text: str) -> float:
    """Share of characters that belong in a Chinese document: CJK, ASCII, CJK punctuation."""
    if not text:
        return 0.0
    ok = sum(
        1 for ch in text
        if "\u4e00" <= ch <= "\u9fff" or " " <= ch <= "~" or ch in "\r\n\t"
        or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" or "\u2010" <= ch <= "\u2027"
    )
    return ok / len(text)


def _try_utf16(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM: the byte order whose decoding reads as Chinese text, if either does."""
    if len(data) < 4 or len(data) % 2:
        return None
    best = None
    for name in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        share = _textlike_share(text)
        if share >= 0.95 and (best is None or share > best[0]):
            best = (share, text, name)
    return (best[1], best[2]) if best else None


_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ue000-\uf8ff]")


def _plausible(text: str) -> bool:
    """Decoded text that is mostly printable: rules out binaries that happen to decode."""
    if not text:
        return False
    return len(_BAD_CHARS.findall(text)) / len(text) < 0.01


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode the bytes of a plain-text summary; returns (text, encoding name).

    Order matters: a BOM is certain; strict UTF-8 almost never accepts GBK bytes by accident; GB18030
    is a superset of GBK and GB2312, so it reads all three. charset-normalizer is the last resort
    (Big5 and the like), accepted only when the result is plausible text.
    """
    if not data.strip():
        raise IngestError("文件为空")
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise IngestError(f"文件以 {name} 标记开头，但内容无法按该编码解码") from exc
    try:
        text = data.decode("utf-8")
        if _plausible(text):
            return text, "utf-8"
    except UnicodeDecodeError:
        pass
    utf16 = _try_utf16(data)
    if utf16:
        return utf16
    if b"\x00" in data:
        raise IngestError("二进制文件，不是文本（含有空字节）")
    try:
        text = data.decode("gb18030")
        if _plausible(text):
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is not None:
        text = str(best)
        if _plausible(text):
            return text, best.encoding
    raise IngestError("无法识别文件编码（不是 UTF-8、GBK/GB18030 或 UTF-16 文本）")


# ---------------------------------------------------------------- formats

def _check_docx_package(label: str, data: bytes, limits: Limits) -> None:
    """Refuse a .docx whose parts would inflate beyond the limit, before python-docx inflates them.

    zipfile never inflates a part beyond its declared size (it stops there and fails the CRC check),
    so the declared sizes bound what parsing can take."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise IngestError("Word 文件已损坏或不是有效的 .docx") from exc
    declared = sum(i.file_size for i in infos)
    if len(infos) > limits.max_zip_members or declared > limits.max_inflated_bytes:
        raise IngestError(f"“{label}”解压后共 {human_size(declared)}，超过上限 "
                          f"{human_size(limits.max_inflated_bytes)}（疑似压缩炸弹），已拒绝")


def _read_docx(data: bytes, label: str = "", limits: Limits | None = None) -> str:
    from docx import Document  # python-docx; imported here so text-only work does not pay for lxml

    limits = limits or Limits.from_env()
    _check_docx_package(label, data, limits)
    try:
        doc = Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types for a broken package
        raise IngestError("Word 文件已损坏或不是有效的 .docx") from exc
    lines: list[str] = []
    chars = 0
    for text in itertools.chain((p.text for p in doc.paragraphs),
                                ("　".join(cell.text for cell in row.cells) for table in doc.tables
                                 for row in table.rows)):
        chars += len(text) + 1
        if chars > limits.max_chars:
            raise _too_long(label, limits)
        lines.append(text)
    return "\n".join(lines)


def _too_long(label: str, limits: Limits) -> IngestError:
    return IngestError(f"“{label}”的文字超过 {limits.max_chars:,} 字的上限（年终总结通常只有几千字），已拒绝")


def _read_pdf(data: bytes, label: str = "", limits: Limits | None = None) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:
                raise IngestError("PDF 已加密，无法读取") from exc
            if not ok:
                raise IngestError("PDF 已加密，需要密码才能读取")
        limits = limits or Limits.from_env()
        if len(reader.pages) > MAX_PDF_PAGES:
            raise IngestError(f"“{label}”有 {len(reader.pages):,} 页，超过 {MAX_PDF_PAGES:,} 页的上限，已拒绝")
        pages, chars = [], 0
        for page in reader.pages:  # page by page: a page's text is counted before the next is read
            pages.append(page.extract_text() or "")
            chars += len(pages[-1]) + 1
            if chars > limits.max_chars:
                raise _too_long(label, limits)
    except IngestError:
        raise
    except (PdfReadError, Exception) as exc:
        raise IngestError("PDF 文件已损坏或无法解析") from exc
    text = "\n".join(pages)
    if not _CJK.search(text) and not text.strip():
        raise IngestError("PDF 没有文字层（可能是扫描件），本系统不做 OCR")
    return text


_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM", b"II*\x00", b"MM\x00*", b"RIFF")


def read_bytes(name: str, data: bytes, max_bytes: int | None = None,
               limits: Limits | None = None) -> tuple[str, str, str]:
    """Decode one file's bytes by its name; returns (text, file_format, encoding).

    The text is checked to be a Chinese document so that a Latin-only file or a decoded binary is
    reported instead of being analysed into meaningless figures. Every format is held to the same
    limits before it is parsed: the bytes, what a .docx inflates to, the characters of the text.
    """
    suffix = PurePosixPath(name).suffix.lower()
    label = PurePosixPath(name).name
    limits = limits or Limits.from_env()
    limit = max_bytes or limits.max_file_bytes
    if len(data) > limit:
        raise IngestError(f"文件过大（{human_size(len(data))}，上限 {human_size(limit)}）")
    if not data:
        raise IngestError("文件为空")
    if suffix in IMAGE_SUFFIXES or (suffix not in SUPPORTED_SUFFIXES and data.startswith(_IMAGE_MAGIC)):
        raise IngestError("图片文件，不含可读文字（本系统不做 OCR）")
    if suffix == ".docx":
        text, fmt, enc = _read_docx(data, label, limits), "docx", "docx"
    elif suffix == ".pdf":
        text, fmt, enc = _read_pdf(data, label, limits), "pdf", "pdf"
    elif suffix in TEXT_SUFFIXES:
        text, enc = decode_text(data)
        if len(text) > limits.max_chars:
            raise _too_long(label, limits)
        fmt = suffix.lstrip(".")
    else:
        raise IngestError(f"不支持的文件类型“{suffix or '无扩展名'}”（支持 .txt .md .docx .pdf .zip）")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if not text.strip():
        raise IngestError("文件没有文字内容")
    if sum(1 for _ in itertools.islice(_CJK.finditer(text), MIN_CJK_CHARS)) < MIN_CJK_CHARS:
        raise IngestError("文件几乎不含中文，不是中文工作总结")
    return text, fmt, enc


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
    return dt.date.today().year + 1


def clean_name(name: str) -> str:
    """A file name safe to show and store: no control or bidi-override characters, no runs of
    whitespace, not absurdly long (the extension is kept). Uploads and the folder build both pass
    every file name through here; originals are saved under their content hash, so a name never
    reaches the file system."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/"))
    name = "".join(" " if unicodedata.category(ch) in _INVISIBLE else ch for ch in name)
    name = "/".join(re.sub(r"\s+", " ", part).strip() for part in name.split("/"))
    name = re.sub(r"/{2,}", "/", name).strip("/ ") or "未命名文件"
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
        text = re.sub(r"\s+", " ", "".join(ch for ch in str(value) if unicodedata.category(ch) not in _INVISIBLE))
        text = unicodedata.normalize("NFC", text).strip()
        if not text:
            continue
        if len(text) > MAX_META_CHARS:
            errors.append(f"{name}“{text[:12]}…”太长（最多 {MAX_META_CHARS} 个字）")
            continue
        if "/" in text or "\\" in text:
            errors.append(f"{name}“{text}”不能含有斜杠")
            continue
        if _MARKUP.search(text):
            errors.append(f"{name}“{text}”不能含有 < > [ ] ` 等标记符号")
            continue
        out[key] = text
    return out, errors


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


def meta_from_path(rel: PurePosixPath) -> dict:
    """``<year>/<department>/<employee>[_<team>].<ext>``: any prefix folders are ignored."""
    parts = rel.parts
    found: dict = {}
    stem = PurePosixPath(parts[-1]).stem
    if len(parts) >= 3 and re.fullmatch(r"(19|20)\d{2}", parts[-3]):
        found["year"] = int(parts[-3])
        found["department"] = parts[-2]
        employee, _, team = stem.partition("_")
        found["employee"] = employee
        if team:
            found["team"] = team
    return found


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


# ---------------------------------------------------------------- walking folders and archives

@dataclass
class FileFailure:
    source_file: str
    reason: str


def iter_zip(name: str, data: bytes, limits: Limits | None = None) -> Iterator[tuple[str, bytes] | FileFailure]:
    """Members of a zip as (``inner/path``, bytes); unsafe members become failures labelled
    ``archive.zip/inner/path``.

    Guards against zip bombs: too many members or too much declared content refuse the whole archive
    before anything is inflated; a member over the file limit or with an absurd compression ratio is
    refused alone. zipfile never inflates a member beyond its declared size (it stops there and fails
    the CRC check), so the declared sizes bound the memory used. Path escapes (../, absolute paths,
    drive letters) and nested zips are refused rather than followed.
    """
    limits = limits or Limits.from_env()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        yield FileFailure(name, "压缩包已损坏或不是 zip 文件")
        return
    if len(infos) > limits.max_zip_members:
        yield FileFailure(name, f"压缩包内文件过多（{len(infos):,} 个，上限 {limits.max_zip_members:,} 个），已拒绝")
        return
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_zip_total_bytes:
        cap = human_size(limits.max_zip_total_bytes)
        yield FileFailure(name, f"压缩包解压后共 {human_size(declared)}，超过上限 {cap}（疑似压缩炸弹），已拒绝")
        return
    for info in infos:
        inner = info.filename.replace("\\", "/")
        # zip names made on Chinese Windows are often GBK without the UTF-8 flag
        if not info.flag_bits & 0x800:
            try:
                inner = info.filename.encode("cp437").decode("gb18030").replace("\\", "/")
            except (UnicodeEncodeError, UnicodeDecodeError):
                pass
        label = f"{name}/{inner}"
        parts = PurePosixPath(inner).parts
        if inner.startswith("/") or ".." in parts or re.match(r"^[A-Za-z]:", inner):
            yield FileFailure(label, "压缩包内路径不安全（绝对路径或 ../），已拒绝")
            continue
        if any(p.startswith("__MACOSX") or p.startswith(".") for p in parts):
            continue
        if info.file_size > limits.max_file_bytes:
            cap = human_size(limits.max_file_bytes)
            yield FileFailure(label, f"文件过大（解压后 {human_size(info.file_size)}，上限 {cap}）")
            continue
        if info.compress_size and info.file_size / info.compress_size > limits.max_zip_ratio:
            yield FileFailure(label, f"压缩比异常（{info.file_size / info.compress_size:.0f} 倍，上限 "
                                     f"{limits.max_zip_ratio:.0f} 倍，疑似压缩炸弹），已拒绝")
            continue
        if PurePosixPath(inner).suffix.lower() in ARCHIVE_SUFFIXES:
            yield FileFailure(label, "不支持嵌套的压缩包，请解压后再上传")
            continue
        try:
            with zf.open(info) as fh:
                blob = fh.read(limits.max_file_bytes + 1)
        except Exception:  # CRC errors, unsupported compression, encrypted members
            yield FileFailure(label, "压缩包内文件无法解压（已损坏或已加密）")
            continue
        if len(blob) > limits.max_file_bytes:
            yield FileFailure(label, f"文件过大（解压后超过上限 {human_size(limits.max_file_bytes)}）")
            continue
        yield inner, blob


def iter_corpus(root: Path) -> Iterator[tuple[str, bytes, dict] | FileFailure]:
    """Every candidate file under root as (relative path, bytes, metadata hints), sorted by path.

    Metadata hints are the manifest row (if any) and the path convention; headings are read later,
    once the text is decoded. Zip members get the zip's folder as their path prefix so that a zip of
    ``2024/销售部/张三.txt`` follows the same convention.
    """
    root = Path(root)
    manifest: dict[str, dict] = {}
    for mname in MANIFEST_NAMES:
        if (root / mname).is_file():
            try:
                manifest = read_manifest(root / mname)
            except IngestError as exc:
                yield FileFailure(mname, f"清单无法读取：{exc}")
    for item in _iter_corpus(root, manifest):
        if isinstance(item, FileFailure):
            yield FileFailure(clean_name(item.source_file), item.reason)
        else:  # the same cleaning as an upload's: no control or right-to-left characters in names
            rel, data, meta = item
            yield clean_name(rel), data, clean_meta(meta)


def _iter_corpus(root: Path, manifest: dict[str, dict]) -> Iterator[tuple[str, bytes, dict] | FileFailure]:
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = PurePosixPath(path.relative_to(root).as_posix())
        if rel.name in MANIFEST_NAMES or rel.name.lower() == "readme.md" or any(
            part.startswith(".") or part == "__pycache__" for part in rel.parts
        ):
            continue
        if rel.suffix.lower() in {".py", ".json", ".pyc", ".csv", ".xlsx"}:
            continue  # the generator, its notes and manifests live beside the corpus
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield FileFailure(str(rel), f"无法读取文件：{exc.strerror}")
            continue
        if rel.suffix.lower() in ARCHIVE_SUFFIXES:
            for item in iter_zip(str(rel), data):
                if isinstance(item, FileFailure):
                    yield item
                else:
                    inner, blob = item
                    inner_rel = rel.parent / inner
                    yield str(rel / inner), blob, merge_meta(
                        manifest.get(str(inner_rel), {}), meta_from_path(inner_rel), fill=False
                    )
            continue
        yield str(rel), data, merge_meta(manifest.get(str(rel), {}), meta_from_path(rel), fill=False)
