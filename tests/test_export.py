"""Exports open back in the tools HR uses: BOM for Excel, no live formulas, Chinese file names; what the
dashboard hands out has Chinese headers, percentages, a 说明 sheet and a formatted workbook (issue 17)."""
import io
import re
from datetime import date

import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis import query
from analysis.access.scope import Access, Filters, full_access
from analysis.query import export
from analysis.query.explore import cooccurrence
from analysis.schema import EXPORT_HEADERS, EXPORT_HIDDEN, EXPORT_TABLES


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+86 138", "'+86 138"),
    ("-负数开头", "'-负数开头"),
    ("@提及", "'@提及"),
    ("\t制表符", "'\t制表符"),
    ("\r回车", "'\r回车"),
    ("正常的句子", "正常的句子"),
    (-3, -3),
    (["客户跟进", "货款回笼"], "客户跟进、货款回笼"),
])
def test_neutralise(value, expected):
    assert export.neutralise(value) == expected


def test_csv_has_bom_and_reads_back():
    frame = pd.DataFrame({"employee": ["林晓雨", "=1+1"], "chars": [1200, -5]})
    data = export.csv_bytes(frame)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["employee"].tolist() == ["林晓雨", "'=1+1"]
    assert back["chars"].tolist() == [1200, -5]


def test_xlsx_reads_back_without_formulas():
    from openpyxl import load_workbook

    frame = pd.DataFrame({"text": ["=SUM(A1:A3)", "回款率达到96%"], "n": [1, 2]})
    wb = load_workbook(io.BytesIO(export.xlsx_bytes(frame, "文档")))
    ws = wb["文档"]
    assert [c.value for c in ws["A"]] == ["text", "'=SUM(A1:A3)", "回款率达到96%"]
    assert ws["A2"].data_type == "s"


@pytest.mark.parametrize("filters, expected", [
    (Filters(), "年终洞察_文档_全部部门.csv"),
    (Filters(departments=("销售部",), years=(2022, 2024)), "年终洞察_文档_销售部_2022-2024.csv"),
    (Filters(departments=("销售部", "客服部"), years=(2024, 2024), search="回款"), "年终洞察_文档_销售部+客服部_2024_含“回款”.csv"),
])
def test_filename(filters, expected):
    assert export.filename("documents", filters, "csv") == expected


# ---------------------------------------------------------------- issue 17: what HR hands on

HR = full_access("hr", "人事部林主管", local=False)
SALES = Filters(departments=("销售部",))


def _book(data: bytes):
    return load_workbook(io.BytesIO(data))


def _rows(ws) -> list[tuple]:
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def test_every_column_handed_out_has_a_chinese_header(demo_store):
    frames = {name: export.table(demo_store, name) for name in EXPORT_TABLES}
    frames["groups_suppressed"] = export.table(demo_store, "groups", Filters(min_group=5))
    frames["evidence"] = query.evidence(demo_store, Filters(), limit=5)
    frames["explore_edges"] = cooccurrence(demo_store, Filters(departments=("销售部", "客服部")), highlight="销售部")
    for name, frame in frames.items():
        kind = name.split("_suppressed")[0]
        undeclared = set(frame.columns) - set(EXPORT_HEADERS[kind]) - set(EXPORT_HIDDEN)
        assert not undeclared, (name, undeclared)
        headers = export.readable(frame, kind).frame.columns
        english = [h for h in headers if re.search("[A-Za-z]", h) and h not in ("TF-IDF 权重", "区分度（z 值）")]
        assert not english, (name, english)
    assert "suppressed" in frames["groups_suppressed"].columns


def test_xlsx_is_a_formatted_workbook_with_about_and_evidence(demo_store):
    book = export.handout(demo_store, "documents", SALES, HR, evidence_filters=SALES, today=date(2026, 12, 2))
    wb = _book(book.xlsx())
    assert wb.sheetnames == ["说明", "文档", "证据句"]
    about = dict(_rows(wb["说明"])[1:])
    info = query.store_info(demo_store)
    assert about["角色"] == "HR 管理员" and about["可查看的部门"] == "全部部门"
    assert (about["筛选：部门"], about["筛选：年份"], about["筛选：全文检索"]) == ("销售部", "全部", "无")
    assert about["数据版本"] == (f"{info['built_at']} 构建，分析版本 {info['analysis_version']}，"
                             f"共 {info['documents']:,} 篇文档")
    assert about["生成日期"] == "2026-12-02"
    docs = query.documents(demo_store, SALES)
    assert about["行数"] == f"{len(docs):,}"

    ws = wb["文档"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["员工", "部门", "班组", "岗位", "年份", "文件"]
    assert {"正面句占比", "负面句占比", "具体度（0–100）", "最相似的来源", "计划落实率", "客户跟进（句数）"} <= set(header)
    assert "doc_id" not in header and "copy_of" not in header and "analysis_version" not in header
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}{len(docs) + 1}"
    col = {h: i + 1 for i, h in enumerate(header)}
    first = docs.iloc[0]
    assert ws.cell(2, col["文件"]).value == first["source_file"]
    assert ws.cell(2, col["正面句占比"]).value == round(first["pos_share"], 3)
    assert ws.cell(2, col["正面句占比"]).number_format == "0.0%"
    assert ws.cell(2, col["具体度（0–100）"]).number_format == "0.0"
    assert ws.cell(2, col["具体度（0–100）"]).value == round(first["concreteness"], 1)
    assert ws.cell(2, col["年份"]).number_format == "0" and ws.cell(2, col["字数"]).number_format == "#,##0"
    assert ws.column_dimensions[ws.cell(1, col["文件"]).column_letter].width > 20

    ev = wb["证据句"]
    assert [c.value for c in ev[1]] == ["员工", "部门", "班组", "年份", "文件", "段落", "句子", "情感分（0–1）", "情感", "主题"]
    assert ev.freeze_panes == "A2" and ev.auto_filter.ref
    labels = {r[8] for r in _rows(ev)[1:]}
    assert labels <= {"正面", "中性", "负面"} and labels
    total = query.overview(demo_store, SALES)["sentences"]
    assert len(_rows(ev)) - 1 == min(total, export.EVIDENCE_ROWS)


