"""员工: one employee across the years — sentiment by section, themes against the department, concreteness,
copy flags, every plan beside what the next year says about it, and the documents to open.

The person is a (department, name) pair picked from the employees within the sidebar's filters; their
own documents are read by ``Filters.employees`` (a metadata filter, not a text search), every year.
"""
from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from analysis.access.scope import Filters
from analysis.schema import SECTIONS
from ui import charts, data, state
from ui.markdown import md
from ui.widgets import COLUMN_NAMES, HELP, chart_point, copy_source, evidence_table, num, pct, score, wrap_height

K_SEARCH, K_PICK, K_YEAR = "person_search", state.K_PERSON, "person_year"
K_SENT, K_HEAT, K_PLANS, K_DOCS = "person_sent", "person_heat", "person_plans", "person_docs"
K_DRILL = "_person_drill"  # what the last click on a chart asked to see: (kind, year, value)


def _label(row) -> str:
    years = "、".join(str(y) for y in row.years if y) if row.years is not None else ""
    team = f" · {row.team}" if row.team else ""
    return f"{row.employee} · {row.department}{team} · {years or '年份不详'}"


def _drill(kind: str) -> None:
    """A click on a chart chooses the sentences listed under the charts."""
    point = chart_point(K_SENT if kind == "section" else K_HEAT)
    if point:
        if kind == "section":
            st.session_state[K_DRILL] = ("section", int(point["x"]), point.get("legendgroup") or "")
        else:
            st.session_state[K_DRILL] = ("theme", int(point["y"]), point["x"])


def _open_from(table_key: str, rows_of, opener) -> None:
    rows = st.session_state[table_key].selection.rows
    if rows:
        opener(rows_of(rows[0]))


st.title("员工")
f = state.filters()
st.caption("选择一名员工，查看其历年总结。员工按“部门 + 姓名”区分（同名的人在不同部门是不同的人）；"
           "候选名单受左侧筛选影响，选中后显示此人所有年份的总结。")

c1, c2 = st.columns([1, 2])
st.session_state.setdefault(K_SEARCH, "")
search = c1.text_input("按姓名查找", key=K_SEARCH, placeholder="输入姓名中的字").strip()
people = data.people(f, search)
asked = st.session_state.get(K_PICK)
if people.empty:
    who = f"姓名含“{search}”的员工" if search else "文档（或文档都没有署名）"
    st.info(f"当前筛选条件下没有{who}（{state.describe(f)}）。请在左侧放宽筛选条件，或换一个姓名。",
            icon=":material/person_off:")
    st.stop()
labels = {state.person_key(r.department, r.employee): _label(r) for r in people.itertuples()}
if asked and asked not in labels:
    dept, _, name = asked.partition("|")
    # a link to someone outside this reader's departments must not reveal anything about them
    reachable = not data.people(Filters(departments=(dept,)), name).empty if dept else False
    if reachable:
        labels = {asked: f"{name} · {dept}（不在当前筛选范围内）", **labels}
    else:
        st.info("链接中的员工不在你的查看范围内，或没有署名的总结；请从下拉框中选择。", icon=":material/link_off:")
        st.session_state[K_PICK] = next(iter(labels))
if st.session_state.get(K_PICK) not in labels:
    st.session_state[K_PICK] = next(iter(labels))
key = c2.selectbox(f"员工（{len(people):,} 人）", list(labels), key=K_PICK, format_func=labels.get)
department, _, employee = key.partition("|")
pf = data.person_filter(department, employee)
docs = data.documents(pf).sort_values("year")
if docs.empty:
    st.info("没有可显示的总结。", icon=":material/person_off:")
    st.stop()

st.subheader(f"{md(employee)} · {md(department)}")
latest = docs.iloc[-1]
st.caption(" · ".join(x for x in [f"班组：{latest['team']}" if latest["team"] else "",
                                   f"岗位：{latest['role']}" if latest["role"] else "",
                                   f"{len(docs)} 篇总结（{docs['year'].min()}–{docs['year'].max()}）"] if x))
c = st.columns(5)
c[0].metric("总结篇数", num(len(docs)), border=True)
c[1].metric("平均情感", score(docs["sentiment_mean"].mean()), border=True)
c[2].metric("平均具体度", f"{docs['concreteness'].mean():.1f}" if docs["concreteness"].notna().any() else "—",
            border=True, help=HELP["具体度"])
c[3].metric("疑似抄袭", num((docs["copy_kind"].fillna("") != "").sum()), border=True)
rated = docs["follow_through"].dropna()
c[4].metric("计划落实率", pct(rated.mean() if len(rated) else None), border=True,
            help="各年计划在下一年总结中的落实率（落实 + ½ 部分落实）的平均")

