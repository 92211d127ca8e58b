"""Plotly figures in one calm style, with Chinese labels.

Figures take the DataFrames of ``analysis.query`` and only draw them: no counting happens here.

Plotly draws every text of a figure (category ticks, legend names, hover text, labels on the marks) as
its own small HTML: a department named ``<a href="javascript:…">点我</a>`` became a link, ``<b>x</b>``
bold. Every builder here therefore escapes each string that comes from the data before Plotly sees it
(``_plain``: ``&lt;`` and ``&amp;`` are entities Plotly's text renderer decodes, so the value reads as
typed); ``ui.widgets.chart_point`` undoes it for the value a click on the chart reports.
"""
from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.schema import LABEL_NAMES, SECTIONS

PALETTE = ["#3E6E8E", "#7FB3A4", "#D9A05B", "#B86B77", "#7E8CB5", "#A7B76B", "#6FA3C7", "#C98E6B",
           "#8C7AA9", "#5E9C8F"]
SECTION_COLORS = {"成绩": "#7FB3A4", "不足": "#D9A05B", "计划": "#6FA3C7", "其他": "#B9BEC5"}
LABEL_COLORS = {LABEL_NAMES["pos"]: "#6BAF92", LABEL_NAMES["neu"]: "#C9CED4", LABEL_NAMES["neg"]: "#D07C6E"}
HEAT_SCALE = [[0.0, "#F4F7F9"], [0.5, "#8DB6CD"], [1.0, "#2F5D7C"]]
DIVERGING_SCALE = [[0.0, "#C0612B"], [0.25, "#EDB98F"], [0.5, "#FFFFFF"], [0.75, "#8DB6CD"], [1.0, "#2F5D7C"]]
FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"


MAX_LABELLED_BARS = 30
"""More bars than this and their value labels run into each other ("1313131313"): the values stay in
the hover text and the axis."""
MAX_LABELLED_GROUPS = 2
"""Grouped bars side by side: with more than two to a category each bar is too narrow for its label."""
MIN_LABELLED_SEGMENT = 0.08
"""A segment of a 100 % stacked bar thinner than this share carries no label (it would overlap the next)."""
PAD = 0.15
"""Room above the highest bar for its outside label, as a share of the highest value."""


def _plain(value):
    """A string from the data as literal text in a figure (see the module's docstring); others as they are."""
    return html.escape(value, quote=False) if isinstance(value, str) else value


def _plain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text value escaped (``_plain``): categories, legend names and the values
    Plotly Express writes into its hover templates all come from these columns."""
    texts = [c for c in frame.columns if frame[c].dtype == object or isinstance(frame[c].dtype, pd.StringDtype)
             or isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return frame.assign(**{c: frame[c].map(_plain) for c in texts}) if texts else frame


def _plain_keys(mapping: dict | None) -> dict:
    """Category orders, colour maps and axis labels, whose keys or values name data values."""
    out = {}
    for key, value in (mapping or {}).items():
        if isinstance(value, (list, tuple)):
            value = [_plain(v) for v in value]
        out[_plain(key)] = _plain(value)
    return out


def _title(title: str) -> dict:
    """The title as plain text (a department or a search term in it must not become markup): a long
    one is split at its first full-width parenthesis into a title and a smaller subtitle, so it is not
    cut off at the right edge of a narrow column."""
    text = html.escape(title, quote=False)
    head, sep, rest = text.partition("（")
    if sep and len(text) > 14:
        return dict(text=head, subtitle=dict(text=rest.removesuffix("）")))
    return dict(text=text)


def _figure(data: list[dict], layout: dict, height: int | None = None) -> go.Figure:
    """The figure from plain trace and layout dicts, in the calm style (font, margins, room for the axis
    labels), validated once. Plotly Express and every ``update_*`` call validate the figure again: they were
    most of a page's drawing time (docs/benchmarks.md), so the builders here write the whole figure at once."""
    title = layout.get("title") or {}
    two_lines = bool((title.get("subtitle") or {}).get("text"))
    style = dict(font=dict(family=FONT), margin=dict(l=10, r=10, t=72 if two_lines else 40, b=10),
                 legend=dict(title=dict(text="")), height=height, hoverlabel=dict(font=dict(family=FONT)),
                 xaxis=dict(automargin=True), yaxis=dict(automargin=True))
    merged = dict(style)
    for key, value in layout.items():
        both = isinstance(value, dict) and isinstance(style.get(key), dict)
        merged[key] = {**style[key], **value} if both else value
    return go.Figure(data=data, layout=merged)


