"""The view in the address: sidebar filters, the page and the page's own choices live in
``st.query_params``, so a copied link or a refreshed tab opens the same view; and the reader's named
saved views (我的视图, ``analysis.access.views``).

The router calls ``capture`` before the login gate (the address a session was opened with is kept
through the login page), ``restore`` once per session after it (the address becomes widget state,
then the sidebar and pages validate it as they validate any choice: a department outside the
reader's scope is dropped, and ``notice`` says so), and ``publish`` after the page ran (widget state
becomes the address again). Only non-empty values are written, so the address stays short.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import state
from ui.markdown import md

K_LINK = "_link"  # the address (param → values) still to apply, and the page it names
K_APPLIED = "_link_applied"
K_DENIED = "_link_page_denied"  # the title of a page the address asked for and this reader may not open
K_ASKED = "_link_departments"  # departments the applied address asked for (for the notice)
PAGE = "p"

# param → (session key, kind); kind: "list" (multiselect), "range" (year slider), "str", "int"
SIDEBAR = {
    "dept": (state.K_DEPARTMENT, "list"), "team": (state.K_TEAM, "list"), "years": (state.K_YEARS, "range"),
    "role": (state.K_ROLE, "list"), "q": (state.K_SEARCH, "str"),
}
PAGE_CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "overview": {"yfrom": ("overview_from", "int"), "yto": ("overview_to", "int"), "alert": ("overview_alert", "str")},
    "themes": {"theme": ("theme_pick", "str"), "tdept": ("theme_dept", "str"), "tsec": ("theme_section", "str"),
               "metric": ("theme_metric", "str"), "trend": ("theme_trend_pick", "list")},
    "sentiment": {"ssec": ("sent_section", "str")},
    "keywords": {"kdept": ("kw_dept", "str"), "term": ("kw_term", "str")},
    "followthrough": {"fdept": ("ft_dept", "str"), "status": ("ft_status", "str"), "fsec": ("ft_section", "str")},
    "documents": {"doc": (state.K_DOC, "str"), "mark": ("doc_mark", "int")},
    "person": {"emp": ("person_emp", "str"), "pyear": ("person_year", "str")},
    "compare": {f"{side}{p}": (f"cmp_{side}_{p}", kind) for side in "ab"
                for p, kind in (("dept", "list"), ("team", "list"), ("role", "list"), ("from", "str"), ("to", "str"))},
}


def capture() -> None:
    """Remember the address this session was opened with (before the login page can lose it)."""
    if K_LINK not in st.session_state:
        st.session_state[K_LINK] = {k: st.query_params.get_all(k) for k in st.query_params}


def open_view(page: str, params: dict[str, list[str]]) -> None:
    """Apply a saved view on the next run, exactly as if its link had been followed."""
    st.session_state[K_LINK] = {**params, PAGE: [page]}
    st.session_state[K_APPLIED] = False


def _decode(values: list[str], kind: str):
    if kind == "list":
        return [v for v in values if v]
    value = values[0] if values else ""
    if kind == "range":
        try:
            lo, hi = (int(x) for x in value.split("-", 1))
            return (min(lo, hi), max(lo, hi))
        except ValueError:
            return None
    if kind == "int":
        try:
            return int(value)
        except ValueError:
            return None
    return value


def restore(pages: dict[str, str], current: str) -> None:
    """Once per session (and after a saved view is opened): the remembered address into widget state,
    and to the page it names when the reader may open it (``pages``: url stem → script path)."""
    if st.session_state.get(K_APPLIED):
        return
    st.session_state[K_APPLIED] = True
    link = st.session_state.get(K_LINK) or {}
    if not link:
        return
    choices = dict(SIDEBAR)
    for keys in PAGE_CHOICES.values():
        choices.update(keys)
    for param, (key, kind) in choices.items():
        if param in link:
            value = _decode(link[param], kind)
            if value is not None and value != "":
                st.session_state[key] = value
        elif param in SIDEBAR:  # a whole view: a filter it leaves out is "all"
            if kind == "range":
                st.session_state.pop(key, None)
            else:
                st.session_state[key] = [] if kind == "list" else ""
    st.session_state[K_ASKED] = {param: _decode(link.get(param, []), "list") for param in ("dept", "team", "role")}
    target = (link.get(PAGE) or [""])[0]
    if target and target != current:
        if target in pages:
            st.switch_page(pages[target])
        else:
            st.session_state[K_DENIED] = next((p.title for p in state.PAGES if Path(p.path).stem == target), "")


def deny(title: str, home: str) -> None:
    """The address names a page this reader's role may not open: go to the first page and say why."""
    st.session_state[K_DENIED] = title
    st.switch_page(home)


