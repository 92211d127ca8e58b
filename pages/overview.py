"""总览: headline figures, documents per department and year, leading themes, change since last year, and
alerts (groups that moved beyond chance, unusual documents) that open their evidence."""
from __future__ import annotations

from dataclasses import replace
from functools import partial

import pandas as pd
import streamlit as st

from analysis.query.alerts import ALPHA, MIN_SHIFT, NEGATIVE_DOC, PLACEHOLDER_DOC
from ui import auth, charts, data, state
from ui.markdown import md
from ui.widgets import (
    COLUMN_NAMES,
    HELP,
    chart_point,
    click_hint,
    evidence_table,
    num,
    pct,
    require_documents,
    score,
)

K_DRILL = "overview_drill"  # what the last click on a chart asked to see
K_ALERTS, K_ALERT_PICK = "group_alerts_table", "alerts_pick"
K_ALERT_OPEN = "overview_alert"  # the alert whose evidence is listed (``alert_key``; in the address, ui.links)
K_DOC_ALERTS, K_DOC_PICK = "doc_alerts_table", "doc_alerts_pick"
K_FROM, K_TO = "overview_from", "overview_to"  # the two years compared


def _drill(chart: str) -> None:
    """A clicked bar chooses the sentences listed at the bottom of the page."""
    point = chart_point(chart)
    if not point:
        return
    st.session_state.pop(K_ALERT_OPEN, None)
    if chart == "overview_docs":
        year = point.get("legendgroup") or ""
        st.session_state[K_DRILL] = ("group", str(point["x"]), int(year) if str(year).isdigit() else None)
    elif chart == "overview_themes":
        st.session_state[K_DRILL] = ("theme", str(point["y"]), None)
    else:
        st.session_state[K_DRILL] = ("change", str(point["y"]), None)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def alert_key(row: dict) -> str:
    """Names one group alert in the address: department|team|theme or label (the measure)."""
    return "|".join(_text(row[k]) for k in ("department", "team")) + "|" + (_text(row["theme"]) or _text(row["label"]))


def _open_alert() -> None:
    """The button: list the sentences behind the chosen alert (and put it in the address)."""
    st.session_state[K_ALERT_OPEN] = st.session_state.get(K_ALERT_PICK)
    st.session_state.pop(K_DRILL, None)


def _pick_row(table_key: str, pick_key: str, keys: list) -> None:
    rows = st.session_state[table_key].selection.rows
    if rows:
        st.session_state[pick_key] = keys[rows[0]]


def _share(count, total, unit) -> str:
    return f"{count / total:.0%}（{int(count)}/{int(total)} {unit}）"


