"""Charts, tables and messages that keep their context (issue 17 items 4–6), through the router (AppTest):
any two years compared, several themes on one trend, the document view opened from a theme's evidence,
a copied document's flag, and messages that fit the reader's role."""
from __future__ import annotations

import json

import pytest

from analysis import query
from analysis.access import audit, users
from analysis.access.scope import Filters
from analysis.schema import THEMES
from tests.auth_helpers import disable_pages_discovery, sign_in, titles, write_users
from tests.auth_helpers import start as start_signed_out
from tests.test_pages import charts, frame_of, metric, start, values
from ui.state import PAGES
from ui.widgets import num


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


@pytest.fixture
def signed(store, tmp_path, monkeypatch):
    """Sign in as one of the users of tests/auth_helpers (hr, xiaoshou = 销售部 head, guest = viewer)."""
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml")))

    def as_user(username: str, page: str | None = None):
        at = sign_in(start_signed_out(), username)
        if page:
            at.switch_page(page).run()
            assert not at.exception, [e.message for e in at.exception]
        return at
    return as_user


def chart(at, key: str) -> dict:
    return next(s for k, s in charts(at).items() if k.endswith(key))


def texts(at) -> str:
    parts = [*at.info, *at.caption, *at.markdown, *at.subheader, *at.warning]
    return " ".join(p.value for p in parts)


def title_of(spec: dict) -> str:
    """A chart's title with its subtitle (a long title is split in two)."""
    title = spec["layout"].get("title", {})
    return title.get("text", "") + " " + title.get("subtitle", {}).get("text", "")


def chart_titles(at) -> list[str]:
    return [title_of(spec) for spec in charts(at).values()]


# ---------------------------------------------------------------- item 4: charts
def test_overview_compares_any_two_years(store):
    at = start()
    years = sorted(int(y) for y in query.groups(store, by=("year",))["year"] if y)
    assert len(years) >= 3
    # by default the latest year against the one before
    assert at.selectbox(key="overview_from").value == years[-2]
    assert at.selectbox(key="overview_to").value == years[-1]
    at.selectbox(key="overview_from").set_value(years[0]).run()
    at.selectbox(key="overview_to").set_value(years[2]).run()
    assert not at.exception
    assert f"{years[2]} 年与 {years[0]} 年相比" in texts(at)
    changes = query.year_changes(store, pair=(years[0], years[2])).set_index("metric")
    docs = next(m for m in at.metric if m.label == "文档数" and m.delta)
    assert docs.value == num(changes.loc["文档数", "latest"])
    assert docs.delta == f"{changes.loc['文档数', 'change']:+,.0f}"
    # the change of each theme's coverage is drawn in percentage points, and labelled so
    bars = chart(at, "overview_changes")
    drawn = {t: v for trace in bars["data"] for t, v in zip(values(trace["y"]), values(trace["x"]))}
    assert drawn == pytest.approx({t: changes.loc[t, "change"] * 100 for t in THEMES})
    assert "百分点" in title_of(bars) and "百分点" in bars["layout"]["xaxis"]["title"]["text"]
    lo, hi = bars["layout"]["xaxis"]["range"]
    assert lo <= min(drawn.values()) and max(drawn.values()) <= hi
    # the same year twice is no comparison
    at.selectbox(key="overview_to").set_value(years[0]).run()
    assert any("请选择两个不同的年份" in i.value for i in at.info)


def test_overview_charts_start_at_zero_and_shares_stop_at_100_percent(store):
    at = start()
    docs = chart(at, "overview_docs")
    assert docs["layout"]["yaxis"]["range"][0] == 0
    # five years side by side in each department: no value labels running into each other ("1313131313")
    assert len(docs["data"]) == 5 and not any(t.get("texttemplate") for t in docs["data"])
    themes = chart(at, "overview_themes")
    assert themes["layout"]["xaxis"]["range"] == [0, 1]


