"""Widgets more than one page uses: the empty-result message, number formats and evidence tables."""
from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from analysis.access.scope import Filters
from analysis.schema import LABEL_NAMES
from ui import auth, data, state
from ui.correct import correction_form

# Column headings in Chinese for the tables on screen (exports keep the schema's names).
COLUMN_NAMES = {
    "employee": "员工", "department": "部门", "team": "班组", "role": "岗位", "year": "年份",
    "source_file": "文件", "chars": "字数", "sentences": "句数", "sentiment_mean": "平均情感",
    "pos_share": "正面句占比", "neg_share": "负面句占比", "placeholders": "模板占位符", "themes_total": "主题句数",
    "section": "段落", "text": "句子", "sentiment": "情感分", "label": "倾向", "themes": "主题",
    "documents": "文档数", "employees": "员工数", "occurrences": "出现次数", "document_share": "文档占比",
    "group_documents": "该组文档数", "left": "前文", "match": "关键词", "right": "后文", "term": "词",
    "count": "词频", "log_odds_z": "区分度(z)", "tfidf": "TF-IDF", "group": "部门",
}


def num(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{int(value):,}"


def pct(value, digits: int = 0) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.{digits}%}"


def score(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.2f}"


def require_documents(f: Filters, records: bool = False) -> dict:
    """The headline figures, or a message saying why there is nothing to show (and the page stops).

    ``records``: the page lists documents rather than group figures (the 文档 page)."""
    figures = data.overview(f, records=records)
    if figures.get("suppressed"):
        # one message whether nothing matched or what matched lies in groups too small to report: the
        # difference would tell a reader whether one person's summary contains the search text
        min_group = auth.access().min_group
        note = (f"为保护个人隐私，统计只来自人数不少于 {min_group} 人的完整分组；只按班组、岗位或检索词切出一个分组的"
                "一部分时也不统计（否则可以用总数减去其余部分推算出来）。")
        if figures["documents"] == 0:
            st.info(f"当前筛选范围（{state.describe(f)}）内没有可以显示的统计：可能没有符合条件的文档，"
                    f"也可能符合条件的文档所在分组人数太少。{note}请放宽筛选条件，例如只按部门和年份筛选。",
                    icon=":material/visibility_off:")
            st.stop()
        st.caption(f":material/visibility_off: {note}")
    if figures["documents"] == 0:
        st.info(f"当前筛选条件下没有文档（{state.describe(f)}）。请在左侧放宽筛选条件，或点击“清除筛选”。",
                icon=":material/filter_alt_off:")
        st.stop()
    return figures


def filter_caption(f: Filters, figures: dict) -> None:
    st.caption(f"范围：{state.describe(f)} · {figures['documents']:,} 篇文档")


def _select_from_table(table_key: str, pick_key: str, doc_ids: list[str]) -> None:
    rows = st.session_state[table_key].selection.rows
    if rows:
        st.session_state[pick_key] = doc_ids[rows[0]]


def evidence_table(frame: pd.DataFrame, key: str, empty: str, columns: list[str] | None = None,
                   column_config: dict | None = None) -> None:
    """Sentences with their documents; a row (or the list below it) opens the document on the 文档 page.
    Below it, an HR admin can correct a sentence's sentiment or themes (``ui.correct``)."""
    if not auth.access().may_read_text:
        st.info("你的账号只能查看汇总数据，不显示原文句子。", icon=":material/visibility_off:")
        return
    if frame.empty:
        st.info(empty)
        return
    columns = columns or ["employee", "department", "year", "section", "text", "sentiment", "themes"]
    shown = frame[columns].copy()
    if "themes" in shown:
        shown["themes"] = shown["themes"].map(lambda v: "、".join(v) if v is not None else "")
    if "label" in shown:
        shown["label"] = shown["label"].map(LABEL_NAMES)
    shown = shown.rename(columns=COLUMN_NAMES)
    doc_ids = frame["doc_id"].tolist()
    pick_key = f"{key}_doc"
    st.dataframe(
        shown, key=f"{key}_table", hide_index=True, width="stretch", height=min(38 + 35 * len(shown), 420),
        on_select=partial(_select_from_table, f"{key}_table", pick_key, doc_ids), selection_mode="single-row",
        column_config={
            "句子": st.column_config.TextColumn(width="large"),
            "情感分": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f", width="small"),
            "年份": st.column_config.NumberColumn(format="%d", width="small"),
            **(column_config or {}),
        },
    )
    docs = frame.drop_duplicates("doc_id")
    labels = {r.doc_id: f"{r.employee or '未署名'} · {r.department or '未知部门'} · {r.year or '年份不详'}"
              for r in docs.itertuples()}
    options = list(labels)
    if st.session_state.get(pick_key) not in labels:
        st.session_state[pick_key] = options[0]
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    left.selectbox("证据所在文档（点表格中的行也可以选中）", options, key=pick_key, format_func=labels.get)
    if right.button("打开文档", key=f"{key}_open", icon=":material/open_in_new:", width="stretch"):
        state.open_document(st.session_state[pick_key])
    correction_form(frame, key)
