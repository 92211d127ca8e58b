"""主题管理 (HR admin): add or edit a theme in a form, preview which sentences gain or lose it, accept words
the corpus suggests, save (themes re-scored, version kept, audit-logged), restore an older version."""
from __future__ import annotations

import re

import streamlit as st

from analysis.insight.taxonomy import FIELDS, TaxonomyError, shipped_text, with_theme, without_theme
from analysis.schema import THEMES
from ui import data, state
from ui.data import taxonomy as tx
from ui.markdown import md

NEW = "＋ 新主题"
LABELS = {"description": "说明", "strong": "强提示词（单独出现即算）", "weak": "弱提示词（两个同时出现才算）",
          "context": "辅助词（与一个弱提示词同时出现才算）", "exclude": "排除短语（先去掉再匹配）",
          "patterns": "语序模式（正则表达式，每行一个）"}
K_PICK, K_NAME = "tx_pick", "tx_name"


def _split(value: str, field: str) -> list[str]:
    parts = value.splitlines() if field == "patterns" else re.split(r"[\s、，,；;]+", value)
    return [p.strip() for p in parts if p.strip()]


def _load(themes: dict[str, dict]) -> None:
    """Fill the form with the picked theme (or empty it for a new one)."""
    pick = st.session_state[K_PICK]
    spec = themes.get(pick, {})
    st.session_state[K_NAME] = "" if pick == NEW else pick
    for field in FIELDS:
        value = spec.get(field, "" if field == "description" else [])
        sep = "\n" if field == "patterns" else "、"
        st.session_state[f"tx_{field}"] = value if field == "description" else sep.join(value)


def _accept(word: str) -> None:
    current = _split(st.session_state.get("tx_strong", ""), "strong")
    if word not in current:
        st.session_state["tx_strong"] = "、".join([*current, word])


st.title("主题管理")
state.filters()
version, text, saved = tx.state()
themes = data.taxonomy_themes()
st.caption(f"当前使用：{'出厂词表（analysis/data/themes.toml）' if version == 0 else f'第 {version} 版'} · "
           f"{len(themes)} 个主题（十个必需主题不能删除或改名）。保存后只重新计算主题，不重新分析其他内容。")

options = [*themes, NEW]
if st.session_state.get(K_PICK) not in options:
    st.session_state[K_PICK] = NEW
    _load(themes)
st.selectbox("编辑哪个主题", options, key=K_PICK, on_change=_load, args=(themes,))
pick = st.session_state[K_PICK]
required = pick in THEMES
st.text_input("主题名称", key=K_NAME, disabled=pick != NEW, placeholder="如：数字化转型",
              help="必需主题与已有主题不能改名")
for field in FIELDS:
    st.session_state.setdefault(f"tx_{field}", "")
    if field == "description":
        st.text_input(LABELS[field], key=f"tx_{field}")
    else:
        st.text_area(LABELS[field], key=f"tx_{field}", height=68,
                     help="词语之间用顿号、逗号、空格或换行分隔" if field != "patterns" else "每行一个正则表达式")

name = st.session_state[K_NAME].strip()
spec = {f: (st.session_state[f"tx_{f}"].strip() if f == "description" else _split(st.session_state[f"tx_{f}"], f))
        for f in FIELDS}
new_text, problem = None, None
if name:
    try:
        new_text = with_theme(text, name, spec)
    except TaxonomyError as exc:
        problem = str(exc)
if problem:
    st.warning(problem, icon=":material/error:")

st.subheader("预览")
if not name:
    st.caption("填写主题名称和提示词后，这里会显示在一个固定样本（约 2,000 句）中哪些句子会获得或失去这个主题。")
elif new_text is not None and new_text != text:
    changes = tx.preview(name, new_text)
    gain, loss = (changes["change"] == "获得").sum(), (changes["change"] == "失去").sum()
    st.caption(f"样本中 {gain} 句会获得“{md(name)}”，{loss} 句会失去它。")
    if len(changes):
        st.dataframe(changes[["change", "department", "year", "section", "text"]].rename(
            columns={"change": "变化", "department": "部门", "year": "年份", "section": "段落", "text": "句子"}),
            hide_index=True, width="stretch", key="tx_preview", height=min(38 + 35 * len(changes), 360))
elif new_text is not None:
    st.caption("与当前词表相同，没有变化。")

st.subheader("候选词")
cues = tuple(spec["strong"] + spec["weak"])
if not cues:
    st.caption("先填几个提示词，这里会列出经常与它们同句出现、值得加入的词（按 PMI × 同句数排序）。")
else:
    found = tx.suggestions(cues)
    if found.empty:
        st.info("语料中没有找到与这些提示词经常同句出现的词。")
    for row in found.head(10).itertuples():
        c1, c2 = st.columns([5, 1], vertical_alignment="center")
        c1.markdown(f"**{row.word}** · 同句 {row.together} 次 · 得分 {row.score:.1f}  \n"
                    + "  \n".join(f"<small>{e}</small>" for e in row.examples), unsafe_allow_html=True)
        c2.button("加入强提示词", key=f"tx_accept_{row.word}", on_click=_accept, args=(row.word,))

st.subheader("保存")
note = st.text_input("说明这次修改（记入审计日志）", key="tx_note", placeholder="如：新增数字化转型主题")
left, right = st.columns(2)
if left.button("保存并重新计算主题", key="tx_save", type="primary", disabled=new_text is None or new_text == text):
    bar = st.progress(0.0, text="正在重新计算主题……")
    new_version, changed = tx.save(new_text, note or f"编辑主题“{name}”", progress=lambda p: bar.progress(p))
    bar.empty()
    st.success(f"已保存为第 {new_version} 版，{changed:,} 个句子的主题有变化。", icon=":material/check:")
if pick != NEW and not required and right.button(f"删除主题“{pick}”", key="tx_delete"):
    new_version, changed = tx.save(without_theme(text, pick), f"删除主题“{pick}”")
    st.session_state[K_PICK] = NEW
    st.success(f"已删除，保存为第 {new_version} 版。", icon=":material/check:")

st.subheader("历史版本")
rows = [(0, "出厂词表", "", "")] + [(int(r.version), r.saved_at, r.user, r.note) for r in saved.itertuples()]
st.dataframe([{"版本": v, "保存时间": t, "保存人": u, "说明": n, "使用中": "✓" if v == version else ""}
              for v, t, u, n in rows], hide_index=True, width="stretch", key="tx_versions")
older = [v for v, *_ in rows if v != version]
if older:
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    back = c1.selectbox("恢复到", older, key="tx_restore_pick",
                        format_func=lambda v: "出厂词表" if v == 0 else f"第 {v} 版")
    if c2.button("恢复", key="tx_restore"):
        old_text = shipped_text() if back == 0 else saved.loc[saved["version"] == back, "toml"].iloc[0]
        new_version, changed = tx.save(old_text, f"恢复到{'出厂词表' if back == 0 else f'第 {back} 版'}")
        st.success(f"已恢复（保存为第 {new_version} 版），{changed:,} 个句子的主题有变化。", icon=":material/history:")
