"""情感: sentiment by department and year, by section, its trend, and the extreme sentences as evidence."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from analysis.schema import LABEL_NAMES, SECTIONS
from ui import auth, charts, data, state
from ui.markdown import md
from ui.widgets import HELP, chart_point, click_hint, evidence_table, filter_caption, pct, require_documents, score

ALL_SECTIONS = "全部段落"
EVIDENCE_COLUMNS = ["employee", "department", "year", "section", "text", "sentiment"]
K_POINT = "sentiment_point"  # (department, year) of the trend point clicked


def _from_trend() -> None:
    point = chart_point("sentiment_trend")
    if point:
        st.session_state[K_POINT] = (point.get("legendgroup") or "", int(point["x"]))


def _from_sections() -> None:
    point = chart_point("sentiment_sections")
    if point:
        st.session_state["sent_section"] = str(point["x"])


def _evidence(f, label: str):
    """The most positive or most negative sentences listed at the bottom: of the section chosen there, and of the
    trend point clicked (its department and year) when there is one."""
    section = st.session_state.get("sent_section", ALL_SECTIONS)
    point = st.session_state.get(K_POINT)
    if point:
        dept, year = point
        f = replace(f, departments=(dept,) if dept else f.departments, years=(year, year))
    return data.evidence(f, section=None if section == ALL_SECTIONS else section, label=label, order=label,
                         limit=15)


st.title("情感")
f = state.filters()
# the page's five reads are independent: started at once (ui.data.prefetch), asked below in the page's order
data.prefetch(lambda: data.sentiment_box(f), lambda: data.section_sentiment(f),
              lambda: data.groups(f, by=("department", "year")),
              *([lambda: _evidence(f, "pos"), lambda: _evidence(f, "neg")] if auth.access().may_read_text else []))
figures = require_documents(f)
filter_caption(f, figures)
st.caption("情感分在 0 到 1 之间，越高越积极。年终总结在“不足”段落里自我批评是正常的，"
           "所以请按段落阅读：不足段落偏负面并不代表员工不满。")

c = st.columns(3)
c[0].metric("平均情感", score(figures["sentiment_mean"]), border=True, help=HELP["平均情感"])
c[1].metric("正面句占比", pct(figures["pos_share"]), border=True, help="每篇文档中正面句的占比，对文档取平均")
c[2].metric("负面句占比", pct(figures["neg_share"]), border=True, help="每篇文档中负面句的占比，对文档取平均")

left, right = st.columns(2)
with left:
    boxes = data.sentiment_box(f)
    if boxes.empty:  # a viewer sees no per-document figures
        st.info("逐篇文档的情感分布只对 HR 管理员和部门负责人显示。", icon=":material/visibility_off:")
    else:
        boxes = boxes.assign(year=boxes["year"].map(lambda y: str(y) if y else "年份不详"))
        st.plotly_chart(
            charts.box(boxes, x="department", color="year", title="各部门、各年份的文档情感分布",
                       labels={"department": "部门", "year": "年份", "documents": "文档数"}),
            key="sentiment_box",
        )
with right:
    by_section = data.section_sentiment(f)
    st.plotly_chart(
        charts.stacked_shares(by_section, x="section",
                              x_order=[s for s in SECTIONS if s in set(by_section["section"])],
                              shares={f"{k}_share": v for k, v in LABEL_NAMES.items()},
                              colors=charts.LABEL_COLORS,
                              title="各段落句子的情感倾向" + click_hint("（点击查看该段落的句子）")),
        key="sentiment_sections", on_select=_from_sections, selection_mode="points",
    )

trend = data.groups(f, by=("department", "year"))
trend = trend[trend["year"] > 0]
if trend["year"].nunique() >= 2:
    st.plotly_chart(
        charts.line(trend, x="year", y="sentiment_mean", color="department",
                    title="平均情感逐年趋势（0–1 全量程" + click_hint("，点击数据点查看句子") + "）", bounds=(0.0, 1.0),
                    labels={"year": "年份", "sentiment_mean": "平均情感", "department": "部门"}),
        key="sentiment_trend", on_select=_from_trend, selection_mode="points",
    )
else:
    st.info("当前筛选范围只有一个年份，无法画出逐年趋势。")

if not auth.access().may_read_text:
    st.info("你的账号只能查看汇总数据：最积极与最消极的句子（原文）只对 HR 管理员和部门负责人显示。",
            icon=":material/visibility_off:")
else:
    st.subheader("证据：最积极与最消极的句子")
    st.session_state.setdefault("sent_section", ALL_SECTIONS)
    st.selectbox("段落", [ALL_SECTIONS, *SECTIONS], key="sent_section")
    point = st.session_state.get(K_POINT)
    if point:
        dept, year = point
        a, b = st.columns([5, 1], vertical_alignment="center")
        a.caption(f"只看趋势图上选中的点：{md(dept) if dept else '全部部门'} · {year} 年")
        if b.button("取消", key="sent_point_clear"):
            st.session_state.pop(K_POINT, None)
            st.rerun()
    pos_col, neg_col = st.columns(2)
    with pos_col:
        st.markdown("**最积极的句子**")
        evidence_table(_evidence(f, "pos"), "sent_pos",
                       empty="所选范围内没有正面句。", columns=EVIDENCE_COLUMNS, narrow=True)
    with neg_col:
        st.markdown("**最消极的句子**")
        evidence_table(_evidence(f, "neg"), "sent_neg",
                       empty="所选范围内没有负面句。", columns=EVIDENCE_COLUMNS, narrow=True)
