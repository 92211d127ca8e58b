"""The originality main path in a real browser: 原创性 shows the planted copies side by side, a 范文
pasted into the library on the page is matched at once, and 计划落实 shows a plan beside the next
year's sentence that reports it. Runs on a copy of the demo store (adding a template writes a new
snapshot)."""
from __future__ import annotations

import shutil

import pytest

from analysis import query
from tests.browser_server import streamlit_server
from tests.test_browser import _FONT_ROUTE, _INIT, ARGS, CHROMIUM, _metric, _settle, shoot
from ui.cloud import font_path

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="浏览器测试已跳过：没有 /usr/bin/chromium（Debian: apt-get install chromium；.ci/run 会自动安装）",
)


@pytest.fixture(scope="module")
def own_server(demo_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("browser_insights") / "insights.duckdb"
    shutil.copy(demo_store, store)
    with streamlit_server(store.parent / "streamlit.log", YEAREND_STORE=str(store)) as url:
        yield url, store


def test_copies_template_library_and_follow_through(own_server):
    from playwright.sync_api import sync_playwright

    url, store = own_server
    copied = query.copied_documents(store)
    docs = query.documents(store).set_index("source_file")
    target = "2024/客服部/沈亮_售后组.txt"
    sentences = query.sentences_of(store, docs.loc[target, "doc_id"])["text_simplified"].tolist()
    pasted = "\n".join(s for i, s in enumerate(sentences) if i != 3).replace("3", "x")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
        context.route(f"**{_FONT_ROUTE}", lambda route: route.fulfill(
            path=str(font_path()), headers={"Content-Type": "font/otf"}))
        context.add_init_script(_INIT)
        page = context.new_page()
        try:
            page.goto(f"{url}/originality")
            page.get_by_role("heading", name="原创性", exact=True).wait_for(timeout=30_000)
            _settle(page)
            assert _metric(page, "疑似抄袭") == str(len(copied))
            assert _metric(page, "抄范文") == "0"
            # the side-by-side table of the first copy is on screen
            page.locator("[data-testid='stDataFrame']").nth(2).wait_for(timeout=30_000)
            assert page.locator("[data-testid='stException']").count() == 0
            shoot(page, "originality_copies")

            # paste a 范文 into the library
            page.get_by_role("tab", name="范文库").click()
            page.locator(".st-key-tpl_name input").fill("网上范文乙")
            page.locator(".st-key-tpl_text textarea").fill(pasted)
            page.locator(".st-key-tpl_add button").click()
            page.get_by_text("已加入范文“网上范文乙”").wait_for(timeout=60_000)
            _settle(page)
            assert _metric(page, "抄范文") == "1"
            assert page.locator("[data-testid='stException']").count() == 0

            # plans and their follow-up, side by side
            page.locator("[data-testid='stSidebarNav']").get_by_text("计划落实", exact=True).click()
            page.get_by_role("heading", name="计划落实", exact=True).wait_for(timeout=30_000)
            _settle(page)
            rates = query.follow_rates(store)
            assert _metric(page, "对照的计划") == f"{rates['plans'].sum():,}"
            page.locator(".st-key-ft_pair").wait_for(timeout=30_000)  # below the table of pairs
            assert page.locator("th", has_text="第 N+1 年的对应句").count() == 1
            assert page.locator("[data-testid='stException']").count() == 0
            shoot(page, "followthrough_pairs")
        finally:
            context.close()
            browser.close()

    flagged = query.copied_documents(store, kind="范文")
    assert list(flagged["source_file"]) == [target] and list(flagged["copy_of"]) == ["网上范文乙"]
