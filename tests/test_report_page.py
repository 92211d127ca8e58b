"""The 报告 page for every role (AppTest through the router), and its downloads as each reader."""
from __future__ import annotations

import io

import pytest
from pptx import Presentation

from analysis import query
from analysis.access import audit, users
from analysis.access.scope import Filters, for_user
from analysis.report.content import Scope
from tests.auth_helpers import disable_pages_discovery, sign_in, start, titles

OWN = "销售部"
PAGE = "pages/report.py"


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


def open_page(username: str):
    at = sign_in(start(), username)
    at.switch_page(PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    assert titles(at) == ["报告"]
    return at


def choose(at, department: str, year: int, team: str = ""):
    at.selectbox(key="report_department").set_value(department).run()
    at.selectbox(key="report_year").set_value(year).run()
    at.selectbox(key="report_team").set_value(team).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def captions(at) -> str:
    return " ".join(c.value for c in at.caption)


def as_reader(monkeypatch, username: str):
    from ui import auth

    cfg = users.load(users.users_path())
    acc = for_user(cfg.users[username], cfg.policy)
    monkeypatch.setattr(auth, "access", lambda: acc)
    return acc


def test_hr_admin_chooses_any_department(env):
    at = open_page("hr")
    assert at.selectbox(key="report_department").options == sorted(query.options(env)["department"])
    choose(at, "客服部", 2024)
    assert at.subheader[0].value == "客服部 2024 年度总结分析报告"
    assert {b.label for b in at.get("download_button")} == {"下载 PowerPoint", "下载 Word"}
    shown = next(df.value for df in at.dataframe if "指标" in df.value.columns)
    assert list(shown.columns) == ["指标", "今年", "去年", "变化"]
    docs = query.overview(env, Filters(departments=("客服部",), years=(2024, 2024), min_group=5))["documents"]
    assert shown.set_index("指标").loc["文档数", "今年"] == f"{docs:,}"


def test_department_head_only_their_department_and_no_small_team(env):
    at = open_page("xiaoshou")
    assert at.selectbox(key="report_department").options == [OWN]
    choose(at, OWN, 2024)
    assert at.subheader[0].value == f"{OWN} 2024 年度总结分析报告"
    assert "全公司的数据不在部门负责人的权限范围内" in captions(at)
    choose(at, OWN, 2024, "大客户组")  # 2 people
    assert any("不足 5 人" in i.value for i in at.info)
    assert not at.get("download_button")


def test_viewer_gets_the_aggregate_report(env):
    at = open_page("guest")
    choose(at, OWN, 2024)
    assert "只读账号的报告只含汇总数据，不引用原文句子" in captions(at)
    assert {b.label for b in at.get("download_button")} == {"下载 PowerPoint", "下载 Word"}


@pytest.mark.parametrize("username", ["hr", "xiaoshou", "guest"])
def test_download_as_each_reader_is_audited(env, monkeypatch, username):
    from ui import data

    acc = as_reader(monkeypatch, username)
    name, mime, make = data.report_download(Scope(OWN, 2024), "pptx")
    assert name == f"年终洞察报告_{OWN}_2024.pptx" and mime.endswith("presentationml.presentation")
    assert audit.read(audit.audit_path(env)).empty  # nothing is handed out before the click
    prs = Presentation(io.BytesIO(make()))
    texts = [sh.text_frame.text for s in prs.slides for sh in s.shapes if sh.has_text_frame]
    assert texts[0] == f"{OWN} 2024 年度总结分析报告"
    quoted = any(t.startswith("【") for t in texts)
    assert quoted == (username != "guest")
    entry = audit.read(audit.audit_path(env)).iloc[0]
    assert (entry["user"], entry["table"], entry["format"], entry["file_name"]) == (username, "report", "pptx", name)
    assert entry["filters"]["min_group"] == 5
    assert acc.role in {"hr_admin", "dept_head", "viewer"}
