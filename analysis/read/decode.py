"""Bytes to text: encodings (UTF-8, UTF-16, GB18030/GBK), .txt/.md/.docx/.pdf, and the limits that
refuse a file before it can take the machine's memory (size, inflated .docx parts, characters, pages).

Every failure is an ``IngestError`` whose message is a Chinese sentence an HR analyst can act on; the
caller reports it with the file name and goes on with the next file. Nothing here raises anything
else for bad input: a traceback in the page is a bug.
"""
from __future__ import annotations

import codecs
import io
import itertools
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from charset_normalizer import from_bytes

TEXT_SUFFIXES = frozenset({".txt", ".md"})
SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".docx", ".pdf"})
ARCHIVE_SUFFIXES = frozenset({".zip"})
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic"})

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
