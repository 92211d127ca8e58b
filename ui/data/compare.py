"""Two groups side by side for the 对比 page (``analysis.query.compare``): each side scoped to the
reader and suppressed below the reporting minimum on its own."""
from __future__ import annotations

import pandas as pd

from analysis.access.scope import Filters
from ui.data.cache import _read


def compare_themes(a: Filters, b: Filters) -> pd.DataFrame:
    return _read("compare_themes", a, b)


def distinctive_terms(a: Filters, b: Filters, top: int = 15) -> pd.DataFrame:
    return _read("distinctive_terms", a, b, top=top)
