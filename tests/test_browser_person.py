"""Issue 14 in a real browser: from a document to its writer's 员工 page, from a plan to the sentence of
the next year that reports it, and the address of that view opened in a new browser context."""
from __future__ import annotations

import pytest

from analysis import query
from tests.test_browser import _FONT_ROUTE, _INIT, ARGS, CHROMIUM, _settle, server  # noqa: F401
from ui.cloud import font_path

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="浏览器测试已跳过：没有 /usr/bin/chromium")


def _person_with_a_followed_plan(store):
    """A writer whose first plan (by year, sentence) has a sentence of the next year as its evidence."""
    pairs = query.follow_pairs(store, limit=100_000)
    for (dept, name), mine in pairs.groupby(["department", "employee"], sort=True):
        first = mine.sort_values(["year", "idx"]).iloc[0]
        if name and first["evidence_text"] is not None and str(first["evidence_text"]) != "nan":
            return first
    pytest.skip("演示数据里没有带对应句的计划")


def _context(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1400}, locale="zh-CN")
    context.route(f"**{_FONT_ROUTE}", lambda route: route.fulfill(
        path=str(font_path()), headers={"Content-Type": "font/otf"}))
    context.add_init_script(_INIT)
    return context


def test_document_to_person_to_next_years_sentence_and_the_link(server, demo_store):  # noqa: F811
    from playwright.sync_api import sync_playwright

    plan = _person_with_a_followed_plan(demo_store)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        first = _context(browser)
        page = first.new_page()
        try:
            # a link to one document (the plan's summary)
            page.goto(f"{server}/documents?p=documents&doc={plan['doc_id']}")
            page.get_by_role("heading", name="文档", exact=True).wait_for(timeout=30_000)
            _settle(page)
            assert page.locator("[data-testid='stMain'] h3").first.inner_text().startswith(plan["employee"])

            # → the writer's 员工 page
            page.locator(".st-key-doc_person button").click()
            page.get_by_role("heading", name="员工", exact=True).wait_for(timeout=30_000)
            _settle(page)
            assert plan["employee"] in page.locator(".st-key-person_emp input[role='combobox']").input_value()
            page.get_by_role("heading", name=f"{plan['employee']} · {plan['department']}").wait_for(timeout=10_000)
            assert "emp=" in page.url

            # → the first plan's sentence in next year's summary, marked there
            page.locator(".st-key-person_open_next button").click()
            page.get_by_role("heading", name="文档", exact=True).wait_for(timeout=30_000)
            _settle(page)
            marked = page.get_by_text("证据句（已在原文中用黄框标出）").inner_text()
            assert plan["evidence_text"] in marked
            heading = page.locator("[data-testid='stMain'] h3").first.inner_text()
            assert str(plan["next_year"]) in heading
            url = page.url
            assert "mark=" in url and "doc=" in url
        finally:
            first.close()

        # the copied address in a new browser context: the same document, the same sentence marked
        second = _context(browser)
        page = second.new_page()
        try:
            page.goto(url)
            page.get_by_role("heading", name="文档", exact=True).wait_for(timeout=30_000)
            _settle(page)
            assert page.locator("[data-testid='stMain'] h3").first.inner_text() == heading
            assert plan["evidence_text"] in page.get_by_text("证据句（已在原文中用黄框标出）").inner_text()
        finally:
            second.close()
            browser.close()
