"""Every dashboard page through the router (AppTest): no exception, and the figures on screen are the
ones ``analysis.query`` gives for the same filters — all documents, then one department only."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis import query
from analysis.access.scope import Filters
from analysis.query import export
from analysis.read.normalize import to_simplified
from analysis.schema import THEMES
from ui.state import AUDIT_PAGE, METHOD_PAGE, PAGES, STORE_ENV, TAXONOMY_PAGE
from ui.widgets import num, pct, score

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE_IDS = [Path(p.path).stem for p in PAGES]


def start(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    if page:
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"没有指标“{label}”：{[m.label for m in at.metric]}"
    return values[0]


def choose_department(at: AppTest, department: str) -> AppTest:
    at.multiselect(key="f_department").set_value([department]).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def charts(at: AppTest) -> dict[str, dict]:
    """The plotly figures on the page, by element key (their JSON spec)."""
    out = {}
    for el in at.get("plotly_chart"):
        spec = json.loads(el.proto.spec)
        out[el.proto.id] = spec
    return out


def values(array) -> list:
    """Plotly writes numeric arrays as base64 typed arrays ({"dtype", "bdata"}); plain lists otherwise."""
    if isinstance(array, dict) and "bdata" in array:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def frame_of(at: AppTest, key: str):
    for df in at.dataframe:
        if df.proto.id.endswith(key):
            return df.value
    raise AssertionError(f"没有表格 {key}：{[df.proto.id for df in at.dataframe]}")


def table_with(at: AppTest, column: str):
    """A display-only table (no widget id), found by one of its column headings."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"没有含“{column}”列的表格")


