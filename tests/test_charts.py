"""Every chart builder of ``ui.charts``: the value axis holds all the data and starts where the measure
starts (0 for counts, shares and scores; a share never above 100 %; a sentiment score on its whole 0–1
scale), bar labels only where each bar can carry its own, and titles that are text, not markup."""
from __future__ import annotations

import inspect
from collections import Counter

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from ui import charts

DEPARTMENTS = ["销售部", "客服部", "生产部", "研发部", "财务部", "市场部", "人事部"]
YEARS = ["2021", "2022", "2023", "2024", "2025"]


def _values(trace, axis: str) -> list[float]:
    return [float(v) for v in np.asarray(getattr(trace, axis), dtype="float64") if not np.isnan(v)]


def _axis_range(fig: go.Figure, axis: str) -> list[float]:
    rng = getattr(fig.layout, f"{axis}axis").range
    assert rng is not None, f"{axis} 轴没有固定的范围"
    return [float(rng[0]), float(rng[1])]


def _holds(fig: go.Figure, axis: str, start: float, stacked: bool = False) -> list[float]:
    """The value axis starts at ``start`` and holds every value (every stack's total when ``stacked``)."""
    lo, hi = _axis_range(fig, axis)
    assert lo == start
    if stacked:
        cats = "x" if axis == "y" else "y"
        totals: Counter = Counter()
        for trace in fig.data:
            for c, v in zip(getattr(trace, cats), _values(trace, axis)):
                totals[c] += v
        data = list(totals.values())
    else:
        data = [v for trace in fig.data for v in _values(trace, axis)]
    assert data and lo <= min(data) and max(data) <= hi, (lo, hi, min(data), max(data))
    return [lo, hi]


def _labelled_bars(fig: go.Figure) -> list[tuple]:
    """One entry per bar that carries a text label: (category, trace); a bar drawn with two labels, or
    two traces drawn on one bar, gives a repeated entry."""
    out = []
    horizontal = any(t.orientation == "h" for t in fig.data)
    for i, trace in enumerate(fig.data):
        cats = list(trace.y if horizontal else trace.x)
        texts = trace.text if trace.text is not None else [trace.texttemplate] * len(cats)
        if isinstance(texts, str):
            texts = [texts] * len(cats)
        slot = i if fig.layout.barmode in ("group", None) else 0  # stacked and relative bars share a slot
        out += [(c, slot) for c, t in zip(cats, texts) if t]
    return out


def counts(groups: list[str], value: int = 13) -> pd.DataFrame:
    return pd.DataFrame([(d, y, value + i) for i, d in enumerate(DEPARTMENTS) for y in groups],
                        columns=["department", "year", "documents"])


# ---------------------------------------------------------------- each builder: range and labels
def test_bar_counts_start_at_zero_with_room_for_their_labels():
    fig = charts.bar(counts(YEARS[:2]), x="department", y="documents", color="year")
    lo, hi = _holds(fig, "y", 0.0)
    assert hi >= 1.1 * (13 + len(DEPARTMENTS) - 1)  # the outside label of the highest bar is not cut off


def test_bar_labels_are_left_off_when_five_bars_share_a_category():
    """Department × five years: the labels ran together into "1313131313"."""
    fig = charts.bar(counts(YEARS), x="department", y="documents", color="year")
    assert _labelled_bars(fig) == []
    assert fig.layout.uniformtext.mode == "hide"  # and in the browser a label that would shrink is hidden
    two = charts.bar(counts(YEARS[:2]), x="department", y="documents", color="year")
    labelled = _labelled_bars(two)
    assert len(labelled) == 2 * len(DEPARTMENTS)
    assert max(Counter(labelled).values()) == 1  # no two labels on one bar
    assert max(Counter(c for c, _ in labelled).values()) <= charts.MAX_LABELLED_GROUPS


def test_bar_labels_are_left_off_when_the_bars_are_too_many():
    words = pd.DataFrame({"term": [f"词{i}" for i in range(40)], "count": range(40, 0, -1)})
    assert _labelled_bars(charts.bar(words, x="term", y="count")) == []
    assert len(_labelled_bars(charts.bar(words.head(20), x="term", y="count", horizontal=True))) == 20


