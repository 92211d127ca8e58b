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


def sentiment_box(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """The box plot of document sentiment per department and year, as figures rather than 100,000 points:
    ``documents`` scored, quartiles ``q1``/``median``/``q3`` (linear interpolation between the two nearest
    documents, numpy's default), whiskers ``lowerfence``/``upperfence`` at the most extreme document within
    1.5 interquartile ranges of the box (Tukey), and ``mean``. Exact, computed in the store: the page no
    longer loads every document's score."""
    where, params = filters.where()
    sql = (
        "WITH v AS (SELECT d.department, COALESCE(d.year, 0) AS year, d.sentiment_mean AS x FROM documents d "
        f"WHERE {where} AND d.sentiment_mean IS NOT NULL), "
        "q AS (SELECT department, year, COUNT(*) AS documents, quantile_cont(x, 0.25) AS q1, "
        "quantile_cont(x, 0.5) AS median, quantile_cont(x, 0.75) AS q3, AVG(x) AS mean FROM v GROUP BY ALL) "
        "SELECT q.department, q.year, ANY_VALUE(q.documents) AS documents, ANY_VALUE(q.q1) AS q1, "
        "ANY_VALUE(q.median) AS median, ANY_VALUE(q.q3) AS q3, "
        "MIN(v.x) FILTER (WHERE v.x >= q.q1 - 1.5 * (q.q3 - q.q1)) AS lowerfence, "
        "MAX(v.x) FILTER (WHERE v.x <= q.q3 + 1.5 * (q.q3 - q.q1)) AS upperfence, ANY_VALUE(q.mean) AS mean "
        "FROM q JOIN v ON v.department IS NOT DISTINCT FROM q.department AND v.year = q.year "
        "GROUP BY q.department, q.year ORDER BY q.department, q.year")
    return fetch(store_path, sql, params)
