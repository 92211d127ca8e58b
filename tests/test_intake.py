"""Uploads: the preview says per file what would happen without touching the store; every bad input is
rejected with its file and reason while the rest goes on; nothing stored is lost; re-tags and removals
reach every table and export and survive a folder build."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from analysis import build, intake, query
from analysis.intake import Upload
from analysis.pipeline import content_hash
from analysis.query import export
from analysis.read import ingest
from analysis.store import snapshot
from tests.uploads import base_store, blank_pdf, copy_store, summary, zip_bytes


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return base_store(tmp_path_factory.mktemp("intake"))


@pytest.fixture
def db(base, tmp_path) -> Path:
    return copy_store(base, tmp_path / "store")


def snapshot_of(db: Path) -> dict:
    """Everything stored, to compare before and after: documents, sentence and term counts."""
    with snapshot.read(db) as con:
        docs = con.execute("SELECT * FROM documents ORDER BY doc_id").fetchall()
        sentences = con.execute("SELECT doc_id, COUNT(*) FROM sentences GROUP BY 1 ORDER BY 1").fetchall()
        terms = con.execute("SELECT doc_id, SUM(n) FROM terms GROUP BY 1 ORDER BY 1").fetchall()
    return {"documents": docs, "sentences": sentences, "terms": terms}


def actions(pre: intake.Preview) -> dict[str, tuple[str, str]]:
    return {i.source_file: (i.action, i.reason) for i in pre.items}


FORM = {"department": "法务部", "year": 2024}


# ---------------------------------------------------------------- preview

def test_preview_proposes_add_change_skip_reject_and_reads_only(base, db):
    stored = query.documents(db).set_index("employee")
    known_text = (Path(base).parents[1] / "base_corpus" / "2024" / "客服部" / "冯涛_售后组.txt").read_bytes()
    version = snapshot.data_version(db)
    pre = intake.preview([
        Upload("林静_合同组.txt", summary(1).encode()),
        Upload("冯涛_售后组.txt", known_text),                      # stored, same metadata
        Upload("空白.txt", b""),
    ], db, form=FORM)
    assert actions(pre) == {
        "林静_合同组.txt": ("add", "新文档"),
        "冯涛_售后组.txt": ("change", "已在库中，更新：部门 客服部 → 法务部"),
        "空白.txt": ("reject", "文件为空"),
    }
    new = next(i for i in pre.items if i.action == "add")
    assert new.meta == {"employee": "林静", "department": "法务部", "team": "合同组", "role": "", "year": 2024}
    assert new.sources == "表单、文件名"
    assert new.doc_id == content_hash(summary(1).encode())
    assert snapshot.data_version(db) == version  # the preview only reads
    assert stored.loc["冯涛", "department"] == "客服部"

    same = intake.preview([Upload("冯涛.txt", known_text)], db)
    assert actions(same) == {"冯涛.txt": ("skip", "已在库中（内容与“2024/客服部/冯涛_售后组.txt”相同），无需重复分析")}


def test_metadata_sources_in_order_manifest_path_form_headings_name(db):
    heading = "部门：采购部\n姓名：韩雪\n岗位：采购专员"
    data = zip_bytes({
        "2023/仓储部/赵一_一组.txt": summary(2, 2023, heading).encode(),   # path beats form and headings
        "散件/韩雪.txt": summary(3, 2022, heading).encode(),              # headings fill what the form leaves
        "散件/孙二_夜班.txt": summary(4, 2024).encode(),                   # manifest beats everything
    })
    manifest = "文件,姓名,部门,岗位,年份\n散件/孙二_夜班.txt,孙贰,安保部,保安,2023\n".encode()
    pre = intake.preview([Upload("资料.zip", data)], db, manifest=Upload("清单.csv", manifest),
                         form={"department": "法务部", "year": 2024, "role": "专员"})
    got = {i.source_file: (i.meta, i.sources) for i in pre.items}
    assert got == {
        "资料.zip/2023/仓储部/赵一_一组.txt": (
            {"employee": "赵一", "department": "仓储部", "team": "一组", "role": "专员", "year": 2023}, "路径、表单"),
        "资料.zip/散件/孙二_夜班.txt": (
            {"employee": "孙贰", "department": "安保部", "team": "夜班", "role": "保安", "year": 2023}, "清单、文件名"),
        "资料.zip/散件/韩雪.txt": (
            {"employee": "韩雪", "department": "法务部", "team": "", "role": "专员", "year": 2024}, "表单、正文"),
    }
    assert pre.notes == []


def test_missing_department_or_year_is_rejected_with_what_to_fill_in(db):
    pre = intake.preview([Upload("总结.txt", summary(5).encode())], db)
    (item,) = pre.items
    assert (item.action, item.reason) == (
        "reject", "缺少部门：请在下方表单中填写，或用清单、压缩包内路径（年份/部门/姓名_班组.txt）提供")
    undated = summary(5).replace("2024年度", "").encode()
    (item,) = intake.preview([Upload("总结.txt", undated)], db).items
    assert item.reason.startswith("缺少部门和年份：")
    (item,) = intake.preview([Upload("总结.txt", undated)], db, form=FORM).items
    assert item.action == "add" and item.meta["year"] == 2024


def test_same_content_twice_is_recognised_in_one_upload_and_across_uploads(db):
    data = summary(6).encode()
    pre = intake.preview([Upload("甲.txt", data), Upload("乙.txt", data)], db, form=FORM)
    assert actions(pre) == {"甲.txt": ("add", "新文档"), "乙.txt": ("skip", "与本次上传中的“甲.txt”内容完全相同")}
    report = intake.commit(pre, db, workers=1)
    assert [(o.source_file, o.status) for o in report.outcomes] == [("甲.txt", "已新增"), ("乙.txt", "已跳过")]
    again = intake.preview([Upload("丙.txt", data)], db, form=FORM)
    assert actions(again) == {"丙.txt": ("skip", "已在库中（内容与“甲.txt”相同），无需重复分析")}
    assert len(query.documents(db, query.Filters(departments=("法务部",)))) == 1


# ---------------------------------------------------------------- bad input

def _docx(text: str) -> bytes:
    from docx import Document

    doc = Document()
    for line in text.splitlines():
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


LIMITS = ingest.Limits(max_file_bytes=40_000, max_zip_total_bytes=60_000, max_zip_ratio=50, max_zip_members=20)

BAD_FILES = [
    ("空文件.txt", b"", "文件为空"),
    ("只有空格.txt", "\u3000\u3000\n \n".encode(), "文件没有文字内容"),
    ("程序.txt", bytes(range(256)) * 4, "二进制文件，不是文本（含有空字节）"),
    ("乱码.txt", bytes([0x81, 0x30, 0xFE, 0xFF, 0xC0, 0x80]) * 50, "无法识别文件编码（不是 UTF-8、GBK/GB18030 或 UTF-16 文本）"),
    ("损坏.docx", b"PK\x03\x04 not really a word file", "Word 文件已损坏或不是有效的 .docx"),
    ("损坏.pdf", b"%PDF-1.7 broken", "PDF 文件已损坏或无法解析"),
    ("加密.pdf", blank_pdf("mima"), "PDF 已加密，需要密码才能读取"),
    ("扫描件.pdf", blank_pdf(), "PDF 没有文字层（可能是扫描件），本系统不做 OCR"),
    ("英文.txt", b"Year-end review: targets met and the team grew. " * 5, "文件几乎不含中文，不是中文工作总结"),
    ("英文.docx", _docx("Annual summary\nAll goals achieved this year with my colleagues."), "文件几乎不含中文，不是中文工作总结"),
    ("超长.txt", (summary(7) * 90).encode(), "文件过大（42 KB，上限 39 KB）"),
    ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "图片文件，不含可读文字（本系统不做 OCR）"),
    ("表格.xls", b"\xd0\xcf\x11\xe0 old excel", "不支持的文件类型“.xls”（支持 .txt .md .docx .pdf .zip）"),
    ("坏压缩包.zip", b"PK\x03\x04 broken", "压缩包已损坏或不是 zip 文件"),
]


def commit_keeps_everything(db: Path, pre: intake.Preview) -> None:
    """Commit an upload with a bad file and one good one: the good one is added, every stored row kept."""
    before = snapshot_of(db)
    report = intake.commit(pre, db, workers=1)
    assert report.count("已新增") == 1 and report.count("失败") == 1
    after = snapshot_of(db)
    assert set(before["documents"]) <= set(after["documents"]) and len(after["documents"]) == len(before["documents"]) + 1
    assert set(before["sentences"]) <= set(after["sentences"]) and set(before["terms"]) <= set(after["terms"])


@pytest.mark.parametrize("name, data, reason", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_each_bad_file_is_rejected_with_its_reason(db, name, data, reason):
    pre = intake.preview([Upload(name, data), Upload("好的.txt", summary(90).encode())], db, form=FORM,
                         limits=LIMITS)
    assert actions(pre) == {name: ("reject", reason), "好的.txt": ("add", "新文档")}
    commit_keeps_everything(db, pre)


BAD_ZIPS = [
    ("路径穿越", {"../../etc/总结.txt": summary(8).encode()}, "上传.zip/../../etc/总结.txt",
     "压缩包内路径不安全（绝对路径或 ../），已拒绝"),
    ("绝对路径", {"/root/总结.txt": summary(8).encode()}, "上传.zip/root/总结.txt",
     "压缩包内路径不安全（绝对路径或 ../），已拒绝"),
    ("盘符", {"C:/总结.txt": summary(8).encode()}, "上传.zip/C:/总结.txt",
     "压缩包内路径不安全（绝对路径或 ../），已拒绝"),
    ("嵌套", {"里层.zip": zip_bytes({"a.txt": summary(8).encode()})}, "上传.zip/里层.zip",
     "不支持嵌套的压缩包，请解压后再上传"),
    ("压缩比", {"炸弹.txt": ("年" * 1300).encode()}, "上传.zip/炸弹.txt",
     "压缩比异常（"),
    ("总量", {f"{i}.txt": ("月" * 1300).encode() for i in range(1, 17)}, "上传.zip",
     "压缩包解压后共 61 KB，超过上限 59 KB（疑似压缩炸弹），已拒绝"),
    ("个数", {f"{i}.txt": b"x" for i in range(21)}, "上传.zip", "压缩包内文件过多（21 个，上限 20 个），已拒绝"),
]


@pytest.mark.parametrize("members, label, reason", [b[1:] for b in BAD_ZIPS], ids=[b[0] for b in BAD_ZIPS])
def test_each_unsafe_zip_is_refused(db, members, label, reason):
    limits = ingest.Limits(max_file_bytes=4000, max_zip_total_bytes=60_000, max_zip_ratio=50, max_zip_members=20)
    pre = intake.preview([Upload("上传.zip", zip_bytes(members)), Upload("好的.txt", summary(91).encode())], db,
                         form=FORM, limits=limits)
    got = actions(pre)
    assert list(got) == [label, "好的.txt"]
    action, why = got[label]
    assert action == "reject" and why.startswith(reason), why
    commit_keeps_everything(db, pre)


def test_zip_ratio_message_names_the_ratio(db):
    data = zip_bytes({"炸弹.txt": ("年" * 1300).encode()})
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    (item,) = intake.preview([Upload("上传.zip", data)], db, form=FORM, limits=LIMITS).items
    ratio = info.file_size / info.compress_size
    assert item.reason == f"压缩比异常（{ratio:.0f} 倍，上限 50 倍，疑似压缩炸弹），已拒绝"


def test_declared_size_bounds_what_a_lying_zip_can_inflate(db):
    """A zip that claims a small size for a big member: zipfile stops at the claim and the CRC fails."""
    real = summary(9).encode() * 3
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("谎报.txt", real)
    raw = bytearray(buf.getvalue())
    small = (100).to_bytes(4, "little")
    # patch the uncompressed size in the local header (offset 22) and the central directory (offset 24)
    raw[22:26] = small
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24:central + 28] = small
    (item,) = intake.preview([Upload("谎报.zip", bytes(raw))], db, form=FORM).items
    assert (item.source_file, item.action, item.reason) == (
        "谎报.zip/谎报.txt", "reject", "压缩包内文件无法解压（已损坏或已加密）")


ODD_NAMES = [
    ("  张 三 \u202e(最终版).txt", "张 三 (最终版).txt"),
    ("..\\..\\windows\\总结.txt", "../../windows/总结.txt"),
    ("年终总结 (1)(2)(3) 副本 - 副本.txt", "年终总结 (1)(2)(3) 副本 - 副本.txt"),
    ("🎉年终总结🎉.txt", "🎉年终总结🎉.txt"),
    ("无扩展名", "无扩展名"),
    ("制表\t换行\n回车\r.txt", "制表 换行 回车 .txt"),
    ("长" * 300 + ".txt", "长" * 155 + "….txt"),
]


@pytest.mark.parametrize("raw, shown", ODD_NAMES, ids=range(len(ODD_NAMES)))
def test_odd_file_names_are_cleaned_and_never_reach_the_file_system(db, raw, shown):
    data = summary(10 + len(raw)).encode()
    pre = intake.preview([Upload(raw, data)], db, form=FORM)
    (item,) = pre.items
    assert item.source_file == shown
    if shown == "无扩展名":
        assert (item.action, item.reason) == ("reject", "不支持的文件类型“无扩展名”（支持 .txt .md .docx .pdf .zip）")
        return
    assert item.action == "add"
    intake.commit(pre, db, workers=1)
    saved = list(snapshot.originals_dir(db).iterdir())
    assert [p.name for p in saved] == [item.sha256 + ".txt"]
    assert query.documents(db, query.Filters(doc_ids=(item.doc_id,)))["source_file"].tolist() == [shown]


def test_gbk_zip_names_from_chinese_windows_are_decoded(db):
    gbk_name = "2024/法务部/王五.txt".encode("gbk")
    stand_in = b"2024/" + b"x" * 6 + b"/" + b"y" * 4 + b".txt"  # as many bytes, ASCII: no UTF-8 flag
    assert len(stand_in) == len(gbk_name)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(stand_in.decode(), summary(11).encode("gbk"))
    buf = io.BytesIO(buf.getvalue().replace(stand_in, gbk_name))  # the name bytes as Windows writes them
    (item,) = intake.preview([Upload("打包.zip", buf.getvalue())], db).items
    assert (item.source_file, item.action) == ("打包.zip/2024/法务部/王五.txt", "add")
    assert item.meta == {"employee": "王五", "department": "法务部", "team": "", "role": "", "year": 2024}


def test_a_mixed_upload_stores_the_good_files_and_loses_nothing(db):
    before = snapshot_of(db)
    good = {f"2024/法务部/员工{i}_合同组.txt": summary(20 + i).encode() for i in range(3)}
    bad = {"2024/法务部/空.txt": b"", "../逃逸.txt": summary(30).encode(), "套娃.zip": zip_bytes({"x.txt": b"x"}),
           "2024/法务部/坏.docx": b"PK\x03\x04junk", "2024/法务部/扫描.pdf": blank_pdf()}
    files = [Upload("年终总结.zip", zip_bytes({**good, **bad})), Upload("英文.txt", b"hello world " * 20),
             Upload("加密.pdf", blank_pdf("x"))]
    pre = intake.preview(files, db, form=FORM)
    assert (pre.count("add"), pre.count("reject")) == (3, 7)
    report = intake.commit(pre, db, workers=1)
    statuses = {o.source_file: o.status for o in report.outcomes}
    assert statuses == {
        **{f"年终总结.zip/{k}": "已新增" for k in good},
        "年终总结.zip/2024/法务部/空.txt": "失败", "年终总结.zip/../逃逸.txt": "失败", "年终总结.zip/套娃.zip": "失败",
        "年终总结.zip/2024/法务部/坏.docx": "失败", "年终总结.zip/2024/法务部/扫描.pdf": "失败",
        "英文.txt": "失败", "加密.pdf": "失败",
    }
    assert report.summary() == "已新增 3，已更新标签 0，已跳过 0，失败 7"
    after = snapshot_of(db)
    assert set(before["documents"]) <= set(after["documents"])  # every stored row is still there, unchanged
    assert set(before["sentences"]) <= set(after["sentences"]) and set(before["terms"]) <= set(after["terms"])
    added = query.documents(db, query.Filters(departments=("法务部",)))
    assert sorted(added["employee"]) == ["员工0", "员工1", "员工2"]
    assert set(added["team"]) == {"合同组"} and set(added["year"]) == {2024}
    assert len(after["documents"]) == len(before["documents"]) + 3


# ---------------------------------------------------------------- manifests

def test_manifest_rows_that_match_no_file_and_bad_rows_are_reported(db):
    manifest = (
        "\ufefffile,employee,department,team,role,year\n"
        "甲_一组.txt,甲某,法务部,一组,法务专员,2024\n"
        "不存在.txt,乙某,法务部,,,2024\n"
        "甲_一组.txt,重复,法务部,,,2024\n"
        ",丙某,法务部,,,2024\n"
        "丁.txt,丁某,法务部,,,1899\n"
        "丁.txt,丁某,法务部,,,二〇二四\n"
    ).encode()
    files = [Upload("甲_一组.txt", summary(40).encode()), Upload("丁.txt", summary(41).encode())]
    pre = intake.preview(files, db, manifest=Upload("manifest.csv", manifest))
    assert pre.notes == [
        "清单“manifest.csv”：清单第 4 行：文件“甲_一组.txt”重复出现，只用第一次出现的那一行",
        "清单“manifest.csv”：清单第 5 行没有填写文件名，已忽略",
        "清单“manifest.csv”：清单第 7 行：文件“丁.txt”重复出现，只用第一次出现的那一行",
        f"清单“manifest.csv”中“丁.txt”：年份 1899 不在 2000–{intake.year_max()} 之间，已忽略该项",
        "清单“manifest.csv”中的“不存在.txt”在本次上传中找不到对应文件",
    ]
    got = {i.source_file: (i.action, i.meta["employee"], i.meta["year"]) for i in pre.items}
    assert got == {"甲_一组.txt": ("add", "甲某", 2024), "丁.txt": ("add", "丁某", 2024)}  # 丁's year from the title


def test_excel_manifest_and_manifest_inside_the_zip(db):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["文件", "姓名", "部门", "班组", "岗位", "年份"])
    sheet.append(["资料/戊.txt", "戊某", "审计部", "内审组", "审计员", 2023])
    buf = io.BytesIO()
    book.save(buf)
    zipped = zip_bytes({"资料/戊.txt": summary(42).encode(), "资料/manifest.xlsx": buf.getvalue()})
    (item,) = intake.preview([Upload("审计.zip", zipped)], db).items
    assert (item.source_file, item.meta) == ("审计.zip/资料/戊.txt", {
        "employee": "戊某", "department": "审计部", "team": "内审组", "role": "审计员", "year": 2023})
    assert item.sources == "清单"

    (item,) = intake.preview([Upload("戊.txt", summary(42).encode())], db,
                             manifest=Upload("清单.xlsx", buf.getvalue())).items
    assert item.meta["department"] == "审计部"  # the bare file name matches when it is unambiguous


@pytest.mark.parametrize("name, data, note", [
    ("清单.csv", "姓名,部门\n甲某,法务部\n".encode(), "清单“清单.csv”无法使用：清单缺少“file”（或“文件”）列，无法对应到文件"),
    ("清单.xlsx", b"PK\x03\x04 not a workbook", "清单“清单.xlsx”无法使用：Excel 清单已损坏或不是有效的 .xlsx"),
    ("清单.csv", b"", "清单“清单.csv”无法使用：清单文件为空"),
])
def test_unusable_manifest_is_explained_and_the_files_still_previewed(db, name, data, note):
    pre = intake.preview([Upload("甲.txt", summary(43).encode())], db, manifest=Upload(name, data), form=FORM)
    assert pre.notes == [note]
    assert [i.action for i in pre.items] == ["add"]


# ---------------------------------------------------------------- form validation

@pytest.mark.parametrize("form, cleaned, errors", [
    ({"department": " 法务部 ", "year": "2024"}, {"department": "法务部", "year": 2024}, []),
    ({"year": 1999}, {}, [f"年份 1999 不在 2000–{intake.year_max()} 之间"]),
    ({"year": "明年"}, {}, ["年份“明年”不是数字"]),
    ({"department": "法务/合规部"}, {}, ["部门“法务/合规部”不能含有斜杠"]),
    ({"team": "组" * 41}, {}, ["班组“组组组组组组组组组组组组…”太长（最多 40 个字）"]),
    ({"employee": "\u200b\u202e", "role": ""}, {}, []),
])
def test_validate_meta(form, cleaned, errors):
    assert intake.validate_meta(form) == (cleaned, errors)


def test_form_employee_applies_to_a_single_file_only(db):
    files = [Upload("a.txt", summary(44).encode()), Upload("b.txt", summary(45).encode())]
    pre = intake.preview(files, db, form={**FORM, "employee": "己某"})
    assert pre.notes == ["表单中的员工姓名只适用于单个文件；本次上传有多个文件，已忽略员工姓名"]
    assert {i.meta["employee"] for i in pre.items} == {""}


def test_limits_from_environment():
    limits = ingest.Limits.from_env({"YEAREND_MAX_FILE_MB": "2", "YEAREND_MAX_ZIP_MB": "abc",
                                     "YEAREND_MAX_ZIP_RATIO": "30", "YEAREND_MAX_ZIP_FILES": "-1"})
    assert limits == ingest.Limits(max_file_bytes=2 * 1024 * 1024, max_zip_total_bytes=500 * 1024 * 1024,
                                   max_zip_ratio=30, max_zip_members=5000)


# ---------------------------------------------------------------- commit, re-tag, remove

def test_originals_are_saved_before_analysis(db, monkeypatch):
    before = snapshot_of(db)
    pre = intake.preview([Upload("庚.txt", summary(46).encode())], db, form=FORM)

    def broken(*args, **kwargs):
        raise RuntimeError("分析进程崩溃")

    monkeypatch.setattr(build, "analyse_many", broken)
    with pytest.raises(RuntimeError):
        intake.commit(pre, db, workers=1)
    (item,) = pre.items
    assert (snapshot.originals_dir(db) / f"{item.sha256}.txt").read_bytes() == summary(46).encode()
    assert snapshot_of(db) == before  # nothing half-written


def test_progress_reports_every_stage(db):
    seen = []
    files = [Upload(f"{n}.txt", summary(50 + n).encode()) for n in range(3)]
    intake.commit(intake.preview(files, db, form=FORM), db, workers=1,
                  progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert seen == [("保存原件", 1, 3), ("保存原件", 2, 3), ("保存原件", 3, 3), ("分析", 0, 3), ("分析", 1, 3),
                    ("分析", 2, 3), ("分析", 3, 3), ("写入", 0, 1), ("写入", 1, 1)]


def test_retag_and_remove_reach_every_table_and_export(db):
    pre = intake.preview([Upload("辛悦_合同组.txt", summary(60).encode()), Upload("任磊.txt", summary(61).encode())],
                         db, form=FORM)
    intake.commit(pre, db, workers=1)
    ids = {i.source_file: i.doc_id for i in pre.items}
    folder_doc = query.documents(db, query.Filters(departments=("客服部",))).iloc[0]

    assert intake.retag(db, [ids["辛悦_合同组.txt"], folder_doc["doc_id"]], {"department": "合规部", "role": "合规专员"}) == 2
    moved = query.documents(db, query.Filters(departments=("合规部",))).set_index("source_file")
    assert sorted(moved.index) == sorted(["辛悦_合同组.txt", folder_doc["source_file"]])
    assert set(moved["role"]) == {"合规专员"} and moved.loc["辛悦_合同组.txt", "team"] == "合同组"
    groups = export.table(db, "groups", query.Filters(departments=("合规部",)))
    assert int(groups["documents"].sum()) == 2

    assert intake.remove(db, [ids["任磊.txt"], folder_doc["doc_id"]]) == 2
    assert ids["任磊.txt"] not in set(query.documents(db)["doc_id"])
    exported = export.table(db, "documents")
    assert folder_doc["doc_id"] not in set(exported["doc_id"]) and ids["辛悦_合同组.txt"] in set(exported["doc_id"])
    with snapshot.read(db) as con:
        left = con.execute("SELECT COUNT(*) FROM sentences WHERE doc_id IN (?, ?)",
                           [ids["任磊.txt"], folder_doc["doc_id"]]).fetchall()[0][0]
    assert left == 0
    removed_sha = next(i.sha256 for i in pre.items if i.source_file == "任磊.txt")
    assert not (snapshot.originals_dir(db) / f"{removed_sha}.txt").exists()  # HR removed it: no copy kept

    with pytest.raises(ValueError, match="年份 1800 不在"):
        intake.retag(db, [ids["辛悦_合同组.txt"]], {"year": 1800})
    with pytest.raises(ValueError, match="没有要修改的字段"):
        intake.retag(db, [ids["辛悦_合同组.txt"]], {"department": "  "})


def test_folder_build_keeps_uploads_retags_and_removals(base, tmp_path, monkeypatch):
    db = copy_store(base, tmp_path / "store")
    corpus = Path(base).parents[1] / "base_corpus"
    pre = intake.preview([Upload("葵芳_合同组.txt", summary(70).encode())], db, form=FORM)
    intake.commit(pre, db, workers=1)
    uploaded = pre.items[0].doc_id
    docs = query.documents(db)
    retagged = docs[docs["department"] == "销售部"].iloc[0]
    gone = docs[docs["department"] == "生产部"].iloc[0]
    intake.retag(db, [retagged["doc_id"]], {"team": "新华东组"})
    intake.remove(db, [gone["doc_id"]])

    report = build.build(corpus, db, workers=1, progress=False)
    assert (report.analysed, report.skipped, report.removed) == (0, 1, 0)
    after = query.documents(db).set_index("doc_id")
    assert uploaded in after.index and after.loc[uploaded, "department"] == "法务部"
    assert after.loc[retagged["doc_id"], "team"] == "新华东组"
    assert gone["doc_id"] not in after.index
    assert len(after) == len(docs) - 1

    # a new analysis version: the upload is analysed again from its saved original, with its metadata
    monkeypatch.setattr(build, "ANALYSIS_VERSION", "next")
    from analysis import pipeline

    monkeypatch.setattr(pipeline, "ANALYSIS_VERSION", "next")
    report = build.build(corpus, db, workers=1, progress=False)
    assert report.analysed == len(after)
    again = query.documents(db).set_index("doc_id")
    assert set(again["analysis_version"]) == {"next"}
    assert again.loc[uploaded, ["employee", "department", "team", "year"]].tolist() == ["葵芳", "法务部", "合同组", 2024]
    assert again.loc[retagged["doc_id"], "team"] == "新华东组" and gone["doc_id"] not in again.index


def test_reupload_of_a_removed_document_brings_it_back(db):
    data = summary(80).encode()
    pre = intake.preview([Upload("子.txt", data)], db, form=FORM)
    intake.commit(pre, db, workers=1)
    intake.remove(db, [pre.items[0].doc_id])
    again = intake.preview([Upload("子.txt", data)], db, form=FORM)
    assert actions(again) == {"子.txt": ("add", "新文档")}
    intake.commit(again, db, workers=1)
    assert pre.items[0].doc_id in set(query.documents(db)["doc_id"])
    assert snapshot.live_managed(db)[pre.items[0].doc_id]["removed"] is False