def test_bar_draws_one_trace_per_colour_named_as_a_click_reports_it():
    """A click on a bar reports its trace's ``legendgroup`` (the overview reads the year from it, 计划落实 the
    verdict): one trace per colour value, in ``category_orders`` order, then in the order the data gives."""
    frame = counts(["2023", "2024", "2025"])
    fig = charts.bar(frame, x="department", y="documents", color="year",
                     category_orders={"year": ["2025", "2023"]}, color_map={"2023": "#123456"})
    assert [(t.name, t.legendgroup) for t in fig.data] == [("2025", "2025"), ("2023", "2023"), ("2024", "2024")]
    assert fig.data[1].marker.color == "#123456" and fig.data[0].marker.color != fig.data[2].marker.color
    for trace, year in zip(fig.data, ["2025", "2023", "2024"]):
        mine = frame[frame["year"] == year]
        assert list(trace.x) == list(mine["department"]) and list(trace.y) == list(mine["documents"])
    assert fig.layout.showlegend and all(t.showlegend for t in fig.data)
    quiet = charts.bar(frame, x="department", y="documents", color="year", legend=False)
    assert quiet.layout.showlegend is False and not any(t.showlegend for t in quiet.data)
    one = charts.bar(frame, x="department", y="documents")
    assert len(one.data) == 1 and one.data[0].showlegend is False


def test_stacked_bars_carry_no_labels_on_their_segments_and_hold_the_totals():
    long = pd.DataFrame([(d, s, n) for d in DEPARTMENTS[:3] for s, n in (("落实", 40), ("部分落实", 3), ("未落实", 9))],
                        columns=["department", "status", "count"])
    fig = charts.bar(long, x="department", y="count", color="status", barmode="stack")
    assert _labelled_bars(fig) == []
    _holds(fig, "y", 0.0, stacked=True)


@pytest.mark.parametrize("top", [0.97, 1.0, 0.35, 0.04])
def test_bar_shares_are_drawn_from_0_to_100_percent(top):
    shares = pd.DataFrame({"theme": ["客户服务", "团队协作", "学习成长"], "document_share": [top, top / 2, 0.0]})
    fig = charts.bar(shares, x="theme", y="document_share", horizontal=True, percent=True)
    assert _holds(fig, "x", 0.0) == [0.0, 1.0]  # coverage never above 100 %
    assert fig.layout.xaxis.tickformat == ".0%"
    assert fig.data[0].textposition == "auto"  # a long bar keeps its label inside, not past the edge
    assert fig.data[0].cliponaxis is False


def test_bar_of_a_change_in_percentage_points_is_symmetric_about_zero():
    change = pd.DataFrame({"metric": ["客户服务", "团队协作", "市场开拓"], "points": [-3.2, 0.4, 7.9]})
    fig = charts.bar(change, x="metric", y="points", horizontal=True, text="+.1f", barmode="relative")
    lo, hi = _axis_range(fig, "x")
    assert lo == -hi and hi >= 7.9 and lo <= -3.2


def test_bar_of_sentiment_scores_spans_the_whole_scale():
    sent = pd.DataFrame({"section": ["成绩", "不足", "计划"], "sentiment_mean": [0.81, 0.42, 0.77]})
    fig = charts.bar(sent, x="section", y="sentiment_mean", text=".2f", bounds=(0.0, 1.0))
    assert _holds(fig, "y", 0.0) == [0.0, 1.0]


def test_line_of_sentiment_keeps_a_change_of_0_003_flat():
    trend = pd.DataFrame({"year": [2023, 2024], "sentiment_mean": [0.620, 0.623], "department": ["销售部"] * 2})
    fig = charts.line(trend, x="year", y="sentiment_mean", color="department", bounds=(0.0, 1.0))
    lo, hi = _holds(fig, "y", 0.0)
    assert (0.623 - 0.620) / (hi - lo) < 0.01  # a 0.3 % step of the axis, not a cliff


