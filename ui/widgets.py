"""Widgets more than one page uses: the empty-result message, number formats and evidence tables."""
from __future__ import annotations

import html
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


# The project's words explained where they appear (``help=`` of a metric or a column, or a caption).
HELP = {
    "具体度": "0–100：具体的句子（带单位的数字、具体时间或明确成果）减去只有套话的句子，占正文句子的百分比；"
              "越高越具体",
    "平均具体度": "该组文档具体度的平均（0–100，越高越具体）：具体句（带单位的数字、具体时间或明确成果）"
                  "减去只有套话的句子，占正文句子的百分比",
    "区分度(z)": "加权对数优势比的 z 值：这个词在该组比在其他组明显更常用的程度；大于 2 可以认为不是偶然",
    "TF-IDF": "词频 × 逆文档频率：在该组里常用、在全部文档里又不常见的词得分高",
    "千字提及率": "每千字中谈到该主题的句子数，不受文档长短影响",
    "模板痕迹": "含未替换的范文占位符（20xx、xx地市、xxx万元等）的文档：照搬范文而没填完的强烈信号",
    "模板占位符": "未替换的范文占位符（20xx、xx地市、xxx万元、**月份等）的个数",
    "平均情感": "句子情感分（0 = 消极，1 = 积极）的平均",
    "情感分": "0 = 消极，1 = 积极",
    "落实率": "（落实 + ½ 部分落实）÷ 计划数",
    "重合度": "这篇总结的文字（按 5 字片段计，数字不计）出现在来源里的比例",
}


def click_hint(text: str) -> str:
    """The "click to see the sentences" part of a chart title, for readers who can see them; a viewer
    sees figures only, so a chart must not promise them evidence."""
    return text if auth.access().may_read_text else ""


def copy_source(row) -> str:
    """Who a copied summary copies (a row of ``data.copied_documents``): a template by its name, one's
    own earlier summary, or a colleague with department and year. Names come masked for masked readers."""
    if row.copy_kind == "范文":
        return f"范文“{row.source_template}”"
    who = "本人" if row.copy_kind == "本人往年" else row.source_employee or "未署名"
    year = f"{int(row.source_year)} 年" if pd.notna(row.source_year) else "年份不详"
    return f"{who} · {row.source_department or '未知部门'} · {year}"


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


def hidden_note(figures: dict) -> str:
    """For an empty result: whether part of the filtered documents was withheld (groups below the
    reporting minimum), so "none" is not said where data is only hidden."""
    if not figures.get("suppressed"):
        return ""
    return f"（人数不足 {auth.access().min_group} 人的分组已隐藏，不在统计之内）"


def filter_caption(f: Filters, figures: dict) -> None:
    st.caption(f"范围：{state.describe(f)} · {figures['documents']:,} 篇文档")


def _unescaped(value):
    if isinstance(value, str):
        return html.unescape(value)
    return [_unescaped(v) for v in value] if isinstance(value, list) else value


def chart_point(key: str) -> dict | None:
    """The first point clicked on the plotly chart with this key (``on_select``), or None. Its texts
    (category, legend group, custom data) are the data's values again: ``ui.charts`` escapes them in
    the figure so that Plotly draws them as text, not markup."""
    event = st.session_state.get(key)
    points = event.selection.points if event is not None and hasattr(event, "selection") else []
    return {k: _unescaped(v) for k, v in points[0].items()} if points else None


def distinct_sentences(frame: pd.DataFrame) -> pd.DataFrame:
    """Each sentence once, with how many times it occurs (``occurrences``): a template sentence pasted
    into eleven summaries is one piece of evidence, not eleven rows. The first row of each is kept
    (the query's order), so its document is the one opened."""
    if frame.empty or "text" not in frame or "occurrences" in frame:
        return frame
    counts = frame.groupby("text", sort=False)["text"].transform("size")
    return frame.assign(occurrences=counts).drop_duplicates("text").reset_index(drop=True)


def _select_from_table(table_key: str, pick_key: str, doc_ids: list[str], idxs: list | None = None) -> None:
    rows = st.session_state[table_key].selection.rows
    if rows:
        st.session_state[pick_key] = doc_ids[rows[0]]
        if idxs is not None:
            st.session_state[f"{pick_key}_idx"] = idxs[rows[0]]


CHAR_PX = 14
"""The width of a Chinese character in the tables' font (a Latin letter counts as one too: an upper bound)."""
TEXT_PX = 320
"""The sentence column of an evidence table across the page; the other columns are narrow, so together they fit
the main column of a 1440 px wide window (with the row-selection column) without scrolling sideways: a
column beyond the edge is cut off."""
NARROW_TEXT_PX = 180
"""The sentence column of an evidence table in a half-width column, beside employee, department and score."""
MAX_LINES = 9


