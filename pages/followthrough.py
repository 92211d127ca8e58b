"""计划落实: what each section says (成绩 / 不足 / 计划), and whether last year's plans were carried out —
per department, with the plan sentence beside the next year's sentence that reports it."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.schema import FOLLOW_STATUSES, LABEL_NAMES
from ui import auth, charts, data, state
from ui.markdown import md
from ui.widgets import (
    COLUMN_NAMES,
    HELP,
    chart_point,
    click_hint,
    evidence_table,
    filter_caption,
    hidden_note,
    num,
    pct,
    require_documents,
    score,
    wrap_height,
)

PAIR_TEXT_PX = 230  # a plan and its follow-up side by side with six narrow columns: all fit the page
K_SECTION, K_WORD, K_DEPT, K_STATUS, K_PAIR = "ft_section", "ft_word", "ft_dept", "ft_status", "ft_pair"
READ_SECTIONS = ("成绩", "不足", "计划")
ALL = "全部"
MEANING = {
    "成绩": "员工把什么当作成绩来写",
    "不足": "员工把什么列为不足：这是年终总结要求的自我批评，负面的语气是正常的，不代表不满",
    "计划": "员工为来年定了什么计划",
}
STATUS_COLORS = {"落实": "#6BAF92", "部分落实": "#D9A05B", "未落实": "#D07C6E"}


def _from_bar() -> None:
    """A clicked bar picks the department and verdict of the plan pairs listed below it."""
    point = chart_point("ft_bar")
    if point:
        st.session_state[K_DEPT] = str(point["x"])
        if point.get("legendgroup") in FOLLOW_STATUSES:
            st.session_state[K_STATUS] = point["legendgroup"]


def _listed(choices: list[str], key: str) -> str | None:
    """The choice kept under ``key`` while it is still offered, else the first (what the list below shows)."""
    kept = st.session_state.get(key)
    return kept if kept in choices else (choices[0] if choices else None)


def _pairs_shown(f) -> pd.DataFrame:
    """The plan pairs the page lists first: the chosen (or first) department's, of the chosen verdict. When no plan's
    document names its department (a corpus folder without the department level), every pair in the filters: there
    is no department to choose, and the plans are no less worth reading."""
    rates = data.follow_rates(f)
    departments = [d for d in rates["department"] if d]
    chosen = st.session_state.get(K_STATUS, "落实")
    return data.follow_pairs(f, status=None if chosen == ALL else chosen, department=_listed(departments, K_DEPT))


def _evidence_shown(f, section: str) -> pd.DataFrame | None:
    """The sentences the page lists under the section's words: those of the chosen (or most used) word."""
    words = data.section_terms(f, section)
    return None if words.empty else data.section_term_evidence(f, section, _listed(words["term"].tolist(), K_WORD))


st.title("计划落实")
f = state.filters()
st.session_state.setdefault(K_SECTION, "不足")
st.session_state.setdefault(K_STATUS, "落实")
_section = st.session_state[K_SECTION]
# the page's two chains of reads (rates → pairs, words → sentences) and its two other questions, started at once
data.prefetch(lambda: _pairs_shown(f), lambda: _evidence_shown(f, _section), lambda: data.section_sentiment(f),
              lambda: data.theme_section_totals(f))
figures = require_documents(f)
filter_caption(f, figures)

# ---------------------------------------------------------------- plan follow-through
st.subheader("去年的计划，今年落实了吗")
st.caption("对同一员工相邻两年的总结：第 N 年“计划”段落里每一句有具体目标的计划，去第 N+1 年的总结里找最能对应的一句。"
           "目标词（去掉“明年、争取、加强”等计划套话和过于常见的词，越少见的词分量越重）被重复到三成半以上、"
           "且写在成绩里的算“落实”；重复三成以上、或写进了不足的算“部分落实”；否则“未落实”。"
           "落实率 =（落实 + ½ 部分落实）/ 计划数。筛选条件作用于第 N 年的总结。")
