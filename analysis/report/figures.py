"""The written report's charts as PNG images, drawn by matplotlib with the Noto Sans CJK font file the
requirements install (``analysis.paths.cjk_font``): no system font is assumed, so Chinese never turns into
boxes. The same figures as the deck's native charts, from the same ``Report``."""
from __future__ import annotations

import io
import math
from functools import lru_cache

from analysis.paths import cjk_font

NOW, PREVIOUS, COMPANY = "#2F5D7C", "#9DB4C8", "#C98E6B"
LABEL_COLOURS = {"正面": "#5E9C8F", "中性": "#C8CDD2", "负面": "#C9716B"}
STATUS_COLOURS = {"落实": "#5E9C8F", "部分落实": "#E0B86B", "未落实": "#C9716B"}


@lru_cache(maxsize=1)
def _font():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager

    path = str(cjk_font())
    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    matplotlib.rcParams["font.family"] = [name]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return name


def _figure(width=7.0, height=3.6):
    _font()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=150)
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _clean(values) -> list[float]:
    return [0.0 if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in values]


def grouped_bars(categories, series: list[tuple[str, list]], colours: dict, percent=True, horizontal=True,
                 width=7.0, height=None) -> bytes:
    """Bars per category, one per series (this year, last year, the company)."""
    from matplotlib.ticker import PercentFormatter

    categories = list(categories)
    height = height or min(4.6, max(2.4, 0.26 * len(categories) * max(1, len(series)) ** 0.5 + 0.9))
    fig, ax = _figure(width, height)
    n = len(series)
    step = 0.8 / n
    for i, (name, values) in enumerate(series):
        pos = [c + (i - (n - 1) / 2) * step for c in range(len(categories))]
        vals = _clean(values)
        if horizontal:
            bars = ax.barh(pos, vals, height=step, label=name, color=colours.get(name, NOW))
        else:
            bars = ax.bar(pos, vals, width=step, label=name, color=colours.get(name, NOW))
        if n == 1 or not horizontal:
            ax.bar_label(bars, labels=[f"{v:.0%}" if percent else f"{v:.2f}" for v in vals], fontsize=7, padding=2)
    axis = ax.xaxis if horizontal else ax.yaxis
    if percent:
        axis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        (ax.set_xlim if horizontal else ax.set_ylim)(0, 1.05)
    if horizontal:
        ax.set_yticks(range(len(categories)), categories)
        ax.invert_yaxis()
    else:
        ax.set_xticks(range(len(categories)), categories)
    if n > 1:
        ax.legend(frameon=False, fontsize=8, loc="lower right" if horizontal else "best")
    ax.tick_params(labelsize=8)
    return _png(fig)


def stacked_bars(categories, series: list[tuple[str, list]], colours: dict, percent=True, width=7.0,
                 height=None) -> bytes:
    """One horizontal bar per category, split by the series (label shares, follow-through statuses)."""
    from matplotlib.ticker import PercentFormatter

    categories = list(categories)
    fig, ax = _figure(width, height or max(1.8, 0.5 * len(categories) + 1.0))
    left = [0.0] * len(categories)
    for name, values in series:
        vals = _clean(values)
        bars = ax.barh(range(len(categories)), vals, left=left, label=name, color=colours.get(name, NOW))
        ax.bar_label(bars, labels=[(f"{v:.0%}" if percent else f"{v:,.0f}") if v else "" for v in vals],
                     label_type="center", fontsize=7)
        left = [a + b for a, b in zip(left, vals)]
    if percent:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlim(0, 1)
    ax.set_yticks(range(len(categories)), categories)
    ax.invert_yaxis()
    ax.legend(frameon=False, fontsize=8, ncol=len(series), loc="upper center", bbox_to_anchor=(0.5, -0.18))
    ax.tick_params(labelsize=8)
    return _png(fig)