def wrap_height(texts, width: int, max_lines: int = MAX_LINES) -> int | None:
    """The row height (px) at which a text column ``width`` px wide shows its longest value in full, up to
    ``max_lines`` lines; None when every value fits on one line. Streamlit wraps a cell's text only when
    the rows are taller than 4rem (its own text wrapping: ``st.dataframe(row_height=…)``)."""
    longest = max((len(str(t)) for t in texts if t is not None), default=0)
    per_line = max(1, (width - 17) // CHAR_PX)  # 8.5 px padding each side
    lines = min(max_lines, -(-longest // per_line))
    return None if lines <= 1 else max(68, 12 + 19 * lines)


NARROW_COLUMNS = ("employee", "department", "text", "sentiment", "occurrences")
"""What an evidence table in a half-width column keeps of the columns asked for: who, and the sentence."""


def evidence_table(frame: pd.DataFrame, key: str, empty: str, columns: list[str] | None = None,
                   column_config: dict | None = None, theme: str | None = None, narrow: bool = False) -> None:
    """Sentences with their documents; a row (or the list below it) opens the document on the 文档 page,
    with the sentence marked and, for the evidence of a ``theme``, that theme highlighted.
    Below it, an HR admin can correct a sentence's sentiment or themes (``ui.correct``).

    Every column fits the table's width (none is cut off at the right edge), and the rows are as tall as
    the longest sentence needs (``wrap_height``): a sentence is read in full, not only on hover. ``narrow``
    (a half-width column): only who said it and the sentence, in a narrower column of more lines."""
    if not auth.access().may_read_text:
        st.info("你的账号只能查看汇总数据，不显示原文句子。", icon=":material/visibility_off:")
        return
    if frame.empty:
        st.info(empty)
        return
    columns = columns or ["employee", "department", "year", "section", "text", "sentiment", "themes"]
    frame = distinct_sentences(frame)
    if "occurrences" in frame and frame["occurrences"].max() > 1 and "occurrences" not in columns:
        columns = [*columns, "occurrences"]
    if narrow:
        columns = [c for c in columns if c in NARROW_COLUMNS]
    shown = frame[columns].copy()
    if "themes" in shown:
        shown["themes"] = shown["themes"].map(lambda v: "、".join(v) if v is not None else "")
    if "label" in shown:
        shown["label"] = shown["label"].map(LABEL_NAMES)
    shown = shown.rename(columns=COLUMN_NAMES)
    doc_ids = frame["doc_id"].tolist()
    idxs = frame["idx"].tolist() if "idx" in frame else None
    pick_key = f"{key}_doc"
    text_px = NARROW_TEXT_PX if narrow else TEXT_PX
    small = 64 if narrow else "small"
    row_height = wrap_height(shown["句子"], text_px) if "句子" in shown else None
    per_row = row_height or 35
    st.dataframe(
        shown, key=f"{key}_table", hide_index=True, width="stretch", row_height=row_height,
        height=min(38 + per_row * len(shown), max(420, 38 + 3 * per_row)),
        on_select=partial(_select_from_table, f"{key}_table", pick_key, doc_ids, idxs), selection_mode="single-row",
        column_config={
            "员工": st.column_config.TextColumn(width=small),
            "部门": st.column_config.TextColumn(width=small),
            "段落": st.column_config.TextColumn(width="small"),
            "主题": st.column_config.TextColumn(width=150),
            "倾向": st.column_config.TextColumn(width="small"),
            "句子": st.column_config.TextColumn(width=text_px),
            "前文": st.column_config.TextColumn(width=250),
            "后文": st.column_config.TextColumn(width=250),
            "情感分": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="%.2f", width=small,
                                                   help=HELP["情感分"]),
            "年份": st.column_config.NumberColumn(format="%d", width="small"),
            "出现次数": st.column_config.NumberColumn(width=small, help="同一句话出现在几篇总结里（只列一次）"),
            **(column_config or {}),
        },
    )
    docs = frame.drop_duplicates("doc_id")
    labels = {r.doc_id: f"{r.employee or '未署名'} · {r.department or '未知部门'} · {r.year or '年份不详'}"
              for r in docs.itertuples()}
    options = list(labels)
    if st.session_state.get(pick_key) not in labels:
        st.session_state[pick_key] = options[0]
    # one above the other: in a half-width column a button beside the list was cut to "打开…"
    st.selectbox("证据所在文档（点表格中的行也可以选中）", options, key=pick_key, format_func=labels.get)
    if st.button("打开文档", key=f"{key}_open", icon=":material/open_in_new:"):
        doc = st.session_state[pick_key]
        # the sentence clicked in the table, else the first of this document's sentences listed
        idx = st.session_state.get(f"{pick_key}_idx")
        if idxs is not None and (idx is None or idx not in [i for d, i in zip(doc_ids, idxs) if d == doc]):
            idx = next(i for d, i in zip(doc_ids, idxs) if d == doc)
        state.open_document(doc, idx, theme)
    correction_form(frame, key)
