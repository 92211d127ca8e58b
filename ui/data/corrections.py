"""HR's corrections of sentence judgements (``analysis.query.corrections``), for the 语料管理 page."""
from __future__ import annotations

import pandas as pd

from analysis.access.scope import Filters
from ui.data.cache import _read


def corrections(f: Filters) -> pd.DataFrame:
    return _read("corrections", f)
