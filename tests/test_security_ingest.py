"""Attack tests for oversized input (issue 13, item 8): a .docx zip bomb and texts of absurd length.

Before the fix a 1 MB .docx was inflated to 2 GB before being refused, and a 0.8 MB one was accepted
with 105 million characters. Every format is now held to a limit on what it inflates to and on its
characters before it is parsed, with a reason that names the file.
"""
from __future__ import annotations

import io
import zipfile

import pytest

from analysis.pipeline import analyse_bytes
from analysis.read import ingest
from tests.test_build import GOOD_A


def _docx(paragraph_xml: str) -> bytes:
    """A minimal valid .docx whose body is ``paragraph_xml`` (several ``<w:p>`` elements)."""
    from docx import Document

    buf = io.BytesIO()
    Document().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/document.xml":
                head, _, tail = data.decode("utf-8").partition("<w:body>")
                data = (head + "<w:body>" + paragraph_xml + tail.split("<w:sectPr", 1)[0].split("</w:body>")[0]
                        + "<w:sectPr/></w:body></w:document>").encode("utf-8")
            zf.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _paragraphs(text: str, times: int) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>" * times


def test_docx_bomb_is_refused_before_it_is_inflated(monkeypatch):
    bomb = _docx(_paragraphs("今年我负责华东区域的客户开发与维护。" * 20, 60_000))  # ~64 MB of XML
    assert len(bomb) < 1024 * 1024
    import docx

    def never(*args, **kwargs):
        raise AssertionError("python-docx must not inflate a zip bomb")

    monkeypatch.setattr(docx, "Document", never)
    with pytest.raises(ingest.IngestError) as err:
        ingest.read_bytes("2024/销售部/炸弹.docx", bomb)
    assert str(err.value).startswith("“炸弹.docx”解压后共 ")
    assert str(err.value).endswith("，超过上限 20.0 MB（疑似压缩炸弹），已拒绝")


def test_docx_with_too_many_characters_is_refused():
    long_doc = _docx(_paragraphs("全年完成销售额八百六十万元，回款率达到百分之九十六。", 400))
    limits = ingest.Limits(max_chars=5000)
    with pytest.raises(ingest.IngestError) as err:
        ingest.read_bytes("长文.docx", long_doc, limits=limits)
    assert str(err.value) == "“长文.docx”的文字超过 5,000 字的上限（年终总结通常只有几千字），已拒绝"
    text, fmt, _ = ingest.read_bytes("长文.docx", long_doc, limits=ingest.Limits(max_chars=20_000))
    assert fmt == "docx" and text.count("回款率") == 400


def test_text_with_too_many_characters_is_refused(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_TEXT_CHARS", 3000)
    data = (GOOD_A * 20).encode("utf-8")
    with pytest.raises(ingest.IngestError) as err:
        analyse_bytes("2024/销售部/林晓雨.txt", data)
    assert str(err.value) == "“林晓雨.txt”的文字超过 3,000 字的上限（年终总结通常只有几千字），已拒绝"


def test_pdf_pages_are_counted_as_they_are_read(monkeypatch):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=200, height=200)
    buf = io.BytesIO()
    writer.write(buf)
    texts = iter(["甲" * 2000, "乙" * 2000, "丙" * 2000])
    read = []

    def extract(self, *args, **kwargs):
        read.append(1)
        return next(texts)

    from pypdf import PageObject

    monkeypatch.setattr(PageObject, "extract_text", extract)
    with pytest.raises(ingest.IngestError) as err:
        ingest.read_bytes("扫描.pdf", buf.getvalue(), limits=ingest.Limits(max_chars=3000))
    assert str(err.value) == "“扫描.pdf”的文字超过 3,000 字的上限（年终总结通常只有几千字），已拒绝"
    assert len(read) == 2  # the third page was never extracted


def test_limits_from_environment_include_the_new_ones():
    limits = ingest.Limits.from_env({"YEAREND_MAX_INFLATED_MB": "5", "YEAREND_MAX_CHARS": "200000"})
    assert (limits.max_inflated_bytes, limits.max_chars) == (5 * 1024 * 1024, 200_000)
