"""Concreteness: figures with units, named periods and outcomes against 套话 and placeholders — exact
reasons on sentences written here, and the stored score agrees with its explanation."""
from __future__ import annotations

import json

import pytest

from analysis import query
from analysis.access.scope import Filters
from analysis.judge import concreteness
from analysis.paths import DEFAULT_CORPUS

PLANTED = json.loads((DEFAULT_CORPUS / "planted.json").read_text(encoding="utf-8"))["patterns"]


@pytest.mark.parametrize(("sentence", "expected"), [
    ("全年完成销售额120万元，新签客户12家，回款率达到95%。", [("数字", "120万元、12家、95%")]),
    ("三月份完成了新版官网的上线。", [("时间", "三月份"), ("成果", "上线")]),
    ("十二月底签订了三份合同。", [("数字", "三份"), ("时间", "十二月底"), ("成果", "签订")]),
    ("第二季度拜访客户两百多次。", [("数字", "两百多次"), ("时间", "第二季度")]),
    ("在领导的关心和同事的帮助下，我取得了一定的成绩。", [("套话", "在领导的关心、同事的帮助下、取得了一定的成绩")]),
    ("20xx年完成了xxx万元的销售任务。", [("占位符", "20xx、xxx")]),
    ("工作上了一个台阶，学会了一个新方法。", []),
    ("今年考取了中级会计职称，总的来说收获很大。", [("成果", "考取"), ("套话", "总的来说")]),
])
def test_sentence_evidence(sentence, expected):
    assert concreteness.sentence_evidence(sentence) == expected


def test_score_counts_concrete_sentences_against_generic_ones():
    sentences = list(enumerate([
        "2024年度工作总结",                                   # a heading: not a body sentence
        "全年完成销售额120万元，新签客户12家。",                # concrete
        "六月份与华光仪表签订了年度供货协议。",                  # concrete
        "在领导的关心下，我兢兢业业，取得了一定的成绩。",         # 套话 only
        "20xx年完成了xxx万元的任务。",                         # placeholder: not concrete
        "我负责华东区的客户维护。",                              # neither
    ]))
    result = concreteness.explain(sentences)
    assert (result.body, result.concrete, result.generic_only) == (5, 2, 1)
    assert result.score == 20.0  # 100 × (2 − 1) / 5
    verdicts = {(r["idx"], r["kind"]): r["verdict"] for r in result.reasons}
    assert verdicts == {(1, "数字"): "具体", (2, "时间"): "具体", (2, "成果"): "具体",
                        (3, "套话"): "套话", (4, "占位符"): "其他"}
    assert concreteness.score([(0, "标题")]) is None


def test_stored_score_is_the_explained_one(demo_store):
    docs = query.documents(demo_store).sort_values("concreteness")
    for doc_id, stored in zip(docs["doc_id"].iloc[[0, len(docs) // 2, -1]], docs["concreteness"].iloc[[0, len(docs) // 2, -1]]):
        summary, reasons = query.concreteness_reasons(demo_store, doc_id)
        assert summary["score"] == stored
        assert set(reasons["kind"]) <= set(concreteness.REASON_KINDS)


def test_placeholder_documents_read_as_templates(demo_store):
    planted = {d["file"]: d for d in PLANTED["e_placeholders"]["documents"]}
    docs = query.documents(demo_store).set_index("source_file")
    per = query.originality(demo_store, Filters(), by=("department",))
    assert per["placeholder_documents"].sum() == len(planted) == (docs["placeholders"] > 0).sum()
    held = query.placeholder_sentences(demo_store)
    assert set(held["doc_id"]) == {docs.loc[f, "doc_id"] for f in planted}
    for file, info in planted.items():
        mine = held[held["doc_id"] == docs.loc[file, "doc_id"]]
        found = [p for cell in mine["placeholders"] for p in cell.split("、")]
        assert sorted(set(found)) == sorted(info["placeholders"]), file
    # a blank is not a fact: these documents score below the corpus median
    assert (docs.loc[list(planted), "concreteness"] < docs["concreteness"].median()).all()