# ---------------------------------------------------------------- sentiment and themes per year
left, right = st.columns(2)
with left:
    sent = data.section_sentiment(pf, by=("year",))
    if sent.empty:
        st.info("没有可计算情感的句子。")
    else:
        fig = charts.bar(sent.assign(year=sent["year"].astype(str)), x="year", y="sentiment_mean", color="section",
                         title="各年各段落的平均情感（0–1 全量程，点击柱子查看句子）", text=".2f", bounds=(0.0, 1.0),
                         labels={"year": "年份", "sentiment_mean": "平均情感", "section": "段落"},
                         category_orders={"section": list(SECTIONS)}, color_map=charts.SECTION_COLORS)
        fig.update_xaxes(type="category")
        st.plotly_chart(fig, key=K_SENT, on_select=partial(_drill, "section"), selection_mode="points")
with right:
    mine = data.person_themes(department, employee)
    mine = mine[mine["year"] > 0]
    years = sorted(int(y) for y in mine["year"].unique())
    if not years:
        st.info("总结没有年份信息。")
    else:
        heat = charts.heat_grid(mine.assign(year=mine["year"].astype(str)), x="theme", y="year", z="per_1000_chars",
                                x_order=list(data.theme_keys()), y_order=[str(y) for y in years], value_format=".1f",
                                title="各年谈到各主题的句子（每千字，点击格子查看句子）",
                                labels={"theme": "主题", "year": "年份", "per_1000_chars": "每千字句数"})
        heat.update_yaxes(type="category")  # years are rows, not a number line
        st.plotly_chart(heat, key=K_HEAT, on_select=partial(_drill, "theme"), selection_mode="points")

st.markdown("**主题：本人与所在部门对比**（每千字提及该主题的句子数；部门为同年全部门文档）")
dept_rates = data.groups(Filters(departments=(department,)), by=("year",))
if len(mine):
    wide = mine.pivot_table(index="theme", columns="year", values="per_1000_chars").reindex(list(data.theme_keys()))
    rows = []
    for theme in data.theme_keys():
        row = {"主题": theme}
        for y in years:
            me = wide.loc[theme, y] if y in wide.columns else None
            them = dept_rates.loc[dept_rates["year"] == y, f"{theme}_千字"]
            them = them.iloc[0] if len(them) else None
            row[f"{y} 本人"] = me
            row[f"{y} 部门"] = them
        rows.append(row)
    compared = pd.DataFrame(rows)
    st.dataframe(compared, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.1f") for c in compared.columns[1:]})
    if "suppressed" in dept_rates and dept_rates["suppressed"].any():
        st.caption("部分年份所在部门人数不足最小报告人数，部门对比值不显示。")

drill = st.session_state.get(K_DRILL)
if drill:
    kind, year, value = drill
    doc_ids = tuple(docs.loc[docs["year"] == year, "doc_id"])
    scope = Filters(doc_ids=doc_ids) if doc_ids else pf
    if kind == "section":
        ev = data.evidence(scope, section=value or None, limit=200)
        what = f"{year} 年“{md(value)}”段落的句子"
    else:
        ev = data.evidence(scope, theme=value, limit=200)
        what = f"{year} 年谈到“{md(value)}”的句子"
    st.markdown(f"**{what}**")
    evidence_table(ev, "person_ev", empty=f"{what}：没有。",
                   columns=["year", "section", "text", "sentiment", "label", "themes"],
                   theme=value if kind == "theme" else None)

# ---------------------------------------------------------------- concreteness and copies
st.subheader("具体度与抄袭标记")
flags = docs[["doc_id", "year", "concreteness", "copy_kind", "copy_similarity", "copy_of", "placeholders"]].copy()
sources = data.copied_documents(pf)
who = {r.doc_id: copy_source(r) for r in sources.itertuples()}
flags["source"] = [who.get(d, "") for d in flags["doc_id"]]
st.dataframe(flags.drop(columns=["doc_id", "copy_of"]).rename(columns={
    **COLUMN_NAMES, "concreteness": "具体度", "copy_kind": "抄袭来源类型", "copy_similarity": "重合度",
    "source": "抄自"}),
    hide_index=True, width="stretch",
    column_config={"年份": st.column_config.NumberColumn(format="%d", width="small"),
                   "具体度": st.column_config.ProgressColumn(min_value=0.0, max_value=100.0, format="%.1f",
                                                          help=HELP["具体度"]),
                   "重合度": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent",
                                                          help=HELP["重合度"]),
                   "模板占位符": st.column_config.NumberColumn(help=HELP["模板占位符"]),
                   "抄自": st.column_config.TextColumn(width="medium")})