def _alerts(f) -> dict | None:
    """提示: the groups whose sentiment or theme rates moved beyond chance (``analysis.query.alerts``) and,
    for readers who may open documents, the unusual documents. Returns the alert whose evidence is open:
    the one the address names (``K_ALERT_OPEN``) when it is among this reader's alerts for these filters."""
    st.subheader("提示")
    tested = data.group_alerts(f)
    opened = None
    k = data.report_min_group()
    if tested.empty:
        st.info("当前筛选范围内没有可以与上一年比较的分组（需要两个年份的文档，且分组人数不少于最小报告人数）。")
    else:
        first = tested.iloc[0]
        shown = tested[tested["alert"]].reset_index(drop=True)
        st.caption(
            f"{first['previous_year']} 年与 {first['year']} 年相比：每个部门和人数不少于 {k} 人的班组的正面句占比、"
            "负面句占比和各主题的提及文档占比，用两比例 z 检验（期望数少于 5 时用 Fisher 精确检验）检验差异；"
            f"同时检验了 {len(tested)} 项，用 Benjamini–Hochberg 方法控制错误发现率，只列出校正后 q < {ALPHA:g} "
            f"且变化至少 {MIN_SHIFT * 100:.0f} 个百分点的。同一篇总结的句子并不相互独立，情感占比的 q 值偏乐观。"
            "选中一行查看背后的句子。")
        if shown.empty:
            st.info("没有超出偶然波动的变化。")
        else:
            unit = shown["kind"].map({"情感": "句", "主题": "篇"})
            table = pd.DataFrame({
                "分组": [f"{d or '（未填部门）'}·{t}" if t else (d or "（未填部门）")
                       for d, t in zip(shown["department"], shown["team"])],
                "指标": shown["measure"],
                "上一年": [_share(c, n, u) for c, n, u in zip(shown["previous_count"], shown["previous_total"], unit)],
                "今年": [_share(c, n, u) for c, n, u in zip(shown["count"], shown["total"], unit)],
                "变化（百分点）": shown["change"] * 100,
                "检验": shown["method"].map({"z": "z 检验", "fisher": "Fisher"}),
                "q 值": shown["q_value"],
            })
            ids = [alert_key(r) for r in shown.to_dict("records")]
            st.dataframe(table, key=K_ALERTS, hide_index=True, width="stretch",
                         on_select=partial(_pick_row, K_ALERTS, K_ALERT_PICK, ids), selection_mode="single-row",
                         column_config={"变化（百分点）": st.column_config.NumberColumn(format="%+.0f"),
                                        "q 值": st.column_config.NumberColumn(format="%.2g")})
            wanted = st.session_state.get(K_ALERT_OPEN)
            if wanted in ids:
                opened = shown.iloc[ids.index(wanted)].to_dict()
                if st.session_state.get(K_ALERT_PICK) not in ids:
                    st.session_state[K_ALERT_PICK] = wanted
            if st.session_state.get(K_ALERT_PICK) not in ids:
                st.session_state[K_ALERT_PICK] = ids[0]
            names = {i: f"{g}：{m}" for i, g, m in zip(ids, table["分组"], table["指标"])}
            pick, go = st.columns([4, 1], vertical_alignment="bottom")
            pick.selectbox("提示（点表格中的行也可以选中）", ids, key=K_ALERT_PICK, format_func=names.get)
            go.button("查看证据句", key="alerts_evidence", icon=":material/format_quote:", width="stretch",
                      on_click=_open_alert)
    if st.session_state.get(K_ALERT_OPEN) and opened is None:
        st.session_state.pop(K_ALERT_OPEN)
        st.info("地址中的提示在当前筛选和你的查看范围内没有出现，未打开它的证据句。", icon=":material/link_off:")
    _document_alerts(f)
    return opened


def _document_alerts(f) -> None:
    if not auth.access().may_read_text:
        return
    docs = data.document_alerts(f)
    st.markdown("**异常文档**")
    st.caption(f"字数不足同年（当前筛选范围内）中位数一半、负面句占 {NEGATIVE_DOC:.0%} 以上、"
               f"或留有 {PLACEHOLDER_DOC} 处以上范文占位符（XX、××、___、20xx 等）的总结。选中一篇即可打开。")
    if docs.empty:
        st.info("当前筛选范围内没有异常的文档。")
        return
    ids = docs["doc_id"].tolist()
    st.dataframe(
        docs[["employee", "department", "team", "year", "chars", "neg_share", "placeholders", "reasons"]]
        .rename(columns={**COLUMN_NAMES, "reasons": "原因"}),
        key=K_DOC_ALERTS, hide_index=True, width="stretch", height=min(38 + 35 * len(docs), 320),
        on_select=partial(_pick_row, K_DOC_ALERTS, K_DOC_PICK, ids), selection_mode="single-row",
        column_config={"年份": st.column_config.NumberColumn(format="%d"),
                       "负面句占比": st.column_config.NumberColumn(format="percent"),
                       "原因": st.column_config.TextColumn(width="large")})
    labels = {r.doc_id: f"{r.employee or '未署名'} · {r.department or '未知部门'} · {r.year or '年份不详'}：{r.reasons}"
              for r in docs.itertuples()}
    if st.session_state.get(K_DOC_PICK) not in labels:
        st.session_state[K_DOC_PICK] = ids[0]
    pick, go = st.columns([4, 1], vertical_alignment="bottom")
    pick.selectbox("异常文档（点表格中的行也可以选中）", ids, key=K_DOC_PICK, format_func=labels.get)
    if go.button("打开文档", key="doc_alerts_open", icon=":material/open_in_new:", width="stretch"):
        state.open_document(st.session_state[K_DOC_PICK])


