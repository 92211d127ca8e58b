"""Exports open back in the tools HR uses: BOM for Excel, no live formulas, Chinese file names."""
import io

import pandas as pd
import pytest

from analysis.access.scope import Filters
from analysis.query import export


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
