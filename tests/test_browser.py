"""The main path in a real browser: open the dashboard, filter to one department, visit every page,
download the CSV from 导出 and check that its rows are that department's.

Drives Debian's chromium through Playwright against ``streamlit run app.py`` on a free local port. The
screenshots it takes with ``make screenshots`` are the ones in the README (docs/screenshots/<page>.png).
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from analysis import query
from analysis.schema import THEMES
from tests.browser_server import free_port, streamlit_server
from ui.cloud import font_path
from ui.state import PAGES

CHROMIUM = Path("/usr/bin/chromium")
DRILL_THEME = "货款回笼"
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "docs" / "screenshots"
SHOTS_ENV = "YEAREND_SCREENSHOTS"  # `make screenshots` sets it; `make test` leaves docs/screenshots alone


def shoot(page, name: str) -> None:
    """docs/screenshots/<name>.png, only when asked (``make screenshots``): tests do not rewrite tracked files."""
    if os.environ.get(SHOTS_ENV):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="浏览器测试已跳过：没有 /usr/bin/chromium（Debian: apt-get install chromium；.ci/run 会自动安装）",
)

# A headless machine may have no Chinese system font at all. The test serves the CJK font that the
# requirements install and adds it to the page's font families for CJK code points only, so the
# screenshots show characters instead of boxes; the app itself is not changed.
_FONT_ROUTE = "/__test_font__/cjk.otf"
_FONT_CSS = (
    f"@font-face{{font-family:'Source Sans';src:url({_FONT_ROUTE});font-weight:100 900;"
    "unicode-range:U+2E80-9FFF,U+3000-303F,U+F900-FAFF,U+FF00-FFEF;}"
    f"@font-face{{font-family:'Noto Sans CJK SC';src:url({_FONT_ROUTE});font-weight:100 900;}}"
)
_INIT = ("document.addEventListener('DOMContentLoaded', () => {const s = document.createElement('style');"
         f"s.textContent = {_FONT_CSS!r}; document.head.appendChild(s);}});")


# What each page must show once rendered (beyond its heading), before its screenshot is taken.
_RENDERED = {
    "overview": ("[data-testid='stPlotlyChart']",),
    "themes": ("[data-testid='stPlotlyChart']", "[data-testid='stDataFrame']"),
    "sentiment": ("[data-testid='stPlotlyChart']",),
    "keywords": ("[data-testid='stImage'] img",),
    "documents": ("[data-testid='stDataFrame']",),
    "method": ("[data-testid='stMetric']", "[data-testid='stDataFrame']"),
    "export": (".st-key-export_csv button",),
}


@pytest.fixture(scope="module")
def server(demo_store):
    with streamlit_server(demo_store.parent / f"streamlit-{free_port()}.log", YEAREND_STORE=str(demo_store)) as url:
        yield url


def _settle(page) -> None:
    """Wait until the script run has finished and the page shows no stale elements."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning' "
        "&& !document.querySelector('[data-stale=\"true\"]')",
        timeout=30_000,
    )
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_timeout(400)


def _click_heat_cell(page, column: int) -> None:
    """Click one cell of the department × theme heat map (a plotly point) and wait for the rerun."""
    cell = page.locator(".st-key-theme_heat .scatterlayer .point").nth(column)
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(5, 5)  # no tooltip in the screenshot
    _settle(page)


def _selected(page, key: str) -> str:
    """The value a selectbox shows."""
    return page.locator(f".st-key-{key} input[role='combobox']").input_value()


def _metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


def test_filter_pages_and_download(server, demo_store, tmp_path):
    from playwright.sync_api import sync_playwright

    department = query.options(demo_store)["department"][0]
    only = query.Filters(departments=(department,))
    expected_docs = query.documents(demo_store, only)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN",
                                      accept_downloads=True)
        context.route(f"**{_FONT_ROUTE}", lambda route: route.fulfill(
            path=str(font_path()), headers={"Content-Type": "font/otf"}))
        context.add_init_script(_INIT)
        page = context.new_page()
        try:
            # the first request to a fresh server, on a deep link: the page still runs inside the router
            page.goto(f"{server}/documents")
            page.get_by_role("heading", name="文档", exact=True).wait_for(timeout=30_000)
            page.locator(".st-key-f_department").wait_for(timeout=30_000)
            assert page.locator("[data-testid='stSidebarNav']").get_by_text("导出", exact=True).count() == 1

            page.goto(server)
            page.get_by_role("heading", name=PAGES[0].title).wait_for(timeout=30_000)
            _settle(page)
            assert _metric(page, "文档数") == f"{query.overview(demo_store)['documents']:,}"

            # filter to one department in the sidebar multiselect
            page.locator(".st-key-f_department input").click()
            page.keyboard.type(department)
            page.keyboard.press("Enter")
            page.keyboard.press("Escape")
            _settle(page)
            assert _metric(page, "文档数") == f"{len(expected_docs):,}"

            for spec in PAGES:
                page.locator("[data-testid='stSidebarNav']").get_by_text(spec.title, exact=True).click()
                page.get_by_role("heading", name=spec.title, exact=True).wait_for(timeout=30_000)
                _settle(page)
                for selector in _RENDERED.get(Path(spec.path).stem, ()):
                    page.locator(selector).first.wait_for(timeout=30_000)
                assert page.locator("[data-testid='stException']").count() == 0, spec.title
                # the filter survived the page switch
                assert department in page.locator(".st-key-f_department").inner_text()
                if spec.path == "pages/themes.py":
                    _click_heat_cell(page, THEMES.index(DRILL_THEME))
                    assert DRILL_THEME in _selected(page, "theme_pick")
                    assert department in _selected(page, "theme_dept")
                    captions = page.locator("[data-testid='stCaptionContainer']").all_inner_texts()
                    assert any(f"谈到“{DRILL_THEME}”的句子" in c for c in captions)
                if spec.path == "pages/explore.py":
                    # nothing is drilled into until a word is chosen: a click on a network node chooses it
                    assert _selected(page, "ex_word") == ""
                    node = page.locator(".st-key-ex_network .scatterlayer .point").first
                    node.scroll_into_view_if_needed()
                    box = node.bounding_box()
                    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                    page.mouse.move(5, 5)
                    _settle(page)
                    word = _selected(page, "ex_word")
                    assert word
                    page.get_by_text(f"含“{word}”的句子").wait_for(timeout=30_000)
                    page.get_by_text(f"与“{word}”同句出现的词").wait_for(timeout=30_000)
                shoot(page, Path(spec.path).stem)
                if spec.path == "pages/themes.py":
                    # from an evidence sentence to its document on the 文档 page
                    chosen = _selected(page, "theme_ev_doc")
                    page.locator(".st-key-theme_ev_open button").click()
                    page.get_by_role("heading", name="文档", exact=True).wait_for(timeout=30_000)
                    _settle(page)
                    heading = page.locator("[data-testid='stMain'] h3").first.inner_text()
                    assert heading.startswith(chosen.split(" · ")[0]), heading

            # on 导出 (the last page): the documents table as CSV
            with page.expect_download(timeout=30_000) as info:
                page.locator(".st-key-export_csv button").click()
            download = info.value
            saved = tmp_path / download.suggested_filename
            download.save_as(saved)
        finally:
            context.close()
            browser.close()

    assert saved.name.startswith("年终洞察_文档_") and department in saved.name and saved.suffix == ".csv"
    raw = saved.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV 应带 UTF-8 BOM"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == len(expected_docs)
    assert {r["部门"] for r in rows} == {department}
    assert sorted(r["文件"] for r in rows) == sorted(expected_docs["source_file"])  # Chinese headers (issue 17)