copied = flags[flags["copy_kind"].fillna("") != ""]
for row in copied.itertuples():
    with st.expander(f"{row.year} 年的总结与来源逐句对照（{row.copy_kind}，重合度 {pct(row.copy_similarity)}）"):
        passages = data.copy_passages(row.doc_id)
        st.dataframe(passages[["text", "source_text", "ratio"]].rename(
            columns={"text": "本文", "source_text": "来源", "ratio": "相似度"}), hide_index=True, width="stretch",
            column_config={"相似度": st.column_config.NumberColumn(format="%.2f")})
        if st.button("在“原创性”页查看", key=f"person_orig_{row.doc_id}", icon=":material/content_copy:"):
            st.session_state["orig_kind"] = "全部来源"
            st.session_state["orig_doc"] = row.doc_id
            st.switch_page("pages/originality.py")

# ---------------------------------------------------------------- plans and follow-through
st.subheader("历年计划与下一年的对应")
pairs = data.follow_pairs(pf)
if pairs.empty:
    st.info("没有能与下一年总结对照的计划（需要相邻两年的总结，且计划里有具体目标）。")
else:
    pairs = pairs.sort_values(["year", "idx"]).reset_index(drop=True)
    shown = pairs.assign(
        years=[f"{r.year}→{r.next_year}" for r in pairs.itertuples()],
        evidence_text=pairs["evidence_text"].fillna("（下一年的总结里没有找到对应的句子）"),
    )
    st.dataframe(
        shown[["years", "plan_text", "status", "evidence_text", "evidence_section"]].rename(
            columns={"years": "年份", "plan_text": "第 N 年的计划", "status": "判断",
                     "evidence_text": "第 N+1 年的对应句", "evidence_section": "所在段落"}),
        hide_index=True, width="stretch", key=K_PLANS, selection_mode="single-row",
        row_height=wrap_height([*shown["plan_text"], *shown["evidence_text"]], 330),
        on_select=partial(_open_from, K_PLANS, lambda i: pairs.iloc[i],
                          lambda r: st.session_state.update(person_plan=int(r.name))),
        column_config={"年份": st.column_config.TextColumn(width=90),
                       "第 N 年的计划": st.column_config.TextColumn(width=330),
                       "第 N+1 年的对应句": st.column_config.TextColumn(width=330)})
    plan_labels = {i: f"{r.year} 年：{r.plan_text[:30]}（{r.status}）" for i, r in pairs.iterrows()}
    if st.session_state.get("person_plan") not in plan_labels:
        st.session_state["person_plan"] = next(iter(plan_labels))
    pick, b1, b2 = st.columns([2, 1, 1], vertical_alignment="bottom")  # room for each button's whole label
    chosen = pick.selectbox("计划（点表格中的行也可以选中）", list(plan_labels), key="person_plan",
                            format_func=plan_labels.get)
    r = pairs.loc[chosen]
    if b1.button("打开计划原文", key="person_open_plan", icon=":material/open_in_new:", width="stretch"):
        state.open_document(r["doc_id"], r["idx"])
    if b2.button("打开下一年对应句", key="person_open_next", icon=":material/east:", width="stretch",
                 disabled=bool(pd.isna(r["evidence_idx"]))):
        state.open_document(r["next_doc_id"], r["evidence_idx"])

# ---------------------------------------------------------------- documents
st.subheader("总结列表")
table = docs.sort_values("year", ascending=False).reset_index(drop=True)
st.dataframe(table[["year", "team", "role", "chars", "sentiment_mean", "neg_share", "source_file"]]
             .rename(columns=COLUMN_NAMES), hide_index=True, width="stretch", key=K_DOCS,
             selection_mode="single-row",
             on_select=partial(_open_from, K_DOCS, lambda i: table.iloc[i]["doc_id"],
                               lambda d: st.session_state.update(person_doc=d)),
             column_config={"年份": st.column_config.NumberColumn(format="%d"),
                            "平均情感": st.column_config.NumberColumn(format="%.3f"),
                            "负面句占比": st.column_config.NumberColumn(format="percent")})
doc_labels = {r.doc_id: f"{r.year} 年 · {r.source_file}" for r in table.itertuples()}
if st.session_state.get("person_doc") not in doc_labels:
    st.session_state["person_doc"] = next(iter(doc_labels))
pick, button = st.columns([4, 1], vertical_alignment="bottom")
pick.selectbox("打开总结（点表格中的行也可以打开）", list(doc_labels), key="person_doc", format_func=doc_labels.get)
if button.button("打开文档", key="person_open", icon=":material/open_in_new:", width="stretch"):
    state.open_document(st.session_state["person_doc"])