rates = data.follow_rates(f)
if rates.empty:
    min_group = auth.access().min_group
    hidden = (f"也可能是有计划的分组人数不足 {min_group} 人，为保护个人隐私统计已隐藏；" if min_group > 1 else "")
    st.info(f"当前筛选范围（{state.describe(f)}）内没有能与下一年总结对照的计划：需要同一员工相邻两年的总结，"
            f"且第 N 年的计划里有具体目标；{hidden}放宽年份筛选（不要只选最后一年）即可看到。")
else:
    plans = int(rates["plans"].sum())
    c = st.columns(4)
    done, partly = int(rates["落实"].sum()), int(rates["部分落实"].sum())
    c[0].metric("对照的计划", num(plans), border=True, help=f"来自 {num(rates['documents'].sum())} 篇总结")
    c[1].metric("落实", num(done), border=True)
    c[2].metric("部分落实", num(partly), border=True)
    c[3].metric("落实率", pct((done + 0.5 * partly) / plans if plans else None, 1), border=True, help=HELP["落实率"])
    left, right = st.columns(2)  # half the page: the rates table fits without scrolling sideways
    with left:
        long = rates.melt(id_vars=["department"], value_vars=list(FOLLOW_STATUSES), var_name="status",
                          value_name="count")
        st.plotly_chart(charts.bar(long, x="department", y="count", color="status", barmode="stack",
                                   title="各部门计划的落实情况（计划句数" + click_hint("，点击查看计划与对应句") + "）",
                                   color_map=STATUS_COLORS,
                                   labels={"department": "部门", "count": "计划句数", "status": ""}),
                        key="ft_bar", on_select=_from_bar, selection_mode="points")
    with right:
        # the rate first: in this narrow column the last columns are the ones cut off
        order = ["department", "rate", "plans", *FOLLOW_STATUSES]
        st.dataframe(rates[order].rename(columns={**COLUMN_NAMES, "documents": "总结数", "plans": "计划数",
                                                  "rate": "落实率"}),
                     hide_index=True, width="stretch", key="ft_rates",
                     column_config={"部门": st.column_config.TextColumn(width="small"),
                                    "落实率": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0,
                                                                           format="percent", help=HELP["落实率"],
                                                                           width=90),
                                    **{c: st.column_config.NumberColumn(width="small")
                                       for c in ("计划数", *FOLLOW_STATUSES)}})

    departments = [d for d in rates["department"] if d]
    st.session_state[K_DEPT] = _listed(departments, K_DEPT)
    a, b = st.columns([1, 2])
    if departments:
        a.selectbox("部门", departments, key=K_DEPT)
    else:
        a.caption("这些计划所在的总结没有填写部门，下面列出筛选范围内的全部计划。")
    b.radio("查看", [*FOLLOW_STATUSES, ALL], key=K_STATUS, horizontal=True)
    chosen = st.session_state[K_STATUS]
    pairs = _pairs_shown(f)
    if pairs.empty:
        which = "" if chosen == ALL else f"“{chosen}”的"
        st.info(f"{md(st.session_state[K_DEPT] or '筛选范围内')}没有{which}计划。")
    else:
        shown = pairs.assign(
            years=[f"{r.year}→{r.next_year}" for r in pairs.itertuples()],
            targets=pairs["targets"].map(lambda v: "、".join(v) if v is not None else ""),
            shared=pairs["shared"].map(lambda v: "、".join(v) if v is not None else ""),
            evidence_text=pairs["evidence_text"].fillna("（下一年的总结里没有找到对应的句子）"),
        )
        st.dataframe(
            shown[["employee", "years", "plan_text", "status", "evidence_text", "evidence_section", "shared",
                   "score"]].rename(columns={**COLUMN_NAMES, "years": "年份", "plan_text": "第 N 年的计划",
                                            "status": "判断", "evidence_text": "第 N+1 年的对应句",
                                            "evidence_section": "所在段落", "shared": "重复的目标词",
                                            "score": "目标词覆盖"}),
            hide_index=True, width="stretch", key="ft_pairs",
            row_height=wrap_height([*shown["plan_text"], *shown["evidence_text"]], PAIR_TEXT_PX),
            column_config={"员工": st.column_config.TextColumn(width="small"),
                           "年份": st.column_config.TextColumn(width=90),
                           "判断": st.column_config.TextColumn(width="small"),
                           "所在段落": st.column_config.TextColumn(width="small"),
                           "重复的目标词": st.column_config.TextColumn(width=100),
                           "第 N 年的计划": st.column_config.TextColumn(width=PAIR_TEXT_PX),
                           "第 N+1 年的对应句": st.column_config.TextColumn(width=PAIR_TEXT_PX),
                           "目标词覆盖": st.column_config.ProgressColumn(
                               min_value=0.0, max_value=1.0, format="percent", width="small",
                               help="计划里的目标词有多大比例在下一年的对应句里再次出现")})
        options, marks = {}, {}
        for r in pairs.itertuples():
            options.setdefault(r.doc_id, f"{r.employee or '未署名'} · {r.year} 年的总结（计划）")
            options.setdefault(r.next_doc_id, f"{r.employee or '未署名'} · {r.next_year} 年的总结（对照）")
            marks.setdefault(r.doc_id, r.idx)  # the document opens with its first listed sentence marked
            if pd.notna(r.evidence_idx):
                marks.setdefault(r.next_doc_id, r.evidence_idx)
        if st.session_state.get(K_PAIR) not in options:
            st.session_state[K_PAIR] = next(iter(options))
        pick, button = st.columns([4, 1], vertical_alignment="bottom")
        pick.selectbox("打开原文", list(options), key=K_PAIR, format_func=options.get)
        if button.button("打开文档", key="ft_open", icon=":material/open_in_new:", width="stretch"):
            state.open_document(st.session_state[K_PAIR], marks.get(st.session_state[K_PAIR]))

