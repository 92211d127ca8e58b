"""The 语料管理 page through the router (AppTest): choices from the store, preview with explained
rejects, confirm, per-file results, the new documents on the other pages at once, form validation,
manifest notes, re-tag and remove, and the first upload into an empty store."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import query
from analysis.access.scope import Filters
from analysis.query import export
from analysis.store import snapshot
from tests.test_pages import APP, navigation_as_on_a_running_server  # noqa: F401  (autouse fixture)
from tests.uploads import summary, zip_bytes
from ui.state import STORE_ENV
from ui.widgets import num

PAGE = "pages/corpus.py"


def open_page(timeout: int = 120) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


TABLE_COLUMN = {"preview": "处理", "result": "结果", "docs": "来源", "doc_table": "负面句占比"}
"""Display-only tables have no element id in AppTest: each is found by a column only it has."""


def frame(at: AppTest, name: str):
    for df in at.dataframe:
        if TABLE_COLUMN[name] in df.value.columns:
            return df.value
    raise AssertionError(f"没有表格 {name}")


@pytest.fixture
def live(demo_store, tmp_path, monkeypatch) -> Path:
    db = tmp_path / "store" / "insights.duckdb"
    db.parent.mkdir()
    shutil.copy(demo_store, db)
    monkeypatch.setenv(STORE_ENV, str(db))
    return db


def test_page_renders_with_choices_from_the_store(live):
    at = open_page()
    assert [t.value for t in at.title] == ["语料管理"]
    assert [s.value for s in at.subheader] == ["上传年终总结", "修改或移除已入库的文档", "人工纠正"]
    options = query.options(live)
    assert at.selectbox(key="up_0_department").options == options["department"]
    assert at.selectbox(key="up_0_role").options == options["role"]
    assert [i.value for i in at.info][0] == "还没有选择文件。"
    assert at.file_uploader(key="up_files_0").accept_multiple_files


UPLOAD_ZIP = zip_bytes({
    "2024/法务部/林静_合同组.txt": summary(1).encode(),
    "2024/法务部/程远_诉讼组.txt": summary(2).encode("gbk"),
    "2024/法务部/空白.txt": b"",
    "../../越界.txt": summary(3).encode(),
    "里面还有.zip": zip_bytes({"x.txt": summary(4).encode()}),
})


def test_upload_preview_commit_results_and_new_documents_everywhere(live):
    before = query.overview(live)["documents"]
    version = snapshot.data_version(live)
    at = open_page()
    at.file_uploader(key="up_files_0").set_value([
        ("法务部总结.zip", UPLOAD_ZIP, "application/zip"),
        ("English.txt", b"My year in review: projects delivered on time. " * 5, "text/plain"),
    ]).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {"新增": "2", "更新标签": "0", "跳过": "0", "拒绝": "4"}
    table = frame(at, "preview")
    assert table[["文件", "处理", "员工", "部门", "班组"]].values.tolist() == [
        ["法务部总结.zip/2024/法务部/林静_合同组.txt", "新增", "林静", "法务部", "合同组"],
        ["法务部总结.zip/2024/法务部/程远_诉讼组.txt", "新增", "程远", "法务部", "诉讼组"],
        ["法务部总结.zip/2024/法务部/空白.txt", "拒绝", "", "", ""],
        ["法务部总结.zip/../../越界.txt", "拒绝", "", "", ""],
        ["法务部总结.zip/里面还有.zip", "拒绝", "", "", ""],
        ["English.txt", "拒绝", "", "", ""],
    ]
    assert [e.value for e in at.error] == [
        "以下 4 个文件不会入库：\n\n"
        "- **法务部总结.zip/2024/法务部/空白.txt**：文件为空\n"
        "- **法务部总结.zip/../../越界.txt**：压缩包内路径不安全（绝对路径或 ../），已拒绝\n"
        "- **法务部总结.zip/里面还有.zip**：不支持嵌套的压缩包，请解压后再上传\n"
        "- **English.txt**：文件几乎不含中文，不是中文工作总结"
    ]
    assert snapshot.data_version(live) == version  # nothing written by the preview
    assert query.overview(live)["documents"] == before

    at.button(key="up_commit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    (done,) = at.success
    assert done.value.startswith("入库完成，用时 ") and done.value.endswith(
        "秒：已新增 2，已更新标签 0，已跳过 0，失败 4。各页面已包含新文档。")
    results = frame(at, "result")
    assert results[["文件", "结果"]].values.tolist() == [
        ["法务部总结.zip/2024/法务部/林静_合同组.txt", "已新增"],
        ["法务部总结.zip/2024/法务部/程远_诉讼组.txt", "已新增"],
        ["法务部总结.zip/2024/法务部/空白.txt", "失败"],
        ["法务部总结.zip/../../越界.txt", "失败"],
        ["法务部总结.zip/里面还有.zip", "失败"],
        ["English.txt", "失败"],
    ]
    assert results["说明"].tolist()[0] == "法务部 · 合同组 · 林静 · 2024：163 字，8 句"
    assert [w.key for w in at.file_uploader] == ["up_files_1", "up_manifest_1"]  # cleared for the next upload
    assert at.selectbox(key="up_1_department").value is None and at.number_input(key="up_1_year").value is None

    # the other pages read the new snapshot without a restart
    at.switch_page("pages/overview.py").run()
    assert next(m.value for m in at.metric if m.label == "文档数") == num(before + 2)
    assert "法务部" in at.multiselect(key="f_department").options
    at.multiselect(key="f_department").set_value(["法务部"]).run()
    at.switch_page("pages/documents.py").run()
    assert not at.exception
    docs = frame(at, "doc_table")
    assert sorted(docs["员工"]) == ["林静", "程远"]
    exported = export.table(live, "documents", Filters(departments=("法务部",)))
    assert sorted(exported["employee"]) == ["林静", "程远"] and set(exported["encoding"]) == {"utf-8", "gb18030"}


def test_form_is_validated_and_manifest_problems_are_shown(live):
    at = open_page()
    at.text_input(key="up_0_employee").input("王/五").run()
    assert [e.value for e in at.error] == ["表单：员工“王/五”不能含有斜杠"]
    at.text_input(key="up_0_employee").input("").run()
    at.number_input(key="up_0_year").set_value(2024).run()
    at.selectbox(key="up_0_department").set_value(query.options(live)["department"][0]).run()
    manifest = "文件,姓名,班组\n周宁_外勤组.txt,周宁,外勤组\n不在这里.txt,某人,\n".encode()
    at.file_uploader(key="up_manifest_0").set_value(("清单.csv", manifest, "text/csv"))
    at.file_uploader(key="up_files_0").set_value(("周宁_外勤组.txt", summary(9).encode(), "text/plain")).run()
    assert not at.exception
    assert [w.value for w in at.warning] == ["清单“清单.csv”中的“不在这里.txt”在本次上传中找不到对应文件"]
    row = frame(at, "preview").iloc[0]
    assert (row["处理"], row["员工"], row["部门"], row["年份"], row["元数据来源"]) == (
        "新增", "周宁", query.options(live)["department"][0], 2024, "清单、表单")


def test_retag_and_remove_from_the_page(live):
    docs = query.documents(live)
    target = docs.iloc[0]
    other_department = next(d for d in query.options(live)["department"] if d != target["department"])
    at = open_page()
    at.multiselect(key="up_pick").set_value([target["doc_id"]]).run()
    assert frame(at, "docs")["文件"].tolist() == [target["source_file"]]
    at.selectbox(key="rt_department").set_value(other_department)
    at.text_input(key="rt_employee").input("改名后")
    next(b for b in at.button if b.label == "更新标签").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.success] == [f"已把 1 篇文档的员工为“改名后”、部门为“{other_department}”。"]
    moved = query.documents(live, Filters(doc_ids=(target["doc_id"],))).iloc[0]
    assert (moved["department"], moved["employee"]) == (other_department, "改名后")

    assert at.button(key="up_remove").disabled
    at.checkbox(key="up_confirm_remove").check().run()
    at.button(key="up_remove").click().run()
    assert [s.value for s in at.success] == ["已移除 1 篇文档；各页面和导出中都不再包含它们。"]
    assert target["doc_id"] not in set(query.documents(live)["doc_id"])
    assert at.multiselect(key="up_pick").value == []
    at.switch_page("pages/overview.py").run()
    assert next(m.value for m in at.metric if m.label == "文档数") == num(len(docs) - 1)


def test_first_upload_into_an_empty_store(tmp_path, monkeypatch):
    db = tmp_path / "new" / "insights.duckdb"
    monkeypatch.setenv(STORE_ENV, str(db))
    at = open_page()
    assert [s.value for s in at.subheader] == ["上传年终总结", "修改或移除已入库的文档", "人工纠正"]
    assert "库中还没有文档：上传并确认入库后，可以在这里修改标签或移除。" in [i.value for i in at.info]
    assert at.selectbox(key="up_0_department").options == []  # nothing to offer yet: a department is typed
    at.file_uploader(key="up_files_0").set_value(("首批.zip", zip_bytes({
        "2025/法务部/许诺_合同组.txt": summary(11, 2025).encode(),
        "2025/法务部/钱程_合同组.txt": summary(12, 2025).encode(),
    }), "application/zip")).run()
    assert {m.label: m.value for m in at.metric}["新增"] == "2"
    at.button(key="up_commit").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert snapshot.exists(db)
    assert sorted(query.documents(db)["employee"]) == ["许诺", "钱程"]
    at.switch_page("pages/overview.py").run()
    assert next(m.value for m in at.metric if m.label == "文档数") == "2"
