"""主题: department × theme heat map, trends by year, split by section, and the evidence sentences."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from analysis.schema import SECTIONS
from ui import charts, data, state
from ui.markdown import md
from ui.widgets import HELP, chart_point, click_hint, evidence_table, filter_caption, hidden_note, require_documents

# label → (column suffix in data.groups, number format, what the colour means). The first is the default:
# the one that shows where departments differ (issue 12); the others stay selectable.
LIFT = "相对全公司"
METRICS = {
    LIFT: ("句占比", ".2f", "该部门谈到此主题的句子占比是全公司的几倍"),
    "句子占比": ("句占比", ".1%", "该部门的句子中谈到此主题的占比"),
    "文档覆盖率": ("覆盖率", ".0%", "提及该主题的文档占比"),
    "千字提及率": ("千字", ".1f", "每千字中提及该主题的句子数"),
}
EXPLAIN = (
    "**怎么读这张图**：默认的“相对全公司”是 该部门句子中谈到此主题的占比 ÷ 全公司（你有权查看的全部部门，"
    "年份、岗位、检索条件与当前筛选相同；侧边栏选了部门也仍与全公司比较）"
    "的同一占比。1.0 表示和全公司一样常谈，2.0 表示是全公司的两倍（蓝色越深越多），0.5 表示只有一半（橙色越深越少）。"
    "几乎每份年终总结都会在某处提到团队、学习和制度，所以“文档覆盖率”在各部门都接近 100%，看不出差别；"
    "比较的是每个部门写的内容里有多大比重在谈这个主题。只有实质谈到主题的句子才算："
    "标题（如“三、团队建设”）和只有套话的句子不计入。"
)
ALL_DEPTS, ALL_SECTIONS = "全部部门", "全部段落"
UNKNOWN = "（未填部门）"
K_HEAT, K_THEME, K_DEPT, K_SECTION, K_METRIC = "theme_heat", "theme_pick", "theme_dept", "theme_section", "theme_metric"
K_TREND = "theme_trend_pick"  # the themes drawn on the trend chart (several: one line each)


def _from_heat() -> None:
    """A clicked cell picks the theme and department of the drill-down below."""
    point = chart_point(K_HEAT)
    if point:
        st.session_state[K_THEME] = point["x"]
        st.session_state[K_DEPT] = point["y"]


st.title("主题")
f = state.filters()
figures = require_documents(f)
filter_caption(f, figures)

if st.session_state.get(K_METRIC) not in METRICS:
    st.session_state[K_METRIC] = LIFT
metric = st.radio("热力图指标", list(METRICS), key=K_METRIC, horizontal=True,
                  help="相对全公司：句子占比 ÷ 全公司的句子占比；句子占比：谈到该主题的句子占全部句子的比例；"
                       f"文档覆盖率：提及该主题的文档占比；千字提及率：{HELP['千字提及率']}")
suffix, fmt, meaning = METRICS[metric]
all_themes = list(data.theme_keys())  # the ten, then HR's added themes (主题管理)

per_dept = data.groups(f, by=("department",))
per_dept = per_dept.assign(department=per_dept["department"].replace("", UNKNOWN))
departments = list(per_dept["department"])
if metric == LIFT:
    long = data.theme_lift(f)[["department", "theme", "ratio"]].rename(columns={"ratio": "value"})
    long = long.assign(department=long["department"].replace("", UNKNOWN))
else:
    long = per_dept.melt(id_vars=["department"], value_vars=[f"{t}_{suffix}" for t in all_themes],
                         var_name="theme", value_name="value")
    long["theme"] = long["theme"].str.removesuffix(f"_{suffix}")
st.plotly_chart(
    charts.heat_grid(long, x="theme", y="department", z="value", x_order=all_themes, y_order=departments,
                     value_format=fmt, title=f"部门 × 主题：{meaning}" + click_hint("（点击格子查看证据句）"),
                     labels={"theme": "主题", "department": "部门", "value": metric},
                     midpoint=1.0 if metric == LIFT else None, hint=click_hint("点击查看证据句")),
    key=K_HEAT, on_select=_from_heat, selection_mode="points",
)
st.caption(EXPLAIN)

st.subheader("下钻：主题 × 部门 × 段落")
taxonomy = data.taxonomy_themes()
if st.session_state.get(K_THEME) not in all_themes:
    st.session_state[K_THEME] = all_themes[0]
if st.session_state.get(K_DEPT) not in [ALL_DEPTS, *departments]:
    st.session_state[K_DEPT] = ALL_DEPTS
st.session_state.setdefault(K_SECTION, ALL_SECTIONS)
c1, c2, c3 = st.columns(3)
theme = c1.selectbox("主题", all_themes, key=K_THEME)
dept = c2.selectbox("部门", [ALL_DEPTS, *departments], key=K_DEPT)
section = c3.selectbox("段落", [ALL_SECTIONS, *SECTIONS], key=K_SECTION)
st.caption(f"**{theme}**：{taxonomy.get(theme, {}).get('description', '')}")

scope = f if dept == ALL_DEPTS else replace(f, departments=("" if dept == UNKNOWN else dept,))

left, right = st.columns(2)
with left:
    # the trend: one theme per department, or several themes at once (one line each, over the chosen department)
    # a new theme picked above (or a cell clicked) starts the trend again from it; a link's choice is kept
    renewed = st.session_state.get("_theme_trend_for", theme) != theme
    st.session_state["_theme_trend_for"] = theme
    kept = st.session_state.get(K_TREND)
    if renewed or not isinstance(kept, list) or set(kept) - set(all_themes):
        st.session_state[K_TREND] = [theme] if theme in all_themes else []
    picked = st.multiselect("趋势图的主题（可多选）", all_themes, key=K_TREND, placeholder="选择主题",
                            help="选一个主题时每个部门一条线；选几个主题时每个主题一条线（所选部门或全部部门）",
                            select_all=False)
    trend_metric = "句子占比" if metric == LIFT else metric  # a ratio to the company is per filter, not per year
    trend_suffix = METRICS[trend_metric][0]
    several = len(picked) > 1
    trend = data.groups(scope if several else f, by=("year",) if several else ("department", "year"))
    trend = trend[trend["year"] > 0]
    if not picked:
        st.info("在上面选择一个或几个主题，即可画出逐年趋势。")
    elif trend.empty:
        st.info("文档没有年份信息（或所在分组人数不足最小报告人数，已隐藏），无法画出趋势。")
    elif several:
        long = trend.melt(id_vars=["year"], value_vars=[f"{t}_{trend_suffix}" for t in picked],
                          var_name="theme", value_name="value")
        long["theme"] = long["theme"].str.removesuffix(f"_{trend_suffix}")
        st.plotly_chart(
            charts.line(long, x="year", y="value", color="theme", percent=METRICS[trend_metric][1].endswith("%"),
                        title=f"{len(picked)} 个主题的逐年趋势（{trend_metric}，{dept}）",
                        labels={"year": "年份", "value": trend_metric, "theme": "主题"}),
            key="theme_trend",
        )
    else:
        one = picked[0]
        trend = trend.assign(department=trend["department"].replace("", UNKNOWN))
        st.plotly_chart(
            charts.line(trend, x="year", y=f"{one}_{trend_suffix}", color="department",
                        percent=METRICS[trend_metric][1].endswith("%"),
                        title=f"“{one}”逐年趋势（{trend_metric}）",
                        labels={"year": "年份", f"{one}_{trend_suffix}": trend_metric, "department": "部门"}),
            key="theme_trend",
        )
with right:
    split = data.theme_section_totals(scope)
    if split.empty:
        st.info(f"所选范围内没有带主题的句子{hidden_note(figures)}。")
    else:
        st.plotly_chart(
            charts.bar(split, x="theme", y="sentences", color="section", barmode="stack", text=False,
                       title=f"各段落中的主题句数（{dept}）",
                       labels={"theme": "", "sentences": "句数", "section": "段落"},
                       category_orders={"section": list(SECTIONS), "theme": all_themes},
                       color_map=charts.SECTION_COLORS),
            key="theme_sections",
        )

st.subheader("证据句")
evidence = data.evidence(scope, theme=theme, section=None if section == ALL_SECTIONS else section, limit=200)
where = md(dept) + ("" if section == ALL_SECTIONS else f"的“{section}”段落")
if len(evidence):
    more = "（只列出前 200 句，可缩小筛选范围）" if len(evidence) >= 200 else ""
    st.caption(f"{where}中谈到“{theme}”的句子：{len(evidence)} 句{more}。选中一行即可打开所在文档。")
evidence_table(evidence, "theme_ev", empty=f"{where}中没有谈到“{theme}”的句子。可以换一个主题、部门或段落。",
               theme=theme)
