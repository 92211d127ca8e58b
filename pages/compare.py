"""对比: two groups chosen freely (department, team, year range, role, or any combination) side by side —
theme rates with their difference and a test of it, sentiment by section, the words of each against
the other, and the sentences behind any difference clicked.

Each side is a ``Filters`` of its own, so the reader's scope and the reporting minimum apply to each
side as on every other page; the sidebar's filters do not apply here.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.access.scope import Filters
from analysis.query.compare import ALPHA
from analysis.schema import SECTIONS
from ui import auth, charts, data, state
from ui.markdown import md
from ui.widgets import HELP, chart_point, click_hint, evidence_table, hidden_note, num, pct, score

SIDES = {"a": "甲组", "b": "乙组"}
COLORS = {"甲组": "#3E6E8E", "乙组": "#D9A05B"}
K_THEMES, K_SENT, K_WORDS_A, K_WORDS_B = "cmp_theme_bar", "cmp_sent_bar", "cmp_words_a", "cmp_words_b"
K_DRILL = "cmp_drill"  # ("theme" | "section" | "term", value): the difference whose sentences are listed
ANY = "不限"


def _key(side: str, part: str) -> str:
    return f"cmp_{side}_{part}"


def _drill(chart: str, kind: str, field: str) -> None:
    point = chart_point(chart)
    if point and point.get(field) is not None:
        st.session_state[K_DRILL] = (kind, str(point[field]))


def _side(side: str, facets: pd.DataFrame, years: list[int], default_year: int | None) -> Filters:
    """The widgets of one group; returns its filters."""
    st.markdown(f"**{SIDES[side]}**")
    departments = sorted(v for v in facets["department"].unique() if v)
    for part, options in (("dept", departments),):
        key = _key(side, part)
        st.session_state[key] = [v for v in st.session_state.get(key, []) if v in options]
    chosen = st.multiselect("部门", departments, key=_key(side, "dept"), placeholder="全部部门", select_all=False)
    scope = facets[facets["department"].isin(chosen)] if chosen else facets
    teams = sorted(v for v in scope["team"].unique() if v)
    roles = sorted(v for v in scope["role"].unique() if v)
    for part, options in (("team", teams), ("role", roles)):
        key = _key(side, part)
        st.session_state[key] = [v for v in st.session_state.get(key, []) if v in options]
    team = st.multiselect("班组", teams, key=_key(side, "team"), placeholder="全部班组", select_all=False)
    role = st.multiselect("岗位", roles, key=_key(side, "role"), placeholder="全部岗位", select_all=False)
    labels = [ANY, *[str(y) for y in years]]
    for part in ("from", "to"):
        key = _key(side, part)
        if st.session_state.get(key) not in labels:
            st.session_state[key] = str(default_year) if default_year else ANY
    c1, c2 = st.columns(2)
    lo = c1.selectbox("起始年份", labels, key=_key(side, "from"))
    hi = c2.selectbox("截止年份", labels, key=_key(side, "to"))
    span = None
    if lo != ANY or hi != ANY:
        a = int(lo) if lo != ANY else years[0]
        b = int(hi) if hi != ANY else years[-1]
        span = (min(a, b), max(a, b))
    return Filters(departments=tuple(chosen), teams=tuple(team), roles=tuple(role), years=span)


st.title("对比")
state.filters()  # inside the router; the sidebar's filters are not used here
st.caption("自由选择两组（部门、班组、年份范围、岗位可任意组合，例如“销售部 2024 年”对“销售部 2025 年”，"
           "或“华东组”对“华南组”），并排比较主题、各段落情感和用词。左侧筛选不作用于本页。")

facets = data.facets()
years = sorted(int(y) for y in facets["year"].unique() if y)
cols = st.columns(2)
with cols[0]:
    fa = _side("a", facets, years, years[-2] if len(years) > 1 else None)
with cols[1]:
    fb = _side("b", facets, years, years[-1] if years else None)

sizes = {s: data.overview(f) for s, f in (("a", fa), ("b", fb))}
c = st.columns(2)
for col, s, f in ((c[0], "a", fa), (c[1], "b", fb)):
    fig = sizes[s]
    col.caption(f"{SIDES[s]}：{state.describe(f)} · {num(fig['documents'])} 篇文档 · {num(fig['employees'])} 名员工"
                + (" · 部分文档因人数不足最小报告人数未计入" if fig.get("suppressed") else ""))
empty = [SIDES[s] for s in sizes if sizes[s]["documents"] == 0]
if empty:
    st.info(f"{'、'.join(empty)}没有可统计的文档：该组为空，或人数不足最小报告人数（为保护个人隐私不单独统计）。"
            "请放宽这一组的条件，例如只按部门和年份选择。", icon=":material/visibility_off:")
    st.stop()

# ---------------------------------------------------------------- themes
st.subheader("主题：提及该主题的文档占比")
themes = data.compare_themes(fa, fb)
long = pd.concat([themes.assign(group=SIDES["a"], share=themes["a_share"]),
                  themes.assign(group=SIDES["b"], share=themes["b_share"])])
fig = charts.bar(long, x="theme", y="share", color="group", percent=True, color_map=COLORS,
                 title="两组提及各主题的文档占比（0–100%" + click_hint("，点击柱子查看两组的证据句") + "）",
                 labels={"theme": "", "share": "文档占比", "group": ""},
                 category_orders={"theme": list(themes["theme"])})
st.plotly_chart(fig, key=K_THEMES, on_select=lambda: _drill(K_THEMES, "theme", "x"), selection_mode="points")
table = themes.assign(
    甲组=[f"{pct(r.a_share)}（{r.a_documents}/{r.a_total}）" for r in themes.itertuples()],
    乙组=[f"{pct(r.b_share)}（{r.b_documents}/{r.b_total}）" for r in themes.itertuples()],
    差=[None if pd.isna(d) else d * 100 for d in themes["difference"]],
    检验=themes["method"].map({"z": "两比例 z 检验", "fisher": "Fisher 精确检验", "": "—"}),
    显著=[("是" if r.significant else "否") if r.p_value is not None and not pd.isna(r.p_value) else "—"
        for r in themes.itertuples()],
)
st.dataframe(table[["theme", "甲组", "乙组", "差", "p_value", "检验", "显著"]].rename(
    columns={"theme": "主题", "差": "差（百分点，甲−乙）", "p_value": "p 值"}), hide_index=True, width="stretch",
    key="cmp_theme_table",
    column_config={"差（百分点，甲−乙）": st.column_config.NumberColumn(format="%+.1f"),
                   "p 值": st.column_config.NumberColumn(format="%.3f")})
st.caption(f"“显著”指 p < {ALPHA}：两组的差异不太可能只是抽样的偶然。样本小（任一格期望数少于 5）时用 Fisher 精确检验，"
           "否则用两比例 z 检验。括号内为提及该主题的文档数 / 该组文档数。")

# ---------------------------------------------------------------- sentiment by section
st.subheader("各段落的情感")
sent = pd.concat([data.section_sentiment(f).assign(group=SIDES[s]) for s, f in (("a", fa), ("b", fb))])
if sent.empty:
    st.info("两组都没有可计算情感的句子。")
else:
    fig = charts.bar(sent, x="section", y="sentiment_mean", color="group", color_map=COLORS, text=".2f",
                     title="两组各段落的平均情感（0–1 全量程"
                           + click_hint("，点击柱子查看两组该段落最消极的句子") + "）",
                     bounds=(0.0, 1.0),
                     labels={"section": "段落", "sentiment_mean": "平均情感", "group": ""},
                     category_orders={"section": list(SECTIONS)})
    st.plotly_chart(fig, key=K_SENT, on_select=lambda: _drill(K_SENT, "section", "x"), selection_mode="points")

# ---------------------------------------------------------------- distinctive words
st.subheader("特色词：各组比另一组明显更常用的词")
st.caption(f"区分度(z)：{HELP['区分度(z)']}。")
words = data.distinctive_terms(fa, fb, top=15)
left, right = st.columns(2)
for col, s, chart in ((left, "a", K_WORDS_A), (right, "b", K_WORDS_B)):
    mine = words[words["group"] == s] if len(words) else words
    with col:
        if mine.empty:
            st.info(f"{SIDES[s]}没有足够的词（每个词至少出现 3 次）{hidden_note(sizes[s])}。")
            continue
        st.plotly_chart(
            charts.bar(mine, x="term", y="log_odds_z", horizontal=True, text=".1f",
                       title=f"{SIDES[s]}的特色词" + click_hint("（点击查看句子）"),
                       labels={"term": "", "log_odds_z": "区分度(z)"},
                       height=max(320, 26 * len(mine) + 80)),
            key=chart, on_select=lambda chart=chart: _drill(chart, "term", "y"), selection_mode="points")

# ---------------------------------------------------------------- evidence of the clicked difference
drill = st.session_state.get(K_DRILL)
reads_text = auth.access().may_read_text  # a viewer sees the figures only: no section promising sentences
if reads_text:
    st.subheader("证据句")
if not reads_text:
    pass
elif not drill:
    st.caption("点击上面任意一张图中的柱子，这里并排列出两组的相应句子。")
else:
    kind, value = drill
    shown = md(value)
    what = {"theme": f"谈到“{shown}”的句子", "section": f"“{shown}”段落中最消极的句子",
            "term": f"含“{shown}”的句子"}[kind]
    st.markdown(f"**{what}**")
    left, right = st.columns(2)
    for col, s, f in ((left, "a", fa), (right, "b", fb)):
        with col:
            st.markdown(SIDES[s])
            if kind == "theme":
                ev = data.evidence(f, theme=value, limit=100)
            elif kind == "section":
                ev = data.evidence(f, section=value, order="neg", limit=30)
            else:
                ev = data.keyword_hits(f, value, limit=100)
            evidence_table(ev, f"cmp_ev_{s}", empty=f"{SIDES[s]}没有{what}。",
                           columns=["employee", "department", "year", "text", "sentiment"],
                           theme=value if kind == "theme" else None, narrow=True)
st.caption(f"平均情感：甲组 {score(sizes['a']['sentiment_mean'])}，乙组 {score(sizes['b']['sentiment_mean'])}。")
