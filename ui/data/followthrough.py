"""Plan follow-through for the 计划落实 page (``analysis.query.followthrough``)."""
from __future__ import annotations

import pandas as pd

from analysis.access.scope import Filters
from ui.data.cache import _read


def follow_rates(f: Filters, by: tuple[str, ...] = ("department",)) -> pd.DataFrame:
    return _read("follow_rates", f, by=tuple(by))


def follow_pairs(f: Filters, status: str | None = None, department: str | None = None) -> pd.DataFrame:
    return _read("follow_pairs", f, status=status, department=department)
