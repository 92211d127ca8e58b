"""Values from the data are drawn as text in the charts, in a real browser (issue 17).

Plotly draws category ticks, legends and hover texts as its own small HTML. Here a copy of the demo store
has a department named ``<a href="javascript:alert(1)">点我</a>``, a team ``<b>x</b>`` and an employee
``<i>王</i>`` (a store built before names were checked; the store is changed directly). Signed in as HR,
every page of the menu is walked: no chart holds an ``<a>`` element or bold/italic text made from a
value, the department's name is shown as typed, and no page shows an exception.
"""
from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.auth_helpers import write_users
from tests.browser_server import streamlit_server
from tests.test_browser import ARGS, CHROMIUM, _settle
from tests.test_browser_chrome import _charts_drawn, _problems, _sign_in
from ui.state import PAGES

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="浏览器测试已跳过：没有 /usr/bin/chromium（Debian: apt-get install chromium；.ci/run 会自动安装）",
)

DEPARTMENT, NEW_DEPARTMENT = "客服部", '<a href="javascript:alert(1)">点我</a>'
TEAM, NEW_TEAM = "售后组", "<b>x</b>"
NEW_EMPLOYEE = "<i>王</i>"

# what Plotly made of a value: a link, or a tspan styled by <b>/<i> holding a value's inner text (the
# titles are bold by the theme); the texts of the charts' SVGs
_MARKUP_JS = """(inner) => {
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  const svgs = plots.flatMap(p => Array.from(p.querySelectorAll('svg')));
  return {
    charts: plots.length,
    links: svgs.flatMap(s => Array.from(s.querySelectorAll('a'))).map(a => a.outerHTML.slice(0, 120)),
    styled: svgs.flatMap(s => Array.from(s.querySelectorAll('tspan[style*="font-weight:bold"], '
      + 'tspan[style*="font-style:italic"]'))).map(t => t.textContent).filter(t => inner.includes(t)),
    texts: svgs.flatMap(s => Array.from(s.querySelectorAll('text'))).map(t => t.textContent),
  };
}"""


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory):
    home = tmp_path_factory.mktemp("markup_server")
    store = home / "insights.duckdb"
    shutil.copy(demo_store, store)
    with duckdb.connect(str(store)) as con:
        tables = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                             "WHERE column_name IN ('department', 'team', 'employee')").fetchall()
        for table, column in tables:
            old, new = {"department": (DEPARTMENT, NEW_DEPARTMENT), "team": (TEAM, NEW_TEAM)}.get(column, (None, None))
            if old:
                con.execute(f'UPDATE "{table}" SET {column} = ? WHERE {column} = ?', [new, old])
        con.execute("UPDATE documents SET employee = ? WHERE doc_id = (SELECT min(doc_id) FROM documents "
                    "WHERE department = ?)", [NEW_EMPLOYEE, NEW_DEPARTMENT])
        assert con.execute("SELECT count(*) FROM documents WHERE department = ?", [NEW_DEPARTMENT]).fetchone()[0]
    users_file = write_users(home / "users.toml")
    with streamlit_server(home / "streamlit.log", YEAREND_STORE=str(store), YEAREND_USERS=str(users_file),
                          YEAREND_AUDIT=str(home / "audit.jsonl")) as url:
        yield url, home / "streamlit.log"


def test_names_with_markup_are_drawn_as_text_in_every_chart(server):
    from playwright.sync_api import sync_playwright

    url, log_path = server
    problems: dict[str, list[str]] = {}
    seen: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN").new_page()
            _sign_in(page, url, "hr")
            for title in [p_.title for p_ in PAGES if "hr_admin" in p_.roles]:
                page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
                page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
                _settle(page)
                _charts_drawn(page)
                found = page.evaluate(_MARKUP_JS, ["点我", "x", "王"])
                bad = [f"链接 {a}" for a in found["links"]] + [f"粗体/斜体 {t}" for t in found["styled"]]
                if bad + _problems(page):
                    problems[title] = bad + _problems(page)
                seen += [t for t in found["texts"] if NEW_DEPARTMENT in t or NEW_TEAM in t]
        finally:
            browser.close()
    assert not problems, problems
    # the department's name is drawn as typed (a tick, a legend entry or a row of the heat map)
    assert any(NEW_DEPARTMENT in t for t in seen), seen
    assert "Traceback" not in log_path.read_text("utf-8")
