"""报告: a department's year (optionally one team), compared with the year before, as a PowerPoint deck with
native charts and as a Word document, each made on click and recorded in the audit log.

Thin: the choices come from ``ui.data.report_choices`` (the reader's departments), the content from
``ui.data.report`` (``analysis.report``: the same queries as the other pages, under the reader's scope and
the reporting minimum, masked for masked readers).
"""
from __future__ import annotations

import streamlit as st

from analysis.report.content import ReportError, Scope
from ui import data, state
from ui.markdown import md
from ui.widgets import require_documents

WHOLE = ""

st.title("报告")
f = state.filters()
require_documents(f)
st.caption("为部门会议准备的一份材料：选一个部门（可再选一个班组）和年份，与上一年对比，生成可编辑图表的 PowerPoint "
           "和便于打印归档的 Word。两份文件内容相同，每次下载都记入审计日志。")

choices = data.report_choices()
departments = sorted(d for d in choices["department"].unique() if d)
if not departments:
    st.info("没有可以生成报告的部门。", icon=":material/inbox:")
    st.stop()
if st.session_state.get("report_department") not in departments:
    chosen = [d for d in f.departments if d in departments]
    st.session_state["report_department"] = chosen[0] if chosen else departments[0]
c1, c2, c3 = st.columns(3)
department = c1.selectbox("部门", departments, key="report_department")
mine = choices[choices["department"] == department]
teams = [WHOLE, *sorted(t for t in mine["team"].unique() if t)]
if st.session_state.get("report_team") not in teams:
    st.session_state["report_team"] = WHOLE
team = c2.selectbox("班组", teams, key="report_team", format_func=lambda t: t or "整个部门")
years = sorted({int(y) for y in mine["year"] if y}, reverse=True)
if st.session_state.get("report_year") not in years:
    st.session_state["report_year"] = years[0] if years else None
year = c3.selectbox("年份", years, key="report_year", format_func=lambda y: f"{y} 年（对比 {y - 1} 年）")

scope = Scope(department, int(year), team)
try:
    report = data.report(scope)
except ReportError as exc:
    st.info(md(exc), icon=":material/visibility_off:")
    st.stop()

st.subheader(md(report.title))
st.caption(f"{report.now['documents']:,} 篇总结 · 数据版本 {report.data_version} · 最小报告人数 {report.min_group} 人"
           + (" · 电话、身份证号、邮箱等已脱敏" if report.masked else ""))
for note in report.notes:
    st.caption(f":material/info: {md(note)}")

b1, b2, _ = st.columns([1, 1, 2])
for col, fmt, label, icon, kind in ((b1, "pptx", "下载 PowerPoint", ":material/slideshow:", "primary"),
                                    (b2, "docx", "下载 Word", ":material/description:", "secondary")):
    name, mime, make = data.report_download(scope, fmt)
    col.download_button(label, make, file_name=name, mime=mime, key=f"report_{fmt}", icon=icon, on_click="ignore",
                        type=kind, width="stretch")

left, right = st.columns([3, 2])
with left:
    st.markdown("**关键数字**")
    st.dataframe(report.key_figures, hide_index=True, width="stretch", key="report_key_figures")
with right:
    st.markdown("**值得注意**")
    for alert in report.alerts or ["没有明显的变化或异常。"]:
        st.markdown(f"- {md(alert)}")
against = "与上一年和全公司比较" if report.company else "与上一年比较"
st.caption(f"报告的幻灯片：封面、关键数字、主题（{against}）、按段落的情感、大家怎么谈不足、大家怎么谈计划、"
           "原创性与范文占位符、计划落实、值得注意、方法与准确度；每页页脚有范围与数据版本。")