# ---------------------------------------------------------------- section-aware reading
st.divider()
st.subheader("按段落读：成绩、不足与计划")
section = st.radio("段落", READ_SECTIONS, key=K_SECTION, horizontal=True)
st.caption(MEANING[section])
sentiment = data.section_sentiment(f).set_index("section")
if section in sentiment.index:
    s = sentiment.loc[section]
    c = st.columns(3)
    c[0].metric(f"{section}段落句数", num(s["sentences"]), border=True)
    c[1].metric("平均情感", score(s["sentiment_mean"]), border=True)
    c[2].metric(f"{LABEL_NAMES['neg']}句占比", pct(s["neg_share"]), border=True)
left, right = st.columns(2)
with left:
    themes = data.theme_section_totals(f)
    themes = themes[themes["section"] == section].sort_values("document_share", ascending=False)
    if themes.empty:
        st.info(f"当前筛选范围内没有“{section}”段落的主题句{hidden_note(figures)}。")
    else:
        st.plotly_chart(charts.bar(themes, x="theme", y="document_share", horizontal=True, percent=True,
                                   title=f"“{section}”里谈到各主题的文档占比",
                                   labels={"theme": "", "document_share": "文档占比"}), key="ft_themes")
with right:
    words = data.section_terms(f, section)
    if words.empty:
        st.info(f"当前筛选范围内没有“{section}”段落{hidden_note(figures)}。")
    else:
        st.dataframe(words.rename(columns={"term": "词", "documents": "文档数", "document_share": "文档占比",
                                           "sentences": "句数"}),
                     hide_index=True, width="stretch", key="ft_words", height=380,
                     column_config={"文档占比": st.column_config.NumberColumn(format="percent")})
if not words.empty:
    terms = words["term"].tolist()
    st.session_state[K_WORD] = _listed(terms, K_WORD)
    st.selectbox(f"“{section}”里用到这个词的句子", terms, key=K_WORD)
    evidence = _evidence_shown(f, section)
    evidence_table(evidence, "ft_ev", f"没有“{section}”段落的句子用到“{md(st.session_state[K_WORD])}”。",
                   columns=["employee", "department", "year", "text", "label", "themes"])
