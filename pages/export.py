"""导出: the documents, groups, themes and keywords tables of the current filters, as CSV and .xlsx.

The files are ``analysis.query.export.handout`` — the same as ``python -m analysis export --headers zh``:
Chinese headers, rounded numbers, percentages; the .xlsx adds a 说明 sheet (scope, filters, data version,
date) and the evidence sentences of the view. CSV is UTF-8 with BOM and formula-like cells are neutralised.
"""
from __future__ import annotations

import streamlit as st

from analysis.query.export import DESCRIPTIONS, EVIDENCE_ROWS
from analysis.schema import EXPORT_HEADERS, EXPORT_TABLE_NAMES, EXPORT_TABLES
from ui import auth, data, state
from ui.widgets import filter_caption, require_documents

st.title("导出")
f = state.filters()
figures = require_documents(f)
filter_caption(f, figures)
st.caption("下载的表格与页面上的图表使用同一筛选条件，列名为中文，比例以百分数表示。CSV 为带 BOM 的 UTF-8，"
           "Excel 可直接打开中文；Excel 文件另有“说明”页（权限范围、筛选条件、数据版本与日期）"
           + (f"和当前筛选下的证据句（最多 {EVIDENCE_ROWS:,} 句）" if auth.access().may_read_text else "")
           + "，表头冻结并可筛选。以 = + - @ 开头的单元格已加撇号，防止被当作公式执行。每次下载都会记入审计日志。")

# only the tables this reader can take away: a viewer (figures only) is not offered the documents table
offered = [t for t in EXPORT_TABLES if t != "documents" or auth.access().may_read_text]
if st.session_state.get("export_table") not in offered:
    st.session_state["export_table"] = offered[0]
name = st.radio("表格", offered, key="export_table", horizontal=True, format_func=EXPORT_TABLE_NAMES.get)
title = EXPORT_TABLE_NAMES[name]
st.markdown(f"**{title}**：{DESCRIPTIONS[name]}")
if len(offered) < len(EXPORT_TABLES):
    st.caption(":material/visibility_off: 你的账号只能导出汇总表（分组、主题、关键词），不能导出逐篇文档。")

table = data.export_table(name, f)
if table.empty:
    st.info(f"当前筛选条件下“{title}”表没有数据（{state.describe(f)}）。"
            + ("关键词表需要足够多的文本：每个词至少出现 3 次。" if name == "keywords" else ""))
else:
    preview = data.export_preview(name, f)
    st.caption(f"共 {len(table):,} 行、{len(preview.columns)} 列；下方预览前 100 行。")
    c1, c2, _ = st.columns([1, 1, 3])
    csv_name, csv_file = data.download(name, f, "csv")
    xlsx_name, xlsx_file = data.download(name, f, "xlsx")
    c1.download_button("下载 CSV", csv_file, file_name=csv_name, mime="text/csv", key="export_csv",
                       icon=":material/download:", on_click="ignore", type="primary", width="stretch")
    c2.download_button("下载 Excel", xlsx_file, file_name=xlsx_name,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="export_xlsx", icon=":material/table_view:", on_click="ignore", width="stretch")
    kinds = dict(EXPORT_HEADERS[name].values())  # header → kind, as the downloaded files format them
    shown = {"pct": "percent", "dec1": "%.1f", "dec2": "%.2f", "year": "%d"}
    st.dataframe(preview, hide_index=True, width="stretch", column_config={
        col: st.column_config.NumberColumn(format=shown[kinds[col]]) for col in preview.columns
        if kinds.get(col) in shown})
