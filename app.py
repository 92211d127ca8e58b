"""YearEnd Insight dashboard: the router (``streamlit run app.py``).

Runs on every page: page config, the login gate and the pages the reader's role may open
(ui/auth.py; st.navigation does not discover pages/ by itself), the shared sidebar filters, then the
chosen page. The store path comes from ``$YEAREND_STORE``
(default data/insights.duckdb); without a store the page explains how to build one.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from analysis.store import snapshot
from ui import auth, chrome, data, downloads, links, state

st.set_page_config(page_title="年终洞察 · YearEnd Insight", page_icon=":material/insights:", layout="wide",
                   initial_sidebar_state="expanded")
chrome.frame()  # the uploader's English texts in Chinese; the served CJK font in place

auth.guard_clear_cache()  # a browser's clear-cache request empties every user's caches: HR admin only
downloads.guard()  # no unlogged table-toolbar CSV; a generated file is served briefly, then dropped
st.set_option("client.showErrorDetails", "none")  # never a traceback with server paths in the page
links.capture()  # the address this session was opened with, before the login page
reader = auth.gate()  # the login page (and stop) until someone is signed in; single-user mode without users
pages = [p for p in state.PAGES if reader.role in p.roles]
# the pages this role may not open keep their address (hidden from the menu), so a link to one says so
denied = {Path(p.path).stem: p.title for p in state.PAGES if reader.role not in p.roles}
# expanded: with sixteen pages Streamlit would otherwise fold everything past the tenth behind "View more"
page = st.navigation([st.Page(p.path, title=p.title, icon=p.icon, default=(i == 0)) for i, p in enumerate(pages)]
                     + [st.Page(links.denied_page, title=title, url_path=stem, visibility="hidden")
                        for stem, title in denied.items()], expanded=True)
if page.url_path in denied:
    links.deny(denied[page.url_path], pages[0].path)
stems = {Path(p.path).stem: p.path for p in pages}
current = page.url_path or Path(pages[0].path).stem
st.sidebar.markdown("### 年终洞察")
auth.sidebar(reader)

path = state.store_path()

def _empty(path) -> bool:
    try:
        return not snapshot.exists(path) or data.store_info()["documents"] == 0
    except Exception:  # a damaged file is explained below
        return False


if page.url_path == Path(state.CORPUS_PAGE).stem and _empty(path):
    st.session_state[state.K_ROUTED] = True  # uploading is how an empty store gets its first documents
    try:
        page.run()
    finally:
        st.session_state[state.K_ROUTED] = False
    st.stop()
if not snapshot.exists(path):
    st.title("年终洞察 · YearEnd Insight")
    st.warning(
        f"还没有分析数据：找不到数据库文件 `{path}`。\n\n"
        "请先在项目目录运行 `make run`（会自动构建示例数据并启动本看板），"
        "或运行 `python -m analysis build --corpus corpus` 分析 corpus/ 中的年终总结，然后刷新本页；"
        "也可以在“语料管理”页直接上传年终总结。\n\n"
        f"如数据库在其他位置，请设置环境变量 `{state.STORE_ENV}` 指向它。",
        icon=":material/database_off:",
    )
    st.stop()

try:
    facets = data.facets()
    info = data.store_info()
except Exception as exc:  # a damaged or foreign file: say so instead of a traceback
    st.error(f"无法读取数据库 `{path}`：{exc}\n\n请重新运行 `python -m analysis build` 生成数据库。",
             icon=":material/error:")
    st.stop()

if info["documents"] == 0:
    st.info("数据库中还没有文档。请在“语料管理”页上传年终总结，"
            "或把它们放进 corpus/（按 `年份/部门/姓名_班组.txt` 存放），然后运行 `python -m analysis build`。",
            icon=":material/inbox:")
    st.stop()

links.restore(stems, current)  # a link or refreshed tab: its filters and choices, once per session
state.sidebar(facets)
links.saved_views_sidebar(reader.user, current)
if reader.restricted:
    st.sidebar.caption(f"数据更新于 {info['built_at'] or '未知'}")
else:
    st.sidebar.caption(f"数据库：{info['documents']:,} 篇文档 · 更新于 {info['built_at'] or '未知'}"
                       + (f" · {info['failures']} 个文件未能分析" if info["failures"] else ""))
st.session_state[state.K_ROUTED] = True
links.notice()
try:
    page.run()
    links.publish(current)
except BaseException as exc:
    if type(exc).__name__ == "StopException":  # st.stop(): the page said why it shows nothing
        links.publish(current)
    raise
finally:
    st.session_state[state.K_ROUTED] = False
