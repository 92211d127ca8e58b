"""Uploading in a real browser: a zip with good and bad summaries plus a loose file tagged through the
form (a department typed in, not chosen); the preview explains every bad file, the confirm button
shows a progress bar while the analysis runs, and the new documents appear on 总览 and 文档 without a
restart.

Drives Debian's chromium through Playwright against ``streamlit run app.py`` on a free local port,
on a copy of the demo store (the other browser test reads the shared one).
"""
from __future__ import annotations

import shutil
import time

import pytest

from analysis import query
from tests.browser_server import streamlit_server
from tests.test_browser import _FONT_ROUTE, _INIT, ARGS, CHROMIUM, _metric, _settle, shoot
from tests.uploads import summary, zip_bytes
from ui.cloud import font_path

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="浏览器测试已跳过：没有 /usr/bin/chromium（Debian: apt-get install chromium；.ci/run 会自动安装）",
)

GOOD = 40
BAD = {
    "2024/法务部/空白.txt": (b"", "文件为空"),
    "../越界.txt": (summary(1).encode(), "压缩包内路径不安全（绝对路径或 ../），已拒绝"),
    "内层.zip": (zip_bytes({"a.txt": summary(2).encode()}), "不支持嵌套的压缩包，请解压后再上传"),
    "2024/法务部/坏掉.docx": (b"PK\x03\x04 broken", "Word 文件已损坏或不是有效的 .docx"),
    "2024/法务部/english.txt": (b"Looking back on the year, I met every target. " * 5, "文件几乎不含中文，不是中文工作总结"),
}


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory):
    db = tmp_path_factory.mktemp("browser_upload") / "insights.duckdb"
    shutil.copy(demo_store, db)
    with streamlit_server(db.parent / "streamlit.log", YEAREND_STORE=str(db)) as url:
        yield url, db


def test_upload_zip_in_the_browser(server, tmp_path):
    from playwright.sync_api import sync_playwright

    url, db = server
    before = query.overview(db)["documents"]
    members = {f"2024/法务部/员工{i:02d}_合同组.txt": summary(100 + i).encode() for i in range(GOOD)}
    members.update({name: data for name, (data, _) in BAD.items()})
    upload = tmp_path / "法务部年终总结.zip"
    upload.write_bytes(zip_bytes(members))
    loose = tmp_path / "周宁_外勤组.txt"
    loose.write_text(summary(99), encoding="utf-8")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
        context.route(f"**{_FONT_ROUTE}", lambda route: route.fulfill(
            path=str(font_path()), headers={"Content-Type": "font/otf"}))
        context.add_init_script(_INIT)
        page = context.new_page()
        try:
            page.goto(f"{url}/corpus")
            page.get_by_role("heading", name="语料管理", exact=True).wait_for(timeout=30_000)
            _settle(page)

            # the form: a department the store does not know yet is typed in; the year typed too
            page.locator(".st-key-up_0_department input").click()
            page.keyboard.type("审计部")
            page.keyboard.press("Enter")
            _settle(page)
            page.locator(".st-key-up_0_year input").fill("2024")
            page.keyboard.press("Enter")
            _settle(page)

            page.locator(".st-key-up_files_0 input[type='file']").set_input_files([str(upload), str(loose)])
            page.get_by_text(f"以下 {len(BAD)} 个文件不会入库：").wait_for(timeout=60_000)
            _settle(page)
            assert _metric(page, "新增") == str(GOOD + 1) and _metric(page, "拒绝") == str(len(BAD))
            explained = page.locator("[data-testid='stAlertContentError']").inner_text()
            for name, (_, reason) in BAD.items():
                assert f"法务部年终总结.zip/{name}：{reason}" in explained, name
            shoot(page, "corpus_preview")

            # confirm: the progress bar shows the analysis counting up, then every file's outcome
            page.locator(".st-key-up_commit button").click()
            bar = page.locator("[data-testid='stProgress']")
            bar.wait_for(timeout=30_000)
            texts = set()
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and not page.get_by_text("入库完成").count():
                try:
                    texts.add(bar.inner_text(timeout=200).strip())
                except Exception:  # the bar is gone once the page reruns with the results
                    pass
                page.wait_for_timeout(50)
            # the bar shows the stages it passes through; a warm server can analyse a handful of short
            # summaries between two polls, so the analysis count is checked whenever it was caught
            assert texts and all(t.startswith(("保存原件", "正在分析", "另一个写入", "写入数据库")) for t in texts), texts
            assert all(t.endswith(f"/{GOOD + 1} 篇") for t in texts if t.startswith("正在分析")), texts
            page.get_by_text("入库完成").wait_for(timeout=30_000)
            _settle(page)
            done = page.locator("[data-testid='stAlertContentSuccess']").inner_text()
            assert f"已新增 {GOOD + 1}，已更新标签 0，已跳过 0，失败 {len(BAD)}" in done
            failed = page.locator("[data-testid='stAlertContentError']").inner_text()
            assert f"以下 {len(BAD)} 个文件未能入库：" in failed and "压缩包内路径不安全" in failed
            shoot(page, "corpus_result")

            # the dashboard shows the new documents without a restart
            page.locator("[data-testid='stSidebarNav']").get_by_text("总览", exact=True).click()
            page.get_by_role("heading", name="总览", exact=True).wait_for(timeout=30_000)
            _settle(page)
            assert _metric(page, "文档数") == f"{before + GOOD + 1:,}"
            page.locator(".st-key-f_department input").click()
            page.keyboard.type("审计部")
            page.keyboard.press("Enter")
            page.keyboard.press("Escape")
            _settle(page)
            assert _metric(page, "文档数") == "1"
            page.locator("[data-testid='stSidebarNav']").get_by_text("文档", exact=True).click()
            page.get_by_role("heading", name="文档", exact=True).wait_for(timeout=30_000)
            _settle(page)
            heading = page.locator("[data-testid='stMain'] h3").first.inner_text()
            assert heading == "周宁 · 审计部 · 2024", heading
            assert page.locator("[data-testid='stException']").count() == 0
        finally:
            context.close()
            browser.close()

    stored = query.documents(db, query.Filters(departments=("法务部",)))
    assert len(stored) == GOOD and set(stored["team"]) == {"合同组"}