def denied_page() -> None:
    """Never shown: the router switches away from a denied page before it runs (``deny``)."""
    st.stop()


def notice() -> None:
    """Say once, on the page, that the address asked for more than this reader may see."""
    asked = st.session_state.pop(K_ASKED, None) or {}
    denied = st.session_state.pop(K_DENIED, None)
    names = {"dept": "部门", "team": "班组", "role": "岗位"}
    lost = []
    for param, values in asked.items():
        shown = st.session_state.get(SIDEBAR[param][0], [])
        missing = [v for v in values if v not in shown]
        if missing:
            lost.append(f"{names[param]}：{'、'.join(md(v) for v in missing)}")
    if lost:
        st.info(f"链接中的筛选（{'；'.join(lost)}）超出了你的查看权限或已不存在，下面显示的是你有权查看的范围。",
                icon=":material/link_off:")
    if denied is not None:
        page = f"“{denied}”页" if denied else "页面"
        st.info(f"链接指向的{page}你的账号无权打开，已显示首页。", icon=":material/link_off:")


def _encode(value, kind: str) -> list[str]:
    if value is None:
        return []
    if kind == "list":
        return [str(v) for v in value]
    if kind == "range":
        return [f"{int(value[0])}-{int(value[1])}"]
    return [str(value)] if str(value) != "" else []


def current_params(page: str) -> dict[str, list[str]]:
    """The address of what is on screen: sidebar filters and the page's own choices."""
    out: dict[str, list[str]] = {PAGE: [page]}
    f = st.session_state.get(state.K_FILTERS)
    for param, (key, kind) in SIDEBAR.items():
        if param == "years" and (f is None or not f.years):
            continue  # the full range is the default
        values = _encode(st.session_state.get(key), kind)
        if values:
            out[param] = values
    for param, (key, kind) in PAGE_CHOICES.get(page, {}).items():
        values = _encode(st.session_state.get(key), kind)
        if values:
            out[param] = values
    return out


def publish(page: str) -> None:
    """Write the view into the address (only when it changed: each write is a message to the browser)."""
    params = current_params(page)
    now = {k: st.query_params.get_all(k) for k in st.query_params}
    if now != params:
        st.query_params.from_dict(params)


def saved_views_sidebar(user: str, page: str) -> None:
    """我的视图: save the view on screen under a name, open or delete a saved one."""
    from analysis.access import views

    path = views.views_path(state.store_path())
    mine = views.of_user(path, user)
    with st.sidebar.expander("我的视图", icon=":material/bookmarks:"):
        name = st.text_input("名称", key="view_name", placeholder="如：销售部 2024 回款")
        if st.button("保存当前视图", key="view_save", icon=":material/bookmark_add:", width="stretch"):
            try:
                views.save(path, user, name, page, current_params(page))
                st.session_state["_view_flash"] = f"已保存视图“{name.strip()}”"
                st.rerun()
            except (ValueError, OSError) as exc:
                st.error(f"无法保存：{md(exc)}")
        if st.session_state.get("_view_flash"):
            st.caption(st.session_state.pop("_view_flash"))
        if mine:
            names = list(mine)
            if st.session_state.get("view_pick") not in names:
                st.session_state["view_pick"] = names[-1]
            pick = st.selectbox("已保存的视图", names, key="view_pick")
            a, b = st.columns(2)
            if a.button("打开", key="view_open", width="stretch"):
                view = mine[pick]
                open_view(view.get("page", ""), view.get("params", {}))
                st.rerun()
            if b.button("删除", key="view_delete", width="stretch"):
                views.delete(path, user, pick)
                st.rerun()
        else:
            st.caption("还没有保存的视图。当前页面的地址本身也可以直接复制给同事（对方按自己的权限查看）。")


def page_stem(path: str) -> str:
    return Path(path).stem