def test_line_of_shares_starts_at_zero_and_stops_at_100_percent():
    small = pd.DataFrame({"year": [2023, 2024, 2025], "share": [0.031, 0.045, 0.052]})
    fig = charts.line(small, x="year", y="share", percent=True)
    lo, hi = _holds(fig, "y", 0.0)
    assert hi < 0.1 and fig.layout.yaxis.tickformat == ".1%"
    full = charts.line(small.assign(share=[0.9, 0.95, 1.0]), x="year", y="share", percent=True)
    assert _holds(full, "y", 0.0) == [0.0, 1.0]


def test_stacked_shares_label_only_the_segments_tall_enough():
    frame = pd.DataFrame({"section": ["成绩", "不足"], "pos_share": [0.90, 0.30], "neu_share": [0.06, 0.45],
                          "neg_share": [0.04, 0.25]})
    fig = charts.stacked_shares(frame, x="section", shares={"pos_share": "正面", "neu_share": "中性",
                                                             "neg_share": "负面"})
    assert _holds(fig, "y", 0.0, stacked=True) == [0.0, 1.0]
    labels = {(t.name, c): s for t in fig.data for c, s in zip(t.x, t.text)}
    assert labels[("正面", "成绩")] == "90%" and labels[("中性", "成绩")] == "" and labels[("负面", "成绩")] == ""
    assert labels[("中性", "不足")] == "45%" and labels[("负面", "不足")] == "25%"
    # the labels on one bar sit in segments each tall enough for one
    for trace in fig.data:
        for share, text in zip(_values(trace, "y"), trace.text):
            assert not text or share >= charts.MIN_LABELLED_SEGMENT


def test_box_of_document_sentiment_spans_the_whole_scale():
    stats = pd.DataFrame({"department": ["销售部", "客服部", "销售部"], "year": ["2023", "2023", "2024"],
                          "q1": [0.61, 0.55, 0.40], "median": [0.64, 0.58, 0.45], "q3": [0.66, 0.62, 0.50],
                          "lowerfence": [0.60, 0.50, 0.31], "upperfence": [0.70, 0.66, 0.52]})
    assert _axis_range(charts.box(stats, x="department"), "y") == [0.0, 1.0]  # holds every figure: all in 0–1
    fig = charts.box(stats, x="department", color="year", labels={"department": "部门", "year": "年份"})
    assert [t.name for t in fig.data] == ["2023", "2024"] and fig.layout.boxmode == "group"
    # each box is drawn from its figures: one box per department and year, no sample points
    assert list(fig.data[0].x) == ["销售部", "客服部"] and list(fig.data[0].q1) == [0.61, 0.55]
    assert list(fig.data[1].x) == ["销售部"] and list(fig.data[1].lowerfence) == [0.31]
    assert fig.data[1].boxpoints is False and fig.layout.xaxis.title.text == "部门"


def test_heat_grid_lists_every_row_and_column_it_draws():
    cells = pd.DataFrame([(d, t, 0.5 + i) for i, d in enumerate(DEPARTMENTS[:3]) for t in ("客户服务", "团队协作")],
                         columns=["department", "theme", "value"])
    fig = charts.heat_grid(cells, x="theme", y="department", z="value", x_order=["客户服务", "团队协作"],
                           y_order=DEPARTMENTS[:3], midpoint=1.0, hint="")
    assert set(fig.data[0].x) <= set(fig.layout.xaxis.categoryarray)
    assert set(fig.data[0].y) <= set(fig.layout.yaxis.categoryarray)
    assert fig.data[0].hovertemplate.endswith("<extra></extra>")  # no promise of evidence when hint is empty


