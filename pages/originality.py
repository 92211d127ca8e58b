"""原创性: copied summaries (from colleagues, from one's own last year, from 范文), template placeholders,
concreteness with its reasons, and the 范文 library HR adds to."""
from __future__ import annotations

import streamlit as st

from analysis.insight.library import LibraryError
from analysis.schema import COPY_KINDS
from analysis.store import snapshot
from ui import auth, charts, data, state
from ui.markdown import md
from ui.widgets import COLUMN_NAMES, HELP, copy_source, evidence_table, filter_caption, num, pct, require_documents

K_KIND, K_DOC, K_CONC_DOC = "orig_kind", "orig_doc", "orig_conc_doc"
K_TPL_NAME, K_TPL_TEXT, K_TPL_FILE, K_TPL_ADD = "tpl_name", "tpl_text", "tpl_file", "tpl_add"
K_FLASH = "_tpl_flash"
ALL_KINDS = "全部来源"
NAMES = {**COLUMN_NAMES, "copy_kind": "抄袭来源", "copy_similarity": "重合度", "source_employee": "来源员工",
         "source_year": "来源年份", "source_template": "来源范文", "concreteness": "具体度",
         "placeholders": "模板占位符", "copied": "疑似抄袭", "copied_share": "抄袭占比",
         "placeholder_documents": "含占位符", "placeholder_share": "占位符文档占比",
         "concreteness_mean": "平均具体度", **{f"copied_{k}": f"抄{k}" for k in COPY_KINDS}}


def _doc_label(row) -> str:
    return f"{row.employee or '未署名'} · {row.department or '未知部门'} · {row.year or '年份不详'}"


_source_label = copy_source


st.title("原创性")
f = state.filters()
figures = require_documents(f)
filter_caption(f, figures)
st.caption("疑似抄袭：一篇总结有八成以上的文字（按 5 字片段计，数字不计）出现在更早的来源里——同事的总结、"
           "本人往年的总结或范文库中的范文。同一年两位同事高度雷同时，两篇都会标出，因为无法判断谁抄了谁。")

per = data.originality(f)
total = per["documents"].sum()
copied = per["copied"].sum()
c = st.columns(5)
c[0].metric("疑似抄袭", num(copied), border=True, help=f"占 {pct(copied / total if total else None, 1)}")
for col, kind in zip(c[1:4], COPY_KINDS):
    col.metric(f"抄{kind}", num(per[f"copied_{kind}"].sum()), border=True)
c[4].metric("含模板占位符", num(per["placeholder_documents"].sum()), border=True,
            help="未替换的范文占位符（20xx、xx地市、xxx万元、**月份等）是照搬范文的强烈信号")

left, right = st.columns(2)  # half the page: the table's six columns fit without scrolling sideways
with left:
    st.plotly_chart(charts.bar(per, x="department", y="copied_share", percent=True,
                               title="各部门疑似抄袭文档占比（0–100%）",
                               labels={"department": "部门", "copied_share": "占比"}), key="orig_share")
with right:
    # the shares first: in this narrow column the last columns are the ones cut off
    table = per[["department", "copied_share", "concreteness_mean", "copied", "placeholder_documents", "documents"]]
    st.dataframe(table.rename(columns=NAMES), hide_index=True, width="stretch", key="orig_groups",
                 column_config={"部门": st.column_config.TextColumn(pinned=True, width="small"),
                                "抄袭占比": st.column_config.NumberColumn(format="percent", width="small"),
                                "疑似抄袭": st.column_config.NumberColumn(width="small"),
                                "含占位符": st.column_config.NumberColumn(help=HELP["模板痕迹"], width="small"),
                                "文档数": st.column_config.NumberColumn(width="small"),
                                "平均具体度": st.column_config.ProgressColumn(min_value=0.0, max_value=100.0, width=100,
                                                                           format="%.1f", help=HELP["平均具体度"])})

tab_copy, tab_hold, tab_conc, tab_lib = st.tabs(["疑似抄袭", "模板占位符", "具体度", "范文库"])

