"""文档: the filtered documents, and one document with its original text, sections, sentence sentiment
colouring and theme highlights (where every drill-down link lands)."""
from __future__ import annotations

import html
from functools import partial

import pandas as pd
import streamlit as st

from analysis.access.scope import Filters
from analysis.schema import LABEL_NAMES, SECTIONS
from analysis.text.sections import is_heading
from ui import data, state
from ui.correct import correction_form
from ui.markdown import md
from ui.widgets import COLUMN_NAMES, HELP, copy_source, filter_caption, num, pct, require_documents, score

TABLE_COLUMNS = ["employee", "department", "team", "role", "year", "chars", "sentences", "sentiment_mean",
                 "neg_share", "themes_total", "placeholders", "source_file"]
MAX_CHOICES = 1000
BACKGROUND = {"pos": "#E2F1E8", "neu": "transparent", "neg": "#F8E0DA"}
K_TABLE, K_PICK, K_HIGHLIGHT = "doc_table", "doc_pick", "doc_highlight"


def _from_table(doc_ids: list[str]) -> None:
    rows = st.session_state[K_TABLE].selection.rows
    if rows:
        st.session_state[state.K_DOC] = doc_ids[rows[0]]
        # the marked sentence and the theme belonged to the evidence link
        st.session_state.pop(state.K_MARK, None)
        st.session_state.pop(state.K_DOC_THEME, None)


def _from_pick() -> None:
    st.session_state[state.K_DOC] = st.session_state[K_PICK]
    st.session_state.pop(state.K_MARK, None)
    st.session_state.pop(state.K_DOC_THEME, None)


def _label(row) -> str:
    return f"{row.employee or '未署名'} · {row.department or '未知部门'} · {row.year or '年份不详'} · {row.source_file}"


MARK_STYLE = "outline:2px solid #E0A100;background:#FFF3C4;"


def _sentence_html(row, highlight: set[str]) -> str:
    themes = list(row.themes) if row.themes is not None else []
    tip = f"情感 {row.sentiment:.2f}（{LABEL_NAMES.get(row.label, row.label)}）" + (
        f" · 主题：{'、'.join(themes)}" if themes else "")
    style = f"background:{BACKGROUND.get(row.label, 'transparent')};padding:1px 2px;border-radius:3px;"
    marked = [t for t in themes if t in highlight]
    if marked:
        style += "box-shadow:inset 0 -2px 0 #2F5D7C;"
    badges = "".join(
        f"<sup style='color:#2F5D7C;font-size:0.7em;margin-left:2px'>[{html.escape(t)}]</sup>" for t in marked)
    anchor = ""
    if row.idx == st.session_state.get(state.K_MARK):  # the sentence an evidence link came from
        style += MARK_STYLE
        anchor = " id='evidence-mark' data-testid='evidence-mark'"
    return f"<span{anchor} title='{html.escape(tip)}' style='{style}'>{html.escape(row.text)}</span>{badges}"


def _text_html(sentences: pd.DataFrame, highlight: set[str]) -> str:
    """Sentences in reading order; a heading line starts a new paragraph, as in the original."""
    blocks: list[str] = []
    paragraph: list[str] = []
    for row in sentences.itertuples():
        if is_heading(row.text_simplified):
            if paragraph:
                blocks.append("<p>" + "".join(paragraph) + "</p>")
                paragraph = []
            blocks.append(f"<p style='font-weight:600;margin:0.8em 0 0.3em'>{_sentence_html(row, highlight)}</p>")
        else:
            paragraph.append(_sentence_html(row, highlight))
    if paragraph:
        blocks.append("<p>" + "".join(paragraph) + "</p>")
    return "<div style='line-height:1.9'>" + "".join(blocks) + "</div>"


st.title("文档")
f = state.filters()
figures = require_documents(f, records=True)
filter_caption(f, figures)

docs = data.documents(f)
ids = docs["doc_id"].tolist()
st.dataframe(
    docs[TABLE_COLUMNS].rename(columns=COLUMN_NAMES), key=K_TABLE, hide_index=True, width="stretch", height=280,
    on_select=partial(_from_table, ids), selection_mode="single-row",
    column_config={"员工": st.column_config.TextColumn(pinned=True),
                   "年份": st.column_config.NumberColumn(format="%d", width="small"),
                   "平均情感": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f",
                                                           help=HELP["平均情感"]),
                   "负面句占比": st.column_config.NumberColumn(format="percent"),
                   "模板占位符": st.column_config.NumberColumn(help=HELP["模板占位符"]),
                   "文件": st.column_config.TextColumn(width="small")},  # all columns fit: none cut off
)

current = st.session_state.get(state.K_DOC)
shown = data.document(current) if current else docs.iloc[0:0]
if shown.empty:
    if current:  # a link or an earlier choice: removed since, or outside this reader's scope
        st.info("要打开的文档不存在或不在你的查看范围内，下面显示的是当前筛选范围内的第一篇。",
                icon=":material/link_off:")
        st.session_state.pop(state.K_MARK, None)
    current = ids[0]
    shown = docs.iloc[[0]]
st.session_state[state.K_DOC] = current
meta = shown.iloc[0]
choices = docs.iloc[:MAX_CHOICES]
labels = {r.doc_id: _label(r) for r in choices.itertuples()}
if current not in labels:
    labels = {current: _label(meta), **labels}
st.session_state[K_PICK] = current
st.selectbox("查看文档（也可以在上表中选中一行）", list(labels), key=K_PICK, format_func=labels.get,
             on_change=_from_pick)
if len(docs) > MAX_CHOICES:
    st.caption(f"下拉框只列出前 {MAX_CHOICES:,} 篇；其余文档请在上表中选择，或在左侧缩小筛选范围。")
