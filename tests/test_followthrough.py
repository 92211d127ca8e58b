"""Plan follow-through: the planted plans carried out and dropped are judged exactly so, with the
sentence pairs as evidence; the judging rules on sentences written here; rates add up."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import query
from analysis.access.scope import Filters
from analysis.insight import followthrough as ft
from analysis.paths import DEFAULT_CORPUS
from analysis.read.normalize import to_simplified

PLANTED = json.loads((DEFAULT_CORPUS / "planted.json").read_text(encoding="utf-8"))["patterns"]
CASES = PLANTED["f_plan_follow_through"]["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['employee']}-{'done' if c['followed_through'] else 'dropped'}"
                                              for c in CASES])
def test_planted_plans_are_judged_exactly(demo_store, case):
    docs = query.documents(demo_store).set_index("source_file")
    plan_doc, next_doc = docs.loc[case["plan_file"], "doc_id"], docs.loc[case["followup_file"], "doc_id"]
    pairs = query.follow_pairs(demo_store, Filters(doc_ids=(plan_doc,)))
    plan = to_simplified(case["plan_sentence"])
    row = pairs[pairs["plan_text"].map(to_simplified).str.endswith(plan)]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["next_doc_id"] == next_doc and row["next_year"] == case["plan_year"] + 1
    if case["followed_through"]:
        assert row["status"] == "落实"
        assert to_simplified(row["evidence_text"]).endswith(to_simplified(case["followup_sentence"]))
        assert row["evidence_section"] == "成绩"
        assert set(row["shared"]) and set(row["shared"]) <= set(row["targets"])
    else:
        assert row["status"] == "未落实"
        assert pd.isna(row["evidence_text"]) and list(row["shared"]) == []


def _s(idx: int, section: str, words: str, label: str = "neu") -> ft.Sentence:
    return ft.Sentence(idx, section, label, frozenset(words.split()))


WEIGHT = {"知识库": 3.0, "常见问题": 3.0, "热线": 1.5, "来电": 1.5, "牵头": 1.0}


@pytest.mark.parametrize(("report", "status", "evidence"), [
    ([_s(0, "成绩", "牵头 建成 常见问题 知识库 来电"), _s(1, "成绩", "热线 来电")], "落实", 0),
    ([_s(0, "不足", "常见问题 知识库 进度 落后")], "部分落实", 0),              # reported as a shortcoming
    ([_s(0, "成绩", "常见问题 知识库", label="neg")], "部分落实", 0),          # a negative sentence
    ([_s(0, "成绩", "热线 来电 接听")], "部分落实", 0),                         # 3 of 10: partly
    ([_s(0, "成绩", "热线 接听 电话")], "未落实", None),                        # 1.5 of 10
    ([_s(0, "计划", "常见问题 知识库 热线 来电 牵头")], "未落实", None),         # restated as a plan again
])
def test_judging_rules(report, status, evidence):
    plan = _s(7, "计划", "明年 打算 牵头 建立 常见问题 知识库 热线 来电")
    result = ft.judge("a", plan, "b", report, WEIGHT)
    assert (result.status, result.evidence_idx) == (status, evidence)
    assert result.targets == ("常见问题", "知识库", "来电", "热线", "牵头")


def test_a_plan_without_targets_is_not_counted():
    assert ft.judge("a", _s(0, "计划", "明年 继续 努力 工作"), "b", [_s(0, "成绩", "努力")], WEIGHT) is None


def test_target_weights_leave_out_plan_words_and_common_words():
    weight = ft.weights({"知识库": 1, "客户": 60, "明年": 2, "账期": 10}, n_docs=100)
    assert set(weight) == {"知识库", "账期"}
    assert weight["知识库"] > weight["账期"]


def test_rates_add_up(demo_store):
    rates = query.follow_rates(demo_store)
    pairs = query.follow_pairs(demo_store, limit=100_000)
    assert rates["plans"].sum() == len(pairs)
    for row in rates.itertuples():
        mine = pairs[pairs["department"] == row.department]["status"].value_counts()
        assert (row.落实, row.部分落实, row.未落实) == (mine.get("落实", 0), mine.get("部分落实", 0), mine.get("未落实", 0))
        assert row.rate == pytest.approx((row.落实 + 0.5 * row.部分落实) / row.plans)
    docs = query.documents(demo_store).set_index("doc_id")
    per_doc = pairs.groupby("doc_id")["status"].apply(lambda s: sum(ft.CREDIT[x] for x in s) / len(s))
    assert docs.loc[per_doc.index, "follow_through"].round(4).tolist() == per_doc.round(4).tolist()
    # the last year has no next year: nothing to follow through
    assert docs[docs["year"] == docs["year"].max()]["follow_through"].isna().all()


def test_section_reading_lists_shortcomings_with_evidence(demo_store):
    only = Filters(departments=("客服部",))
    words = query.section_terms(demo_store, only, "不足", top=10)
    assert "不够" not in set(words["term"])  # what marks a shortcoming is not what it is about
    top = words.iloc[0]
    evidence = query.section_term_evidence(demo_store, only, "不足", top["term"], limit=10_000)
    assert evidence["doc_id"].nunique() == top["documents"] and len(evidence) == top["sentences"]
    assert set(evidence["section"]) == {"不足"} and set(evidence["department"]) == {"客服部"}