def test_network_and_map_hold_every_point_with_room_for_its_label():
    edges = pd.DataFrame({"source": ["客户", "客户", "回款", "培训"], "target": ["回款", "拜访", "对账", "技能"],
                          "count": [9, 7, 5, 4], "jaccard": [0.4, 0.3, 0.25, 0.2],
                          "source_freq": [30, 30, 18, 12], "target_freq": [18, 11, 9, 8],
                          "source_community": [0, 0, 0, 1], "target_community": [0, 0, 0, 1]})
    fig = charts.network(edges)
    words = fig.data[-1]
    for axis in ("x", "y"):
        lo, hi = _axis_range(fig, axis)
        values = _values(words, axis)
        room = (max(values) - min(values)) * 0.1
        assert lo <= min(values) - room and max(values) + room <= hi
    assert words.cliponaxis is False
    frame = pd.DataFrame({"kind": ["word", "word", "group", "group"], "label": ["回款", "培训", "销售部", "生产部"],
                          "x": [1.2, -0.8, 0.9, -1.1], "y": [0.3, -0.6, 0.1, 0.5],
                          "inertia_x": [0.6] * 4, "inertia_y": [0.3] * 4})
    fig = charts.biplot(frame)
    for axis in ("x", "y"):
        lo, hi = _axis_range(fig, axis)
        assert lo < frame[axis].min() and frame[axis].max() < hi


BUILDERS = {"bar", "line", "heat_grid", "stacked_shares", "box", "network", "biplot"}


def test_every_builder_is_covered_here():
    """A new figure in ui.charts needs its range test above."""
    builders = {name for name, fn in inspect.getmembers(charts, inspect.isfunction)
                if fn.__module__ == charts.__name__ and not name.startswith("_")
                and inspect.signature(fn).return_annotation in (go.Figure, "go.Figure")}
    assert builders == BUILDERS


# ---------------------------------------------------------------- axis ranges and titles
@pytest.mark.parametrize("values, bounds, fixed, expected", [
    ([0.620, 0.623], (0.0, 1.0), True, [0.0, 1.0]),
    ([0.93], (0.0, 1.0), False, [0.0, 1.0]),  # not 1.2: coverage never above 100 %
    ([0.05], (0.0, 1.0), False, [0.0, 0.06]),
    ([120, 37], (0.0, None), False, [0.0, 150.0]),
    ([0, 0], (0.0, None), False, [0.0, 1.0]),
    ([-0.03, 0.02], (0.0, 1.0), False, [-0.04, 0.04]),
    ([], (0.0, 1.0), True, [0.0, 1.0]),
])
def test_value_range(values, bounds, fixed, expected):
    assert charts.value_range(values, bounds, fixed) == pytest.approx(expected)


def test_titles_are_text_and_long_ones_are_split_not_cut_off():
    frame = pd.DataFrame({"term": ["回款"], "log_odds_z": [3.2]})
    fig = charts.bar(frame, x="term", y="log_odds_z", horizontal=True,
                     title="<a href='http://example.com'>销售部</a>的特色词")
    assert "<a" not in fig.layout.title.text and "&lt;a href" in fig.layout.title.text
    fig = charts.bar(frame, x="term", y="log_odds_z", title="各部门各年份的文档数（点击柱子查看句子）")
    assert fig.layout.title.text == "各部门各年份的文档数"
    assert fig.layout.title.subtitle.text == "点击柱子查看句子"
    assert fig.layout.margin.t >= 60  # the second line has room above the plot


# ---------------------------------------------------------------- values from the data are text, not markup
LINK = '<a href="javascript:alert(1)">点我</a>'
BOLD = "<b>x</b>"
AMP = "研发&amp;测试"  # an entity typed in a name stays as typed ("&amp;amp;" in the figure)


