"""The 原创性 and 计划落实 pages (AppTest): the numbers on screen are those of ``analysis.query`` for the
same filters, the drill-downs show the sentence pairs, and a 范文 pasted on the page is matched."""
from __future__ import annotations

import json
import shutil

import pytest

from analysis import query
from analysis.access.scope import Filters
from analysis.paths import DEFAULT_CORPUS
from tests.test_pages import (
    choose_department,
    frame_of,
    metric,
    navigation_as_on_a_running_server,
    start,
    table_with,
)
from ui.state import STORE_ENV
from ui.widgets import num, pct

__all__ = ["navigation_as_on_a_running_server"]  # the autouse fixture of test_pages applies here too

PLANTED = json.loads((DEFAULT_CORPUS / "planted.json").read_text(encoding="utf-8"))["patterns"]


@pytest.fixture
def own_store(demo_store, tmp_path, monkeypatch):
    """A copy of the demo store that a test may add templates to."""
    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    monkeypatch.setenv(STORE_ENV, str(path))
    return path


def test_originality_page_figures_and_side_by_side(store):
    at = start("pages/originality.py")
    copied = query.copied_documents(store)
    assert metric(at, "疑似抄袭") == num(len(copied)) == "8"
    assert metric(at, "抄他人") == "6" and metric(at, "抄本人往年") == "2" and metric(at, "抄范文") == "0"
    assert metric(at, "含模板占位符") == "4"
    table = table_with(at, "抄袭来源")
    assert list(table["员工"]) == list(copied["employee"])
    # the side-by-side table is the one for the chosen copy
    doc_id = at.selectbox(key="orig_doc").value
    passages = query.copy_passages(store, doc_id)
    shown = table_with(at, "本文")
    assert list(shown["本文"]) == list(passages["text"]) and list(shown["来源"]) == list(passages["source_text"])
    assert len(shown) > 10

    # the self-copies only, then one of them opened on the 文档 page
    at.radio(key="orig_kind").set_value("本人往年").run()
    assert not at.exception
    selfs = {p["copy_file"] for p in PLANTED["d_self_copies"]["pairs"]}
    assert set(table_with(at, "抄袭来源")["文件"]) == selfs
    chosen = at.selectbox(key="orig_doc").value
    at.button(key="orig_open").click().run()
    assert [t.value for t in at.title] == ["文档"] and at.session_state["doc_id"] == chosen


def test_originality_page_follows_the_department_filter(store):
    pair = PLANTED["c_template_copies"]["pairs"][0]
    at = choose_department(start("pages/originality.py"), pair["department"])
    only = Filters(departments=(pair["department"],))
    assert metric(at, "疑似抄袭") == num(len(query.copied_documents(store, only))) == "2"
    assert set(table_with(at, "抄袭来源")["部门"]) == {pair["department"]}
    # a department without copies says so in words
    at = choose_department(at, "生产部")
    assert metric(at, "疑似抄袭") == "0"
    assert any("没有疑似抄袭文档" in i.value for i in at.info)


def test_concreteness_reasons_on_the_page(store):
    at = start("pages/originality.py")
    doc_id = at.selectbox(key="orig_conc_doc").value
    lowest = query.documents(store).sort_values(["concreteness", "year"], ascending=[True, False]).iloc[0]
    assert doc_id == lowest["doc_id"]
    summary, reasons = query.concreteness_reasons(store, doc_id)
    assert any(f"具体度 {summary['score']:.1f}" in m.value for m in at.markdown)
    if not reasons.empty:
        assert list(table_with(at, "判为")["句子"]) == list(reasons["text"])


def test_a_template_pasted_on_the_page_is_matched(own_store):
    docs = query.documents(own_store).set_index("source_file")
    target = "2024/客服部/沈亮_售后组.txt" if "2024/客服部/沈亮_售后组.txt" in docs.index else docs.index[0]
    sentences = query.sentences_of(own_store, docs.loc[target, "doc_id"])["text_simplified"].tolist()
    # a "范文 found on the web" that this summary was written from: its text, figures blanked, one sentence gone
    pasted = "\n".join(s for i, s in enumerate(sentences) if i != 5).replace("1", "x").replace("2", "x")

    at = start("pages/originality.py")
    at.text_input(key="tpl_name").input("网上范文甲")
    at.text_area(key="tpl_text").input(pasted)
    at.button(key="tpl_add").click().run()
    assert not at.exception
    assert any("已加入范文“网上范文甲”" in s.value for s in at.success)
    assert metric(at, "抄范文") == "1"
    library = table_with(at, "被抄文档数")
    assert library[["名称", "被抄文档数"]].values.tolist() == [["网上范文甲", 1]]
    flagged = query.copied_documents(own_store, kind="范文")
    assert list(flagged["source_file"]) == [target] and list(flagged["copy_of"]) == ["网上范文甲"]

    # too short: refused with the reason, nothing changes
    at.text_input(key="tpl_name").input("短文")
    at.text_area(key="tpl_text").input("好好工作。")
    at.button(key="tpl_add").click().run()
    assert not at.exception
    assert any("没有加入范文库" in e.value and "太短" in e.value for e in at.error)
    assert list(query.template_library(own_store)["name"]) == ["网上范文甲"]


