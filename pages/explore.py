"""探索: what people write about beyond the ten themes — co-occurrence network, correspondence map,
topics found in the corpus, and one word's collocates and trend."""
from __future__ import annotations

import streamlit as st

from ui import auth, charts, data, state
from ui.markdown import md
from ui.widgets import chart_point, click_hint, evidence_table, filter_caption, require_documents

VIEWS = ("共现网络", "对应分析", "新话题", "搭配与趋势")
CA_BY = {"部门": "department", "年份": "year", "班组": "team", "段落": "section"}
K_VIEW, K_WORD = "ex_view", "ex_word"


def _pick_word(chart_key: str) -> None:
    """A clicked word (network node or map point) becomes the word of the drill-down."""
    point = chart_point(chart_key)
    if point and point.get("customdata") is not None:
        value = point["customdata"]
        st.session_state[K_WORD] = value[0] if isinstance(value, list) else value


def _word_drill(f, words: list[str], key: str) -> None:
    """Sentences and collocates of the word chosen on the chart (or in the list). Nothing is read until a word is
    chosen: a word picked for the reader (the first in the list) would say nothing about the network, and its two
    queries were two thirds of every filter change of this page at 100,000 summaries."""
    if not words:
        return
    if st.session_state.get(K_WORD) not in words:
        st.session_state[K_WORD] = None
    word = st.selectbox("查看词（也可以点击图中的词）", words, key=K_WORD, placeholder="选择一个词")
    if word is None:
        st.caption("点击图中的一个词，或在上面选择，查看含它的句子和与它同句出现最多的词。")
        return
    left, right = st.columns([3, 2])
    with right:
        coll = data.collocates(f, word, top=15)
        st.markdown(f"**与“{md(word)}”同句出现的词**")
        if coll.empty:
            st.info("没有经常与它同句出现的词。")
        else:
            st.dataframe(coll.rename(columns={"collocate": "搭配词", "cooccurrences": "同句数", "frequency": "句数",
                                              "jaccard": "Jaccard", "pmi": "PMI"}),
                         hide_index=True, width="stretch", key=f"{key}_coll")
    with left:
        sentences = data.word_sentences(f, word, limit=100)
        st.markdown(f"**含“{md(word)}”的句子**" + ("（前 100 句）" if len(sentences) >= 100 else ""))
        evidence_table(sentences, f"{key}_ev", empty=f"没有句子含“{word}”。", narrow=True)


st.title("探索")
f = state.filters()
figures = require_documents(f)
filter_caption(f, figures)
st.caption("十个固定主题之外，语料里还写了什么：哪些词总在同一句里出现、各部门各自的用词、"
           "从语料本身发现的话题，以及任一个词的搭配与走势。")
st.session_state.setdefault(K_VIEW, VIEWS[0])
view = st.radio("视图", VIEWS, key=K_VIEW, horizontal=True, label_visibility="collapsed")

if view == "共现网络":
    c1, c2, c3, c4 = st.columns(4)
    st.session_state.setdefault("ex_min_freq", 5)
    st.session_state.setdefault("ex_top", 60)
    min_freq = c1.number_input("最少出现次数", 2, 200, key="ex_min_freq")
    top = c2.slider("显示最强的边数", 20, 200, key="ex_top", step=10)
    threshold = c3.number_input("或 Jaccard 阈值（0 = 按边数）", 0.0, 1.0, value=0.0, step=0.05, key="ex_threshold")
    departments = sorted(data.facets()["department"].unique())
    highlight = c4.selectbox("按部门着色（相对比值）", ["（按子图着色）", *[d for d in departments if d]],
                             key="ex_highlight")
    highlight = "" if highlight.startswith("（") else highlight
    edges = data.cooccurrence(f, min_freq=int(min_freq), top_edges=int(top),
                              threshold=float(threshold) or None, highlight=highlight)
    if edges.empty:
        st.info("所选范围内同句出现的词太少，画不出网络。可以降低“最少出现次数”或放宽筛选。")
    else:
        st.plotly_chart(
            charts.network(edges, by_lift=bool(highlight),
                           title=f"词语共现网络：{len(edges)} 条边（句为单位，Jaccard 系数；颜色为"
                                 + (f"在{highlight}的相对比值）" if highlight else "子图）")),
            key="ex_network", on_select=lambda: _pick_word("ex_network"), selection_mode="points",
        )
        st.caption("圆越大，含这个词的句子越多；线越粗，两个词越常在同一句出现（Jaccard 系数 = 同时含两词的句数 ÷ "
                   "含任一词的句数）；同色的词属于同一子图（按模块度划分）。可以拖动、缩放"
                   + click_hint("，点击一个词查看它的句子") + "。")
        name, make = data.download_frame("explore_edges", "共现网络边表", edges, f)
        st.download_button("下载边表 CSV", data=make, file_name=name, mime="text/csv", key="ex_edges_csv",
                           on_click="ignore")
        words = sorted(set(edges["source"]) | set(edges["target"]))
        _word_drill(f, words, "ex_net")