@pytest.fixture(autouse=True)
def navigation_as_on_a_running_server(monkeypatch):
    """Run pages the way a running server does, not the way its very first request does.

    Streamlit decides per ``PagesManager`` whether a ``pages/`` folder is auto-discovered; on a server
    the first ``st.navigation`` call switches that off for good, but ``AppTest`` resets the flag before
    every run, so every run would first start the page without the router (``ui.state.require_router``
    then reruns through it, which drops button clicks). Keeping the flag off after each reset makes
    AppTest runs match what every request after the first sees.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def department(store) -> str:
    """The department with the fewest documents, so that filtering visibly changes every figure."""
    per = query.groups(store, by=("department",))
    per = per[per["department"] != ""].sort_values(["documents", "department"])
    return per.iloc[0]["department"]


@pytest.mark.parametrize("page", [p.path for p in PAGES], ids=PAGE_IDS)
def test_every_page_renders(store, page):
    at = start(page)
    spec = next(p for p in PAGES if p.path == page)
    assert [t.value for t in at.title] == [spec.title]
    assert not at.error
    # the shared filters are in the sidebar of every page
    assert {w.key for w in at.sidebar.multiselect} == {"f_department", "f_team", "f_role"}


def test_missing_store_explains_how_to_build(tmp_path, monkeypatch):
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "nothing" / "insights.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "make run" in text and "python -m analysis build" in text


def test_overview_figures_all_then_one_department(store, department):
    at = start()
    everything = query.overview(store)
    assert metric(at, "文档数") == num(everything["documents"])
    assert metric(at, "部门数") == num(everything["departments"])

    choose_department(at, department)
    mine = query.overview(store, Filters(departments=(department,)))
    assert mine["documents"] < everything["documents"]
    assert metric(at, "文档数") == num(mine["documents"])
    assert metric(at, "员工数") == num(mine["employees"])
    assert metric(at, "部门数") == "1"
    assert metric(at, "年份数") == num(mine["years"])
    assert metric(at, "平均情感") == score(mine["sentiment_mean"])
    assert metric(at, "模板痕迹") == num(mine["template_documents"])
    bars = next(s for k, s in charts(at).items() if k.endswith("overview_docs"))
    assert {x for trace in bars["data"] for x in values(trace["x"])} == {department}
    assert sum(sum(values(trace["y"])) for trace in bars["data"]) == mine["documents"]


def test_overview_reads_its_groupings_once_per_filter(store, department, monkeypatch):
    """The overview draws documents per department × year, per year (and the change between two years) and
    per department: one read of the filtered documents for all of them, and none again on the 主题 page."""
    import streamlit as st

    asked = []
    for name in ("groups", "groups_sets"):
        real = getattr(query, name)
        monkeypatch.setattr(query, name, lambda *a, _real=real, _name=name, **k: asked.append(_name) or _real(*a, **k))
    st.cache_data.clear()
    at = start()
    assert asked == ["groups_sets"]
    choose_department(at, department)
    assert asked == ["groups_sets", "groups_sets"]
    per_year = query.groups(store, Filters(departments=(department,)), by=("year",))
    shown = [m.value for m in at.metric if m.label == "文档数"]  # the headline, then 两年对比's latest year
    assert shown == [num(per_year["documents"].sum()), num(per_year["documents"].iloc[-1])]
    asked.clear()
    at.switch_page("pages/themes.py").run()
    assert not at.exception and asked == []  # the heat map, its lift and the trend: the same cached read


def test_filters_persist_across_pages(store, department):
    at = choose_department(start(), department)
    for page in [p.path for p in PAGES[1:]]:
        at.switch_page(page).run()
        assert not at.exception
        assert at.multiselect(key="f_department").value == [department]
    assert "部门：" + department in at.caption[0].value


def test_themes_heat_map_and_drill_down_to_document(store, department):
    at = choose_department(start("pages/themes.py"), department)
    only = Filters(departments=(department,))
    heat = next(s for k, s in charts(at).items() if k.endswith("theme_heat"))["data"][0]
    assert set(values(heat["y"])) == {department}
    # the default measure: the department's sentence share over that of everything in the filters (itself)
    lift = query.theme_lift(store, only).set_index("theme")
    got = dict(zip(values(heat["x"]), values(heat["customdata"]), strict=True))
    assert got == pytest.approx({t: lift.loc[t, "ratio"] for t in THEMES}, nan_ok=True)
    # the other measures stay selectable
    at.radio(key="theme_metric").set_value("文档覆盖率").run()
    heat = next(s for k, s in charts(at).items() if k.endswith("theme_heat"))["data"][0]
    expected = query.groups(store, only, by=("department",)).iloc[0]
    got = dict(zip(values(heat["x"]), values(heat["marker"]["color"]), strict=True))
    assert got == pytest.approx({t: expected[f"{t}_覆盖率"] for t in THEMES})

    # pick the department's most widespread theme in the drill-down, as a click on its cell does
    theme = max(THEMES, key=lambda t: expected[f"{t}_覆盖率"])
    at.selectbox(key="theme_pick").set_value(theme).run()
    at.selectbox(key="theme_dept").set_value(department).run()
    assert not at.exception
    evidence = query.evidence(store, only, theme=theme, limit=200, distinct=True)
    shown = frame_of(at, "theme_ev_table")
    assert len(shown) == len(evidence) > 0
    assert list(shown["句子"]) == list(evidence["text"])

    doc_id = at.selectbox(key="theme_ev_doc").value
    assert doc_id in set(evidence["doc_id"])
    at.button(key="theme_ev_open").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["文档"]
    assert at.session_state["doc_id"] == doc_id
    record = query.documents(store, Filters(doc_ids=(doc_id,))).iloc[0]
    assert at.subheader[0].value.startswith(record["employee"] or "未署名")
    assert metric(at, "句数") == num(record["sentences"])


def test_default_heat_map_tells_departments_apart(store):
    """Nearly every summary mentions teamwork, learning and rules somewhere: their document coverage is
    high in every department and cannot tell departments apart; the default measure (sentence share
    relative to the company) can."""
    at = start("pages/themes.py")
    assert at.radio(key="theme_metric").value == "相对全公司"
    heat = next(s for k, s in charts(at).items() if k.endswith("theme_heat"))["data"][0]
    cells = pd.DataFrame({"department": values(heat["y"]), "theme": values(heat["x"]),
                          "value": values(heat["customdata"])})
    ratio = cells.pivot(index="department", columns="theme", values="value")
    coverage = query.groups(store, by=("department",)).set_index("department")
    for theme in ("团队协作", "学习成长"):
        assert coverage[f"{theme}_覆盖率"].min() >= 0.9  # 90 %+ of the documents in every department …
        assert ratio[theme].max() / ratio[theme].min() >= 1.25  # … but not the same share of what they write
    assert coverage["管理与制度_覆盖率"].max() - coverage["管理与制度_覆盖率"].min() <= 0.3
    assert ratio["管理与制度"].max() >= 1.5 and ratio["管理与制度"].min() <= 0.5
    assert ratio.loc["财务部", "货款回笼"] >= 3 and ratio.loc["生产部", "货款回笼"] == 0
    # every theme is over-represented somewhere and under-represented somewhere else (团队协作, the most evenly
    # spread theme of the demo, peaks at 1.08 since the issue-12 round made its weak cues need the model's word)
    assert (ratio.max() >= 1.05).all() and (ratio.min() <= 0.9).all()
    assert "1.0 表示和全公司一样常谈" in " ".join(c.value for c in at.caption)
    # a department picked in the sidebar is still compared with the company, not with itself
    alone = query.theme_lift(store, Filters(departments=("财务部",))).set_index("theme")["ratio"]
    assert alone.to_dict() == pytest.approx(ratio.loc["财务部"].to_dict())


def test_sentiment_page_follows_department(store, department):
    at = choose_department(start("pages/sentiment.py"), department)
    mine = query.overview(store, Filters(departments=(department,)))
    assert metric(at, "平均情感") == score(mine["sentiment_mean"])
    assert metric(at, "正面句占比") == pct(mine["pos_share"])
    assert metric(at, "负面句占比") == pct(mine["neg_share"])
    worst = query.evidence(store, Filters(departments=(department,)), label="neg", order="neg", limit=15,
                           distinct=True)
    shown = frame_of(at, "sent_neg_table")
    assert list(shown["句子"]) == list(worst["text"])
    assert shown["句子"].is_unique  # a template sentence pasted into many summaries is listed once
    boxes = next(s for k, s in charts(at).items() if k.endswith("sentiment_box"))
    assert {x for trace in boxes["data"] for x in values(trace["x"])} == {department}


def test_keywords_cloud_and_keyword_in_context(store, department):
    at = start("pages/keywords.py")
    assert at.get("image"), "词云没有显示"
    term = query.term_frequencies(store, Filters(departments=(department,)), top=1)["term"].iloc[0]
    choose_department(at, department)
    assert any("只包含一个部门" in i.value for i in at.info)
    at.text_input(key="kw_term").input(term).run()
    assert not at.exception
    counts = query.keyword_counts(store, Filters(departments=(department,)), term)
    shown = table_with(at, "出现次数")
    assert list(shown["出现次数"]) == list(counts["occurrences"])
    assert set(shown["部门"]) == {department}
    hits = query.keyword_hits(store, Filters(departments=(department,)), term, limit=200)
    kwic = frame_of(at, "kw_hits_table")
    assert len(kwic) == hits["text"].nunique()
    # the match is shown as written: Traditional originals keep their characters
    assert {to_simplified(m) for m in kwic["关键词"]} == {term}


def test_documents_table_and_view(store, department):
    at = choose_department(start("pages/documents.py"), department)
    docs = query.documents(store, Filters(departments=(department,)))
    table = frame_of(at, "doc_table")
    assert len(table) == len(docs) and set(table["部门"]) == {department}
    # the view: original text with sentiment colours and the highlighted theme marked
    first = docs.iloc[0]
    sentences = query.sentences_of(store, first["doc_id"])
    html = " ".join(m.value for m in at.markdown if "line-height:1.9" in m.value)
    assert sentences["text"].iloc[-1].replace("<", "&lt;")[:10] in html
    assert "background:#F8E0DA" in html or "neg" not in set(sentences["label"])
    highlighted = at.multiselect(key="doc_highlight").value
    if highlighted:
        assert f"[{highlighted[0]}]" in html


def test_export_page_tables_follow_filters(store, department):
    at = choose_department(start("pages/export.py"), department)
    only = Filters(departments=(department,))
    for name in ("documents", "groups", "themes"):
        at.radio(key="export_table").set_value(name).run()
        assert not at.exception
        table = export.table(store, name, only)
        assert any(f"共 {len(table):,} 行" in c.value for c in at.caption), name
        assert {b.label for b in at.get("download_button")} == {"下载 CSV", "下载 Excel"}


def test_empty_result_is_explained_on_every_page(store):
    at = start()
    at.text_input(key="f_search").input("这句话不会出现在任何总结里zz").run()
    # the audit log, the method panel and the theme editor are not views of the filtered documents; 对比
    # chooses its own two groups, the sidebar does not apply
    for page in [p.path for p in PAGES if p.path not in (AUDIT_PAGE, METHOD_PAGE, TAXONOMY_PAGE, "pages/compare.py")]:
        at.switch_page(page).run()
        assert not at.exception, page
        assert any("没有文档" in i.value for i in at.info), page


def test_rebuilt_store_shows_at_once(demo_store, tmp_path, monkeypatch, department):
    live = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, live)
    monkeypatch.setenv(STORE_ENV, str(live))
    at = start()
    before = query.overview(live)["documents"]
    assert metric(at, "文档数") == num(before)
    # a "rebuild": a new snapshot without one department, swapped in atomically like store.new_snapshot
    fresh = tmp_path / "insights.duckdb.building"
    shutil.copy(live, fresh)
    with duckdb.connect(str(fresh)) as con:
        con.execute("DELETE FROM documents WHERE department = ?", [department])
    os.replace(fresh, live)
    at.run()
    removed = query.overview(demo_store, Filters(departments=(department,)))["documents"]
    assert metric(at, "文档数") == num(before - removed)


def test_viewing_path_loads_neither_jieba_nor_snownlp(store):
    """Opening every page must not import the tokenizer or the sentiment model (seconds each)."""
    script = textwrap.dedent(f"""
        import sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({APP!r}, default_timeout=60).run()
        for page in {[p.path for p in PAGES]!r}:
            at.switch_page(page).run()
            assert not at.exception, page
        print(sorted(m for m in ("jieba", "snownlp") if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env=dict(os.environ))
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
