"""East-Asian font slots, set explicitly.

PowerPoint and Word pick a run's font per script: Latin letters from ``a:latin`` / ``w:ascii``, Chinese
from ``a:ea`` / ``w:eastAsia``. A slot left empty falls back to the theme's font for that script, which in the
stock templates is Calibri or an empty name, and a viewer without a matching font then draws boxes or a
mismatched fallback. Every run, chart text, theme and style of a report therefore names the Noto Sans CJK
family the project ships (``analysis.paths.CJK_FONT_FAMILY``) in both slots.
"""
from __future__ import annotations

from lxml import etree

from analysis.paths import CJK_FONT_FAMILY

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FONT = CJK_FONT_FAMILY


def drawing_rpr(rpr, name: str = FONT) -> None:
    """``a:latin`` and ``a:ea`` of a DrawingML run / default run properties element (in schema order)."""
    latin = rpr.find(f"{{{A}}}latin")
    if latin is None:
        latin = rpr.get_or_add_latin()
    latin.set("typeface", name)
    ea = rpr.find(f"{{{A}}}ea")
    if ea is None:
        ea = etree.Element(f"{{{A}}}ea")
        latin.addnext(ea)
    ea.set("typeface", name)


def drawing_theme(blob: bytes, name: str = FONT) -> bytes:
    """A theme part with its major and minor fonts (Latin and East-Asian) set to ``name``."""
    root = etree.fromstring(blob)
    for scheme in ("majorFont", "minorFont"):
        for el in root.iter(f"{{{A}}}{scheme}"):
            for slot in ("latin", "ea"):
                child = el.find(f"{{{A}}}{slot}")
                if child is not None:
                    child.set("typeface", name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def word_rfonts(rpr, name: str = FONT) -> None:
    """``w:rFonts`` of a WordprocessingML run properties element: every slot named, theme slots dropped
    (a theme attribute wins over the explicit one)."""
    rfonts = rpr.find(f"{{{W}}}rFonts")
    if rfonts is None:
        rfonts = etree.Element(f"{{{W}}}rFonts")
        rpr.insert(0, rfonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rfonts.attrib.pop(f"{{{W}}}{attr}", None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(f"{{{W}}}{attr}", name)
    lang = rpr.find(f"{{{W}}}lang")
    if lang is not None:
        lang.set(f"{{{W}}}eastAsia", "zh-CN")