def test_csv_has_a_bom_and_the_workbook_headers(demo_store):
    book = export.handout(demo_store, "groups", SALES, HR, evidence_filters=SALES)
    data = book.csv()
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(back.columns) == [c.value for c in _book(book.xlsx())["分组"][1]]
    assert "客户跟进 提及文档占比" in back.columns and "客户跟进 每千字句数" in back.columns
    groups = query.groups(demo_store, SALES)
    assert back["正面句占比"].tolist() == [f"{round(v, 3):.1%}" for v in groups["pos_share"]]
    assert back["平均情感分（0–1）"].tolist() == [f"{v:.2f}" for v in groups["sentiment_mean"]]
    assert back["员工数"].tolist() == [str(v) for v in groups["employees"]]


def test_copy_source_names_the_writer_not_the_hash(demo_store):
    docs = query.documents(demo_store)
    by_id = docs.set_index("doc_id")
    copied = docs[docs["copy_of"].isin(by_id.index)]
    assert len(copied), "the demo corpus has copies between colleagues"
    row = copied.iloc[0]
    source = by_id.loc[row["copy_of"]]
    expected = f"{source['employee']}（{source['department']}，{source['year']} 年）"
    assert export.copy_sources(demo_store, pd.Series([row["copy_of"], "", "述职范文"]), None).tolist() == [
        expected, "", "范文“述职范文”"]
    elsewhere = tuple(d for d in docs["department"].unique() if d != source["department"])
    assert export.copy_sources(demo_store, pd.Series([row["copy_of"]]), elsewhere).tolist() == [
        f"{source['department']}的一篇总结（权限范围外）"]
    book = export.handout(demo_store, "documents", Filters(doc_ids=(row["doc_id"],)), HR)
    table = book.table.frame
    assert table["最相似的来源"].tolist() == [expected]
    assert row["copy_of"] not in book.csv().decode("utf-8-sig")


def test_viewer_workbook_has_no_evidence_and_says_its_scope(demo_store):
    viewer = Access(user="guest", name="分析员", role="viewer", min_group=5, mask=True)
    book = export.handout(demo_store, "themes", Filters(min_group=5, years=(2023, 2024)), viewer,
                          evidence_filters=Filters(allowed_departments=()))
    wb = _book(book.xlsx())
    assert wb.sheetnames == ["说明", "主题"]
    about = dict(_rows(wb["说明"])[1:])
    assert (about["角色"], about["最小报告人数"], about["筛选：年份"]) == ("只读（仅汇总）", "5 人（不足的分组不显示数字）",
                                                               "2023–2024")
    assert about["脱敏"].startswith("是") and about["证据句"] == "不含（你的账号只能导出汇总表）"


def test_copy_source_is_masked_like_every_other_name(tmp_path):
    """A masked reader sees the writer of the source exactly as the 员工 column shows that person."""
    from analysis.build import build

    body = "\n".join(["2024年度个人工作总结", "一、主要工作成绩",
                      *(f"今年我走访了第{i}批重点客户，签下合同{i * 7}份，回款率保持在九成以上。" for i in range(1, 15)),
                      "二、存在的不足", "对新产品的了解还不够深入。", "三、明年工作计划", "明年继续加强客户回访，争取销售额再增长一成。"])
    folder = tmp_path / "corpus" / "2024" / "销售部"
    folder.mkdir(parents=True)
    (folder / "李雷 lilei@example.com.txt").write_text(body + "\n", encoding="utf-8")
    (folder / "韩梅梅.txt").write_text(body + "\n补充：我还参与了区域培训。\n", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    build(tmp_path / "corpus", store, workers=1, progress=False)
    head = Access(user="zhou", name="周经理", role="dept_head", departments=("销售部",), mask=True)
    masked = export.handout(store, "documents", Filters(allowed_departments=("销售部",)), head).table.frame
    assert dict(zip(masked["员工"], masked["最相似的来源"])) == {
        "李雷 [邮箱]": "韩梅梅（销售部，2024 年）", "韩梅梅": "李雷 [邮箱]（销售部，2024 年）"}
    plain = export.handout(store, "documents", Filters(), HR).table.frame
    assert "李雷 lilei@example.com（销售部，2024 年）" in set(plain["最相似的来源"])
