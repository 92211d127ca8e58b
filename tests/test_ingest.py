"""Decoding and metadata: every encoding HR meets, and every kind of bad file named with its reason."""
import codecs
import io
import zipfile
from pathlib import PurePosixPath

import pytest

from analysis.read import ingest

SUMMARY = "2024年个人年终工作总结\n部门：销售部\n姓名：林晓雨\n岗位：销售代表\n今年我负责华东区域的客户开发与维护，全年新增意向客户三十五家，回款率达到百分之九十六。\n"


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("gbk", "gb18030"),
    ("gb18030", "gb18030"),
    ("utf-16", "utf-16"),       # with BOM
    ("utf-16-le", "utf-16-le"),  # without BOM
    ("utf-16-be", "utf-16-be"),
])
def test_decode_text_encodings(encoding, expected):
    text, used = ingest.decode_text(SUMMARY.encode(encoding))
    assert text.replace("\ufeff", "") == SUMMARY
    assert used == expected


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "文件为空"),
    ("blank.txt", b"  \n\n ", "文件为空"),
    ("binary.txt", bytes(range(256)) * 8, "二进制文件"),
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "图片文件"),
    ("photo.txt", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "二进制文件"),
    ("english.txt", b"This year I visited many customers and exceeded my sales target. " * 5, "几乎不含中文"),
    ("broken.docx", b"PK\x03\x04 not really a docx", "Word 文件已损坏"),
    ("broken.pdf", b"%PDF-1.4\n garbage without objects", "PDF 文件已损坏"),
    ("table.xls", "客户回访记录".encode() * 10, "不支持的文件类型"),
])
def test_bad_files_are_named_with_reason(name, data, reason):
    with pytest.raises(ingest.IngestError) as err:
        ingest.read_bytes(name, data)
    assert reason in str(err.value)


def test_docx_paragraphs_and_tables():
    from docx import Document

    doc = Document()
    doc.add_paragraph("2023年度工作总结")
    doc.add_paragraph("全年累计回访老客户二百余次，及时跟进每一笔订单的生产和发货进度，客户满意度明显提升。")
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "回款率"
    table.rows[0].cells[1].text = "百分之九十八"
    buf = io.BytesIO()
    doc.save(buf)
    text, fmt, enc = ingest.read_bytes("总结.docx", buf.getvalue())
    assert fmt == "docx" and enc == "docx"
    assert text.splitlines()[:2] == ["2023年度工作总结", "全年累计回访老客户二百余次，及时跟进每一笔订单的生产和发货进度，客户满意度明显提升。"]
    assert "回款率　百分之九十八" in text


def _blank_pdf(password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if password:
        writer.encrypt(password)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_pdf_without_text_layer_is_reported_as_scan():
    with pytest.raises(ingest.IngestError, match="没有文字层"):
        ingest.read_bytes("扫描件.pdf", _blank_pdf())


def test_encrypted_pdf_is_reported():
    with pytest.raises(ingest.IngestError, match="已加密"):
        ingest.read_bytes("加密.pdf", _blank_pdf("secret"))


def test_too_large_file(monkeypatch):
    monkeypatch.setattr(ingest, "MAX_FILE_BYTES", 100)
    with pytest.raises(ingest.IngestError, match="文件过大"):
        ingest.read_bytes("大文件.txt", SUMMARY.encode() * 10)


def test_meta_from_text_headings_and_title_year():
    assert ingest.meta_from_text(SUMMARY) == {
        "department": "销售部", "employee": "林晓雨", "role": "销售代表", "year": 2024,
    }


@pytest.mark.parametrize("path, expected", [
    ("2023/销售部/王晓东_华东组.txt", {"year": 2023, "department": "销售部", "employee": "王晓东", "team": "华东组"}),
    ("uploads/2022/客服部/赵敏.docx", {"year": 2022, "department": "客服部", "employee": "赵敏"}),
    ("杂项/总结.txt", {}),
])
def test_meta_from_path(path, expected):
    assert ingest.meta_from_path(PurePosixPath(path)) == expected


def test_merge_meta_priority_and_fill():
    merged = ingest.merge_meta({"department": "市场部"}, {"department": "销售部", "year": 2022}, {"role": "专员"})
    assert merged == {"employee": "", "department": "市场部", "team": "", "role": "专员", "year": 2022}


def test_manifest_overrides_path(tmp_path):
    (tmp_path / "2024" / "销售部").mkdir(parents=True)
    (tmp_path / "2024" / "销售部" / "张三.txt").write_text(SUMMARY, encoding="utf-8")
    (tmp_path / "manifest.csv").write_bytes(
        codecs.BOM_UTF8 + "file,employee,department,team,role,year\n2024/销售部/张三.txt,张三丰,大客户部,一组,经理,2024\n".encode()
    )
    items = list(ingest.iter_corpus(tmp_path))
    assert len(items) == 1
    rel, _, meta = items[0]
    assert rel == "2024/销售部/张三.txt"
    assert meta == {"employee": "张三丰", "department": "大客户部", "team": "一组", "role": "经理", "year": 2024}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_members_and_unsafe_paths():
    data = _zip({
        "2024/销售部/李雷.txt": SUMMARY.encode(),
        "../逃逸.txt": SUMMARY.encode(),
        "/etc/绝对.txt": SUMMARY.encode(),
        "inner.zip": _zip({"a.txt": b"x"}),
    })
    items = list(ingest.iter_zip("上传.zip", data))
    good = [i for i in items if not isinstance(i, ingest.FileFailure)]
    bad = {i.source_file: i.reason for i in items if isinstance(i, ingest.FileFailure)}
    assert [g[0] for g in good] == ["2024/销售部/李雷.txt"]
    assert "不安全" in bad["上传.zip/../逃逸.txt"]
    assert "不安全" in bad["上传.zip//etc/绝对.txt"]
    assert "嵌套" in bad["上传.zip/inner.zip"]


def test_zip_bomb_ratio_is_refused():
    data = _zip({"炸弹.txt": b"0" * 5_000_000})
    (item,) = list(ingest.iter_zip("bomb.zip", data))
    assert isinstance(item, ingest.FileFailure) and "压缩炸弹" in item.reason


def test_corrupt_zip():
    (item,) = list(ingest.iter_zip("坏.zip", b"PK\x03\x04broken"))
    assert isinstance(item, ingest.FileFailure) and "已损坏" in item.reason
