"""Shareable views (issue 14): the filters, the page and its choices live in the address; a link opens
the same view within the reader's own access; saved views (我的视图) survive restarts."""
from __future__ import annotations

import json
import threading

import pytest
from streamlit.testing.v1 import AppTest

from analysis import query
from analysis.access import audit, users, views
from tests.auth_helpers import APP, disable_pages_discovery, sign_in, titles, write_users
from ui.state import STORE_ENV

OWN = "销售部"
OTHER = "客服部"


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


@pytest.fixture
def local(demo_store, monkeypatch, tmp_path):
    """Single-user mode (no users file), a private copy of the store's folder for views.json."""
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(users.USERS_ENV, str(tmp_path / "no-users.toml"))
    return demo_store


@pytest.fixture
def signed(tmp_path, monkeypatch, demo_store):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml")))
    return demo_store


def opened(params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def address(at: AppTest) -> dict:
    return {k: v for k, v in at.query_params.items()}


def test_a_refreshed_page_keeps_filters_and_choices(local):
    years = sorted(query.options(local)["year"])
    at = opened({"p": "themes", "dept": OTHER, "years": f"{years[0]}-{years[-2]}", "theme": "客户服务",
                 "tsec": "不足"})
    assert not at.exception, [e.message for e in at.exception]
    assert titles(at) == ["主题"]
    assert at.multiselect(key="f_department").value == [OTHER]
    assert tuple(at.slider(key="f_years").value) == (years[0], years[-2])
    assert at.selectbox(key="theme_pick").value == "客户服务"
    assert at.selectbox(key="theme_section").value == "不足"
    # and the address still says so after the run (a second refresh opens the same)
    again = address(at)
    assert again["dept"] in (OTHER, [OTHER]) and again["theme"] in ("客户服务", ["客户服务"])


def test_the_address_follows_the_widgets(local):
    at = opened({})
    at.multiselect(key="f_department").set_value([OTHER]).run()
    assert address(at)["dept"] in (OTHER, [OTHER])
    at.switch_page("pages/person.py").run()
    emp = at.selectbox(key="person_emp").value
    params = address(at)
    assert params["p"] in ("person", ["person"]) and params["emp"] in (emp, [emp])
    # the link opened afresh shows the same person
    again = opened({k: v if isinstance(v, str) else v[0] for k, v in params.items()})
    assert titles(again) == ["员工"] and again.selectbox(key="person_emp").value == emp


def test_hr_link_opened_by_head_of_another_department_shows_only_their_scope(signed):
    hr = sign_in(AppTest.from_file(APP, default_timeout=60).run(), "hr")
    hr.multiselect(key="f_department").set_value([OTHER]).run()
    hr.switch_page("pages/themes.py").run()
    hr.selectbox(key="theme_pick").set_value("客户服务").run()
    link = {k: v if isinstance(v, str) else v[0] for k, v in address(hr).items()}
    assert link["dept"] == OTHER and link["p"] == "themes"

    head = sign_in(opened(link), "xiaoshou")
    assert not head.exception, [e.message for e in head.exception]
    assert titles(head) == ["主题"]
    assert head.multiselect(key="f_department").value == []
    assert head.multiselect(key="f_department").options == [OWN]
    assert any("超出了你的查看权限" in i.value for i in head.info)
    text = json.dumps([json.loads(el.proto.spec)["data"] for el in head.get("plotly_chart")], ensure_ascii=False)
    assert OTHER not in text and OWN in text
    assert head.selectbox(key="theme_pick").value == "客户服务"  # the choice that is not data is kept


def test_a_person_link_outside_the_readers_department_reveals_nothing(signed):
    other = query.people(signed, query.Filters(departments=(OTHER,))).iloc[0]
    link = {"p": "person", "emp": f"{OTHER}|{other['employee']}"}
    head = sign_in(opened(link), "xiaoshou")
    assert not head.exception, [e.message for e in head.exception]
    assert titles(head) == ["员工"]
    assert any("不在你的查看范围" in i.value for i in head.info)
    assert head.selectbox(key="person_emp").value.startswith(f"{OWN}|")
    assert not any(other["employee"] in o for o in head.selectbox(key="person_emp").options)


def test_saved_views_survive_a_restart_and_open_the_view(local, tmp_path, monkeypatch):
    store_dir = tmp_path / "store"
    store_dir.mkdir()
    (store_dir / "insights.duckdb").symlink_to(local)
    monkeypatch.setenv(STORE_ENV, str(store_dir / "insights.duckdb"))
    at = opened({"p": "sentiment", "dept": OTHER})
    at.text_input(key="view_name").input("客服部情感").run()
    at.button(key="view_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    saved = views.of_user(store_dir / "views.json", "local")
    assert saved["客服部情感"]["page"] == "sentiment" and saved["客服部情感"]["params"]["dept"] == [OTHER]

    fresh = opened({})  # a new session after a restart: the file is all there is
    assert titles(fresh) == ["总览"]
    assert fresh.selectbox(key="view_pick").value == "客服部情感"
    fresh.button(key="view_open").click().run()
    assert not fresh.exception, [e.message for e in fresh.exception]
    assert titles(fresh) == ["情感"] and fresh.multiselect(key="f_department").value == [OTHER]


def test_views_file_is_written_whole_by_concurrent_savers(tmp_path):
    path = tmp_path / "views.json"

    def save(n):
        for i in range(20):
            views.save(path, f"user{n}", f"视图{i}", "overview", {"dept": ["销售部"]})

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert {u: len(v) for u, v in data.items()} == {f"user{n}": 20 for n in range(4)}
    views.delete(path, "user0", "视图3")
    assert "视图3" not in views.of_user(path, "user0")


def test_a_viewer_following_a_person_link_lands_on_the_first_page(signed):
    viewer = sign_in(opened({"p": "person", "emp": f"{OWN}|某人"}), "guest")
    assert not viewer.exception, [e.message for e in viewer.exception]
    assert titles(viewer) == ["总览"]
    assert any("无权打开" in i.value for i in viewer.info)


def test_the_alert_whose_evidence_is_open_lives_in_the_address(signed):
    hr = sign_in(AppTest.from_file(APP, default_timeout=60).run(), "hr")
    hr.slider(key="f_years").set_range(2022, 2023).run()
    assert hr.selectbox(key="alerts_pick").options == ["生产部·装配组：负面句占比", "生产部·装配组：正面句占比"]
    assert "alert" not in address(hr)  # no evidence open: the address names no alert
    hr.selectbox(key="alerts_pick").set_value("生产部|装配组|neg").run()
    hr.button(key="alerts_evidence").click().run()
    assert not hr.exception, [e.message for e in hr.exception]
    assert [s.value for s in hr.subheader if s.value.startswith("证据句")] == ["证据句：生产部·装配组 2023 年的负面句"]
    link = {k: v if isinstance(v, str) else v[0] for k, v in address(hr).items()}
    assert link == {"p": "overview", "years": "2022-2023", "yfrom": "2022", "yto": "2023", "alert": "生产部|装配组|neg"}

    # a refresh (the same address, a new session) reopens the same alert and its sentences
    again = sign_in(opened(link), "hr")
    assert not again.exception, [e.message for e in again.exception]
    assert again.selectbox(key="alerts_pick").value == "生产部|装配组|neg"
    assert [s.value for s in again.subheader if s.value.startswith("证据句")] == ["证据句：生产部·装配组 2023 年的负面句"]
    listed = next(df.value for df in again.dataframe if df.proto.id.endswith("overview_ev_table"))
    expected = query.evidence(signed, query.Filters(departments=("生产部",), teams=("装配组",), years=(2023, 2023)),
                              label="neg", order="neg", limit=200, distinct=True)
    assert list(listed["句子"]) == list(expected["text"]) and len(listed) > 0

    # a chart click replaces the alert's sentences, and the address forgets the alert
    again.session_state["overview_drill"] = ("theme", "客户服务", None)
    again.session_state["overview_alert"] = ""
    again.run()
    assert "alert" not in address(again)


def test_an_alert_link_outside_the_readers_department_opens_nothing(signed):
    head = sign_in(opened({"p": "overview", "years": "2022-2023", "alert": "生产部|装配组|neg"}), "xiaoshou")
    assert not head.exception, [e.message for e in head.exception]
    assert titles(head) == ["总览"]
    assert any("地址中的提示在当前筛选和你的查看范围内没有出现" in i.value for i in head.info)
    assert not [s.value for s in head.subheader if s.value.startswith("证据句")]
    assert "alert" not in address(head)
