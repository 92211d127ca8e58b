"""关键词: word cloud, distinctive words per department, keyword in context with counts."""
from __future__ import annotations

import streamlit as st

from ui import auth, charts, cloud, data, state
from ui.markdown import md
from ui.widgets import (
    COLUMN_NAMES,
    HELP,
    chart_point,
    click_hint,
    evidence_table,
    filter_caption,
    hidden_note,
    require_documents,
)


def _to_term(chart: str) -> None:
    """A clicked word becomes the search term of the keyword-in-context section below."""
    point = chart_point(chart)
    if point and point.get("y"):
        st.session_state["kw_term"] = str(point["y"])


CLOUD_WORDS = 80  # a readable cloud of 600 × 280; laying out 120 words took twice as long (docs/benchmarks.md)

st.title("关键词")
f = state.filters()
figures = require_documents(f)
filter_caption(f, figures)
if figures["departments"] >= 2:  # the distinctive words below are read while the cloud is laid out
    data.prefetch(lambda: data.keywords(f, by="department", top=20))

st.subheader("词云")
freq = data.term_frequencies(f, top=CLOUD_WORDS)
if freq.empty:
    st.info(f"所选范围内没有可统计的词{hidden_note(figures)}。")
else:
    image, words = st.columns([3, 2])
    try:
        png = cloud.render(tuple(zip(freq["term"], freq["count"].astype(int))))
    except FileNotFoundError as exc:
        image.warning(f"无法生成词云：{exc}")
    else:
        image.image(png, caption=f"出现最多的 {len(freq)} 个实词（已去除停用词和范文占位符），字越大出现越多")
    top = freq.head(20)
    words.plotly_chart(
        charts.bar(top, x="term", y="count", horizontal=True,
                   title="词云中的前 20 个词" + click_hint("（点击查看句子）"),
                   labels={"term": "", "count": "词频"}, text=True, height=max(320, 22 * len(top) + 80)),
        key="kw_cloud_words", on_select=lambda: _to_term("kw_cloud_words"), selection_mode="points")

st.subheader("各部门的特色词" + click_hint("（点击词查看句子）"))
st.caption("特色词是某个部门比其他部门明显更常用的词（加权对数优势比的 z 值，越大越有特色），"
           "而不只是出现次数最多的词。区分度(z) 大于 2 可以认为不是偶然；TF-IDF 是另一种常用的特色度量，"
           "在该部门常用、在全部文档里又不常见的词得分高。")
mine_only = auth.access().departments
if figures["departments"] < 2 and mine_only is not None and len(mine_only) <= 1:
    # a department head cannot widen the filter: say why, not what to pick
    st.info("你的账号只能查看本部门的数据，特色词要与其他部门对比才能算出，所以这里不显示。"
            "本部门最常用的词见上方词云。", icon=":material/lock:")
elif figures["departments"] < 2:
    st.info("当前筛选只包含一个部门，没有可以对比的其他部门。请在左侧多选几个部门或清除部门筛选。")
else:
    kw = data.keywords(f, by="department", top=20)
    depts = sorted(kw["group"].unique()) if len(kw) else []
    if not depts:
        st.info(f"所选范围内的词太少，找不到特色词（每个词至少要出现 3 次）{hidden_note(figures)}。")
    else:
        if st.session_state.get("kw_dept") not in depts:
            st.session_state["kw_dept"] = depts[0]
        dept = st.selectbox("部门", depts, key="kw_dept")
        mine = kw[kw["group"] == dept]
        left, right = st.columns([3, 2])
        left.plotly_chart(
            charts.bar(mine, x="term", y="log_odds_z", horizontal=True, title=f"{dept}的特色词",
                       labels={"term": "", "log_odds_z": "区分度(z)"}, text=".1f",
                       height=max(320, 26 * len(mine) + 80)),
            key="kw_distinct", on_select=lambda: _to_term("kw_distinct"), selection_mode="points",
        )
        right.dataframe(mine[["term", "log_odds_z", "count", "documents", "tfidf"]].rename(columns=COLUMN_NAMES),
                        hide_index=True, width="stretch", height=max(320, 26 * len(mine) + 80),
                        column_config={
                            "区分度(z)": st.column_config.NumberColumn(format="%.1f", help=HELP["区分度(z)"]),
                            "TF-IDF": st.column_config.NumberColumn(format="%.3f", help=HELP["TF-IDF"])})

st.subheader("关键词检索（上下文）")
st.session_state.setdefault("kw_term", "")
term = st.text_input("检索词", key="kw_term", placeholder="如：回款、客户投诉、加班",
                     help="按字面查找（简繁体均可），不是分词：输入“回款”也会找到“回款率”").strip()
if not term:
    st.caption("输入一个词或短语，查看它出现在哪些句子里，以及各部门、各年份出现的次数。")
else:
    counts = data.keyword_counts(f, term)
    if counts.empty:
        st.info(f"所选范围内没有句子包含“{md(term)}”{hidden_note(figures)}。")
    else:
        st.caption(f"“{md(term)}”共出现 {int(counts['occurrences'].sum()):,} 次，"
                   f"在 {int(counts['sentences'].sum()):,} 个句子、{int(counts['documents'].sum()):,} 篇文档中。")
        counts = counts.assign(year=counts["year"].map(lambda y: str(y) if y else "年份不详"))
        left, right = st.columns([3, 2])
        left.plotly_chart(
            charts.bar(counts, x="department", y="occurrences", color="year",
                       title=f"“{term}”在各部门、各年份的出现次数",
                       labels={"department": "部门", "occurrences": "出现次数", "year": "年份"}),
            key="kw_counts",
        )
        right.dataframe(
            counts[["department", "year", "occurrences", "document_share", "sentences", "documents", "group_documents"]]
            .rename(columns=COLUMN_NAMES), hide_index=True, width="stretch",
            column_config={"文档占比": st.column_config.NumberColumn(format="percent", help="该组文档中提及的比例"),
                           "句数": st.column_config.NumberColumn(help="含这个词的句子数")},
        )
        hits = data.keyword_hits(f, term, limit=200)
        more = "（只列出前 200 句）" if len(hits) >= 200 else ""
        if auth.access().may_read_text:
            st.caption(f"包含“{md(term)}”的句子{more}。选中一行即可打开所在文档。")
        evidence_table(hits, "kw_hits", empty=f"没有句子包含“{md(term)}”。",
                       columns=["employee", "department", "year", "section", "left", "match", "right"],
                       column_config={"前文": st.column_config.TextColumn(alignment="right"),
                                      "关键词": st.column_config.TextColumn(width="small")})
