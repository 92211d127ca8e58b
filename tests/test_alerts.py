"""Alerts on the overview (issue 14 item 6): groups whose sentiment or theme rates moved beyond chance since
the year before, and unusual documents, from ``analysis.query.alerts`` (shared with the department report);
the test and the false-discovery-rate control against hand-computed values; the page as every role."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from analysis import query
from analysis.access import audit, users
from analysis.access.scope import Access, Filters
from analysis.query import alerts
from analysis.report.content import Scope, gather
from analysis.schema import DOCUMENT_COLUMNS
from analysis.store import snapshot
from tests.auth_helpers import PASSWORD, disable_pages_discovery, sign_in, start, titles, write_users
from ui.state import STORE_ENV


# ---------------------------------------------------------------- by hand
def test_tested_changes_match_the_hand_computation():
    # negative sentences 30/100 last year, 45/100 this year: pooled p = 0.375,
    # se = sqrt(0.375·0.625·(1/100 + 1/100)) = 0.0684653, z = 0.15 / se = 2.19089, p = 0.028460.
    # the theme in 5/20 documents, then 12/20: pooled 17/40 = 0.425, se = sqrt(0.425·0.575·0.1) = 0.1563251,
    # z = 0.35 / se = 2.23893, p = 0.025161 (expected counts 8.5 and 11.5: no Fisher)
    before = {"sentences": 100, "pos": 50, "neg": 30, "documents": 20, "货款回笼": 5}
    now = {"sentences": 100, "pos": 50, "neg": 45, "documents": 20, "货款回笼": 12}
    rows = {r["measure"]: r for r in alerts.tested_changes(before, now, ("货款回笼",))}
    assert set(rows) == {"正面句占比", "负面句占比", "“货款回笼”的提及文档占比"}
    neg, theme = rows["负面句占比"], rows["“货款回笼”的提及文档占比"]
    assert (neg["previous_count"], neg["previous_total"], neg["count"], neg["total"]) == (30, 100, 45, 100)
    assert neg["method"] == "z" and neg["p_value"] == pytest.approx(0.028460, abs=1e-6)
    assert neg["change"] == pytest.approx(0.15)
    assert theme["method"] == "z" and theme["p_value"] == pytest.approx(0.025161, abs=1e-6)
    assert rows["正面句占比"]["p_value"] == pytest.approx(1.0)


def test_benjamini_hochberg_and_the_size_floor():
    # p = 0.01, 0.04, 0.03 of three tests: sorted 0.01, 0.03, 0.04 → 0.01·3/1 = 0.03, 0.03·3/2 = 0.045,
    # 0.04·3/3 = 0.04; q is the running minimum from the top: 0.03, 0.04, 0.04
    import pandas as pd

    tested = pd.DataFrame({"p_value": [0.01, 0.04, 0.03], "change": [0.20, -0.30, 0.04]})
    out = alerts.adjust(tested)
    assert out["q_value"].tolist() == pytest.approx([0.03, 0.04, 0.04])
    # all three below 0.05, but a 4-point change is below the 5-point floor
    assert out["alert"].tolist() == [True, True, False]
    assert alerts.adjust(tested, alpha=0.035)["alert"].tolist() == [True, False, False]


def _written_store(path):
    """Two departments of 8 people (one team each), 2023 and 2024, one sentence per summary. 销售部 goes from
    no summary on 货款回笼 to all 8; 客服部 from 4 to 5. In 2024 one 客服部 summary is short (300 characters
    against 1,000), one negative, one keeps 4 placeholders."""
    docs, sentences = [], []
    for year in (2023, 2024):
        for dept, team, with_theme in (("销售部", "华东组", 0 if year == 2023 else 8), ("客服部", "热线组", 4 + year - 2023)):
            for i in range(8):
                doc_id = f"{dept}{year}{i}"
                row = {c: 0 for c in DOCUMENT_COLUMNS}
                themed = i < with_theme
                row.update(doc_id=doc_id, employee=f"{dept}员工{i + 1}", department=dept, team=team, role="专员",
                           year=year, source_file=f"{year}/{dept}/{i}.txt", file_format="txt", encoding="utf-8",
                           traditional=False, chars=1000, sentences=1, sentiment_mean=0.6, pos_share=1.0, neg_share=0.0,
                           themes_total=int(themed), analysis_version="t", copy_of="", copy_kind="",
                           copy_similarity=None, follow_through=None)
                row["货款回笼"] = int(themed)
                if (dept, year) == ("客服部", 2024):
                    row.update({0: {"chars": 300}, 1: {"neg_share": 0.5}, 2: {"placeholders": 4}}.get(i, {}))
                docs.append(row)
                text = "今年按月和客户对账，回款及时。" if themed else "今年认真完成了本职工作。"
                sentences.append({"doc_id": doc_id, "idx": 0, "section": "成绩", "text": text, "text_simplified": text,
                                  "sentiment": 0.8, "label": "pos", "themes": ["货款回笼"] if themed else []})
    with duckdb.connect(str(path)) as con:
        snapshot.create_tables(con)
        snapshot.insert_rows(con, "documents", docs)
        snapshot.insert_rows(con, "sentences", sentences)
    return path


def test_which_groups_alert_on_a_written_store(tmp_path):
    store = _written_store(tmp_path / "insights.duckdb")
    every = alerts.group_alerts(store, Filters(), min_group=8, alerts_only=False)
    # 2 departments + their 2 teams, 12 measures each (2 sentiment shares, 10 themes) = 48 tests
    assert len(every) == 48
    found = alerts.group_alerts(store, Filters(), min_group=8)
    assert [(r.level, r.department, r.team, r.measure) for r in found.itertuples()] == [
        ("部门", "销售部", "", "“货款回笼”的提及文档占比"), ("班组", "销售部", "华东组", "“货款回笼”的提及文档占比")]
    # 0/8 against 8/8: expected counts of 4, so Fisher's exact test; only the two most extreme tables of the
    # 12,870 = C(16, 8) with these margins: p = 2/12,870. Two such p-values among 48 tests: BH gives both
    # q = p · 48 / 2 = 0.0037296
    assert found["method"].tolist() == ["fisher", "fisher"]
    assert found["p_value"].tolist() == pytest.approx([2 / 12870] * 2)
    assert found["q_value"].tolist() == pytest.approx([2 / 12870 * 48 / 2] * 2)
    assert found["summary"].iloc[0] == ("销售部：“货款回笼”的提及文档占比从 2023 年的 0%（0/8 篇文档）升至 2024 年的 100%"
                                        "（8/8 篇文档），+100 个百分点（Fisher 精确检验，校正后 q = 0.00373）")
    # 客服部's 4/8 → 5/8 is chance; at a reporting minimum of 9 no group is tested at all
    assert "客服部" not in set(found["department"])
    assert alerts.group_alerts(store, Filters(), min_group=9, alerts_only=False).empty


def test_unusual_documents_on_a_written_store(tmp_path):
    store = _written_store(tmp_path / "insights.duckdb")
    found = alerts.document_alerts(store, Filters())
    # 2024's median length is 1,000 characters (15 of 16 summaries): 300 is short
    assert list(zip(found["doc_id"], found["reasons"])) == [
        ("客服部20240", "只有 300 字，不足同年中位数 1,000 字的一半"),
        ("客服部20241", "负面句占 50%"),
        ("客服部20242", "留有 4 处范文占位符")]
    assert alerts.document_alerts(store, Filters(years=(2023, 2023))).empty
    assert alerts.document_alerts(store, Filters(allowed_departments=("销售部",))).empty


# ---------------------------------------------------------------- on the demo corpus
DIP = [  # the planted dip of 生产部·装配组 in 2023 (corpus/planted.json, b_assembly_sentiment_dip)
    ("生产部", "装配组", "负面句占比", 37, 213, 57, 153),
    ("生产部", "装配组", "正面句占比", 76, 213, 26, 153),
]


def _rows(frame):
    return [(r.department, r.team, r.measure, r.previous_count, r.previous_total, r.count, r.total)
            for r in frame.itertuples()]


def test_the_planted_sentiment_dip_alerts_and_nothing_else(demo_store):
    found = alerts.group_alerts(demo_store, Filters(years=(2022, 2023)), min_group=5)
    assert _rows(found) == DIP
    assert found["summary"].iloc[0] == ("生产部·装配组：负面句占比从 2022 年的 17%（37/213 句）升至 2023 年的 37%"
                                        "（57/153 句），+20 个百分点（两比例 z 检验，校正后 q = 0.0021）")
    every = alerts.group_alerts(demo_store, Filters(years=(2022, 2023)), min_group=5, alerts_only=False)
    assert len(every) == 120  # 6 departments and 4 teams of at least 5 people × 12 measures, all corrected
    # and the recovery the year after
    back = alerts.group_alerts(demo_store, Filters(years=(2023, 2024)), min_group=5)
    assert [(r[0], r[1], r[2]) for r in _rows(back)] == [("生产部", "装配组", "负面句占比"), ("生产部", "装配组", "正面句占比"),
                                                        ("生产部", "", "负面句占比"), ("生产部", "", "正面句占比")]
    assert (back["change"] < 0).tolist() == [True, False, True, False]


def test_groups_below_the_reporting_minimum_are_not_tested(demo_store):
    # 装配组 has 5 people: at a minimum of 6 it is no publication cell of its own, so no team alert
    found = alerts.group_alerts(demo_store, Filters(years=(2022, 2023)), min_group=6)
    assert _rows(found) == []  # 生产部 as a whole moved within chance once its 120 tests are corrected
    every = alerts.group_alerts(demo_store, Filters(years=(2022, 2023)), min_group=6, alerts_only=False)
    assert set(every["team"]) == {""}


def test_a_department_head_sees_only_own_department(demo_store):
    head = Access("x", "销售部周经理", "dept_head", departments=("销售部",), min_group=5)
    found = alerts.group_alerts(demo_store, head.scope(Filters(years=(2022, 2023))), min_group=5,
                                alerts_only=False)
    assert set(found["department"]) == {"销售部"} and not found["alert"].any()
    production = Access("y", "生产部经理", "dept_head", departments=("生产部",), min_group=5)
    mine = alerts.group_alerts(demo_store, production.scope(Filters(years=(2022, 2023))), min_group=5)
    # a smaller family of tests (24 instead of 120): the team's two changes, and with smaller q-values the
    # department's rise in negative sentences passes too
    assert [r[:3] for r in _rows(mine)] == [r[:3] for r in DIP] + [("生产部", "", "负面句占比")]


def test_one_departments_alerts_from_the_counts_of_every_department(demo_store):
    """The overview keeps the counts of every department and picks the sidebar's departments from them
    (ui.data.group_alerts): the same tests, q-values and alerts as counting that department alone."""
    years = Filters(years=(2022, 2023))
    every = alerts.change_counts(demo_store, years, alerts.LEVEL_SETS, min_group=5)
    themes = query.theme_keys(demo_store)
    for departments in [(d,) for d in sorted(set(every["department"]))] + [("生产部", "销售部")]:
        picked = every[every["department"].isin(departments)]
        for only in (True, False):
            alone = alerts.group_alerts(demo_store, Filters(departments=departments, years=(2022, 2023)),
                                        min_group=5, alerts_only=only)
            pd.testing.assert_frame_equal(alerts.alerts_from_counts(picked, themes, alerts_only=only), alone)
    production = alerts.alerts_from_counts(every[every["department"] == "生产部"], themes)
    assert [r[:3] for r in _rows(production)] == [r[:3] for r in DIP] + [("生产部", "", "负面句占比")]


UNUSUAL = [  # (employee, department, year, reasons); the placeholder documents are corpus/planted.json's
    ("苏楠秋", "生产部", 2025, "留有 14 处范文占位符"),
    ("余静", "客服部", 2024, "留有 17 处范文占位符"),
    ("文博芳", "生产部", 2023, "负面句占 45%"),
    ("贺秋楠", "生产部", 2023, "负面句占 48%"),
    ("龚立", "生产部", 2023, "负面句占 54%"),
    ("谢婷俊", "市场部", 2022, "留有 23 处范文占位符"),
    ("郑晨梅", "销售部", 2021, "留有 23 处范文占位符"),
]


def test_unusual_documents_of_the_demo_corpus(demo_store):
    found = alerts.document_alerts(demo_store, Filters())
    assert list(zip(found["employee"], found["department"], found["year"], found["reasons"])) == UNUSUAL
    sales = alerts.document_alerts(demo_store, Filters(allowed_departments=("销售部",)))
    assert list(sales["employee"]) == ["郑晨梅"]


def test_the_report_counts_the_same_changes_and_documents(demo_store):
    report = gather(demo_store, Access("hr", "人事部", "hr_admin"), Scope("生产部", 2023), min_group=5)
    # the report's own family of tests is its one scope's 12: the same change, its own q-value
    assert any(a.startswith("生产部：负面句占比从 2022 年的 19%（76/399 句）升至 2023 年的 29%（97/333 句），+10 个百分点")
               for a in report.alerts), report.alerts
    assert "3 篇总结的负面句占比达 40% 以上" in report.alerts


# ---------------------------------------------------------------- the overview as every role
@pytest.fixture
def env(tmp_path, monkeypatch, demo_store):
    disable_pages_discovery(monkeypatch)
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    path = write_users(tmp_path / "users.toml")
    users.add_user("shengchan", PASSWORD, "dept_head", ("生产部",), name="生产部吴经理", email="wu@example.com",
                   path=path, rounds=4)
    monkeypatch.setenv(users.USERS_ENV, str(path))
    return demo_store


def _overview(user: str, years: tuple[int, int] | None = (2022, 2023)):
    at = sign_in(start(), user)
    assert titles(at) == ["总览"]
    if years:
        at.slider(key="f_years").set_range(*years).run()
        assert not at.exception, [e.message for e in at.exception]
    return at


def _frame(at, key):
    return next((df.value for df in at.dataframe if df.proto.id.endswith(key)), None)


def test_overview_alerts_as_hr_admin_open_their_evidence(env):
    at = _overview("hr")
    shown = _frame(at, "group_alerts_table")
    assert list(shown["分组"]) == ["生产部·装配组", "生产部·装配组"]
    assert list(shown["今年"]) == ["37%（57/153 句）", "17%（26/153 句）"]
    assert any("Benjamini–Hochberg" in c.value and "同时检验了 120 项" in c.value for c in at.caption)
    # the first alert's evidence: 装配组's negative sentences of 2023
    at.button(key="alerts_evidence").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(s.value == "证据句：生产部·装配组 2023 年的负面句" for s in at.subheader)
    evidence = query.evidence(env, Filters(departments=("生产部",), teams=("装配组",), years=(2023, 2023)),
                              label="neg", order="neg", limit=200, distinct=True)
    listed = _frame(at, "overview_ev_table")
    assert list(listed["句子"]) == list(evidence["text"]) and len(listed) > 0
    assert set(listed["年份"]) == {2023} and set(listed["部门"]) == {"生产部"}

    # the unusual documents of 2022–2023; one opens on the 文档 page
    docs = _frame(at, "doc_alerts_table")
    assert list(zip(docs["员工"], docs["原因"])) == [(e, r) for e, _, y, r in UNUSUAL if y in (2022, 2023)]
    doc_id = at.session_state["doc_alerts_pick"]
    first = query.documents(env, Filters(doc_ids=(doc_id,))).iloc[0]
    assert (first["employee"], first["year"]) == ("文博芳", 2023)  # the first listed
    at.button(key="doc_alerts_open").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert titles(at) == ["文档"] and at.session_state["doc_id"] == doc_id


def test_overview_alerts_as_viewer_are_aggregate_only(env):
    at = _overview("guest")
    assert list(_frame(at, "group_alerts_table")["分组"]) == ["生产部·装配组", "生产部·装配组"]
    assert _frame(at, "doc_alerts_table") is None
    assert not [m for m in at.markdown if "异常文档" in m.value]
    at.button(key="alerts_evidence").click().run()
    assert not at.exception
    assert _frame(at, "overview_ev_table") is None  # no sentences for a viewer
    assert any("只能查看汇总数据" in i.value for i in at.info)


def test_overview_alerts_as_department_head_are_own_department_only(env):
    at = _overview("xiaoshou", years=None)
    assert _frame(at, "group_alerts_table") is None  # 销售部 moved within chance
    assert any(i.value == "没有超出偶然波动的变化。" for i in at.info)
    docs = _frame(at, "doc_alerts_table")
    assert list(docs["员工"]) == ["郑晨梅"] and set(docs["部门"]) == {"销售部"}

    at = _overview("shengchan")
    assert list(_frame(at, "group_alerts_table")["分组"]) == ["生产部·装配组", "生产部·装配组", "生产部"]
    assert any("同时检验了 24 项" in c.value for c in at.caption)
    docs = _frame(at, "doc_alerts_table")
    assert set(docs["部门"]) == {"生产部"} and list(docs["员工"]) == ["文博芳", "贺秋楠", "龚立"]