with tab_copy:
    st.session_state.setdefault(K_KIND, ALL_KINDS)
    kind = st.radio("来源", [ALL_KINDS, *COPY_KINDS], key=K_KIND, horizontal=True)
    copies = data.copied_documents(f, kind=None if kind == ALL_KINDS else kind)
    if not auth.access().may_read_text:
        st.info("你的账号只能查看汇总数据：疑似抄袭文档的名单和逐句对照只对 HR 管理员和部门负责人显示，"
                "上面的数字与各部门占比已包含它们。", icon=":material/visibility_off:")
    elif copies.empty:
        which = "" if kind == ALL_KINDS else f"抄{kind}的"
        st.info(f"当前筛选范围（{state.describe(f)}）内没有{which}疑似抄袭文档。"
                "范文库为空时只会发现同事之间和本人往年的雷同；可在“范文库”页签添加范文。")
    else:
        shown = copies.assign(source=[_source_label(r) for r in copies.itertuples()])
        st.dataframe(shown[["employee", "department", "year", "copy_kind", "copy_similarity", "source", "source_file"]]
                     .rename(columns={**NAMES, "source": "来源"}), hide_index=True, width="stretch", key="orig_copies",
                     column_config={"重合度": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0,
                                                                             format="percent", help=HELP["重合度"]),
                                    "年份": st.column_config.NumberColumn(format="%d", width="small"),
                                    "来源": st.column_config.TextColumn(width="medium")})
        sources = {r.doc_id: _source_label(r) for r in copies.itertuples()}
        labels = {r.doc_id: f"{_doc_label(r)} ← {sources[r.doc_id]}" for r in copies.itertuples()}
        if st.session_state.get(K_DOC) not in labels:
            st.session_state[K_DOC] = next(iter(labels))
        pick, button = st.columns([4, 1], vertical_alignment="bottom")
        pick.selectbox("逐句对照", list(labels), key=K_DOC, format_func=labels.get)
        if button.button("打开文档", key="orig_open", icon=":material/open_in_new:", width="stretch"):
            state.open_document(st.session_state[K_DOC])
        row = copies.set_index("doc_id").loc[st.session_state[K_DOC]]
        passages = data.copy_passages(st.session_state[K_DOC])
        st.caption(f"左边是这篇总结，右边是来源（{md(sources[st.session_state[K_DOC]])}）："
                   f"共 {len(passages)} 句重合，重合度 {pct(row['copy_similarity'])}。"
                   "相似度 1.00 表示除数字外完全相同。")
        st.dataframe(passages[["text", "source_text", "ratio"]].rename(
            columns={"text": "本文", "source_text": "来源", "ratio": "相似度"}), hide_index=True, width="stretch",
            key="orig_passages", column_config={"本文": st.column_config.TextColumn(width="large"),
                                                "来源": st.column_config.TextColumn(width="large"),
                                                "相似度": st.column_config.NumberColumn(format="%.2f")})

with tab_hold:
    holders = data.placeholder_sentences(f)
    if auth.access().may_read_text:
        st.caption("这些句子里留着范文的空位（20xx、xx地市、xxx万元、**月份……），说明总结是照着范文填的，而且没填完。")
    evidence_table(holders, "orig_hold", f"当前筛选范围（{state.describe(f)}）内没有含模板占位符的句子。",
                   columns=["employee", "department", "year", "section", "text", "placeholders"],
                   column_config={"placeholders": st.column_config.TextColumn("占位符")})