elif view == "对应分析":
    c1, c2 = st.columns(2)
    choices = list(CA_BY) if not auth.access().restricted else ["部门", "年份", "段落"]
    by_name = c1.selectbox("词 × ", choices, key="ex_ca_by")
    top = c2.slider("卡方筛选的词数", 20, 120, 60, step=10, key="ex_ca_top")
    ca = data.correspondence(f, by=CA_BY[by_name], top=int(top))
    if ca.empty:
        st.info(f"所选范围内至少要有三个{by_name}才能画对应分析图。请放宽筛选条件。")
    else:
        st.plotly_chart(charts.biplot(ca, title=f"词 × {by_name}的对应分析：靠近某个{by_name}的词是它的特色词"),
                        key="ex_ca", on_select=lambda: _pick_word("ex_ca"), selection_mode="points")
        st.caption("按卡方值挑出在各组之间分布最不均匀的词；图中距离原点越远，越有特色。")
        _word_drill(f, sorted(ca.loc[ca["kind"] == "word", "label"]), "ex_ca_words")

elif view == "新话题":
    found = data.topics(f)
    if found.empty:
        st.info("数据库里还没有话题。请重新运行 `python -m analysis build` 生成。")
    else:
        st.caption("话题由语料自己发现（对每篇总结的实词做 TF-IDF 后做非负矩阵分解，每次构建算一次）。"
                   "“已被主题覆盖”是该话题的句子中已带有十个固定主题之一的比例：越低，越是固定主题之外的新内容。")
        table = found.assign(words=found["words"].map(lambda w: "、".join(w[:8])))
        st.dataframe(
            table[["label", "words", "share", "documents", "sentences", "covered", "main_theme"]].rename(columns={
                "label": "话题", "words": "关键词", "share": "篇幅占比", "documents": "文档数", "sentences": "句数",
                "covered": "已被主题覆盖", "main_theme": "最接近的固定主题"}),
            hide_index=True, width="stretch", key="ex_topics",
            column_config={"篇幅占比": st.column_config.NumberColumn(format="percent"),
                           "已被主题覆盖": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0,
                                                                         format="percent")})
        labels = dict(zip(found["topic"], found["label"]))
        newest = int(found.sort_values(["covered", "sentences"], ascending=[True, False])["topic"].iloc[0])
        if st.session_state.get("ex_topic") not in labels:
            st.session_state["ex_topic"] = newest
        topic = st.selectbox("话题", list(labels), key="ex_topic", format_func=labels.get)
        left, right = st.columns(2)
        by_dept = data.topic_shares(f, by="department")
        by_year = data.topic_shares(f, by="year")
        left.plotly_chart(charts.bar(by_dept[by_dept["topic"] == topic], x="group", y="share", percent=True,
                                     title=f"“{labels[topic]}”在各部门的篇幅占比",
                                     labels={"group": "部门", "share": "篇幅占比"}), key="ex_topic_dept")
        trend = by_year[by_year["topic"] == topic].assign(group=lambda t: t["group"].astype(str))
        right.plotly_chart(charts.line(trend, x="group", y="share", percent=True,
                                       title=f"“{labels[topic]}”逐年篇幅占比",
                                       labels={"group": "年份", "share": "篇幅占比"}), key="ex_topic_year")
        st.markdown("**代表句**（含该话题关键词最多的句子）")
        evidence_table(data.topic_sentences(f, topic, limit=50), "ex_topic_ev", empty="所选范围内没有这个话题的句子。")

else:
    st.session_state.setdefault("ex_term", "")
    term = st.text_input("词", key="ex_term", placeholder="如：回款、台账、培训",
                         help="分词后的实词（与关键词页的字面检索不同）").strip()
    if not term:
        st.caption("输入一个词，查看与它同句出现最多的词、它在各部门各年份的频率（每千句），以及上下文。")
    else:
        trend = data.word_trend(f, term)
        if trend.empty or trend["sentences"].sum() == 0:
            st.info(f"所选范围内没有句子用到“{md(term)}”这个词。")
        else:
            trend = trend.assign(year=trend["year"].astype(str))
            left, right = st.columns([3, 2])
            left.plotly_chart(charts.line(trend, x="year", y="per_1000", color="department",
                                          title=f"“{term}”每千句出现次数",
                                          labels={"year": "年份", "per_1000": "每千句", "department": "部门"}),
                              key="ex_trend")
            coll = data.collocates(f, term, top=15)
            right.markdown(f"**与“{term}”同句出现的词**")
            right.dataframe(coll.rename(columns={"collocate": "搭配词", "cooccurrences": "同句数", "frequency": "句数",
                                                 "jaccard": "Jaccard", "pmi": "PMI"}),
                            hide_index=True, width="stretch", key="ex_term_coll")
            hits = data.keyword_hits(f, term, limit=100)
            st.markdown(f"**“{md(term)}”的上下文**")
            evidence_table(hits, "ex_kwic", empty=f"没有句子包含“{term}”。",
                           columns=["employee", "department", "year", "section", "left", "match", "right"],
                           column_config={"前文": st.column_config.TextColumn(alignment="right")})
