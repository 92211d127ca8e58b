"""语料管理: bring summaries in from the browser and keep the stored ones right.

Upload files or zips (with an optional manifest and metadata typed once for the whole upload), see
per file what will be added, re-tagged, skipped or rejected and why, confirm, watch the analysis
progress, and read what became of every file. Below, stored documents can be re-tagged or removed,
and HR's sentence corrections listed and undone.
Everything here goes through ``ui.upload`` → ``analysis.intake``; other pages show the new data on
their next run because the store's data version changes.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis import intake
from analysis.read.decode import human_size
from analysis.schema import LABEL_NAMES, META_FIELDS, ORIGIN_NAMES
from analysis.store import snapshot
from ui import correct, data, state, upload
from ui.markdown import md
from ui.widgets import COLUMN_NAMES

MAX_CHOICES = 2000
MAX_LISTED = 50
STAGE_SHARE = {"保存原件": (0.0, 0.05), "分析": (0.05, 0.95), "等待": (0.95, 0.95), "写入": (0.95, 1.0)}
RESULT_COLUMNS = {"source_file": "文件", "status": "结果", "detail": "说明"}
PREVIEW_COLUMNS = {"source_file": "文件", "action": "处理", "reason": "说明",
                   **{k: COLUMN_NAMES[k] for k in META_FIELDS}, "sources": "元数据来源"}


def _listing(title: str, rows: list[tuple[str, str]]) -> str:
    lines = [f"- **{md(name)}**：{md(reason)}" for name, reason in rows[:MAX_LISTED]]
    if len(rows) > MAX_LISTED:
        lines.append(f"- ……另有 {len(rows) - MAX_LISTED} 个，见上表")
    return f"{title}\n\n" + "\n".join(lines)


def _say(level: str, text: str) -> None:
    st.session_state[upload.K_MESSAGE] = (level, text)


def _show_message() -> None:
    kept = st.session_state.pop(upload.K_MESSAGE, None)
    if kept:
        level, text = kept
        (st.success if level == "success" else st.error)(text)


def _meta_inputs(prefix: str, opts: dict, placeholder: str, container=st) -> None:
    """Department, team, role, year, employee widgets keyed ``<prefix>_<field>``; choices are what the
    store already holds, and a new value can be typed."""
    c = container.columns(5)
    c[0].selectbox("部门", opts["department"], index=None, key=f"{prefix}_department", placeholder=placeholder,
                   accept_new_options=True)
    c[1].selectbox("班组", opts["team"], index=None, key=f"{prefix}_team", placeholder=placeholder,
                   accept_new_options=True)
    c[2].selectbox("岗位", opts["role"], index=None, key=f"{prefix}_role", placeholder=placeholder,
                   accept_new_options=True)
    c[3].number_input("年份", min_value=intake.YEAR_MIN, max_value=intake.year_max(), value=None, step=1,
                      key=f"{prefix}_year", placeholder=placeholder)
    c[4].text_input("员工姓名", key=f"{prefix}_employee", placeholder=placeholder)


def _meta_values(prefix: str) -> dict:
    values = {k: st.session_state.get(f"{prefix}_{k}") for k in META_FIELDS}
    return {k: ("" if v is None else (int(v) if k == "year" else str(v))) for k, v in values.items()}


# ---------------------------------------------------------------- upload

def _progress(bar):
    """The callback that moves the bar; it redraws only when the stage or the whole percent changes
    (saving 500 originals would otherwise send 500 messages to the browser)."""
    last: list = [None]

    def show(stage: str, done: int, total: int) -> None:
        lo, hi = STAGE_SHARE[stage]
        share = lo + (hi - lo) * (done / total if total else 1.0)
        if (stage, int(share * 100)) == last[0] and done != total:
            return
        last[0] = (stage, int(share * 100))
        text = {
            "保存原件": f"保存原件 {done}/{total}",
            "分析": f"正在分析 {done}/{total} 篇",
            "等待": "另一个写入（命令行构建或其他上传）正在进行，等待它完成……",
            "写入": "写入数据库……",
        }[stage]
        bar.progress(min(share, 1.0), text=text)

    return show


def _upload_section(opts: dict) -> None:
    lim = upload.limits()
    st.subheader("上传年终总结")
    st.caption(
        f"支持 .txt .md .docx .pdf 及其 .zip 压缩包（压缩包内可按“年份/部门/姓名_班组.txt”存放）。单个文件不超过 "
        f"{human_size(lim.max_file_bytes)}；压缩包解压后不超过 {human_size(lim.max_zip_total_bytes)}、"
        f"最多 {lim.max_zip_members:,} 个文件。先预览，确认后才入库。"
    )
    files = st.file_uploader("选择文件或压缩包（可多选）", accept_multiple_files=True, key=upload.round_key("up_files"),
                             max_upload_size=max(1, lim.max_zip_total_bytes // (1024 * 1024)))
    manifest = st.file_uploader(
        "清单（可选，CSV 或 Excel）", key=upload.round_key("up_manifest"),
        max_upload_size=max(1, lim.max_file_bytes // (1024 * 1024)),
        help="列：file（或 文件）、employee（姓名）、department（部门）、team（班组）、role（岗位）、year（年份）。"
             "file 写压缩包内的路径或文件名。压缩包里的 manifest.csv 也会被使用。",
    )
    with st.container(border=True):
        st.markdown("**统一填写元数据（可选）**")
        st.caption("适用于本次上传的全部文件。优先级：清单 → 压缩包内路径 → 这里填写的值 → 正文开头的“部门：…”等 → "
                   "文件名（姓名_班组.txt）。每篇文档都需要部门和年份。员工姓名只在上传单个文件时使用。")
        _meta_inputs(upload.round_key("up"), opts, "不指定")  # a new round starts with an empty form too
    form = _meta_values(upload.round_key("up"))
    _, errors = intake.validate_meta(form)
    for error in errors:
        st.error(f"表单：{md(error)}")
    if not files:
        st.info("还没有选择文件。", icon=":material/upload_file:")
        return

    pre = upload.preview(files, manifest, form)
    for note in pre.notes:
        st.warning(note, icon=":material/list_alt:")
    c = st.columns(4)
    for col, action in zip(c, ("add", "change", "skip", "reject")):
        col.metric(f"{intake.UPLOAD_ACTION_NAMES[action]}", f"{pre.count(action):,}")
    st.dataframe(pd.DataFrame(pre.rows(), columns=list(PREVIEW_COLUMNS)).rename(columns=PREVIEW_COLUMNS),
                 key="up_preview_table", hide_index=True, width="stretch", height=min(38 + 35 * len(pre.items), 420),
                 placeholder="—",  # a value the upload does not give: a dash, not "None"
                 column_config={"年份": st.column_config.NumberColumn(format="%d")})
    rejected = [(i.source_file, i.reason) for i in pre.items if i.action == "reject"]
    if rejected:
        st.error(_listing(f"以下 {len(rejected)} 个文件不会入库：", rejected), icon=":material/block:")
    if not pre.pending:
        st.info("没有需要入库的文件：全部已在库中或无法读取。", icon=":material/info:")
        return
    label = f"确认入库（新增 {pre.count('add')} 篇" + (f"，更新标签 {pre.count('change')} 篇" if pre.count("change")
                                                 else "") + "）"
    if st.button(label, type="primary", key="up_commit", icon=":material/cloud_upload:"):
        bar = st.progress(0.0, text="准备中……")
        try:
            report = upload.commit(pre, _progress(bar))
        except snapshot.StoreBusy:
            st.error(f"数据库一直被另一个写入占用（已等待 {intake.DEFAULT_WAIT:.0f} 秒），本次没有入库；"
                     "已入库的文档不受影响，请稍后再点一次确认。")
            return
        except Exception as exc:  # the store is untouched: a commit writes one snapshot or nothing
            st.error(f"入库失败：{type(exc).__name__}: {md(exc)}。已入库的文档不受影响，请重试。")
            return
        st.session_state[upload.K_RESULT] = report
        upload.next_round()
        st.rerun()


def _result_section() -> None:
    report: intake.CommitReport | None = st.session_state.get(upload.K_RESULT)
    if report is None:
        return
    st.success(f"入库完成，用时 {report.seconds:.1f} 秒：{report.summary()}。各页面已包含新文档。",
               icon=":material/task_alt:")
    rows = [{"source_file": o.source_file, "status": o.status, "detail": o.detail} for o in report.outcomes]
    st.dataframe(pd.DataFrame(rows, columns=list(RESULT_COLUMNS)).rename(columns=RESULT_COLUMNS), key="up_result_table",
                 hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 420))
    failed = [(o.source_file, o.detail) for o in report.outcomes if o.status == "失败"]
    if failed:
        st.error(_listing(f"以下 {len(failed)} 个文件未能入库：", failed), icon=":material/block:")
    st.button("关闭结果", key="up_result_close", on_click=lambda: st.session_state.pop(upload.K_RESULT, None))


# ---------------------------------------------------------------- re-tag and remove

def _do_retag(doc_ids: list[str]) -> None:
    changes = {k: v for k, v in _meta_values("rt").items() if v not in ("", 0)}
    try:
        n = upload.retag(doc_ids, changes)
    except (ValueError, snapshot.StoreBusy) as exc:
        _say("error", f"没有修改：{md(exc)}")
        return
    fields = "、".join(f"{intake.FIELD_NAMES[k]}为“{md(v)}”" for k, v in changes.items())
    _say("success", f"已把 {n} 篇文档的{fields}。")
    for k in META_FIELDS:
        st.session_state.pop(f"rt_{k}", None)


def _do_remove(doc_ids: list[str]) -> None:
    try:
        n = upload.remove(doc_ids)
    except snapshot.StoreBusy as exc:
        _say("error", f"没有移除：{md(exc)}")
        return
    _say("success", f"已移除 {n} 篇文档；各页面和导出中都不再包含它们。")
    st.session_state["up_pick"] = []
    st.session_state["up_confirm_remove"] = False


def _label(row) -> str:
    return (f"{row.employee or '未署名'} · {row.department or '未知部门'} · {row.year or '年份不详'} · "
            f"{row.source_file}")


def _manage_section(opts: dict) -> None:
    st.subheader("修改或移除已入库的文档")
    if not snapshot.exists(state.store_path()) or data.store_info()["documents"] == 0:
        st.info("库中还没有文档：上传并确认入库后，可以在这里修改标签或移除。")
        return
    f = state.filters()
    docs = data.managed_documents(f)
    if docs.empty:
        st.info(f"当前筛选条件下没有文档（{state.describe(f)}）。请在左侧放宽筛选条件。")
        return
    st.caption(f"范围：{state.describe(f)} · {len(docs):,} 篇。修改或移除会记录下来：之后用命令行重新构建语料文件夹时，"
               "修改的标签保留，移除的文档不会被重新加入。")
    shown = docs.iloc[:MAX_CHOICES]
    labels = {r.doc_id: _label(r) for r in shown.itertuples()}
    st.session_state["up_pick"] = [d for d in st.session_state.get("up_pick", []) if d in labels]
    picked = st.multiselect("选择文档", list(labels), format_func=labels.get, key="up_pick",
                            placeholder="选择一篇或多篇文档", select_all=False)
    if len(docs) > MAX_CHOICES:
        st.caption(f"只列出前 {MAX_CHOICES:,} 篇；请用左侧筛选缩小范围。")
    table = docs[docs["doc_id"].isin(picked)] if picked else docs.head(200)
    table = table.assign(origin=table["origin"].map(ORIGIN_NAMES))
    st.dataframe(table[["employee", "department", "team", "role", "year", "source_file", "origin", "updated_at"]]
                 .rename(columns={**COLUMN_NAMES, "origin": "来源", "updated_at": "最近修改"}),
                 key="up_docs_table", hide_index=True, width="stretch", height=min(38 + 35 * len(table), 320),
                 column_config={"年份": st.column_config.NumberColumn(format="%d")})
    if not picked:
        st.caption("上表为前 200 篇；选择文档后可修改标签或移除。")
        return
    with st.form("rt_form"):
        st.markdown(f"**修改所选 {len(picked)} 篇文档的标签**（只修改填写了的字段）")
        _meta_inputs("rt", opts, "不修改")
        st.form_submit_button("更新标签", on_click=_do_retag, args=(list(picked),), type="primary")
    confirm = st.checkbox(f"确认移除所选的 {len(picked)} 篇文档（从所有页面和导出中删除；上传的原件一并删除）",
                          key="up_confirm_remove")
    st.button("移除所选文档", key="up_remove", disabled=not confirm, on_click=_do_remove, args=(list(picked),),
              icon=":material/delete:")


# ---------------------------------------------------------------- HR corrections of sentence judgements

def _do_undo(doc_id: str, idx: int, text_hash: str) -> None:
    try:
        done = correct.undo(doc_id, idx, text_hash)
    except (PermissionError, snapshot.StoreBusy) as exc:
        _say("error", f"没有撤销：{exc}")
        return
    _say("success" if done else "info", "已撤销纠正，这句话恢复为模型的判断。" if done else "这条纠正已不存在。")


def _missing(value) -> bool:
    """A NULL list cell: None, or pandas' NA (a list is never missing, even when empty)."""
    return value is None or (not hasattr(value, "__len__") and pd.isna(value))


