"""导出: the documents, groups, themes and keywords tables of the current filters, as CSV and .xlsx.

The tables are ``analysis.query.export.table`` — the same ones ``python -m analysis export`` writes — so a
download matches the command line. CSV is UTF-8 with BOM and formula-like cells are neutralised.
"""
from __future__ import annotations

import streamlit as st

from analysis.schema import EXPORT_TABLES
from ui import auth, data, state
from ui.widgets import filter_caption, require_documents

TITLES = {
    "documents": ("文档", "每篇文档一行：员工、部门、班组、岗位、年份、字数、情感、各主题句数、模板占位符。"),
    "groups": ("分组", "每个 部门 × 班组 × 年份 一行：文档数、员工数、平均情感，以及各主题的文档覆盖率和千字提及率。"),
    "themes": ("主题", "每个 部门 × 年份 × 段落 × 主题 一行：主题句数、提及文档数及其占比。"),
    "keywords": ("关键词", "每个部门的特色词：词频、文档数、TF-IDF 和区分度 z 值。"),
}

st.title("导出")
f = state.filters()
figures = require_documents(f)
filter_caption(f, figures)
st.caption("下载的表格与页面上的图表使用同一筛选条件。CSV 为带 BOM 的 UTF-8，Excel 可直接打开中文；"
           "以 = + - @ 开头的单元格已加撇号，防止被当作公式执行。每次下载都会记入审计日志。")

st.session_state.setdefault("export_table", EXPORT_TABLES[0])
name = st.radio("表格", EXPORT_TABLES, key="export_table", horizontal=True, format_func=lambda n: TITLES[n][0])
title, description = TITLES[name]
st.markdown(f"**{title}**：{description}")

table = data.export_table(name, f)
if name == "documents" and not auth.access().may_read_text:
    st.info("你的账号只能导出汇总表（分组、主题、关键词），不能导出逐篇文档。", icon=":material/visibility_off:")
elif table.empty:
    st.info(f"当前筛选条件下“{title}”表没有数据（{state.describe(f)}）。"
            + ("关键词表需要足够多的文本：每个词至少出现 3 次。" if name == "keywords" else ""))
else:
    st.caption(f"共 {len(table):,} 行、{len(table.columns)} 列；下方预览前 100 行。")
    c1, c2, _ = st.columns([1, 1, 3])
    csv_name, csv_file = data.download(name, f, "csv")
    xlsx_name, xlsx_file = data.download(name, f, "xlsx")
    c1.download_button("下载 CSV", csv_file, file_name=csv_name, mime="text/csv", key="export_csv",
                       icon=":material/download:", on_click="ignore", type="primary", width="stretch")
    c2.download_button("下载 Excel", xlsx_file, file_name=xlsx_name,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="export_xlsx", icon=":material/table_view:", on_click="ignore", width="stretch")
    st.dataframe(table.head(100), hide_index=True, width="stretch")
