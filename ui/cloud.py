"""Word clouds drawn with the Noto Sans CJK font that the requirements install.

``wordcloud`` falls back to a Latin font and draws boxes for Chinese unless it is given a CJK font
file. The font comes from the ``cvttf-notosanscjk-regular`` package (found through importlib, never
from the system), and the rendered PNG is cached: a cloud takes about a second to lay out.
"""
from __future__ import annotations

import io
import random
import threading
from functools import lru_cache
from pathlib import Path

import streamlit as st

from analysis.paths import CJK_FONT_PACKAGE, cjk_font

FONT_PACKAGE = CJK_FONT_PACKAGE
_COLORS = ("#2F5D7C", "#3E6E8E", "#5E9C8F", "#7E8CB5", "#B86B77", "#C98E6B", "#6FA3C7")


@lru_cache(maxsize=1)
def font_path() -> Path:
    """The CJK font file shipped inside the font package (``analysis.paths.cjk_font``)."""
    return cjk_font()


def _color(word, font_size, position, orientation, random_state=None, **kwargs) -> str:
    rng = random_state or random.Random(len(word))
    return rng.choice(_COLORS)


class _FontsKept:
    """Stands in for ``PIL.ImageFont`` inside ``wordcloud``: the same module, but ``truetype`` keeps the
    last ``FONTS_KEPT`` (path, size) fonts.

    ``wordcloud`` opens the font again for every size it tries (about 280 times for an 80-word cloud),
    and opening the 16 MB CJK font is most of a layout's CPU. Sizes are tried in descending runs, so a
    few kept fonts serve about 60 % of the calls: 0.25 → 0.15 s CPU per cloud for ~27 MB, with the same
    image (the same fonts draw the same glyphs). A FreeType face must not be used by two threads at
    once, so renders hold ``_LAYOUT`` (they are CPU-bound under the GIL anyway).
    """

    FONTS_KEPT = 8

    def __init__(self, real) -> None:
        self._real = real
        self.truetype = lru_cache(maxsize=self.FONTS_KEPT)(real.truetype)

    def __getattr__(self, name: str):
        return getattr(self._real, name)


_LAYOUT = threading.Lock()


def _keep_fonts():
    import wordcloud.wordcloud as module  # imported here: only the 关键词 page pays for it

    if not isinstance(module.ImageFont, _FontsKept):
        module.ImageFont = _FontsKept(module.ImageFont)
    return module.WordCloud


@st.cache_data(max_entries=32, show_spinner="正在生成词云…")
def render(frequencies: tuple[tuple[str, int], ...], width: int = 500, height: int = 234,
           scale: float = 1.8) -> bytes:
    """PNG bytes of the cloud; cached by the frequencies themselves, so the same filters (and the same
    store snapshot) never lay it out twice.

    The layout runs on a ``width`` × ``height`` grid and the words are drawn ``scale`` times larger:
    a 900 × 421 image for a fraction of the layout time of laying it out at full size. ``font_step=2`` tries
    every other font size when a word does not fit. 80 words take 0.21 s of CPU on this grid (0.24 s on
    600 × 280, 0.44 s for the 120 words at font step 1 the page used to show; medians of 5, one process),
    0.15 s with the kept fonts (``_FontsKept``), which a filter change pays once per new filter.
    """
    WordCloud = _keep_fonts()  # noqa: N806 (the class)
    cloud = WordCloud(font_path=str(font_path()), width=width, height=height, background_color="white",
                      max_words=len(frequencies), prefer_horizontal=0.95, random_state=7,
                      color_func=_color, margin=3, relative_scaling=0.45, scale=scale, font_step=2)
    with _LAYOUT:
        cloud.generate_from_frequencies(dict(frequencies))
        image = cloud.to_image()
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
