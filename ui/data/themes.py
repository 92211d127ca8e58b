"""Theme figures for the pages (``analysis.query.themes``)."""
from __future__ import annotations

import pandas as pd

from analysis.access.scope import Filters
from ui.data.cache import _read


def theme_totals(f: Filters) -> pd.DataFrame:
    return _read("theme_totals", f)


def theme_section_totals(f: Filters) -> pd.DataFrame:
    return _read("theme_section_totals", f)


def year_changes(f: Filters, pair: tuple[int, int] | None = None) -> pd.DataFrame:
    return _read("year_changes", f, pair=tuple(sorted(pair)) if pair else None)


def theme_lift(f: Filters) -> pd.DataFrame:
    return _read("theme_lift", f)


def theme_keys() -> tuple[str, ...]:
    """Every theme of the store's active taxonomy: the ten required ones, then HR's added ones."""
    return _read("theme_keys")
