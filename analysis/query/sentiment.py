"""Sentence sentiment across groups, read per section (the sentences themselves come from
``documents.evidence`` with a label)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.access.scope import Filters
from analysis.query.sql import aggregable, fetch, grain_join, safe_grouping
from analysis.schema import SECTIONS


def section_sentiment(store_path: Path, filters: Filters = Filters(), by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Sentence sentiment per section (and per ``by`` group): mean score and label shares.

    Read per section because self-criticism under 不足 is expected in a year-end summary and must not
    be mistaken for discontent.
    """
    safe_grouping(filters, by)
    where, params = filters.where()
    keys = "".join(f"d.{k}, " for k in by)
    shares = ", ".join(
        f"AVG(CASE WHEN s.label = '{lab}' THEN 1.0 ELSE 0.0 END) AS {lab}_share" for lab in ("pos", "neu", "neg")
    )
    sql = (
        f"SELECT {keys}s.section, COUNT(*) AS sentences, AVG(s.sentiment) AS sentiment_mean, {shares} "
        f"FROM documents d JOIN sentences s ON s.doc_id = d.doc_id WHERE {where} "
        f"GROUP BY {keys}s.section"
    )
    aggregate = None
    if aggregable(filters, by):
        akeys = "".join(f"a.{k}, " for k in by)
        ashares = ", ".join(f"CAST(SUM(a.{lab}) AS BIGINT) * 1.0 / CAST(SUM(a.sentences) AS BIGINT) AS {lab}_share"
                            for lab in ("pos", "neu", "neg"))
        aggregate = (
            f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
            f"SELECT {akeys}a.section, CAST(SUM(a.sentences) AS BIGINT) AS sentences, "
            f"SUM(a.sentiment_sum) / NULLIF(SUM(a.scored), 0) AS sentiment_mean, {ashares} "
            f"FROM agg_sentiment a {grain_join()} GROUP BY {akeys}a.section", params)
    frame = fetch(store_path, sql, params, aggregate)
    order = {sec: i for i, sec in enumerate(SECTIONS)}
    frame["_order"] = frame["section"].map(order)
    return frame.sort_values([*by, "_order"]).drop(columns="_order").reset_index(drop=True)