def _groups(frame: pd.DataFrame, color: str | None, order: list | None) -> list[tuple]:
    """``(value, rows)`` per value of ``color`` — the values in ``order`` first, then the others as they
    come — or one ``(None, frame)`` without a colour: one trace each, as Plotly Express makes them."""
    if color is None:
        return [(None, frame)]
    seen = list(dict.fromkeys(frame[color].tolist()))
    values = [v for v in (order or []) if v in set(seen)] + [v for v in seen if v not in set(order or [])]
    codes = frame[color]
    return [(v, frame[codes == v]) for v in values]


def _colors(values: list, color_map: dict) -> dict:
    """A colour per value: the map's, else the palette's next (counted as Plotly Express counts them)."""
    mapping = dict(color_map)
    for v in values:
        if v not in mapping:
            mapping[v] = PALETTE[len(mapping) % len(PALETTE)]
    return mapping


def _nice(value: float) -> float:
    """``value`` rounded up to a round number (1, 2, 2.5, 5 × a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** np.floor(np.log10(value))
    return float(next(round(step * power, 12) for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)
                      if step * power >= value))


def value_range(values, bounds: tuple[float, float | None] = (0.0, None), fixed: bool = False) -> list[float]:
    """The value axis of a chart. It starts where the measure starts (``bounds[0]``: 0 for counts,
    shares and scores). With ``fixed`` it is the measure's whole scale (a share's 0–100 %, a sentiment
    score's 0–1), so a change of 0.003 looks as small as it is; otherwise it ends at a round number above
    the data, with room for the labels, and never beyond ``bounds[1]`` (coverage never above 100 %).
    Negative values (a change) get a range symmetric about 0: a rise and a fall of the same size look
    the same."""
    series = pd.to_numeric(pd.Series(list(values), dtype="float64"), errors="coerce").dropna()
    top = float(series.max()) if len(series) else 0.0
    low = float(series.min()) if len(series) else 0.0
    if low < 0:
        edge = _nice(max(abs(low), abs(top)) * (1 + PAD))
        return [-edge, edge]
    lo, hi_bound = float(bounds[0]), bounds[1]
    if fixed and hi_bound is not None:
        hi = float(hi_bound)
    else:
        hi = _nice(top * (1 + PAD)) if top > 0 else (1.0 if hi_bound is None else float(hi_bound))
        if hi_bound is not None:
            hi = min(hi, float(hi_bound))
    return [min(lo, low), max(hi, top)]


def _labelled(frame: pd.DataFrame, x: str, color: str | None, barmode: str) -> bool:
    """Whether every bar can carry its value without running into its neighbour."""
    if barmode == "stack":
        return False  # segments of one bar: the labels of thin ones overlap; hover shows them
    groups = frame[color].nunique() if color and barmode == "group" else 1
    per_category = frame.groupby(x, sort=False)[color].nunique().max() if color and len(frame) else 1
    return min(groups, per_category) <= MAX_LABELLED_GROUPS and len(frame) <= MAX_LABELLED_BARS


def bar(frame: pd.DataFrame, x: str, y: str, color: str | None = None, labels: dict | None = None,
        title: str = "", horizontal: bool = False, percent: bool = False, barmode: str = "group",
        height: int | None = None, category_orders: dict | None = None, color_map: dict | None = None,
        text: bool | str = True, bounds: tuple[float, float | None] | None = None,
        fixed: bool | None = None, ticksuffix: str = "", legend: bool = True) -> go.Figure:
    """``text`` is True (values on the bars, as percent when ``percent``), False, or a d3 format; the
    labels are left off when the bars are too many or too narrow for them (``_labelled``).
    ``bounds``/``fixed`` as in ``value_range``: a share (``percent``) is drawn on its whole 0–100 % scale,
    a sentiment score with ``bounds=(0, 1)`` on 0–1; counts from 0 to a round number above the data.
    One trace per ``color`` value (its name and ``legendgroup``, which a click reports)."""
    show = bool(text) and _labelled(frame, x, color, barmode)
    frame = _plain_frame(frame)
    labels, orders = _plain_keys(labels), _plain_keys(category_orders)
    cat, val = ("y", "x") if horizontal else ("x", "y")
    fmt = text if isinstance(text, str) else ".0%" if percent else None
    groups = _groups(frame, color, orders.get(color))
    colors = _colors([k for k, _ in groups], _plain_keys(color_map))
    hover = f"{labels.get(x, x)}=%{{{cat}}}<br>{labels.get(y, y)}=%{{{val}}}"
    data = []
    for key, part in groups:
        trace = {"type": "bar", "orientation": "h" if horizontal else "v", cat: part[x].to_numpy(),
                 val: part[y].to_numpy(), "name": "" if key is None else str(key),
                 "legendgroup": "" if key is None else str(key), "showlegend": key is not None and legend,
                 "marker": {"color": colors.get(key, PALETTE[0])}, "textposition": "auto", "cliponaxis": False,
                 "insidetextanchor": "end",
                 "hovertemplate": hover + ("" if key is None else f"<br>{labels.get(color, color)}={key}")
                 + "<extra></extra>"}
        if show:
            trace["texttemplate"] = f"%{{{val}}}" if fmt is None else f"%{{{val}:{fmt}}}"
        data.append(trace)
    totals = frame.groupby([x], sort=False)[y].sum() if barmode == "stack" and len(frame) else frame[y]
    bounds = bounds or ((0.0, 1.0) if percent else (0.0, None))
    fixed = (percent or bounds[1] is not None) if fixed is None else fixed
    value_axis = dict(range=value_range(totals, bounds, fixed), tickformat=".0%" if percent else None,
                      ticksuffix=ticksuffix or None, zeroline=True, title=dict(text=labels.get(y, y)))
    cat_axis = dict(title=dict(text=labels.get(x, x)))
    if x in orders:
        cat_axis.update(categoryorder="array", categoryarray=orders[x])
    if horizontal:
        cat_axis["autorange"] = "reversed"
    layout = {"title": _title(title), "barmode": barmode, f"{val}axis": value_axis, f"{cat}axis": cat_axis,
              # a label that would shrink is left off
              "uniformtext": dict(minsize=10, mode="hide"), "legend": dict(tracegroupgap=0),
              "showlegend": legend}
    return _figure(data, layout, height)


def line(frame: pd.DataFrame, x: str, y: str, color: str | None = None, labels: dict | None = None,
         title: str = "", percent: bool = False, height: int | None = None,
         bounds: tuple[float, float | None] | None = None) -> go.Figure:
    """A trend over years. The y axis starts where the measure starts (0); a measure with a fixed scale
    (``bounds``: a sentiment score's 0–1) is drawn on the whole of it, so a change of 0.003 stays flat; a
    share (``percent``) up to a round number above the data, never past 100 %. One trace per ``color``
    value (its ``legendgroup`` is what a click on a point reports)."""
    frame = _plain_frame(frame)
    labels = _plain_keys(labels)
    groups = _groups(frame, color, None)
    colors = _colors([k for k, _ in groups], {})
    hover = f"{labels.get(x, x)}=%{{x}}<br>{labels.get(y, y)}=%{{y}}"
    data = [{"type": "scatter", "mode": "lines+markers", "x": part[x].to_numpy(), "y": part[y].to_numpy(),
             "name": "" if key is None else str(key), "legendgroup": "" if key is None else str(key),
             "showlegend": key is not None, "line": {"color": colors.get(key, PALETTE[0])},
             "marker": {"symbol": "circle"},
             "hovertemplate": hover + ("" if key is None else f"<br>{labels.get(color, color)}={key}")
             + "<extra></extra>"} for key, part in groups]
    y_axis = dict(range=value_range(frame[y], bounds or ((0.0, 1.0) if percent else (0.0, None)),
                                    fixed=bounds is not None), title=dict(text=labels.get(y, y)))
    if percent:
        small = len(frame) and frame[y].max() < 0.1  # 2.5 % and 3 % must not both read "3%"
        y_axis["tickformat"] = ".1%" if small else ".0%"
    layout = {"title": _title(title), "xaxis": dict(type="category", title=dict(text=labels.get(x, x))),
              "yaxis": y_axis, "legend": dict(tracegroupgap=0)}
    return _figure(data, layout, height)


def heat_grid(frame: pd.DataFrame, x: str, y: str, z: str, x_order: list, y_order: list, title: str = "",
              value_format: str = ".1f", labels: dict | None = None, midpoint: float | None = None,
              hint: str = "点击查看证据句") -> go.Figure:
    """A heat map drawn as square markers, one per cell.

    Plotly heat-map traces report no selection to Streamlit; scatter points do, so each cell is a
    point that can be clicked (``on_select``) to list the evidence behind it. With ``midpoint`` (1.0 for
    a ratio to the company) the colours diverge: above it one hue, below it the other, at it white.
    ``hint`` ends the hover text (empty for a reader who cannot see the sentences a click would list).
    """
    labels = _plain_keys(labels)
    frame, x_order, y_order = _plain_frame(frame), [_plain(v) for v in x_order], [_plain(v) for v in y_order]
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
    trace = dict(
        type="scatter", x=frame[x].to_numpy(), y=frame[y].to_numpy(), mode="markers+text", text=text.to_numpy(),
        customdata=frame[z].to_numpy(), textfont=dict(size=11, color=["#FFFFFF" if d else "#1F2A36" for d in dark]),
        marker=dict(symbol="square", size=42, color=np.asarray(color), **scale,
                    line=dict(width=1, color="#FFFFFF"),
                    colorbar=_colorbar(labels.get(z, z), pct, midpoint)),
        hovertemplate=f"{labels.get(y, y)}：%{{y}}<br>{labels.get(x, x)}：%{{x}}<br>"
                      f"{labels.get(z, z)}：%{{customdata:{value_format}}}<extra>{hint}</extra>",
        selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=0.7)),
    )
    heading = _title(title)
    # the column names sit on top, under the title: room for both
    heading.update(yref="container", y=1.0, yanchor="top", pad=dict(t=8))
    layout = dict(
        xaxis=dict(categoryorder="array", categoryarray=x_order, side="top", showgrid=False, title=dict(text="")),
        yaxis=dict(categoryorder="array", categoryarray=list(reversed(y_order)), showgrid=False, title=dict(text="")),
        clickmode="event+select", dragmode=False, plot_bgcolor="#FFFFFF", title=heading,
        margin=dict(t=115 if "subtitle" in heading else 90))
    return _figure([trace], layout, height=max(260, 110 + 50 * len(y_order)))


def _colorbar(title: str, pct: bool, midpoint: float | None) -> dict:
    if midpoint is None:
        return dict(title=title, tickformat=".0%" if pct else None, thickness=12)
    ticks = [-3, -2, -1, 0, 1, 2, 3]
    return dict(title=title, thickness=12, tickvals=ticks,
                ticktext=[f"{midpoint * 2.0 ** t:g}" for t in ticks])


def stacked_shares(frame: pd.DataFrame, x: str, shares: dict[str, str], title: str = "",
                   colors: dict | None = None, x_order: list | None = None) -> go.Figure:
    """100 % stacked bars: ``shares`` maps a column of ``frame`` to its legend name. A segment carries its
    share as a label only when it is tall enough for it (``MIN_LABELLED_SEGMENT``)."""
    long = frame.melt(id_vars=[x], value_vars=list(shares), var_name="kind", value_name="share")
    long["kind"] = long["kind"].map(shares)
    long = _plain_frame(long)
    shares, colors = _plain_keys(shares), _plain_keys(colors)
    x_order = [_plain(v) for v in (x_order or list(frame[x]))]
    long["label"] = long["share"].map(lambda v: f"{v:.0%}" if pd.notna(v) and v >= MIN_LABELLED_SEGMENT else "")
    hover = "%{x}<br>%{fullData.name}：%{y:.1%}<extra></extra>"
    palette = _colors(list(shares.values()), colors or {})
    data = [{"type": "bar", "x": part[x].to_numpy(), "y": part["share"].to_numpy(), "text": part["label"].to_numpy(),
             "name": kind, "legendgroup": kind, "marker": {"color": palette[kind]}, "textposition": "inside",
             "insidetextanchor": "middle", "hovertemplate": hover}
            for kind, part in _groups(long, "kind", list(shares.values()))]
    layout = dict(title=_title(title), barmode="stack", uniformtext=dict(minsize=10, mode="hide"),
                  xaxis=dict(categoryorder="array", categoryarray=x_order, title=dict(text="")),
                  yaxis=dict(tickformat=".0%", range=[0, 1], title=dict(text="占比")), legend=dict(tracegroupgap=0))
    return _figure(data, layout)


BOX_STATS = ("q1", "median", "q3", "lowerfence", "upperfence")


def box(frame: pd.DataFrame, x: str, color: str | None = None, labels: dict | None = None,
        title: str = "", bounds: tuple[float, float | None] = (0.0, 1.0)) -> go.Figure:
    """Distributions (of document sentiment: on its whole 0–1 scale by default) drawn from their figures
    (``BOX_STATS`` per row, e.g. ``analysis.query.sentiment_box``), one box per ``x`` and ``color``: the
    store computes them, the page never loads every document."""
    frame = _plain_frame(frame)
    labels = _plain_keys(labels)
    groups = ([(None, frame)] if color is None
              else [(k, frame[frame[color] == k]) for k in sorted(frame[color].unique())])
    data = [dict(type="box", x=part[x].to_numpy(), name=str(key) if key is not None else "",
                 showlegend=key is not None, marker=dict(color=PALETTE[i % len(PALETTE)]), boxpoints=False,
                 **{k: part[k].to_numpy() for k in BOX_STATS})
            for i, (key, part) in enumerate(groups)]
    values = pd.concat([frame[k] for k in BOX_STATS]) if len(frame) else pd.Series(dtype="float64")
    layout = dict(title=_title(title), boxmode="group" if color else "overlay",
                  xaxis=dict(title=dict(text=labels.get(x, x))),
                  yaxis=dict(range=value_range(values, bounds, fixed=bounds[1] is not None)))
    return _figure(data, layout)


def _padded(values, share: float = 0.12) -> list[float]:
    """A free axis (a layout, a map) around its points with room for the labels drawn beside them."""
    series = pd.to_numeric(pd.Series(list(values), dtype="float64"), errors="coerce").dropna()
    if series.empty:
        return [-1.0, 1.0]
    lo, hi = float(series.min()), float(series.max())
    room = (hi - lo) * share or 0.5
    return [lo - room, hi + room]


SECTION_ORDER = {"section": list(SECTIONS)}


@st.cache_data(max_entries=32, show_spinner=False)
def _layout(edges: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """The network's positions (``analysis.insight.explore.layout``, a spring layout: most of drawing the
    network), kept per edge list: every rerun of the page with the same network draws it without laying it out."""
    from analysis.insight.explore import layout

    return layout(edges)


def network(edges: pd.DataFrame, title: str = "", by_lift: bool = False, height: int = 620) -> go.Figure:
    """The co-occurrence network: nodes sized by frequency, coloured by community (or by over-representation
    in a group), edges as thin lines whose width follows the Jaccard coefficient; hover shows the figures."""
    from analysis.insight.explore import nodes

    pos = _layout(edges)
    data = []
    for width, part in ((1.0, edges[edges["jaccard"] < edges["jaccard"].median()]),
                        (2.2, edges[edges["jaccard"] >= edges["jaccard"].median()])):
        xs, ys = [], []
        for s, t in zip(part["source"], part["target"]):
            xs += [pos[s][0], pos[t][0], None]
            ys += [pos[s][1], pos[t][1], None]
        data.append(dict(type="scatter", x=xs, y=ys, mode="lines", line=dict(width=width, color="#B9BEC5"),
                         hoverinfo="skip", showlegend=False, cliponaxis=False))
    table = nodes(edges, lift_column=by_lift)
    pos = {_plain(w): p for w, p in pos.items()}
    table = _plain_frame(table)
    size = (12 + 30 * (table["freq"] / table["freq"].max()) ** 0.5).to_numpy() if len(table) else []
    if by_lift and "lift" in table:
        marker = dict(size=size, color=table["lift"].to_numpy(), colorscale="RdBu_r", cmid=0,
                      line=dict(width=1, color="white"), colorbar=dict(title=dict(text="log2 比值"), thickness=12))
        hover = [f"{w}<br>句数 {f}<br>该部门相对比值 log2 = {v:.2f}" for w, f, v in
                 zip(table["word"], table["freq"], table["lift"])]
    else:
        marker = dict(size=size, color=[PALETTE[c % len(PALETTE)] for c in table["community"]],
                      line=dict(width=1, color="white"), opacity=0.85)
        hover = [f"{w}<br>句数 {f}<br>子图 {c + 1}"
                 for w, f, c in zip(table["word"], table["freq"], table["community"])]
    data.append(dict(
        type="scatter", x=[pos[w][0] for w in table["word"]], y=[pos[w][1] for w in table["word"]],
        mode="markers+text", text=list(table["word"]), textposition="top center", customdata=list(table["word"]),
        hovertext=hover, hoverinfo="text", marker=marker, showlegend=False, textfont=dict(size=13),
        cliponaxis=False))
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    return _figure(data, dict(title=_title(title), xaxis=dict(visible=False, range=_padded(xs)),
                              yaxis=dict(visible=False, scaleanchor="x", range=_padded(ys)),
                              dragmode="pan", plot_bgcolor="white"), height)


def biplot(frame: pd.DataFrame, title: str = "", height: int = 620) -> go.Figure:
    """A correspondence map: groups as large labelled squares, words as small labelled dots."""
    frame = _plain_frame(frame)
    words = frame[frame["kind"] == "word"]
    groups = frame[frame["kind"] == "group"]
    data = [
        dict(type="scatter", x=words["x"].to_numpy(), y=words["y"].to_numpy(), mode="markers+text",
             text=words["label"].to_numpy(), customdata=words["label"].to_numpy(), textposition="top center",
             name="词", marker=dict(size=7, color="#7E8CB5"), textfont=dict(size=12, color="#4A5568"),
             hovertemplate="%{text}<extra></extra>", cliponaxis=False),
        dict(type="scatter", x=groups["x"].to_numpy(), y=groups["y"].to_numpy(), mode="markers+text",
             text=groups["label"].to_numpy(), customdata=groups["label"].to_numpy(), textposition="bottom center",
             name="分组", marker=dict(size=16, symbol="square", color="#D9A05B"),
             textfont=dict(size=15, color="#B5651D"), hovertemplate="%{text}<extra></extra>", cliponaxis=False),
    ]
    xaxis = dict(range=_padded(frame["x"]) if len(frame) else None)
    yaxis = dict(range=_padded(frame["y"]) if len(frame) else None)
    if len(frame):
        ix, iy = frame["inertia_x"].iloc[0], frame["inertia_y"].iloc[0]
        xaxis["title"], yaxis["title"] = dict(text=f"维度 1（{ix:.0%}）"), dict(text=f"维度 2（{iy:.0%}）")
    # the axes through the origin
    axes = [dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=0, y1=0, line=dict(width=1, color="#E2E8F0")),
            dict(type="line", yref="y domain", y0=0, y1=1, xref="x", x0=0, x1=0, line=dict(width=1, color="#E2E8F0"))]
    return _figure(data, dict(title=_title(title), plot_bgcolor="white", dragmode="pan", xaxis=xaxis, yaxis=yaxis,
                              shapes=axes), height)