def _strings(node) -> list[str]:
    """Every string in a figure's JSON (data and layout)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, (list, tuple, np.ndarray)):
        return [s for v in node for s in _strings(v)]
    return []


def _markup_figures() -> dict[str, go.Figure]:
    """Each builder drawing data whose departments, teams, words and groups carry Plotly markup."""
    names = [LINK, BOLD, AMP]
    per = pd.DataFrame([(d, y, 10 + i) for i, d in enumerate(names) for y in ("2023", "2024")],
                       columns=["department", "year", "documents"])
    trend = pd.DataFrame([(d, y, 0.6) for d in names for y in ("2023", "2024")],
                         columns=["department", "year", "sentiment_mean"])
    cells = pd.DataFrame([(d, t, 1.5) for d in names for t in (BOLD, "客户服务")],
                         columns=["department", "theme", "value"])
    shares = pd.DataFrame({"section": [LINK, "成绩"], "pos_share": [0.5, 0.6], "neg_share": [0.5, 0.4]})
    edges = pd.DataFrame({"source": [LINK, LINK], "target": [BOLD, AMP], "count": [9, 7], "jaccard": [0.4, 0.3],
                          "source_freq": [30, 30], "target_freq": [18, 11], "source_community": [0, 0],
                          "target_community": [0, 1]})
    ca = pd.DataFrame({"kind": ["word", "group"], "label": [BOLD, LINK], "x": [1.0, -1.0], "y": [0.5, -0.5],
                       "inertia_x": [0.6] * 2, "inertia_y": [0.3] * 2})
    return {
        "bar": charts.bar(per, x="department", y="documents", color="year", labels={"department": "部门"},
                          category_orders={"department": names}),
        "bar_h": charts.bar(per.assign(year=per["department"]), x="year", y="documents", color="department",
                            horizontal=True, color_map={LINK: "#3E6E8E"}),
        "line": charts.line(trend, x="year", y="sentiment_mean", color="department", bounds=(0.0, 1.0)),
        "heat_grid": charts.heat_grid(cells, x="theme", y="department", z="value", x_order=[BOLD, "客户服务"],
                                      y_order=names, midpoint=1.0),
        "stacked_shares": charts.stacked_shares(shares, x="section", shares={"pos_share": "正面", "neg_share": "负面"}),
        "box": charts.box(trend.assign(q1=0.4, median=0.5, q3=0.6, lowerfence=0.2, upperfence=0.8), x="year",
                          color="department"),
        "network": charts.network(edges),
        "biplot": charts.biplot(ca),
    }


@pytest.mark.parametrize("name", ["bar", "bar_h", "line", "heat_grid", "stacked_shares", "box", "network",
                                  "biplot"])
def test_values_from_the_data_reach_the_figure_escaped(name):
    """A department called <a href=…>点我</a> is drawn as those characters: no string of the figure (ticks,
    legend, hover, text, custom data, category orders) carries the tag, and the value is there, escaped."""
    fig = _markup_figures()[name]
    strings = _strings(fig.to_plotly_json())
    assert not [s for s in strings if "<a" in s or "<b>" in s or ("&amp;" in s and "&amp;amp;" not in s)], name
    assert any("&lt;a href=\"javascript:alert(1)\"&gt;点我&lt;/a&gt;" in s for s in strings), name


def test_every_builder_draws_markup_as_text():
    assert {n for n in _markup_figures() if n != "bar_h"} == BUILDERS


def test_a_click_reports_the_value_as_it_is_in_the_data(monkeypatch):
    """ui.widgets.chart_point undoes the escaping: the page filters by the department's real name."""
    from types import SimpleNamespace

    from ui import widgets

    event = SimpleNamespace(selection=SimpleNamespace(points=[
        {"x": "&lt;b&gt;x&lt;/b&gt;", "y": 3, "legendgroup": "研发&amp;amp;测试", "customdata": ["&lt;a&gt;"]}]))
    monkeypatch.setattr(widgets.st, "session_state", {"chart": event})
    assert widgets.chart_point("chart") == {"x": BOLD, "y": 3, "legendgroup": AMP, "customdata": ["<a>"]}



