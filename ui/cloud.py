"""Word clouds drawn with the Noto Sans CJK font that the requirements install.

``wordcloud`` falls back to a Latin font and draws boxes for Chinese unless it is given a CJK font
file. The font comes from the ``cvttf-notosanscjk-regular`` package (found through importlib, never
from the system), and the rendered PNG is cached by its frequencies. A cloud is laid out once per new
filter, so its CPU is part of every filter change of the 关键词 page; ``common_font`` and ``_FontsKept``
cut what opening the 16 MB font costs in it.
"""
from __future__ import annotations

import io
import random
import threading
from functools import lru_cache
from pathlib import Path

import streamlit as st

from analysis.paths import CACHE_DIR, CJK_FONT_PACKAGE, cjk_font, write_cache

FONT_PACKAGE = CJK_FONT_PACKAGE
_COLORS = ("#2F5D7C", "#3E6E8E", "#5E9C8F", "#7E8CB5", "#B86B77", "#C98E6B", "#6FA3C7")


@lru_cache(maxsize=1)
def font_path() -> Path:
    """The CJK font file shipped inside the font package (``analysis.paths.cjk_font``)."""
    return cjk_font()


SUBSET_VERSION = 1
"""Part of the cached subset's name: raise it when ``common_characters`` or the subsetting options change."""


@lru_cache(maxsize=1)
def common_characters() -> frozenset[str]:
    """Printable ASCII and the 7,445 characters of GB 2312 (its 6,763 hanzi, CJK and full-width punctuation,
    kana, Greek, Cyrillic): the characters of nearly every word a cloud of Simplified summaries shows."""
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


_CUTTING = threading.Lock()


@lru_cache(maxsize=1)
def common_font() -> Path | None:
    """The CJK font cut down to ``common_characters`` (1.9 MB instead of 16 MB), made once with fontTools and kept in
    ``CACHE_DIR``; None when it cannot be made (the full font is then used).

    FreeType opens a face in time that grows with the font's glyph count, and ``wordcloud`` opens a face for every
    font size it tries (about 120 per 80-word cloud, with ``_FontsKept``): 0.96 → 0.18 ms per open (mean over sizes
    10–110), a cloud's CPU 0.17 → 0.11 s. The glyphs are the full font's own outlines, so a word draws the same
    pixels with either (tests/test_charts.py). Making it takes 5–8 s of CPU, once per installation: ``make run`` does
    it before the server starts (``python -m ui.chrome``); a server started otherwise has its router start it in a
    background thread on its first run (``chrome.cloud_font_started``)."""
    with _CUTTING:  # the router's background cut (``chrome.cloud_font_started``) and a page's cloud: made once
        return _common_font()


def _common_font() -> Path | None:
    try:
        full = cjk_font()
        path = CACHE_DIR / f"cloud-font-{SUBSET_VERSION}-{full.stat().st_size}.otf"
        if not path.exists():
            from fontTools import subset

            options = subset.Options()
            options.notdef_outline = True  # a missing glyph stays a visible box, as in the full font
            # what a horizontal line is shaped with (kerning, ligatures, marks): not the vertical, alternate and
            # locale forms, whose glyphs would double the cut
            options.layout_features = ["kern", "liga", "clig", "calt", "ccmp", "rlig", "mark", "mkmk"]
            font = subset.load_font(str(full), options)
            subsetter = subset.Subsetter(options)
            subsetter.populate(text="".join(sorted(common_characters())))
            subsetter.subset(font)
            buf = io.BytesIO()
            subset.save_font(font, buf, options)
            write_cache(path, buf.getvalue())
        return path if path.exists() else None
    except Exception:  # noqa: BLE001 (a missing or unreadable font, fontTools failing: the full font still works)
        return None


def font_for(words) -> Path:
    """The font a cloud of ``words`` is drawn with: the common-characters cut when it holds every character of
    them, else the full font (a name or a Traditional word with a character outside GB 2312)."""
    common = common_font()
    if common is not None and common_characters().issuperset("".join(words)):
        return common
    return font_path()


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
    0.15 s with the kept fonts (``_FontsKept``), 0.11 s drawn with the common-characters font (``common_font``),
    which a filter change pays once per new filter.
    """
    WordCloud = _keep_fonts()  # noqa: N806 (the class)
    font = font_for(word for word, _ in frequencies)
    cloud = WordCloud(font_path=str(font), width=width, height=height, background_color="white",
                      max_words=len(frequencies), prefer_horizontal=0.95, random_state=7,
                      color_func=_color, margin=3, relative_scaling=0.45, scale=scale, font_step=2)
    with _LAYOUT:
        cloud.generate_from_frequencies(dict(frequencies))
        image = cloud.to_image()
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)  # 21 → 13 ms for a 2 % larger file (level 6 by default)
    return buf.getvalue()
