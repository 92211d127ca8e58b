"""One document end to end: record fields, sections, evidence sentences, term counts."""
from analysis.pipeline import analyse_bytes, content_hash
from analysis.schema import DOCUMENT_COLUMNS, THEMES
from tests.test_build import GOOD_A


def test_document_record():
    data = GOOD_A.encode("utf-8")
    a = analyse_bytes("2024/销售部/林晓雨_华东组.txt", data,
                      {"year": 2024, "department": "销售部", "employee": "林晓雨", "team": "华东组"})
    doc = a.document
    assert set(doc) == set(DOCUMENT_COLUMNS)
    assert doc["doc_id"] == content_hash(data)
    assert (doc["employee"], doc["department"], doc["team"], doc["role"], doc["year"]) == ("林晓雨", "销售部", "华东组", "", 2024)
    assert doc["sentences"] == 9
    assert doc["placeholders"] == 0 and doc["traditional"] is False
    assert doc["themes_total"] == sum(doc[t] for t in THEMES)
    assert doc["客户跟进"] >= 2 and doc["货款回笼"] >= 2
    assert [s["section"] for s in a.sentences] == ["其他", "其他", "成绩", "成绩", "成绩", "不足", "不足", "计划", "计划"]
    lack = [s for s in a.sentences if s["section"] == "不足" and s["text"].startswith("对部分老客户")]
    assert lack[0]["label"] == "neg" and "客户跟进" in lack[0]["themes"]
    assert a.terms["意向客户"] == 1 and "的" not in a.terms


def test_traditional_document_keeps_original_text():
    text = "2023年工作總結\n一、工作成績\n今年我負責華南區域，維護老客戶，及時跟進訂單，全年回款率達到百分之九十五。\n"
    a = analyse_bytes("總結.txt", text.encode("utf-8"))
    assert a.document["traditional"] is True
    body = a.sentences[-1]
    assert body["text"] == "今年我負責華南區域，維護老客戶，及時跟進訂單，全年回款率達到百分之九十五。"
    assert body["text_simplified"] == "今年我负责华南区域，维护老客户，及时跟进订单，全年回款率达到百分之九十五。"
    assert {"客户跟进", "货款回笼"} <= set(body["themes"])
    assert a.document["year"] == 2023