st.title("总览")
f = state.filters()
figures = require_documents(f)
st.caption(f"范围：{state.describe(f)}")

span = ("" if not figures["year_min"] else f"{figures['year_min']}" if figures["years"] == 1
        else f"{figures['year_min']}–{figures['year_max']}")
cols = st.columns(6)
cols[0].metric("文档数", num(figures["documents"]), border=True)
cols[1].metric("员工数", num(figures["employees"]), border=True, help="按“部门 + 姓名”计数")
cols[2].metric("部门数", num(figures["departments"]), border=True)
cols[3].metric("年份数", num(figures["years"]), border=True, help=f"年份范围：{span or '不详'}")
cols[4].metric("平均情感", score(figures["sentiment_mean"]), border=True,
               help="每篇文档句子情感的平均值（0 = 消极，1 = 积极），再对文档取平均")
cols[5].metric("模板痕迹", num(figures["template_documents"]), border=True,
               help=f"{HELP['模板痕迹']}。占 {pct(figures['template_share'])}")

left, right = st.columns([3, 2])
with left:
    per = data.groups(f, by=("department", "year"))
    per = per.assign(year=per["year"].map(lambda y: str(y) if y else "年份不详"))
    st.plotly_chart(
        charts.bar(per, x="department", y="documents", color="year",
                   title="各部门各年份的文档数" + click_hint("（点击柱子查看句子）"),
                   labels={"department": "部门", "documents": "文档数", "year": "年份"}),
        key="overview_docs", on_select=lambda: _drill("overview_docs"), selection_mode="points",
    )
with right:
    themes = data.theme_totals(f)
    st.plotly_chart(
        charts.bar(themes, x="theme", y="document_share", horizontal=True, percent=True,
                   title="主要主题（提及该主题的文档占比" + click_hint("，点击查看证据句") + "）",
                   labels={"theme": "", "document_share": "文档占比"}),
        key="overview_themes", on_select=lambda: _drill("overview_themes"), selection_mode="points",
    )

st.subheader("两年对比")
years = [int(y) for y in data.groups(f, by=("year",))["year"] if y]
if len(years) >= 2:
    for key, default in ((K_FROM, years[-2]), (K_TO, years[-1])):
        if st.session_state.get(key) not in years:
            st.session_state[key] = default
    a, b = st.columns(2)
    a.selectbox("基准年", years, key=K_FROM, help="默认：最近一年的上一年；可以选任意两年比较")
    b.selectbox("对比年", years, key=K_TO)
pair = (st.session_state.get(K_FROM), st.session_state.get(K_TO))
changes = data.year_changes(f, pair) if len(years) >= 2 and pair[0] != pair[1] else None
if len(years) < 2:
    st.info("当前筛选范围内可以统计的文档只有一个年份（或年份不详），无法比较两年。放宽年份筛选即可看到变化。")
elif changes is None:
    st.info("请选择两个不同的年份。")
elif changes.empty:
    st.info("所选两年中有一年的文档所在分组人数不足最小报告人数，统计已隐藏。请换一个年份。",
            icon=":material/visibility_off:")
