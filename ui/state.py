"""Where the dashboard keeps its state: the store path, the sidebar filters, the open document.

Sidebar widgets live in the router (app.py), which runs on every page, and each has a stable key, so
the filters survive page switches. Widget keys are initialised through ``st.session_state`` and the
widgets are created without a default, which keeps Streamlit from warning about two sources of truth.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from analysis.access.scope import Filters
from analysis.paths import DEFAULT_STORE
from analysis.schema import ROLES
from ui.markdown import md

STORE_ENV = "YEAREND_STORE"


@dataclass(frozen=True)
class PageDef:
    path: str
    title: str
    icon: str
    roles: tuple[str, ...] = ROLES
    """Who sees the page (analysis.schema.ROLES); the router offers a reader only these."""


# The pages in navigation order; app.py builds st.Page objects from this list.
PAGES: tuple[PageDef, ...] = (
    PageDef("pages/overview.py", "总览", ":material/dashboard:"),
    PageDef("pages/themes.py", "主题", ":material/category:"),
    PageDef("pages/sentiment.py", "情感", ":material/mood:"),
    PageDef("pages/keywords.py", "关键词", ":material/match_word:"),
    PageDef("pages/explore.py", "探索", ":material/hub:"),
    PageDef("pages/originality.py", "原创性", ":material/content_copy:"),
    PageDef("pages/followthrough.py", "计划落实", ":material/task_alt:"),
    PageDef("pages/person.py", "员工", ":material/person_search:", roles=("hr_admin", "dept_head")),
    PageDef("pages/compare.py", "对比", ":material/compare_arrows:"),
    PageDef("pages/documents.py", "文档", ":material/description:", roles=("hr_admin", "dept_head")),
    PageDef("pages/corpus.py", "语料管理", ":material/upload_file:", roles=("hr_admin",)),
    PageDef("pages/taxonomy.py", "主题管理", ":material/tune:", roles=("hr_admin",)),
    PageDef("pages/audit.py", "审计日志", ":material/policy:", roles=("hr_admin",)),
    PageDef("pages/report.py", "报告", ":material/slideshow:"),
    PageDef("pages/method.py", "方法与准确度", ":material/fact_check:"),
    PageDef("pages/export.py", "导出", ":material/download:"),
)
CORPUS_PAGE = "pages/corpus.py"  # works on an empty store too: it is how the first documents arrive
AUDIT_PAGE = "pages/audit.py"
TAXONOMY_PAGE = "pages/taxonomy.py"  # HR's theme editor: not a view of the filtered documents
DOCUMENTS_PAGE = "pages/documents.py"
METHOD_PAGE = "pages/method.py"

# Widget keys of the sidebar filters (tests drive the widgets by these keys).
K_DEPARTMENT, K_TEAM, K_YEARS, K_ROLE, K_SEARCH = "f_department", "f_team", "f_years", "f_role", "f_search"
# Non-widget keys.
K_FILTERS = "_filters"
K_ROUTED = "_routed"  # True while the router runs the page of this script run
K_DOC = "doc_id"  # the document the 文档 page shows; set by every "open document" link
K_MARK = "doc_mark"  # the sentence (idx) of that document an evidence link came from, marked there
K_DOC_THEME = "doc_theme"  # the theme whose evidence the document was opened from, highlighted there
PERSON_PAGE = "pages/person.py"
K_PERSON = "person_emp"  # the employee the 员工 page shows: "department|name"


def store_path() -> Path:
    """The store the dashboard reads: ``$YEAREND_STORE`` or data/insights.duckdb."""
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


def _keep_valid(key: str, options: list) -> None:
    """Drop remembered choices that the current data no longer offers (after a rebuild or when the
    department filter narrows the teams), so a multiselect never holds a value outside its options."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    else:
        st.session_state[key] = []


def _clear_filters(year_bounds: tuple[int, int] | None) -> None:
    for key in (K_DEPARTMENT, K_TEAM, K_ROLE):
        st.session_state[key] = []
    st.session_state[K_SEARCH] = ""
    if year_bounds:
        st.session_state[K_YEARS] = year_bounds


