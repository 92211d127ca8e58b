"""The dashboard's frame in Chinese and with a Chinese font, on any machine.

Font: ``.streamlit/config.toml`` names the app's font (``[theme] font`` and ``[[theme.fontFaces]]``
"YearEnd CJK", served by Streamlit's static file serving from ``static/``). The font file is the Noto
Sans CJK font the requirements install (``cvttf-notosanscjk-regular``, 16 MB), so it is not committed:
``ensure_font`` copies it into ``static/`` (git-ignored) — ``make run`` does it before the server
starts (``python -m ui.chrome``), and the router again on its first run for servers started otherwise.

Texts: Streamlit has no language setting. What it offers is used first (``server.maxUploadSize``,
``client.disableDataExport``, widget placeholders, ``select_all=False``, ``st.dataframe(placeholder=…)``);
what is left — the file uploader's button and hint — is replaced by one style
sheet (``frame``, injected once per run by the router). It hides Streamlit's English text nodes by
their test ids and shows Chinese through CSS generated content; if a Streamlit upgrade renames those
ids the English simply shows again (nothing breaks), and tests/test_browser_chrome.py fails.
The README lists the English that remains (hover tooltips of table toolbars, upload error chips).
"""
from __future__ import annotations

import os
import shutil
import threading
from functools import lru_cache
from pathlib import Path

from analysis.paths import cjk_font

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"  # Streamlit serves <main script's folder>/static at /app/static/
FONT_NAME = "NotoSansCJK-Regular.otf"  # the name .streamlit/config.toml's [[theme.fontFaces]] url uses

_CSS = """
<style>
/* file uploader: "Upload" → 选择文件; "Drag and drop files here" and "NMB per file • TXT" → one Chinese hint
   (the page states the real limits in its caption) */
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] > p { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]::after { content: "选择文件"; }
[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "或把文件拖放到这里"; font-size: 0.875rem; opacity: 0.7; }
</style>
"""


def ensure_font(static: Path = STATIC) -> Path:
    """``static/NotoSansCJK-Regular.otf``: a hard link to (or else a copy of) the installed font, made
    once; replaced when the installed font changes size. Streamlit refuses symlinks out of static/."""
    src = cjk_font()
    dst = static / FONT_NAME
    if dst.exists() and dst.stat().st_size == src.stat().st_size:
        return dst
    static.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f".{FONT_NAME}.{os.getpid()}.tmp")
    try:
        os.link(src, tmp)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
    return dst


@lru_cache(maxsize=1)
def font_ready() -> bool:
    """Once per process: the served font is in place (False, and the system fonts are used, if the
    font package is missing or static/ is not writable)."""
    try:
        ensure_font()
        return True
    except OSError:
        return False


@lru_cache(maxsize=1)
def cloud_font_started() -> threading.Thread:
    """Once per process, in the background: the word clouds' cut of the font (``ui.cloud.common_font``, 5–8 s of CPU
    once per installation). ``make run`` makes it before the server starts; a server started otherwise would make the
    first word cloud wait for it. The first page a reader sees (总览) draws no cloud, so the cut is usually ready
    before 关键词 is opened, and a cloud asked for meanwhile waits only for what is left of it."""
    def cut() -> None:
        from ui import cloud

        cloud.common_font()

    thread = threading.Thread(target=cut, name="yearend-font-cut", daemon=True)
    thread.start()
    return thread


def frame() -> None:
    """The style sheet that replaces the uploader's English texts; the router calls it on every run."""
    import streamlit as st

    font_ready()
    cloud_font_started()
    st.html(_CSS)


if __name__ == "__main__":  # `make run`: the font is in place before the first browser asks for it
    print(ensure_font())
    from ui import cloud

    print(cloud.common_font())  # and the word clouds' cut of it (ui.cloud.common_font), made once
