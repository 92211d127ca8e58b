"""The two helpers every question shares: run SQL over a short-lived read-only connection, and
refuse groupings that would cut publication cells."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.access import suppress
from analysis.access.scope import Filters
from analysis.store import snapshot


def safe_grouping(filters: Filters, by: tuple[str, ...]) -> None:
    """Refuse a grouping that would cut publication cells where only whole cells may be shown (only
    ``groups`` knows how to blank such rows)."""
    if filters.min_group > 0 and set(by) - suppress.SAFE_KEYS:
        raise ValueError(f"在最小报告人数限制下不能按 {'、'.join(by)} 分组")


def fetch(store_path: Path, sql: str, params: list) -> pd.DataFrame:
    with snapshot.read(store_path) as con:
        return con.execute(sql, params).df()
