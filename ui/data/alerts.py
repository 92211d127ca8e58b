"""The overview's alerts (``analysis.query.alerts``): group alerts are figures (scoped, reporting minimum for
every reader), document alerts are records (``RECORD_READS``: a department head's own department, nothing
for a viewer)."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analysis.access.scope import Filters
from analysis.query import alerts
from ui import auth
from ui.data.cache import _read
from ui.data.report import report_min_group
from ui.data.themes import theme_keys


def group_alerts(f: Filters) -> pd.DataFrame:
    """Every test of the groups' sentiment shares and theme rates against the year before, with ``alert``
    where the change is beyond chance (``analysis.query.alerts``). Only groups at or above the users file's
    reporting minimum are tested, HR admin's too."""
    # the counts of every department (the sidebar's departments picked from them): a change of department
    # reuses the counts already read for these filters (``alerts.change_counts``)
    counts = _read("change_counts", replace(f, departments=()), sets=alerts.LEVEL_SETS, min_group=report_min_group())
    if f.departments:
        counts = counts[counts["department"].isin(f.departments)]
    return alerts.alerts_from_counts(counts, theme_keys(), alerts_only=False)


def document_alerts(f: Filters) -> pd.DataFrame:
    """Unusually short, unusually negative or placeholder-heavy documents the reader may open."""
    if not auth.access().may_read_text:
        return pd.DataFrame()
    return _read("document_alerts", f)
