"""Filesystem locations, always relative to the package, never to the working directory."""
from __future__ import annotations

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