def test_theme_trend_draws_several_themes_at_once(store):
    at = start("pages/themes.py")
    assert at.multiselect(key="theme_trend_pick").value == [at.selectbox(key="theme_pick").value]
    picked = ["客户服务", "团队协作", "学习成长"]
    at.multiselect(key="theme_trend_pick").set_value(picked).run()
    assert not at.exception
    trend = chart(at, "theme_trend")
    assert [t["name"] for t in trend["data"]] == picked
    per_year = query.groups(store, by=("year",)).set_index("year")
    for trace in trend["data"]:
        got = dict(zip(values(trace["x"]), values(trace["y"])))
        expected = {str(y): per_year.loc[y, f"{trace['name']}_句占比"] for y in per_year.index if y}
        assert {str(k): v for k, v in got.items()} == pytest.approx(expected)
    lo, hi = trend["layout"]["yaxis"]["range"]
    assert lo == 0 and hi <= 1 and max(v for t in trend["data"] for v in values(t["y"])) <= hi
    # a new theme picked in the drill-down starts the trend again from that theme
    at.selectbox(key="theme_pick").set_value("货款回笼").run()
    assert at.multiselect(key="theme_trend_pick").value == ["货款回笼"]


def test_sentiment_trend_is_drawn_on_the_whole_scale(store):
    at = start("pages/sentiment.py")
    for key in ("sentiment_trend", "sentiment_box"):
        assert chart(at, key)["layout"]["yaxis"]["range"] == [0, 1], key


# ---------------------------------------------------------------- item 5: the document keeps its context
def test_document_opened_from_a_theme_highlights_it_and_marks_the_sentence(store):
    at = start("pages/themes.py")
    theme = "质量与交付"
    at.selectbox(key="theme_pick").set_value(theme).run()
    evidence = frame_of(at, "theme_ev_table")
    doc_id = at.selectbox(key="theme_ev_doc").value
    at.button(key="theme_ev_open").click().run()
    assert not at.exception
    assert titles(at) == ["文档"] and at.session_state["doc_id"] == doc_id
    assert at.multiselect(key="doc_highlight").value == [theme]
    assert f"从主题“{theme}”的证据句打开" in texts(at)
    html = " ".join(m.value for m in at.markdown if "line-height:1.9" in m.value)
    assert "data-testid='evidence-mark'" in html and f"[{theme}]" in html
    marked = query.sentences_of(store, doc_id).set_index("idx").loc[at.session_state["doc_mark"], "text"]
    assert marked in set(evidence["句子"])
    # the sentence table counts from 1
    numbers = next(df.value for df in at.dataframe if "序号" in df.value.columns)["序号"]
    assert numbers.iloc[0] == 1 and list(numbers) == list(range(1, len(numbers) + 1))
    # picking another document in the list leaves the theme's context
    other = next(d for d in query.documents(store)["doc_id"] if d != doc_id)
    at.selectbox(key="doc_pick").set_value(other).run()
    assert at.session_state["doc_id"] == other
    assert "证据句打开" not in texts(at)


def test_document_outside_the_filter_says_so(store):
    at = start("pages/documents.py")
    at.multiselect(key="f_department").set_value(["销售部"]).run()
    outside = query.documents(store, Filters(departments=("生产部",)))["doc_id"].iloc[0]
    at.session_state["doc_id"] = outside
    at.run()
    assert not at.exception
    assert any("这篇文档不在左侧当前的筛选范围内（部门：销售部）" in i.value for i in at.info)
    assert set(frame_of(at, "doc_table")["部门"]) == {"销售部"}  # the table keeps the filter
    inside = query.documents(store, Filters(departments=("销售部",)))["doc_id"].iloc[0]
    at.session_state["doc_id"] = inside
    at.run()
    assert not any("不在左侧当前的筛选范围内" in i.value for i in at.info)


def test_copied_document_shows_its_flag_and_whom_it_copies(store):
    copies = query.copied_documents(store).set_index("doc_id")
    colleague = copies[copies["copy_kind"] == "他人"].iloc[0]
    at = start("pages/documents.py")
    at.session_state["doc_id"] = colleague.name
    at.run()
    flag = " ".join(w.value for w in at.warning)
    assert f"疑似抄袭（他人）：与 {colleague['source_employee']} · {colleague['source_department']} · " \
           f"{int(colleague['source_year'])} 年 重合" in flag
    own = copies[copies["copy_kind"] == "本人往年"].iloc[0]
    at.session_state["doc_id"] = own.name
    at.run()
    assert f"疑似抄袭（本人往年）：与 本人 · {own['department']} · {int(own['source_year'])} 年 重合" in \
        " ".join(w.value for w in at.warning)
    clean = query.documents(store).query("copy_kind.isna() or copy_kind == ''")["doc_id"].iloc[0]
    at.session_state["doc_id"] = clean
    at.run()
    assert not any("疑似抄袭" in w.value for w in at.warning)


