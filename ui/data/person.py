"""One employee's documents and figures for the 员工 page (``analysis.query.person``)."""
from __future__ import annotations

import pandas as pd

from analysis.access.scope import Filters
from ui.data.cache import _read


def people(f: Filters, search: str = "") -> pd.DataFrame:
    """The employees the reader may look at within the filters (a record read: none for a viewer)."""
    return _read("people", f, search=search)


def person_filter(department: str, employee: str) -> Filters:
    """All of one person's documents, every year (scoped to the reader by ``ui.data.cache``)."""
    return Filters(employees=((department, employee),))


def person_themes(department: str, employee: str) -> pd.DataFrame:
    return _read("person_themes", person_filter(department, employee))
