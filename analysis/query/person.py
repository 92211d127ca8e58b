"""One employee across the years: who can be picked, and the figures of their own summaries.

A person is a (department, name) pair: names repeat across a large company, and the employee is a
metadata filter (``Filters.employees``), not a text search that would also find the documents of
colleagues who mention them.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.access.scope import Filters
from analysis.query.sql import fetch


def people(store_path: Path, filters: Filters = Filters(), search: str = "", limit: int = 2000) -> pd.DataFrame:
    """The signed employees of the filtered documents: department, name, their documents, the years
    they wrote in (a list) and their latest team and role; ``search`` keeps names containing it."""
    where, params = filters.where()
    extra = ""
    if search.strip():
        from analysis.read.normalize import to_simplified

        extra = " AND (contains(d.employee, ?) OR contains(d.employee, ?))"
        params = [*params, search.strip(), to_simplified(search.strip())]
    sql = (
        "SELECT d.department, d.employee, COUNT(*) AS documents, list(DISTINCT d.year ORDER BY d.year) AS years, "
        "arg_max(d.team, d.year) AS team, arg_max(d.role, d.year) AS role "
        f"FROM documents d WHERE {where} AND d.employee <> ''{extra} "
        f"GROUP BY d.department, d.employee ORDER BY d.department, d.employee LIMIT {int(limit)}"
    )
    return fetch(store_path, sql, params)


def person_themes(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """Per year and theme of the filtered (one person's) documents: sentences carrying the theme and
    their rate per 1,000 characters."""
    where, params = filters.where()
    from analysis.query.taxonomy import documents_relation, theme_keys

    themes = theme_keys(store_path)
    docs = documents_relation(store_path)
    parts = " UNION ALL ".join(
        f"SELECT d.year, '{t}' AS theme, SUM(d.\"{t}\") AS sentences, SUM(d.chars) AS chars "
        f"FROM {docs} d WHERE {where} GROUP BY d.year" for t in themes)
    sql = (f"SELECT year, theme, CAST(sentences AS BIGINT) AS sentences, "
           f"1000.0 * sentences / NULLIF(chars, 0) AS per_1000_chars FROM ({parts}) ORDER BY year, theme")
    return fetch(store_path, sql, params * len(themes))