with tab_conc:
    st.caption("具体度 = 具体句（有带单位的数字、具体时间或明确成果）减去只有套话的句子，占正文句子的百分比。"
               "有占位符的句子不算具体。词表在 analysis/data/genre.toml，可以修改。")
    docs = data.documents(f)
    if not auth.access().may_read_text:
        st.info("你的账号只能查看汇总数据，不显示逐篇文档的具体度及其理由。", icon=":material/visibility_off:")
    elif docs.empty:
        st.info(f"当前筛选范围（{state.describe(f)}）内没有可以查看的文档。")
    else:
        docs = docs.sort_values(["concreteness", "year"], ascending=[True, False], na_position="last")
        conc_columns = ["employee", "department", "year", "concreteness", "placeholders", "sentences", "source_file"]
        st.dataframe(docs[conc_columns]
                     .rename(columns=NAMES).head(200), hide_index=True, width="stretch", key="orig_conc_table",
                     column_config={"具体度": st.column_config.ProgressColumn(min_value=0.0, max_value=100.0,
                                                                             format="%.1f"),
                                    "年份": st.column_config.NumberColumn(format="%d", width="small"),
                                    "员工": st.column_config.TextColumn(pinned=True)})
        labels = {r.doc_id: f"{_doc_label(r)} · 具体度 {r.concreteness:.1f}" for r in docs.head(1000).itertuples()}
        if st.session_state.get(K_CONC_DOC) not in labels:
            st.session_state[K_CONC_DOC] = next(iter(labels))
        st.selectbox("查看得分理由（按具体度从低到高）", list(labels), key=K_CONC_DOC, format_func=labels.get)
        summary, reasons = data.concreteness_reasons(st.session_state[K_CONC_DOC])
        st.markdown(f"**具体度 {summary['score']:.1f}**：正文 {summary['body']} 句，"
                    f"其中具体句 {summary['concrete']} 句，只有套话的句子 {summary['generic_only']} 句。")
        if reasons.empty:
            st.info("这篇文档里既没有具体信息，也没有套话。")
        else:
            reasons = reasons.assign(idx=reasons["idx"] + 1)  # numbered from 1, as in the 文档 page
            st.dataframe(reasons[["idx", "text", "kind", "words", "verdict"]].rename(
                columns={"idx": "序号", "text": "句子", "kind": "依据", "words": "匹配到的词", "verdict": "判为"}),
                hide_index=True, width="stretch", key="orig_reasons",
                column_config={"序号": st.column_config.NumberColumn(width="small"),
                               "句子": st.column_config.TextColumn(width="large")})

with tab_lib:
    if K_FLASH in st.session_state:
        st.success(st.session_state.pop(K_FLASH), icon=":material/check_circle:")
    library = data.template_library()
    st.caption("把网上流传的范文加入范文库，系统会重新检测所有总结是否抄自范文（生成新的数据快照，看板随即更新）。"
               "重新构建语料时范文库会被保留。")
    if library.empty:
        st.info("范文库还是空的。")
    else:
        st.dataframe(library.rename(columns={"name": "名称", "source": "来源文件", "added_at": "添加时间",
                                             "chars": "字数", "copied_documents": "被抄文档数"}),
                     hide_index=True, width="stretch", key="orig_library")
    if not data.may_edit_library():
        st.info("范文库由 HR 管理员维护；您可以查看其中的范文与被抄文档数。", icon=":material/lock:")
        st.stop()
    with st.form("tpl_form", clear_on_submit=False):
        st.text_input("范文名称", key=K_TPL_NAME, placeholder="如：销售员年终总结范文一")
        st.text_area("粘贴范文全文", key=K_TPL_TEXT, height=160)
        upload = st.file_uploader("或上传范文文件（.txt .md .docx .pdf）", key=K_TPL_FILE,
                                  type=["txt", "md", "docx", "pdf"])
        submitted = st.form_submit_button("加入范文库", key=K_TPL_ADD)
    if submitted:
        name = st.session_state[K_TPL_NAME].strip()
        text, source = st.session_state[K_TPL_TEXT], ""
        try:
            if upload is not None:
                text, source = data.template_text(upload.name, upload.getvalue()), upload.name
                name = name or upload.name.rsplit(".", 1)[0]
            copied_now = data.add_template(name, text, source)
        except LibraryError as exc:
            st.error(f"没有加入范文库：{md(exc)}", icon=":material/error:")
        except snapshot.StoreBusy as exc:
            st.warning(f"没有加入范文库：{md(exc)}", icon=":material/hourglass_top:")
        else:
            st.session_state[K_FLASH] = f"已加入范文“{name}”。重新检测后共有 {copied_now} 篇文档被判为疑似抄袭。"
            st.rerun()  # redraw every figure above from the new snapshot
