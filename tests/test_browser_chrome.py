"""Chinese everywhere, on any machine, in a real browser.

One server with a users file; Debian's chromium through Playwright, started with a fontconfig that
knows no CJK font (only DejaVu), so every Chinese character on screen comes from the font the app
serves itself (.streamlit/config.toml [[theme.fontFaces]], ui/chrome.py). For each role (HR 管理员,
部门负责人, 只读) the test signs in, walks every page of the menu and fails on

- any English word shown to the reader outside ``ALLOWED`` (the README's allow-list, 界面里仍然是英文的地方),
  in visible text or in an input's placeholder;
- any traceback or Streamlit error box;
- any chart whose drawn axis range leaves out one of its own values, or a percent axis beyond 0–100 %;
- any table with a key column (``KEY_COLUMNS``) wider than its box, and any button whose label is cut;

and checks, by pixels, that Chinese is drawn with real glyphs, not boxes; that a reload keeps the
reader signed in and sign-out ends it; that a link to a page the role may not open says so.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.auth_helpers import PASSWORD, write_users
from tests.browser_server import streamlit_server
from tests.test_browser import ARGS, CHROMIUM, _settle
from ui import chrome
from ui.state import PAGES

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="浏览器测试已跳过：没有 /usr/bin/chromium（Debian: apt-get install chromium；.ci/run 会自动安装）",
)

# English a reader may see, each explained in the README (界面里仍然是英文的地方): the product's name,
# file formats and units, and terms HR uses as they are.
ALLOWED = {
    "YearEnd", "Insight",  # the product's name
    "CSV", "Excel", "Word", "PowerPoint", "PDF", "BOM", "UTF",  # formats a download or upload names
    "txt", "md", "docx", "pdf", "zip", "csv", "xlsx", "pptx", "MB", "KB",  # file types and sizes
    "utf",  # the encoding a document was read in (utf-8)
    "TF", "IDF", "PMI", "HR", "KPI", "Jaccard", "Fisher", "micro",  # terms of the trade and statistics (micro-F1)
    "Benjamini", "Hochberg",  # the correction for many tests the overview's alerts name
    "XX",  # a template placeholder as written in 范文 (the alerts and originality explain what they count)
    "jieba", "snownlp", "HowNet",  # the named tools and lexicon the method page cites
}
# Words of the reader's own data are not UI text: department, team and role names, file names and the
# documents' sentences may contain Latin letters (e.g. "CRM"). They are collected from the store.
WORD = re.compile(r"[A-Za-z]{2,}")
# a file path or name the page shows (analysis/data/themes.toml, 2025/销售部/某某.txt) is not UI text
PATH = re.compile(r"[\w./-]*\.(?:toml|txt|md|docx|pdf|zip|csv|xlsx|pptx|json|jsonl|duckdb|tsv)\b")
ROLE_USERS = {"hr": "hr_admin", "xiaoshou": "dept_head", "guest": "viewer"}
DENIED = {"xiaoshou": "审计日志", "guest": "文档"}  # a page each restricted role may not open

# Visible text nodes and placeholders, without icon ligatures (material icons are words like "upload"
# drawn as pictures) and without code spans (commands such as `python -m analysis users add`).
_TEXTS_JS = """() => {
  const out = [];
  const skip = el => el.closest('[data-testid="stIconMaterial"], code, pre, script, style, [translate="no"]');
  const shown = el => { const s = getComputedStyle(el), r = el.getBoundingClientRect();
    // on screen: not hidden, not a zero-size or off-page element (the "skip to content" link until focused)
    return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 1 && r.height > 1
      && r.right > 0 && r.bottom + window.scrollY > 0; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement, t = n.textContent.trim();
    if (t && el && !skip(el) && shown(el)) out.push(t);
  }
  for (const el of document.querySelectorAll('input[placeholder], textarea[placeholder]'))
    if (!el.value && shown(el)) out.push(el.getAttribute('placeholder'));  // shown only while empty
  return out;
}"""

# Two different characters drawn with the heading's font: the same pixels mean both are the same box.
_GLYPHS_JS = """async (family) => {
  const draw = (ch) => { const c = document.createElement('canvas'); c.width = 64; c.height = 64;
    const g = c.getContext('2d'); g.font = `48px ${family}`; g.fillStyle = '#000'; g.fillText(ch, 4, 52);
    return Array.from(g.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)); };
  await document.fonts.load(`48px ${family}`, '总览情感');
  const a = draw('总'), b = draw('情');
  return {ink: a.filter(v => v > 0).length, differ: a.some((v, i) => v !== b[i])};
}"""

# Every rendered Plotly chart (its ``_fullLayout``/``_fullData`` as drawn): each value on a linear axis lies
# inside the axis's range (a stack's total for stacked bars), and a percent axis stays within 0–100 %.
_RANGES_JS = """() => {
  // every trace value on a linear axis lies inside the axis's rendered range; a percent axis stays in 0–100 %
  const out = [];
  const num = v => (v === null || v === undefined || v === '') ? NaN : Number(v);
  document.querySelectorAll('.js-plotly-plot').forEach((el, i) => {
    const L = el._fullLayout, D = el._fullData;
    if (!L || !D) { out.push(`图 ${i + 1} 没有画出来`); return; }
    const name = (L.title && L.title.text) || `图 ${i + 1}`;
    const axis = id => L[id.replace(/^([xy])/, '$1axis')];
    const sums = {};
    for (const t of D) {
      if (t.visible !== true) continue;
      for (const letter of ['x', 'y']) {
        const ax = axis(t[letter + 'axis'] || letter);
        if (!ax || ax.type !== 'linear' || !t[letter]) continue;
        const [lo, hi] = [Math.min(...ax.range), Math.max(...ax.range)];
        const eps = (hi - lo) * 1e-9;
        if (String(ax.tickformat || '').includes('%') && (lo < -eps || hi > 1 + eps))
          out.push(`${name}：百分比轴 ${letter} 的范围 [${lo}, ${hi}] 超出 0–100%`);
        const values = Array.from(t[letter], num);
        const stacked = t.type === 'bar' && ['stack', 'relative'].includes(L.barmode)
          && (t.orientation === 'h' ? letter === 'x' : letter === 'y');
        const cats = stacked ? Array.from(t[letter === 'x' ? 'y' : 'x']) : [];
        values.forEach((v, j) => {
          if (!Number.isFinite(v)) return;
          if (stacked) {
            const key = `${letter}|${cats[j]}|${v < 0 ? '-' : '+'}`;
            sums[key] = (sums[key] || 0) + v;
            const s = sums[key];
            if (s < lo - eps || s > hi + eps) out.push(`${name}：${cats[j]} 的堆叠总和 ${s} 在 ${letter} 轴 [${lo}, ${hi}] 之外`);
          } else if (v < lo - eps || v > hi + eps) {
            out.push(`${name}：${t.name || ''} 的值 ${v} 在 ${letter} 轴 [${lo}, ${hi}] 之外`);
          }
        });
      }
    }
  });
  return out;
}"""

# The key columns the issue names (sentences, scores, 落实率, 平均具体度) and the buttons that open a document:
# a table holding one of them may not be wider than its box (the columns past the right edge are cut off,
# reached only by scrolling sideways), and no button's label may be cut ("打开…").
KEY_COLUMNS = ["句子", "情感分", "平均情感", "落实率", "平均具体度", "区分度(z)", "前文", "后文", "第 N 年的计划",
               "第 N+1 年的对应句"]
_CUT_JS = """(keys) => {
  // a table with a key column whose columns are wider than its box: the last ones are cut off (scroll)
  const out = [];
  document.querySelectorAll('[data-testid="stDataFrame"]').forEach(df => {
    const heads = Array.from(df.querySelectorAll('th[role="columnheader"]')).map(t => t.textContent.trim());
    const key = heads.filter(h => keys.includes(h));
    const sc = df.querySelector('.dvn-scroller');
    if (key.length && sc && sc.scrollWidth > sc.clientWidth + 1)
      out.push(`表格（${heads.join('、')}）宽 ${sc.scrollWidth}px，只显示 ${sc.clientWidth}px：${key.join('、')} 可能被截断`);
  });
  // a button whose label does not fit (打开文档 cut to 打开…)
  document.querySelectorAll('[data-testid^="stBaseButton"]').forEach(b => {
    const label = b.querySelector('p, [data-testid="stMarkdownContainer"]');
    if (label && label.scrollWidth > label.clientWidth + 1 && b.getBoundingClientRect().width > 0)
      out.push(`按钮“${label.textContent.trim()}”的文字被截断`);
  });
  return out;
}"""


def _charts_drawn(page) -> None:
    """Wait until every Plotly chart on the page has been drawn (Plotly draws after the script run ends)."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[data-testid=\"stPlotlyChart\"]'))"
        ".every(c => { const el = c.querySelector('.js-plotly-plot'); return el && el._fullLayout; })",
        timeout=30_000,
    )


