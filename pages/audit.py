"""审计日志: every file the dashboard handed out — who, when, which table, which filters, how many rows.

HR admin only (ui/state.PAGES). The log is the append-only file ``analysis.access.scope.audit`` writes beside the
store; a rebuild of the store does not touch it.
"""
from __future__ import annotations

import streamlit as st

from analysis.access import audit
from analysis.schema import ROLE_NAMES
from ui import data, state
from ui.markdown import md

FORMATS = {"csv": "CSV", "xlsx": "Excel", "pptx": "PowerPoint", "docx": "Word"}
TABLES = {"documents": "文档", "groups": "分组", "themes": "主题", "keywords": "关键词", "report": "报告",
          "explore_edges": "共现网络边表", "taxonomy": "主题词表（保存）"}

st.title("审计日志")
state.filters()
st.caption("每一次下载（CSV、Excel 与报告）都记录在这里：谁、什么时候、下载了哪张表或哪份报告、用了什么筛选条件、多少行"
           "（报告：覆盖的文档数）；HR 对句子情感或主题的纠正及撤销也记录在这里"
           "（表为“句子纠正”，“内容”列写明改了什么）。"
           "日志是数据库旁的只追加文件，重新构建数据库不会清除它。")

breaks = data.audit_breaks()
if breaks:
    st.warning("审计日志的校验链断开：日志在写入之后被删除、修改或插入过记录，以下内容可能不完整或不真实。"
               "请从备份核对，并检查谁有权写入该文件。\n\n" + "\n".join(f"- {b}" for b in breaks),
               icon=":material/gpp_bad:")
log = data.audit_log()
if log.empty:
    st.info("还没有任何下载记录。", icon=":material/inbox:")
    st.stop()


users = sorted(log["user"].unique())
st.session_state.setdefault("audit_user", [])
chosen = st.multiselect("用户", users, key="audit_user", placeholder="全部用户", select_all=False)
shown = log[log["user"].isin(chosen)] if chosen else log
zone = audit.known_zone(st.context.timezone)  # the browser's, if it is a real time zone name
st.caption(f"共 {len(shown):,} 条记录，最新的在前。时间为"
           + (f"你的浏览器所在时区（{md(zone)}）" if zone else "服务器所在时区") + "的当地时间。")
table = shown.assign(
    role=shown["role"].map(lambda r: ROLE_NAMES.get(r, r)), table=shown["table"].map(lambda t: TABLES.get(t, t)),
    format=shown["format"].map(lambda f: FORMATS.get(f, f)), filters=shown["filters"].map(audit.filters_text),
    time=shown["time"].map(lambda t: audit.local_time(t, zone)),
    detail=shown["detail"].fillna(""),
)
st.dataframe(
    table.rename(columns={"time": "时间", "user": "用户", "name": "姓名", "role": "角色", "table": "表",
                          "format": "格式", "filters": "筛选条件", "rows": "行数", "file_name": "文件名",
                          "detail": "内容"}),
    key="audit_table", hide_index=True, width="stretch",
)
