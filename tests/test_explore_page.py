"""The 探索 page for every role (AppTest on the demo store): HR sees everything, a department head only the
department, a viewer only figures of large enough groups and never a sentence."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from analysis import query
from analysis.access import audit, users
from analysis.access.scope import Filters
from analysis.schema import DEFAULT_MIN_GROUP
from tests.auth_helpers import APP, disable_pages_discovery, sign_in, write_users
from ui.state import STORE_ENV

PAGE = "pages/explore.py"
VIEWS = ("共现网络", "对应分析", "新话题", "搭配与趋势")


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


@pytest.fixture
def signed(tmp_path, monkeypatch, demo_store):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv("YEAREND_AUDIT", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml")))

    def start(username: str) -> AppTest:
        at = sign_in(AppTest.from_file(APP, default_timeout=90).run(), username)
        at.switch_page(PAGE).run()
        assert not at.exception, [e.message for e in at.exception]
        assert [t.value for t in at.title] == ["探索"]
        return at

    return start


def _network(at: AppTest) -> dict:
    for el in at.get("plotly_chart"):
        if el.proto.id.endswith("ex_network"):
            return json.loads(el.proto.spec)
    raise AssertionError("没有共现网络图")


def _words_on(at: AppTest) -> set[str]:
    return {w for trace in _network(at)["data"] if trace.get("mode") == "markers+text" for w in trace["text"]}


def _sentences(at: AppTest, key: str):
    for df in at.dataframe:
        if df.proto.id.endswith(key):
            return df.value
    return None


def _every_view(at: AppTest) -> AppTest:
    for view in VIEWS:
        at.radio(key="ex_view").set_value(view).run()
        assert not at.exception, (view, [e.message for e in at.exception])
    at.text_input(key="ex_term").input("回款").run()
    assert not at.exception
    return at


def test_hr_admin_sees_the_network_and_its_sentences(signed, demo_store):
    at = signed("hr")
    edges = query.cooccurrence(demo_store, Filters(allowed_departments=None))
    assert _words_on(at) == set(edges["source"]) | set(edges["target"])
    assert {b.label for b in at.get("download_button")} == {"下载边表 CSV"}
    # nothing is drilled into until a word is chosen (or clicked on the chart)
    assert at.selectbox(key="ex_word").value is None and _sentences(at, "ex_net_ev_table") is None
    assert any("点击图中的一个词" in c.value for c in at.caption)
    word = sorted(_words_on(at))[0]
    at.selectbox(key="ex_word").set_value(word).run()
    shown = _sentences(at, "ex_net_ev_table")
    expected = query.word_sentences(demo_store, Filters(), word, limit=100)
    # each distinct sentence once (ui.widgets.distinct_sentences), with how often it occurs
    assert shown is not None and len(shown) == expected["text"].nunique() > 0
    assert shown["出现次数"].sum() == len(expected)
    # the emerging topic is listed with its coverage by the ten themes
    at.radio(key="ex_view").set_value("新话题").run()
    topics = at.dataframe[0].value
    assert any("台账" in w for w in topics["关键词"])
    _every_view(at)


def test_department_head_explores_the_department_only(signed, demo_store):
    at = signed("xiaoshou")
    mine = Filters(allowed_departments=("销售部",), min_group=DEFAULT_MIN_GROUP)
    edges = query.cooccurrence(demo_store, mine)
    assert _words_on(at) == set(edges["source"]) | set(edges["target"])
    assert _words_on(at) != {w for w in query.cooccurrence(demo_store, Filters())[["source", "target"]].stack()}
    at.selectbox(key="ex_word").set_value(sorted(_words_on(at))[0]).run()
    shown = _sentences(at, "ex_net_ev_table")
    assert shown is not None and set(shown["部门"]) == {"销售部"}
    at.radio(key="ex_view").set_value("对应分析").run()
    assert not at.exception
    assert "班组" not in at.selectbox(key="ex_ca_by").options
    _every_view(at)


def test_viewer_sees_figures_but_no_sentence(signed, demo_store):
    at = signed("guest")
    scoped = Filters(min_group=DEFAULT_MIN_GROUP)
    edges = query.cooccurrence(demo_store, scoped)
    assert _words_on(at) == set(edges["source"]) | set(edges["target"])
    at.selectbox(key="ex_word").set_value(sorted(_words_on(at))[0]).run()
    assert _sentences(at, "ex_net_ev_table") is None
    assert any("只能查看汇总数据" in i.value for i in at.info)
    at.radio(key="ex_view").set_value("新话题").run()
    assert _sentences(at, "ex_topic_ev_table") is None
    _every_view(at)
    assert _sentences(at, "ex_kwic_table") is None
    for df in at.dataframe:
        assert "句子" not in df.value.columns


def test_edge_list_download_is_audited_masked_and_neutralised(demo_store, tmp_path, monkeypatch):
    """The edge list leaves through ``ui.data.download_frame``: scoped filters in the log, masked and
    formula-neutralised cells in the file."""
    from analysis.access.scope import Access
    from ui.data import export as ui_export

    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("YEAREND_AUDIT", str(log))
    reader = Access(user="xiaoshou", name="销售部周经理", role="dept_head", departments=("销售部",),
                    min_group=DEFAULT_MIN_GROUP, mask=True)
    monkeypatch.setattr(ui_export.auth, "access", lambda: reader)
    monkeypatch.setattr(ui_export, "store_path", lambda: demo_store)
    edges = query.cooccurrence(demo_store, reader.scope(Filters()))
    edges.loc[0, "source"] = "=HYPERLINK(13812345678)"
    name, make = ui_export.download_frame("explore_edges", "共现网络边表", edges, Filters())
    assert name.startswith("年终洞察_共现网络边表_销售部") and name.endswith(".csv")
    assert not log.exists()  # nothing is logged until the file is made
    text = make().decode("utf-8-sig")
    assert "'=HYPERLINK([手机号])" in text and "13812345678" not in text
    entry = audit.read(log).iloc[0]
    assert entry["table"] == "explore_edges" and entry["rows"] == len(edges) and entry["user"] == "xiaoshou"