def _fontconfig(tmp: Path) -> Path:
    """A fontconfig with Latin fonts only: the browser has no Chinese system font at all."""
    latin = Path("/usr/share/fonts/truetype/dejavu")
    fonts = latin if latin.is_dir() else tmp / "no-fonts"
    fonts.mkdir(exist_ok=True)
    conf = tmp / "fonts.conf"
    conf.write_text(f"<?xml version='1.0'?><fontconfig><dir>{fonts}</dir><cachedir>{tmp / 'cache'}</cachedir>"
                    "</fontconfig>", "utf-8")
    return conf


def _data_words(store: Path) -> set[str]:
    import duckdb

    words: set[str] = set()
    with duckdb.connect(str(store), read_only=True) as con:
        for table, column in (("sentences", "text"), ("documents", "department"), ("documents", "team"),
                              ("documents", "role"), ("documents", "source_file"), ("documents", "employee")):
            try:
                rows = con.execute(f"select distinct {column} from {table}").fetchall()
            except duckdb.Error:
                continue
            for (value,) in rows:
                words.update(WORD.findall(str(value or "")))
    return words


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory):
    home = tmp_path_factory.mktemp("chrome_server")
    users_file = write_users(home / "users.toml")
    chrome.ensure_font()  # as `make run` does: the font is in place before the first page asks for it
    log_path = home / "streamlit.log"
    with streamlit_server(log_path, YEAREND_STORE=str(demo_store), YEAREND_USERS=str(users_file),
                          YEAREND_AUDIT=str(home / "audit.jsonl")) as url:
        yield url, log_path