def sidebar(facets) -> Filters:
    """Draw the filters in the sidebar and return them as a ``Filters`` value.

    ``facets`` is ``analysis.query.facets``: the teams and roles offered are those of the chosen
    departments.
    """
    side = st.sidebar
    side.markdown("**筛选**")
    departments = sorted(v for v in facets["department"].unique() if v)
    _keep_valid(K_DEPARTMENT, departments)
    side.multiselect("部门", departments, key=K_DEPARTMENT, placeholder="全部部门", select_all=False)
    chosen = st.session_state[K_DEPARTMENT]
    scope = facets[facets["department"].isin(chosen)] if chosen else facets
    teams = sorted(v for v in scope["team"].unique() if v)
    _keep_valid(K_TEAM, teams)
    side.multiselect("班组", teams, key=K_TEAM, placeholder="全部班组", select_all=False)

    years = sorted(int(y) for y in facets["year"].unique() if y)
    bounds = (years[0], years[-1]) if years else None
    if bounds and bounds[0] < bounds[1]:
        lo, hi = st.session_state.get(K_YEARS, bounds)
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        st.session_state[K_YEARS] = (lo, hi) if lo <= hi else bounds
        side.slider("年份", bounds[0], bounds[1], key=K_YEARS, step=1)
    elif bounds:
        side.caption(f"年份：{bounds[0]}（只有一个年份）")

    roles = sorted(v for v in scope["role"].unique() if v)
    _keep_valid(K_ROLE, roles)
    side.multiselect("岗位", roles, key=K_ROLE, placeholder="全部岗位", select_all=False)
    st.session_state.setdefault(K_SEARCH, "")
    side.text_input("全文搜索", key=K_SEARCH, placeholder="如：回款、客户投诉",
                    help="只保留含有这段文字的文档（简繁体均可）")
    side.button("清除筛选", key="f_clear", on_click=_clear_filters, args=(bounds,), width="stretch")

    years_value = st.session_state.get(K_YEARS) if bounds and bounds[0] < bounds[1] else None
    filters = Filters(
        departments=tuple(chosen),
        teams=tuple(st.session_state[K_TEAM]),
        years=tuple(years_value) if years_value and tuple(years_value) != bounds else None,
        roles=tuple(st.session_state[K_ROLE]),
        search=st.session_state[K_SEARCH].strip(),
    )
    st.session_state[K_FILTERS] = filters
    return filters


def require_router() -> None:
    """Make sure this page runs inside the router (app.py), or restart the run through it.

    Streamlit 1.67 still discovers a ``pages/`` folder beside the entrypoint until some session has
    called ``st.navigation``: the first request after the server starts (and every ``AppTest`` run,
    which resets that flag) executes the page file directly, without app.py, so no sidebar, no
    filters and file names in the menu. A page started that way switches the discovery off, as
    ``st.navigation`` itself does, and reruns, which goes through the router from then on.
    """
    if st.session_state.get(K_ROUTED):
        return
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


def filters() -> Filters:
    """The filters the router drew for this run (every page starts here)."""
    require_router()
    return st.session_state.get(K_FILTERS, Filters())


def describe(f: Filters) -> str:
    """The filters in words, for captions and for explaining an empty result (Markdown-escaped)."""
    parts = []
    if f.departments:
        parts.append("部门：" + "、".join(map(md, f.departments)))
    if f.teams:
        parts.append("班组：" + "、".join(map(md, f.teams)))
    if f.years:
        a, b = f.years
        parts.append(f"年份：{a}" if a == b else f"年份：{a}–{b}")
    if f.roles:
        parts.append("岗位：" + "、".join(map(md, f.roles)))
    if f.search:
        parts.append(f"含“{md(f.search)}”")
    return "；".join(parts) if parts else "全部文档"


def open_document(doc_id: str, idx: int | None = None, theme: str | None = None) -> None:
    """Show one document on the 文档 page (the drill-down from any evidence sentence), with the
    sentence ``idx`` marked when the link came from one, and ``theme`` highlighted when it was the
    evidence of a theme."""
    st.session_state[K_DOC] = doc_id
    if theme:
        st.session_state[K_DOC_THEME] = theme
    else:
        st.session_state.pop(K_DOC_THEME, None)
    import pandas as pd

    if idx is None or pd.isna(idx):
        st.session_state.pop(K_MARK, None)
    else:
        st.session_state[K_MARK] = int(idx)
    st.switch_page(DOCUMENTS_PAGE)


def person_key(department: str, employee: str) -> str:
    return f"{department}|{employee}"


def open_person(department: str, employee: str) -> None:
    """Show one employee on the 员工 page."""
    st.session_state[K_PERSON] = person_key(department, employee)
    st.switch_page(PERSON_PAGE)
