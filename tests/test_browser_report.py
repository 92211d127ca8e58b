"""The 报告 page in a real browser: choose a department and year, download the PowerPoint and the Word
report, open both back, and render them the way a reader's office suite does (LibreOffice → PDF →
pdftoppm → PNG): no page is blank and the PDF uses the project's Noto Sans CJK font.

The rendered themes slide and the Word report's first page are the README's screenshots
(docs/screenshots/report_slide.png, report_page.png).
"""
from __future__ import annotations

import io
import os
import shutil

import pytest
from docx import Document
from pptx import Presentation

from analysis import query
from tests import report_render
from tests.test_browser import _FONT_ROUTE, _INIT, ARGS, CHROMIUM, SHOTS, SHOTS_ENV, _settle, server  # noqa: F401
from ui.cloud import font_path

DEPARTMENT, YEAR = "销售部", 2024

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="浏览器测试已跳过：没有 /usr/bin/chromium（Debian: apt-get install chromium；.ci/run 会自动安装）",
)


def _pick(page, key: str, option: str) -> None:
    page.locator(f".st-key-{key} input").click()
    page.get_by_role("option", name=option, exact=True).click()
    _settle(page)


def test_download_both_reports_and_render_them(server, demo_store, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    saved = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1200}, locale="zh-CN",
                                      accept_downloads=True)
        context.route(f"**{_FONT_ROUTE}", lambda route: route.fulfill(
            path=str(font_path()), headers={"Content-Type": "font/otf"}))
        context.add_init_script(_INIT)
        page = context.new_page()
        try:
            page.goto(f"{server}/report")
            page.get_by_role("heading", name="报告", exact=True).wait_for(timeout=30_000)
            _settle(page)
            _pick(page, "report_department", DEPARTMENT)
            _pick(page, "report_year", f"{YEAR} 年（对比 {YEAR - 1} 年）")
            page.get_by_role("heading", name=f"{DEPARTMENT} {YEAR} 年度总结分析报告").wait_for(timeout=30_000)
            assert page.locator("[data-testid='stException']").count() == 0
            for fmt in ("pptx", "docx"):
                with page.expect_download(timeout=120_000) as info:
                    page.locator(f".st-key-report_{fmt} button").click()
                download = info.value
                saved[fmt] = tmp_path / download.suggested_filename
                download.save_as(saved[fmt])
        finally:
            context.close()
            browser.close()

    assert saved["pptx"].name == f"年终洞察报告_{DEPARTMENT}_{YEAR}.pptx"
    assert saved["docx"].name == f"年终洞察报告_{DEPARTMENT}_{YEAR}.docx"
    prs = Presentation(io.BytesIO(saved["pptx"].read_bytes()))
    assert len(prs.slides) == 10
    assert prs.slides[0].shapes[0].text_frame.text == f"{DEPARTMENT} {YEAR} 年度总结分析报告"
    doc = Document(io.BytesIO(saved["docx"].read_bytes()))
    assert doc.paragraphs[0].text == f"{DEPARTMENT} {YEAR} 年度总结分析报告"
    documents = query.overview(demo_store, query.Filters(departments=(DEPARTMENT,), years=(YEAR, YEAR),
                                                         min_group=5))["documents"]
    assert f"{documents:,} 篇年终总结" in prs.slides[0].shapes[1].text_frame.text

    if not report_render.available():
        pytest.skip(report_render.MISSING)
    pages = {}
    for fmt, path in saved.items():
        work = tmp_path / f"render-{fmt}"
        pdf = report_render.to_pdf(path, work)
        if report_render.PDFFONTS:
            assert "NotoSansCJK" in report_render.fonts_of(pdf), "PDF 中的中文没有用项目自带的 Noto Sans CJK 字体"
        pages[fmt] = report_render.to_png(pdf, work)
        blank = [png.name for png in pages[fmt] if report_render.ink(png) < 0.01]
        assert pages[fmt] and not blank, f"{fmt} 有空白页：{blank}"
    assert len(pages["pptx"]) == 10
    if os.environ.get(SHOTS_ENV):  # `make screenshots`
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(pages["pptx"][2], SHOTS / "report_slide.png")  # 谈什么：主题
        shutil.copy(pages["docx"][0], SHOTS / "report_page.png")
