"""Plotly figures in one calm style, with Chinese labels.

Figures take the DataFrames of ``analysis.query`` and only draw them: no counting happens here.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from analysis.schema import LABEL_NAMES, SECTIONS

PALETTE = ["#3E6E8E", "#7FB3A4", "#D9A05B", "#B86B77", "#7E8CB5", "#A7B76B", "#6FA3C7", "#C98E6B",
           "#8C7AA9", "#5E9C8F"]
SECTION_COLORS = {"成绩": "#7FB3A4", "不足": "#D9A05B", "计划": "#6FA3C7", "其他": "#B9BEC5"}
LABEL_COLORS = {LABEL_NAMES["pos"]: "#6BAF92", LABEL_NAMES["neu"]: "#C9CED4", LABEL_NAMES["neg"]: "#D07C6E"}
HEAT_SCALE = [[0.0, "#F4F7F9"], [0.5, "#8DB6CD"], [1.0, "#2F5D7C"]]
DIVERGING_SCALE = [[0.0, "#C0612B"], [0.25, "#EDB98F"], [0.5, "#FFFFFF"], [0.75, "#8DB6CD"], [1.0, "#2F5D7C"]]
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"


def _style(fig: go.Figure, height: int | None = None) -> go.Figure:
    fig.update_layout(
        font_family=FONT, margin=dict(l=10, r=10, t=40, b=10), legend_title_text="",
        height=height, hoverlabel=dict(font_family=FONT),
    )
    return fig


def bar(frame: pd.DataFrame, x: str, y: str, color: str | None = None, labels: dict | None = None,
        title: str = "", horizontal: bool = False, percent: bool = False, barmode: str = "group",
        height: int | None = None, category_orders: dict | None = None, color_map: dict | None = None,
        text: bool | str = True) -> go.Figure:
    """``text`` is True (values on the bars, as percent when ``percent``), False, or a d3 format."""
    fig = px.bar(
        frame, x=y if horizontal else x, y=x if horizontal else y, color=color, labels=labels or {},
        title=title, orientation="h" if horizontal else "v", barmode=barmode,
        color_discrete_sequence=PALETTE, color_discrete_map=color_map or {}, category_orders=category_orders or {},
        text_auto=text if isinstance(text, str) else (".0%" if percent else True) if text else False,
    )
    if percent:
        fig.update_layout(**{("xaxis" if horizontal else "yaxis"): dict(tickformat=".0%")})
    if horizontal:
        fig.update_layout(yaxis=dict(autorange="reversed"))
    fig.update_traces(textposition="outside" if barmode != "stack" else "inside", cliponaxis=False)
    return _style(fig, height)


def line(frame: pd.DataFrame, x: str, y: str, color: str | None = None, labels: dict | None = None,
         title: str = "", percent: bool = False, height: int | None = None) -> go.Figure:
    fig = px.line(frame, x=x, y=y, color=color, labels=labels or {}, title=title, markers=True,
                  color_discrete_sequence=PALETTE)
    fig.update_xaxes(type="category")
    if percent:
        small = len(frame) and frame[y].max() < 0.1  # 2.5 % and 3 % must not both read "3%"
        fig.update_yaxes(tickformat=".1%" if small else ".0%")
    return _style(fig, height)


def heat_grid(frame: pd.DataFrame, x: str, y: str, z: str, x_order: list, y_order: list, title: str = "",
              value_format: str = ".1f", labels: dict | None = None, midpoint: float | None = None) -> go.Figure:
    """A heat map drawn as square markers, one per cell.

    Plotly heat-map traces report no selection to Streamlit; scatter points do, so each cell is a
    point that can be clicked (``on_select``) to list the evidence behind it. With ``midpoint`` (1.0 for
    a ratio to the company) the colours diverge: above it one hue, below it the other, at it white.
    """
    labels = labels or {}
    zmax = float(frame[z].max()) if len(frame) and frame[z].max() > 0 else 1.0
    pct = value_format.endswith("%")
    text = frame[z].map(lambda v: format(v, value_format) if pd.notna(v) else "")
    color = frame[z]
    scale = dict(colorscale=HEAT_SCALE, cmin=0, cmax=zmax)
    dark = [v > 0.6 * zmax for v in frame[z].fillna(0)]
    if midpoint is not None:
        # a ratio: half as often and twice as often are equally far from the middle (log scale, ±3 = 8×)
        color = np.log2(frame[z].astype("float64").clip(lower=midpoint / 8) / midpoint).clip(-3, 3)
        scale = dict(colorscale=DIVERGING_SCALE, cmin=-3, cmax=3, cmid=0)
        dark = [abs(v) > 1.5 for v in color.fillna(0)]
    fig = go.Figure(go.Scatter(
        x=frame[x], y=frame[y], mode="markers+text", text=text, customdata=frame[z],
        textfont=dict(size=11, color=["#FFFFFF" if d else "#1F2A36" for d in dark]),
        marker=dict(symbol="square", size=42, color=color, **scale,
                    line=dict(width=1, color="#FFFFFF"),
                    colorbar=_colorbar(labels.get(z, z), pct, midpoint)),
        hovertemplate=f"{labels.get(y, y)}：%{{y}}<br>{labels.get(x, x)}：%{{x}}<br>"
                      f"{labels.get(z, z)}：%{{customdata:{value_format}}}<extra>点击查看证据句</extra>",
        selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.7)),
    ))
    fig.update_xaxes(categoryorder="array", categoryarray=x_order, side="top", showgrid=False, title="")
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(y_order)), showgrid=False, title="")
    fig.update_layout(clickmode="event+select", dragmode=False, plot_bgcolor="#FFFFFF",
                      title=dict(text=title, y=0.99))
    return _style(fig, height=max(260, 70 + 50 * len(y_order)))


def _colorbar(title: str, pct: bool, midpoint: float | None) -> dict:
    if midpoint is None:
        return dict(title=title, tickformat=".0%" if pct else None, thickness=12)
    ticks = [-3, -2, -1, 0, 1, 2, 3]
    return dict(title=title, thickness=12, tickvals=ticks,
                ticktext=[f"{midpoint * 2.0 ** t:g}" for t in ticks])


def stacked_shares(frame: pd.DataFrame, x: str, shares: dict[str, str], title: str = "",
                   colors: dict | None = None, x_order: list | None = None) -> go.Figure:
    """100 % stacked bars: ``shares`` maps a column of ``frame`` to its legend name."""
    long = frame.melt(id_vars=[x], value_vars=list(shares), var_name="kind", value_name="share")
    long["kind"] = long["kind"].map(shares)
    fig = px.bar(long, x=x, y="share", color="kind", title=title, barmode="stack", text_auto=".0%",
                 color_discrete_map=colors or {}, color_discrete_sequence=PALETTE,
                 category_orders={x: x_order or list(frame[x]), "kind": list(shares.values())},
                 labels={"share": "占比", x: "", "kind": ""})
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return _style(fig)


def box(frame: pd.DataFrame, x: str, y: str, color: str | None = None, labels: dict | None = None,
        title: str = "") -> go.Figure:
    orders = {color: sorted(frame[color].unique())} if color else {}
    fig = px.box(frame, x=x, y=y, color=color, labels=labels or {}, title=title, points=False,
                 color_discrete_sequence=PALETTE, category_orders=orders)
    return _style(fig)


SECTION_ORDER = {"section": list(SECTIONS)}