def _sign_in(page, url: str, user: str, path: str = "") -> None:
    page.goto(f"{url}/{path}")
    page.get_by_role("heading", name="登录", exact=True).wait_for(timeout=30_000)
    _settle(page)
    page.locator(".st-key-login_user input").fill(user)
    page.locator(".st-key-login_password input").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("[data-testid='stSidebarNav']").wait_for(timeout=30_000)
    _settle(page)


def _english(page, allowed: set[str]) -> list[str]:
    found = []
    for text in page.evaluate(_TEXTS_JS):
        bad = [w for w in WORD.findall(PATH.sub(" ", text)) if w not in allowed]
        if bad:
            found.append(f"{'/'.join(bad)} ← {text[:80]}")
    return found


def _problems(page) -> list[str]:
    out = []
    if page.locator("[data-testid='stException']").count():
        out.append("异常：" + page.locator("[data-testid='stException']").first.inner_text()[:200])
    body = page.locator("body").inner_text()
    if "Traceback" in body:
        out.append("页面中出现 Traceback")
    return out


def test_every_page_for_every_role_is_chinese_and_drawn_with_the_served_font(server, demo_store, tmp_path):
    from playwright.sync_api import sync_playwright

    url, log_path = server
    allowed = ALLOWED | _data_words(demo_store)
    env = dict(os.environ, FONTCONFIG_FILE=str(_fontconfig(tmp_path)))
    problems: dict[str, list[str]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS, env=env)
        try:
            for user, role in ROLE_USERS.items():
                context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
                page = context.new_page()
                _sign_in(page, url, user)
                # the login page and the first page: Chinese drawn with glyphs, not boxes (pixels)
                family = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
                assert "YearEnd CJK" in family, family
                served = page.evaluate(_GLYPHS_JS, family)
                boxes = page.evaluate(_GLYPHS_JS, "'no such font', sans-serif")
                assert not boxes["differ"], "这个浏览器仍有中文系统字体：检验不了应用自带的字体"
                assert served["ink"] > 100 and served["differ"], f"中文显示为方框：{served}"

                titles = [t.strip().split("\n")[-1] for t in
                          page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]
                expected = [p_.title for p_ in PAGES if role in p_.roles]
                assert titles == expected
                for title in titles:
                    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
                    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
                    _settle(page)
                    _charts_drawn(page)
                    found = (_english(page, allowed) + _problems(page) + page.evaluate(_RANGES_JS)
                             + page.evaluate(_CUT_JS, KEY_COLUMNS))
                    if found:
                        problems[f"{role} · {title}"] = found

                # a multiselect's dropdown: the options only, no "Select all"
                page.locator(".st-key-f_department input").click()
                options = page.locator("[role='option']").all_inner_texts()
                page.keyboard.press("Escape")
                assert options and not [o for o in options if WORD.findall(o) and not set(WORD.findall(o)) <= allowed]

                # a reload keeps the reader signed in, on the same page
                page.reload()
                page.get_by_role("heading", name=titles[-1], exact=True).wait_for(timeout=60_000)
                _settle(page)
                assert page.get_by_role("heading", name="登录", exact=True).count() == 0

                if user in DENIED:  # a link to a page this role may not open says so
                    stem = Path(next(p_.path for p_ in PAGES if p_.title == DENIED[user])).stem
                    page.goto(f"{url}/{stem}")
                    page.get_by_role("heading", name=titles[0], exact=True).wait_for(timeout=60_000)
                    _settle(page)
                    alerts = " ".join(page.locator("[data-testid='stAlert']").all_inner_texts())
                    assert f"链接指向的“{DENIED[user]}”页你的账号无权打开，已显示首页。" in alerts

                # sign-out ends it: a reload asks for the password again
                page.get_by_role("button", name="退出登录").click()
                page.get_by_role("heading", name="登录", exact=True).wait_for(timeout=30_000)
                _settle(page)
                found = _english(page, allowed) + _problems(page)
                if found:
                    problems[f"{role} · 登录"] = found
                page.reload()
                page.get_by_role("heading", name="登录", exact=True).wait_for(timeout=30_000)
                _settle(page)
                assert page.locator("[data-testid='stSidebarNav']").count() == 0
                context.close()
        finally:
            browser.close()
    assert not problems, "\n".join(f"{where}: {'; '.join(items)}" for where, items in problems.items())
    assert "Traceback" not in log_path.read_text("utf-8")