def test_copied_document_flag_for_a_department_head(signed, store):
    copies = query.copied_documents(store, Filters(departments=("销售部",)))
    assert len(copies)
    at = signed("xiaoshou", "pages/documents.py")
    at.session_state["doc_id"] = copies["doc_id"].iloc[0]
    at.run()
    row = copies.iloc[0]
    assert any(f"与 {row['source_employee']} · 销售部" in w.value for w in at.warning)
    # the 员工 page lists whom each flagged summary copies
    at.session_state["person_emp"] = f"销售部|{row['employee']}"
    at.switch_page("pages/person.py").run()
    assert not at.exception
    flags = next(df.value for df in at.dataframe if "抄自" in df.value.columns)
    assert any(str(v).startswith(row["source_employee"]) for v in flags["抄自"])


# ---------------------------------------------------------------- item 6: messages that fit the role
def test_department_head_is_not_told_to_pick_several_departments(signed):
    at = signed("xiaoshou", "pages/keywords.py")
    info = " ".join(i.value for i in at.info)
    assert "你的账号只能查看本部门的数据，特色词要与其他部门对比才能算出" in info
    assert "多选几个部门" not in info


def test_viewer_is_promised_no_evidence(signed):
    for spec in [p for p in PAGES if "viewer" in p.roles]:
        at = signed("guest", spec.path)
        assert not at.exception, spec.title
        for title in chart_titles(at):
            assert "点击" not in title, (spec.title, title)
        for heat in [s for k, s in charts(at).items() if k.endswith(("theme_heat", "person_heat"))]:
            assert "点击" not in json.dumps(heat["data"], ensure_ascii=False), spec.title
        for caption in at.caption:
            assert "选中一行即可打开所在文档" not in caption.value, spec.title
    at = signed("guest", "pages/sentiment.py")
    assert "证据：最积极与最消极的句子" not in [s.value for s in at.subheader]
    assert any("最积极与最消极的句子（原文）只对 HR 管理员和部门负责人显示" in i.value for i in at.info)
    at = signed("guest", "pages/originality.py")
    info = " ".join(i.value for i in at.info)
    assert "疑似抄袭文档的名单和逐句对照只对 HR 管理员和部门负责人显示" in info
    assert "没有疑似抄袭文档" not in info  # the figures above count them: none is not "none"
    at = signed("guest", "pages/compare.py")
    assert "证据句" not in [s.value for s in at.subheader]


def test_hr_admin_still_sees_the_click_hints(store):
    at = start()
    assert "点击柱子查看句子" in title_of(chart(at, "overview_docs"))


def test_jargon_is_explained_where_it_appears(store):
    at = start("pages/keywords.py")
    text = texts(at)
    assert "区分度(z) 大于 2 可以认为不是偶然" in text and "TF-IDF 是另一种常用的特色度量" in text
    assert "照搬范文而没填完" in (next(m for m in start().metric if m.label == "模板痕迹").help or "")
    at = start("pages/originality.py")
    assert metric(at, "疑似抄袭")
    assert "具体度 = 具体句" in texts(at)


def test_an_empty_result_says_when_groups_were_hidden(monkeypatch):
    from analysis.access.scope import Access
    from ui import auth
    from ui.widgets import hidden_note

    monkeypatch.setattr(auth, "access", lambda: Access("xiaoshou", "销售部周经理", "dept_head", ("销售部",), 5))
    assert hidden_note({"documents": 12, "suppressed": True}) == "（人数不足 5 人的分组已隐藏，不在统计之内）"
    assert hidden_note({"documents": 12, "suppressed": False}) == ""
