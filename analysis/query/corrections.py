"""HR's corrections of sentence judgements, for the list on the 语料管理 page."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from analysis.access.scope import Filters
from analysis.query.sql import fetch

COLUMNS = ("doc_id", "idx", "text_hash", "employee", "department", "year", "text", "model_label", "label",
           "model_themes", "themes", "name", "created_at", "status")
"""What ``corrections`` returns: columns of the ``corrections`` table (schema.CORRECTION_COLUMNS) and the
document's metadata."""


def corrections(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """Every correction of a document in the filters (and, unfiltered, those whose document is gone),
    newest first, with the model's judgement beside HR's."""
    where, params = filters.where()
    sql = (
        "SELECT c.doc_id, c.idx, c.text_hash, d.employee, d.department, d.year, c.text, c.model_label, c.label, "
        "c.model_themes, c.themes, c.name, c.created_at, COALESCE(c.status, '') AS status "
        f"FROM corrections c LEFT JOIN documents d ON d.doc_id = c.doc_id WHERE {where} "
        "ORDER BY c.created_at DESC, c.doc_id, c.idx"
    )
    try:
        return fetch(store_path, sql, params)
    except duckdb.CatalogException:  # a store written before corrections existed has no such table
        return pd.DataFrame(columns=list(COLUMNS))
