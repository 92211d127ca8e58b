"""Theme figures for the pages (``analysis.query.themes``)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analysis.access.scope import Filters
from analysis.query import themes
from ui.data.cache import _read
from ui.data.documents import groups


def theme_totals(f: Filters) -> pd.DataFrame:
    return _read("theme_totals", f)


def theme_section_totals(f: Filters) -> pd.DataFrame:
    return _read("theme_section_totals", f)


def year_changes(f: Filters, pair: tuple[int, int] | None = None) -> pd.DataFrame:
    """``query.year_changes``, from the per-year figures the page has already read (``groups``)."""
    return themes.changes_between(groups(f, by=("year",)), theme_keys(), tuple(sorted(pair)) if pair else None)


def theme_lift(f: Filters) -> pd.DataFrame:
    """``query.theme_lift``, from the per-department figures of these filters and of the same filters
    without departments and teams (the company, within the reader's scope): both cached ``groups`` reads."""
    per = groups(f, by=("department",))
    company = groups(replace(f, departments=(), teams=()), by=("department",)) if f.departments or f.teams else per
    return themes.lift_between(per, company, theme_keys())


def theme_keys() -> tuple[str, ...]:
    """Every theme of the store's active taxonomy: the ten required ones, then HR's added ones."""
    return _read("theme_keys")