def test_followthrough_page_rates_and_pairs(store):
    at = start("pages/followthrough.py")
    rates = query.follow_rates(store)
    plans, done, partly = rates["plans"].sum(), rates["落实"].sum(), rates["部分落实"].sum()
    assert metric(at, "对照的计划") == num(plans)
    assert metric(at, "落实") == num(done)
    assert metric(at, "落实率") == pct((done + 0.5 * partly) / plans, 1)
    assert list(table_with(at, "计划数")["计划数"]) == list(rates["plans"])

    case = next(c for c in PLANTED["f_plan_follow_through"]["cases"] if c["followed_through"])
    at.selectbox(key="ft_dept").set_value(case["department"]).run()
    at.radio(key="ft_status").set_value("落实").run()
    assert not at.exception
    pairs = query.follow_pairs(store, status="落实", department=case["department"])
    shown = table_with(at, "第 N 年的计划")
    assert list(shown["第 N 年的计划"]) == list(pairs["plan_text"])
    assert any(case["followup_sentence"] in t for t in shown["第 N+1 年的对应句"])
    assert set(shown["判断"]) == {"落实"}


def test_followthrough_page_reads_sections(store):
    at = start("pages/followthrough.py")
    assert at.radio(key="ft_section").value == "不足"
    words = query.section_terms(store, Filters(), "不足")
    assert list(table_with(at, "词")["词"]) == list(words["term"])
    at.radio(key="ft_section").set_value("计划").run()
    assert not at.exception
    plan_words = query.section_terms(store, Filters(), "计划")
    assert list(table_with(at, "词")["词"]) == list(plan_words["term"])
    term = at.selectbox(key="ft_word").value  # the word chosen under 不足 stays chosen if 计划 uses it too
    assert term in set(plan_words["term"])
    evidence = query.section_term_evidence(store, Filters(), "计划", term)
    # each sentence once (evidence lists count repeats instead of listing them)
    assert list(frame_of(at, "ft_ev_table")["句子"]) == list(evidence["text"].drop_duplicates())


def test_followthrough_page_explains_a_single_last_year(store):
    at = start("pages/followthrough.py")
    at.slider(key="f_years").set_value((2025, 2025)).run()
    assert not at.exception
    assert any("没有能与下一年总结对照的计划" in i.value for i in at.info)


def test_followthrough_page_reads_each_question_once_with_its_reads_started_together(store, monkeypatch):
    """The page starts its independent reads at once (``ui.data.prefetch``, in threads carrying the script run's
    context) and then asks them in its own order: every question is read exactly once per new filter, the page
    waits for the one already being read rather than reading it again, and shows what the reads return."""
    import threading

    import streamlit as st

    calls: list[tuple[str, str]] = []
    for name in ("follow_rates", "follow_pairs", "section_sentiment", "theme_section_totals", "section_terms",
                 "section_term_evidence"):
        real = getattr(query, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append((_name, threading.current_thread().name))
            return _real(*args, **kwargs)

        monkeypatch.setattr(query, name, spy)
    st.cache_data.clear()
    at = start("pages/followthrough.py")
    assert sorted(n for n, _ in calls) == ["follow_pairs", "follow_rates", "section_sentiment", "section_term_evidence",
                                           "section_terms", "theme_section_totals"]
    # the last chain (section words → their sentences) is needed last by the page: the prefetch read it
    assert ("section_terms", "yearend-prefetch") in calls and ("section_term_evidence", "yearend-prefetch") in calls
    rates = query.follow_rates(store)
    first = [d for d in rates["department"] if d][0]
    pairs = query.follow_pairs(store, status="落实", department=first)
    assert list(table_with(at, "第 N 年的计划")["第 N 年的计划"]) == list(pairs["plan_text"])
    words = query.section_terms(store, Filters(), "不足")
    evidence = query.section_term_evidence(store, Filters(), "不足", words["term"].iloc[0])
    assert list(frame_of(at, "ft_ev_table")["句子"]) == list(evidence["text"].drop_duplicates())
    calls.clear()
    choose_department(at, first)
    assert sorted(n for n, _ in calls) == ["follow_pairs", "follow_rates", "section_sentiment", "section_term_evidence",
                                           "section_terms", "theme_section_totals"]
    calls.clear()
    at.run()  # the same filters again: every read is served from the cache
    assert calls == []


def test_followthrough_page_lists_every_pair_when_no_plan_names_its_department(store, monkeypatch):
    """A corpus laid out without the department level: the plans' documents name no department. The page lists every
    pair in the filters instead of asking for a department there is none of (it used to fail with an IndexError)."""
    import streamlit as st

    real = query.follow_rates

    def without_departments(*args, **kwargs):
        return real(*args, **kwargs).assign(department="")

    monkeypatch.setattr(query, "follow_rates", without_departments)
    st.cache_data.clear()
    at = start("pages/followthrough.py")
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == "ft_dept"]
    assert any("没有填写部门" in c.value for c in at.caption)
    pairs = query.follow_pairs(store, status="落实")
    assert len(pairs) > 10 and pairs["department"].nunique() > 1
    assert list(table_with(at, "第 N 年的计划")["第 N 年的计划"]) == list(pairs["plan_text"])
    at.radio(key="ft_status").set_value("未落实").run()
    assert not at.exception
    missed = query.follow_pairs(store, status="未落实")
    assert list(table_with(at, "第 N 年的计划")["第 N 年的计划"]) == list(missed["plan_text"])
    st.cache_data.clear()
