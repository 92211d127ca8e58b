"""HR corrections from any sentence table: the small form under evidence tables and the 文档 page's
sentence view, and the writes (``analysis.edits.correct`` / ``undo_correction``) as the signed-in user.

Only an HR admin gets the form; the analysis functions refuse anyone else too (``PermissionError``), so
a page that forgot to hide the form still could not write. A saved correction writes a new snapshot:
the store's data version changes and every page and export reads the corrected figures on its next run.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.schema import LABEL_NAMES, LABELS
from analysis.store import snapshot
from ui import auth, data, state
from ui.markdown import md

KEEP = "不改"
MAX_CHOICES = 200


def may_correct() -> bool:
    return auth.access().role == "hr_admin"


def correct(doc_id: str, idx: int, label: str | None, themes: list[str] | None) -> dict:
    """Save one correction as the signed-in user (refused below hr_admin)."""
    from analysis import edits  # the write path (passes, ingest): not loaded by pages that only read

    return edits.correct(state.store_path(), doc_id, int(idx), label=label, themes=themes, actor=auth.access())


def undo(doc_id: str, idx: int, text_hash: str) -> bool:
    from analysis import edits

    return edits.undo_correction(state.store_path(), doc_id, int(idx), text_hash, actor=auth.access())


def theme_keys() -> list[str]:
    """The themes a sentence can be given: the ten fixed ones and HR's added ones."""
    return list(data.theme_keys())


def _sentence(doc_id: str, idx: int) -> pd.Series | None:
    rows = data.sentences_of(doc_id)
    rows = rows[rows["idx"] == idx]
    return None if rows.empty else rows.iloc[0]


def _listed(frame: pd.DataFrame, doc_id: str, idx: int) -> pd.Series | None:
    """The sentence's current judgement from the table it was picked in, when the table carries it (an
    evidence table does: read from the same snapshot), else read from the store."""
    if {"label", "themes"} <= set(frame.columns):
        rows = frame[(frame["doc_id"] == doc_id) & (frame["idx"] == idx)]
        if not rows.empty:
            return rows.iloc[0]
    return _sentence(doc_id, idx)


def _prefill(key: str, frame: pd.DataFrame | None = None) -> None:
    """A newly picked sentence starts from its current judgement."""
    picked = st.session_state.get(f"{key}_fix_pick")
    st.session_state[f"{key}_fix_label"] = KEEP
    row = (_listed(frame, *picked) if frame is not None else _sentence(*picked)) if picked else None
    st.session_state[f"{key}_fix_themes"] = [t for t in (row["themes"] if row is not None else [])
                                             if t in theme_keys()]


def _save(key: str) -> None:
    picked = st.session_state.get(f"{key}_fix_pick")
    if not picked:
        return
    doc_id, idx = picked
    row = _sentence(doc_id, idx)
    choice = st.session_state.get(f"{key}_fix_label", KEEP)
    label = None if choice == KEEP else next(k for k, v in LABEL_NAMES.items() if v == choice)
    themes = list(st.session_state.get(f"{key}_fix_themes", []))
    current = set(row["themes"]) if row is not None and row["themes"] is not None else set()
    if set(themes) == current:
        themes = None
    if row is not None and label == row["label"]:
        label = None
    if label is None and themes is None:
        st.session_state[f"{key}_fix_msg"] = ("info", "没有改动：请选择不同的情感或主题后再保存。")
        return
    try:
        saved = correct(doc_id, idx, label, themes)
    except (ValueError, PermissionError, snapshot.StoreBusy) as exc:
        st.session_state[f"{key}_fix_msg"] = ("error", f"没有保存：{md(exc)}")
        return
    from analysis.insight.corrections import describe

    st.session_state[f"{key}_fix_msg"] = (
        "success", f"已纠正“{md(saved['text'])}”：{describe(label, themes)}。各页面和导出已按纠正后的结果更新。")


def correction_form(frame: pd.DataFrame, key: str) -> None:
    """Under a table of sentences (``doc_id``, ``idx``, ``text``): pick one, give the right sentiment and/or
    themes, save. Nothing for anyone but an HR admin."""
    if not may_correct() or frame.empty or not {"doc_id", "idx"} <= set(frame.columns):
        return
    message = st.session_state.pop(f"{key}_fix_msg", None)
    with st.expander("纠正句子的情感或主题", icon=":material/edit_note:", expanded=message is not None):
        if message:
            getattr(st, message[0])(message[1])
        rows = frame.drop_duplicates(["doc_id", "idx"]).iloc[:MAX_CHOICES]
        texts = {(r["doc_id"], int(r["idx"])): str(r["text"]) if "text" in rows and pd.notna(r.get("text"))
                 else f"第 {int(r['idx'])} 句" for r in rows.to_dict("records")}
        options = list(texts)
        pick_key = f"{key}_fix_pick"
        if st.session_state.get(pick_key) not in texts:
            st.session_state[pick_key] = options[0]
            _prefill(key, rows)
        st.selectbox("句子", options, key=pick_key, format_func=lambda o: texts[o][:80],
                     on_change=_prefill, args=(key, rows))
        row = _listed(rows, *st.session_state[pick_key])
        if row is not None:
            shown = "、".join(row["themes"]) if row["themes"] is not None and len(row["themes"]) else "无"
            st.caption(f"现在的判断：情感 {LABEL_NAMES.get(row['label'], row['label'])}；主题 {shown}")
        left, right = st.columns([1, 2])
        left.selectbox("正确的情感", [KEEP, *(LABEL_NAMES[k] for k in LABELS)], key=f"{key}_fix_label")
        right.multiselect("正确的主题（全部去掉表示这句话不谈任何主题）", theme_keys(), key=f"{key}_fix_themes",
                          placeholder="没有主题", select_all=False)
        st.button("保存纠正", key=f"{key}_fix_save", on_click=_save, args=(key,), type="primary",
                  icon=":material/save:")
        st.caption("纠正立即反映到所有页面和导出（这句话和它所在文档的数字），重新构建后仍然保留，记入审计日志；"
                   "在“语料管理”页可以查看和撤销。")