else:
    first = changes.iloc[0]
    st.caption(f"{first['latest_year']} 年与 {first['previous_year']} 年相比")
    general = changes[changes["kind"] == "概况"].set_index("metric")
    c = st.columns(4)
    for col, (metric, fmt, inverse) in zip(c, [("文档数", num, False), ("员工数", num, False),
                                               ("平均情感", score, False), ("负面句占比", pct, True)]):
        row = general.loc[metric]
        delta = (f"{row['change']:+,.0f}" if fmt is num else f"{row['change'] * 100:+.1f} 个百分点"
                 if fmt is pct else f"{row['change']:+.3f}")
        col.metric(metric, fmt(row["latest"]), delta, delta_color="inverse" if inverse else "normal",
                   help=f"{first['previous_year']} 年：{fmt(row['previous'])}")
    theme_change = changes[changes["kind"] == "主题覆盖率"].sort_values("change")
    # a difference of two shares is in percentage points (百分点), not a percent of anything
    theme_change = theme_change.assign(points=theme_change["change"] * 100,
                                       direction=theme_change["change"].map(lambda v: "上升" if v >= 0 else "下降"))
    fig = charts.bar(theme_change, x="metric", y="points", color="direction", horizontal=True, barmode="relative",
                     title="各主题文档覆盖率的变化（百分点" + click_hint("，点击查看证据句") + "）",
                     labels={"metric": "", "points": "覆盖率变化（百分点）"}, text="+.1f",
                     color_map={"上升": "#5E9C8F", "下降": "#C98E6B"}, legend=False)
    st.plotly_chart(fig, key="overview_changes", on_select=lambda: _drill("overview_changes"),
                    selection_mode="points")

alert = _alerts(f)

drill = ("alert", alert, int(alert["year"])) if alert else st.session_state.get(K_DRILL)
if drill:
    kind, value, year = drill
    if kind == "alert":
        dept, team, summary = value["department"], value["team"], value["summary"]
        theme, label = _text(value["theme"]) or None, _text(value["label"]) or None
        scope = replace(f, departments=(dept,), teams=(team,) if team else f.teams, years=(year, year))
        st.subheader(f"证据句：{md(dept)}{'·' + md(team) if team else ''} {year} 年"
                     + (f"谈到“{md(theme)}”的句子" if theme else f"的{'负面' if label == 'neg' else '正面'}句"))
        st.caption(md(summary))
        ev = (data.evidence(scope, theme=theme, limit=200) if theme
              else data.evidence(scope, label=label, order=label, limit=200))
    elif kind == "group":
        scope = replace(f, departments=(value,), years=(year, year) if year else f.years)
        st.subheader(f"证据句：{md(value)}{f' {year} 年' if year else ''}的句子")
        ev = data.evidence(scope, limit=200)
    elif kind == "theme":
        st.subheader(f"证据句：谈到“{md(value)}”的句子")
        ev = data.evidence(f, theme=value, limit=200)
    else:
        later = changes is not None and not changes.empty
        latest = int(changes.iloc[0]["latest_year"]) if later else None  # the later of the two years chosen
        scope = replace(f, years=(latest, latest)) if latest else f
        st.subheader(f"证据句：{latest or ''} 年谈到“{md(value)}”的句子")
        ev = data.evidence(scope, theme=value, limit=200)
    marked = theme if kind == "alert" else None if kind == "group" else value
    evidence_table(ev, "overview_ev", empty="所选范围内没有句子。", theme=marked)

failed = data.failures()
if len(failed):
    with st.expander(f"未能分析的文件（{len(failed)} 个）", icon=":material/warning:"):
        st.dataframe(failed.rename(columns={"source_file": "文件", "reason": "原因"}), hide_index=True,
                     width="stretch")

with st.expander("各部门明细"):
    table = data.groups(f, by=("department",))
    keep = ["department", "documents", "employees", "sentiment_mean", "pos_share", "neg_share"]
    st.dataframe(table[keep].rename(columns=COLUMN_NAMES), hide_index=True, width="stretch",
                 column_config={"平均情感": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0,
                                                                         format="%.3f", help=HELP["平均情感"]),
                                "正面句占比": st.column_config.NumberColumn(format="percent"),
                                "负面句占比": st.column_config.NumberColumn(format="percent")})