def _themes_text(value) -> str:
    return "—" if _missing(value) else ("、".join(value) if len(value) else "无")


def _corrections_section() -> None:
    st.subheader("人工纠正")
    st.caption("HR 管理员在证据句表或文档页的句子表下方纠正的情感与主题。纠正立即反映到所有页面和导出，"
               "重新构建（包括分析版本升级后的全部重新分析）后仍然保留；找不到原句的纠正不会套用到别处，"
               "会在“状态”中说明。导出为训练句：`python -m analysis corrections export "
               "--out analysis/data/sentiment_train_corrections.tsv`，下次训练模型时自动读入。")
    if not snapshot.exists(state.store_path()):
        return
    f = state.filters()
    fixes = data.corrections(f)
    if fixes.empty:
        st.info("还没有纠正。", icon=":material/inbox:")
        return
    table = pd.DataFrame({
        "员工": fixes["employee"].fillna(""), "部门": fixes["department"].fillna(""), "句子": fixes["text"],
        "模型情感": fixes["model_label"].map(lambda v: LABEL_NAMES.get(v, "—")),
        "纠正情感": fixes["label"].map(lambda v: LABEL_NAMES.get(v, "不改") if isinstance(v, str) else "不改"),
        "模型主题": fixes["model_themes"].map(_themes_text),
        "纠正主题": fixes["themes"].map(lambda v: "不改" if _missing(v) else _themes_text(v)),
        "纠正人": fixes["name"], "时间": fixes["created_at"],
        "状态": fixes["status"].map(lambda v: v or "已应用"),
    })
    st.dataframe(table, key="fix_table", hide_index=True, width="stretch", height=min(38 + 35 * len(table), 320),
                 column_config={"句子": st.column_config.TextColumn(width="large")})
    keys = [(r.doc_id, int(r.idx), r.text_hash) for r in fixes.itertuples()]
    labels = {k: f"{r.text[:40]}（{r.name}，{r.created_at}）" for k, r in zip(keys, fixes.itertuples())}
    if st.session_state.get("fix_pick") not in labels:
        st.session_state["fix_pick"] = keys[0]
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    picked = left.selectbox("选择一条纠正", keys, key="fix_pick", format_func=labels.get)
    right.button("撤销纠正", key="fix_undo", on_click=_do_undo, args=picked, icon=":material/undo:",
                 width="stretch")


st.title("语料管理")
state.require_router()
choices = upload.choices()
_show_message()
_result_section()
_upload_section(choices)
st.divider()
_manage_section(choices)
st.divider()
_corrections_section()
