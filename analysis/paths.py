"""Filesystem locations, always relative to the package, never to the working directory."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
PROJECT_DIR = PACKAGE_DIR.parent
DEFAULT_CORPUS = PROJECT_DIR / "corpus"
DEFAULT_STORE = PROJECT_DIR / "data" / "insights.duckdb"
CACHE_DIR = PROJECT_DIR / "data" / "cache"  # models trained from shipped files, rebuilt when those change


def data_path(name: str) -> Path:
    """A data file shipped with the package (dictionaries, taxonomy, training sentences)."""
    return DATA_DIR / name


def write_cache(path: Path, data: bytes) -> None:
    """Store a file that can always be made again (trained weights, a loaded dictionary) under
    ``CACHE_DIR``: written beside its place and renamed, so another process never reads half of it.
    A cache that cannot be written only means making it again next time, so that is not an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass


CJK_FONT_PACKAGE = "cvttf_NotoSansCJK_Regular"
CJK_FONT_FAMILY = "Noto Sans CJK TC"
"""The family name inside that package's font file: reports name it in their East-Asian font slots."""


def cjk_font() -> Path:
    """The Noto Sans CJK font file the requirements install (package ``cvttf-notosanscjk-regular``),
    found through importlib, never among the system's fonts: word clouds and report charts draw
    Chinese with it on a machine that has no Chinese font."""
    from importlib import resources

    try:
        folder = resources.files(CJK_FONT_PACKAGE)
    except ModuleNotFoundError as exc:
        raise FileNotFoundError("缺少中文字体包 cvttf-notosanscjk-regular，请运行 make run 重新安装依赖") from exc
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.lower().endswith((".otf", ".ttf", ".ttc")):
            return Path(str(entry))
    raise FileNotFoundError(f"字体包 {CJK_FONT_PACKAGE} 中没有字体文件，请重新安装依赖")
