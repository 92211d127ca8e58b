"""In a real browser: a department head logs in and sees their department only, cannot reach the
documents of others or the audit log, downloads a CSV of their department (recorded in the audit
log), and logs out. Debian's chromium through Playwright against ``streamlit run app.py`` with a users
file; skipped with a message where chromium is missing."""
from __future__ import annotations

import csv
import io

import pytest

from analysis import query
from analysis.access import audit
from analysis.access.scope import Filters
from tests.auth_helpers import PASSWORD, write_users
from tests.browser_server import streamlit_server
from tests.test_browser import ARGS, CHROMIUM, _settle

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="浏览器测试已跳过：没有 /usr/bin/chromium（Debian: apt-get install chromium；.ci/run 会自动安装）",
)
OWN = "销售部"


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory):
    home = tmp_path_factory.mktemp("auth_server")
    users_file = write_users(home / "users.toml")
    audit_file = home / "audit.jsonl"
    with streamlit_server(home / "streamlit.log", YEAREND_STORE=str(demo_store), YEAREND_USERS=str(users_file),
                          YEAREND_AUDIT=str(audit_file)) as url:
        yield url, audit_file


def _nav(page) -> list[str]:
    return [t.strip().split("\n")[-1] for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]


def test_department_head_logs_in_and_sees_only_their_department(server, demo_store, tmp_path):
    from playwright.sync_api import sync_playwright

    url, audit_file = server
    expected = query.documents(demo_store, Filters(departments=(OWN,)))
    others = set(query.options(demo_store)["department"]) - {OWN}

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1200}, locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        try:
            # a deep link to the documents page: the login form, and nothing of the data
            page.goto(f"{url}/documents")
            page.get_by_role("heading", name="登录", exact=True).wait_for(timeout=30_000)
            _settle(page)
            assert page.locator("[data-testid='stMetric']").count() == 0
            assert page.locator("[data-testid='stDataFrame']").count() == 0
            assert page.locator(".st-key-f_department").count() == 0

            # a wrong password first
            page.locator(".st-key-login_user input").fill("xiaoshou")
            page.locator(".st-key-login_password input").fill("不是这个密码1")
            page.get_by_role("button", name="登录").click()
            _settle(page)
            assert "用户名或密码不正确" in page.locator("[data-testid='stAlert']").inner_text()

            page.locator(".st-key-login_user input").fill("xiaoshou")
            page.locator(".st-key-login_password input").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            # signed in, on the page the link asked for
            page.get_by_role("heading", name="文档", exact=True).wait_for(timeout=30_000)
            _settle(page)
            page.locator("[data-testid='stSidebarNav']").get_by_text("总览", exact=True).click()
            page.get_by_role("heading", name="总览", exact=True).wait_for(timeout=30_000)
            _settle(page)

            # who is signed in, and the pages their role opens: no audit log
            sidebar = page.locator("[data-testid='stSidebar']").inner_text()
            assert "销售部周经理" in sidebar and "部门负责人" in sidebar
            assert _nav(page) == ["总览", "主题", "情感", "关键词", "探索", "原创性", "计划落实", "员工", "对比", "文档", "报告", "方法与准确度", "导出"]
            metric = page.locator("[data-testid='stMetric']").filter(has_text="文档数").first
            assert metric.locator("[data-testid='stMetricValue']").inner_text().strip() == f"{len(expected):,}"

            # the department filter offers their department only
            page.locator(".st-key-f_department input").click()
            options = [o.strip() for o in page.locator("[role='option']").all_inner_texts()]
            page.keyboard.press("Escape")
            assert options == [OWN]

            # the heat map's departments
            page.locator("[data-testid='stSidebarNav']").get_by_text("主题", exact=True).click()
            page.get_by_role("heading", name="主题", exact=True).wait_for(timeout=30_000)
            _settle(page)
            page.locator(".st-key-theme_heat .ytick").first.wait_for(timeout=30_000)
            ticks = {t.strip() for t in page.locator(".st-key-theme_heat .ytick").all_text_contents()}
            assert ticks == {OWN}
            text = page.locator("[data-testid='stMain']").inner_text()
            assert not [d for d in others if f"{d} ·" in text]  # no evidence row from another department

            # the documents table lists their department's documents
            page.locator("[data-testid='stSidebarNav']").get_by_text("文档", exact=True).click()
            page.get_by_role("heading", name="文档", exact=True).wait_for(timeout=30_000)
            _settle(page)
            heading = page.locator("[data-testid='stMain'] h3").first.inner_text()
            assert OWN in heading and not any(d in heading for d in others)

            # the audit log is not reachable by URL either: a new session, still signed in (the session
            # cookie), lands on 总览 and says why
            page.goto(f"{url}/audit")
            page.get_by_role("heading", name="总览", exact=True).wait_for(timeout=30_000)
            _settle(page)
            assert "链接指向的“审计日志”页你的账号无权打开，已显示首页。" in " ".join(
                page.locator("[data-testid='stAlert']").all_inner_texts())
            assert page.get_by_role("heading", name="审计日志").count() == 0
            assert page.locator("[data-testid='stSidebarNav']").get_by_text("审计日志").count() == 0

            # download the documents table from 导出
            page.locator("[data-testid='stSidebarNav']").get_by_text("导出", exact=True).click()
            page.get_by_role("heading", name="导出", exact=True).wait_for(timeout=30_000)
            _settle(page)
            with page.expect_download(timeout=30_000) as info:
                page.locator(".st-key-export_csv button").click()
            download = info.value
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)

            # log out: back to the login form
            page.get_by_role("button", name="退出登录").click()
            page.get_by_role("heading", name="登录", exact=True).wait_for(timeout=30_000)
            _settle(page)
            assert page.locator("[data-testid='stMetric']").count() == 0
        finally:
            context.close()
            browser.close()

    assert saved.name == f"年终洞察_文档_{OWN}.csv"
    rows = list(csv.DictReader(io.StringIO(saved.read_bytes().decode("utf-8-sig"))))
    assert {r["部门"] for r in rows} == {OWN}
    assert sorted(r["文件"] for r in rows) == sorted(expected["source_file"])  # Chinese headers (issue 17)
    entries = audit.read(audit_file)
    assert len(entries) == 1
    entry = entries.iloc[0]
    assert (entry["user"], entry["role"], entry["table"], entry["format"], entry["rows"], entry["file_name"]) == (
        "xiaoshou", "dept_head", "documents", "csv", len(expected), saved.name)
    assert entry["filters"] == {"allowed_departments": [OWN]}