if current not in set(ids):
    st.info(f"这篇文档不在左侧当前的筛选范围内（{state.describe(f)}），所以上表和统计里没有它；"
            "它是从其他页面或链接直接打开的。", icon=":material/filter_alt_off:")

st.divider()
st.subheader(f"{md(meta['employee'] or '未署名')} · {md(meta['department'] or '未知部门')} · "
             f"{meta['year'] or '年份不详'}")
if meta["employee"] and st.button("查看此员工的历年总结", key="doc_person", icon=":material/person_search:"):
    state.open_person(meta["department"], meta["employee"])
source = [meta["file_format"]] + ([meta["encoding"]] if meta["encoding"] != meta["file_format"] else [])
source += ["繁体原文"] if meta["traditional"] else []
details = [f"班组：{md(meta['team'])}" if meta["team"] else "", f"岗位：{md(meta['role'])}" if meta["role"] else "",
           f"文件：{md(meta['source_file'])}（{md('，'.join(source))}）"]
st.caption(" · ".join(d for d in details if d))
c = st.columns(5)
c[0].metric("字数", num(meta["chars"]))
c[1].metric("句数", num(meta["sentences"]))
c[2].metric("平均情感", score(meta["sentiment_mean"]))
c[3].metric("负面句占比", pct(meta["neg_share"]))
c[4].metric("模板占位符", num(meta["placeholders"]), help=HELP["模板占位符"])
if isinstance(meta.get("copy_kind"), str) and meta["copy_kind"]:
    copy = data.copied_documents(Filters(doc_ids=(current,)))
    who = md(copy_source(copy.iloc[0])) if len(copy) else "（来源不在你的查看范围内）"
    st.warning(f"疑似抄袭（{md(meta['copy_kind'])}）：与 {who} 重合 {pct(meta['copy_similarity'])}。"
               "逐句对照见“原创性”页。", icon=":material/content_copy:")

sentences = data.sentences_of(current)
present = sorted((t for t in data.theme_keys() if meta.get(t, 0) > 0), key=lambda t: -int(meta[t]))
st.markdown("**主题**：" + ("、".join(f"{t} ×{int(meta[t])}" for t in present) if present else "未识别到主题"))
tagged = {t for v in sentences["themes"] if v is not None for t in v}
present += sorted(tagged - set(present))  # a theme HR added (主题管理) is on the sentences only
context = st.session_state.get(state.K_DOC_THEME)
if context and st.session_state.get("_doc_theme_applied") != (current, context):
    # opened from this theme's evidence: that theme is the one highlighted (once; the reader may change it)
    st.session_state["_doc_theme_applied"] = (current, context)
    st.session_state[K_HIGHLIGHT] = [context] if context in present else present[:1]
if st.session_state.get(K_HIGHLIGHT) is None or any(t not in present for t in st.session_state[K_HIGHLIGHT]):
    st.session_state[K_HIGHLIGHT] = present[:1]  # the document's most frequent theme
if context:
    gone = "" if context in present else "（本篇已没有此主题的句子）"
    st.caption(f"从主题“{md(context)}”的证据句打开：高亮该主题{gone}，证据句用黄框标出。")
highlight = set(st.multiselect("高亮主题", present, key=K_HIGHLIGHT, placeholder="不高亮", select_all=False))
st.markdown(
    "<span style='font-size:0.85em'>句子底色：<span style='background:#E2F1E8;padding:1px 6px'>正面</span> "
    "<span style='padding:1px 6px;border:1px solid #ddd'>中性</span> "
    "<span style='background:#F8E0DA;padding:1px 6px'>负面</span> · 下划线和 [主题] 标记高亮主题 · "
    "鼠标悬停可看情感分</span>",
    unsafe_allow_html=True,
)

mark = st.session_state.get(state.K_MARK)
marked = sentences[sentences["idx"] == mark] if mark is not None else sentences.iloc[0:0]
if len(marked):
    st.markdown(f"<div style='{MARK_STYLE}padding:6px 10px;border-radius:4px'>证据句（已在原文中用黄框标出）："
                f"{html.escape(marked.iloc[0]['text'])}</div>", unsafe_allow_html=True)
tab_text, tab_sections, tab_table = st.tabs(["原文", "分段", "句子表"])
with tab_text:
    st.markdown(_text_html(sentences, highlight), unsafe_allow_html=True)
with tab_sections:
    stats = data.section_sentiment(Filters(doc_ids=(current,))).set_index("section")
    for section in SECTIONS:
        part = sentences[sentences["section"] == section]
        if part.empty:
            continue
        s = stats.loc[section]
        st.markdown(f"##### {section} · {int(s['sentences'])} 句 · 平均情感 {score(s['sentiment_mean'])} · "
                    f"负面句 {pct(s['neg_share'])}")
        st.markdown(_text_html(part, highlight), unsafe_allow_html=True)
with tab_table:
    table = sentences[["idx", "section", "text", "sentiment", "label", "themes"]].copy()
    table["idx"] = table["idx"] + 1  # numbered from 1, as a reader counts
    table["label"] = table["label"].map(LABEL_NAMES)
    table["themes"] = table["themes"].map(lambda v: "、".join(v) if v is not None else "")
    st.dataframe(table.rename(columns={**COLUMN_NAMES, "idx": "序号"}), hide_index=True, width="stretch",
                 column_config={"序号": st.column_config.NumberColumn(width="small"),
                                "句子": st.column_config.TextColumn(width="large"),
                                "情感分": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f",
                                                                       help=HELP["情感分"])})
    correction_form(sentences, "doc_sent")