def test_word_cloud_keeps_a_few_fonts_and_draws_the_same_image(monkeypatch):
    """The kept fonts (ui.cloud._FontsKept) only save re-opening the CJK font: the cloud drawn with them is
    byte for byte the cloud drawn by wordcloud opening the font for every size, and most opens are saved."""
    import wordcloud.wordcloud as module

    from ui import cloud

    words = ("客户 回款 产品 团队 培训 质量 交付 投诉 市场 制度 合同 渠道 库存 账款 预算 报表 流程 审批 考核 目标 "
             "计划 总结 项目 需求 测试 上线 维护 巡检 设备 安全 成本 利润 订单 发货 售后 回访 拜访 方案 报价 招标").split()
    frequencies = tuple((w, 2000 // (i + 1)) for i, w in enumerate(words))  # word counts fall off as 1/rank
    layout = cloud.render.__wrapped__  # the function under st.cache_data: laid out every call
    kept = layout(frequencies)
    fonts = module.ImageFont
    assert isinstance(fonts, cloud._FontsKept)
    fonts.truetype.cache_clear()
    assert layout(frequencies) == kept
    info = fonts.truetype.cache_info()
    assert info.maxsize == cloud._FontsKept.FONTS_KEPT and info.currsize == info.maxsize
    # sizes are tried in descending runs: a third of the opens here (60 % on a real 80-word cloud) are served kept
    assert 3 * info.hits > info.hits + info.misses
    monkeypatch.setattr(module, "ImageFont", fonts._real)  # wordcloud as shipped: every size opened anew
    monkeypatch.setattr(cloud, "_keep_fonts", lambda: module.WordCloud)
    plain = layout(frequencies)
    assert plain == kept and kept[:8] == b"\x89PNG\r\n\x1a\n"


def test_word_cloud_drawn_with_the_common_characters_cut_of_the_font_is_the_same_image(monkeypatch):
    """ui.cloud.common_font only makes opening the font cheaper: a cloud of common words is drawn with the cut
    (1.9 MB) and is byte for byte the cloud drawn with the full 16 MB font; a word with a character outside
    GB 2312 (a Traditional 嚮, a rare 堃 in a name) sends the whole cloud to the full font."""
    from ui import cloud

    words = "客户 回款 产品 团队 培训 质量 交付 投诉 市场 制度 合同 渠道 库存 账款 预算 报表 流程 审批 考核 Excel".split()
    frequencies = tuple((w, 900 // (i + 1)) for i, w in enumerate(words))
    common = cloud.common_font()
    assert common is not None and common != cloud.font_path()
    assert common.stat().st_size < cloud.font_path().stat().st_size / 5
    assert cloud.font_for(words) == common
    assert cloud.font_for([*words, "嚮導"]) == cloud.font_for(["王堃"]) == cloud.font_path()
    assert "堃" not in cloud.common_characters() and {"回", "款", "，", "％", "E"} <= cloud.common_characters()
    layout = cloud.render.__wrapped__
    cut = layout(frequencies)
    monkeypatch.setattr(cloud, "common_font", lambda: None)
    assert cloud.font_for(words) == cloud.font_path()
    assert layout(frequencies) == cut and cut[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_router_cuts_the_cloud_font_in_the_background_once_per_process(monkeypatch):
    """A server started without `make run` would make its first word cloud wait 5–8 s for the font cut: the router's
    frame starts the cut in a background thread on its first run, and only then."""
    import threading

    from ui import chrome, cloud

    calls = []
    monkeypatch.setattr(cloud, "common_font", lambda: calls.append(threading.current_thread().name))
    chrome.cloud_font_started.cache_clear()
    try:
        chrome.frame()
        first = chrome.cloud_font_started()
        first.join(timeout=30)
        chrome.frame()
        assert chrome.cloud_font_started() is first
        assert calls == ["yearend-font-cut"]
    finally:
        chrome.cloud_font_started.cache_clear()


def test_the_cloud_font_is_cut_once_when_two_threads_ask_together(monkeypatch, tmp_path):
    """The router's background cut and a page's cloud may ask at the same moment: the second waits for the first and
    finds the cut made (fontTools runs once)."""
    import threading

    from fontTools import subset

    from ui import cloud

    monkeypatch.setattr(cloud, "CACHE_DIR", tmp_path)
    runs = []
    real = subset.Subsetter.subset

    def counted(self, font):
        runs.append(1)
        return real(self, font)

    monkeypatch.setattr(subset.Subsetter, "subset", counted)
    cloud.common_font.cache_clear()
    try:
        results = []
        threads = [threading.Thread(target=lambda: results.append(cloud.common_font())) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(runs) == 1 and len(results) == 2 and results[0] == results[1] and results[0].parent == tmp_path
    finally:
        cloud.common_font.cache_clear()
