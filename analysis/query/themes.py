"""Themes across groups: per group, section and theme; totals; the change since the year before."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from analysis.access.scope import Filters
from analysis.query.documents import groups
from analysis.query.sql import aggregable, fetch, grain_join, safe_grouping
from analysis.query.taxonomy import documents_relation, theme_keys


def theme_sections(store_path: Path, filters: Filters = Filters(),
                   by: tuple[str, ...] = ("department", "year")) -> pd.DataFrame:
    """Per group, section and theme: sentences carrying the theme and documents mentioning it."""
    safe_grouping(filters, by)
    where, params = filters.where()
    keys = ", ".join(f"d.{k}" for k in by)
    head = (f"WITH docs AS (SELECT * FROM documents d WHERE {where}), "
            "totals AS (SELECT " + ", ".join(by) + ", COUNT(*) AS group_documents FROM docs GROUP BY "
            + ", ".join(by) + ") ")  # the filtered documents and each group's size: both ways below
    sql = (
        head + f"SELECT {keys}, s.section, t.theme, COUNT(*) AS sentences, COUNT(DISTINCT s.doc_id) AS documents, "
        "ANY_VALUE(tt.group_documents) AS group_documents, "
        "COUNT(DISTINCT s.doc_id) * 1.0 / ANY_VALUE(tt.group_documents) AS document_share "
        "FROM docs d JOIN sentences s ON s.doc_id = d.doc_id, UNNEST(s.themes) AS t(theme) "
        "JOIN totals tt ON " + " AND ".join(f"tt.{k} = d.{k}" for k in by) + " "
        f"GROUP BY {keys}, s.section, t.theme ORDER BY {keys}, s.section, t.theme"
    )
    aggregate = None
    if aggregable(filters, by):
        akeys = ", ".join(f"a.{k}" for k in by)
        aggregate = (
            head + f"SELECT {akeys}, a.section, a.theme, CAST(SUM(a.sentences) AS BIGINT) AS sentences, "
            "CAST(SUM(a.documents) AS BIGINT) AS documents, ANY_VALUE(tt.group_documents) AS group_documents, "
            "CAST(SUM(a.documents) AS BIGINT) * 1.0 / ANY_VALUE(tt.group_documents) AS document_share "
            f"FROM agg_theme_sections a {grain_join()} "
            "JOIN totals tt ON " + " AND ".join(f"tt.{k} = a.{k}" for k in by) + " "
            f"GROUP BY {akeys}, a.section, a.theme ORDER BY {akeys}, a.section, a.theme", params)
    return fetch(store_path, sql, params, aggregate)


def theme_totals(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """Per theme over all filtered documents: sentences carrying it, documents mentioning it, their
    share, and sentences per 1,000 characters; the most widespread theme first."""
    where, params = filters.where()
    parts = [
        f"SELECT {i} AS pos, '{t}' AS theme, CAST(COALESCE(SUM(\"{t}\"), 0) AS BIGINT) AS sentences, "
        f"COUNT(*) FILTER (WHERE \"{t}\" > 0) AS documents FROM docs"
        for i, t in enumerate(theme_keys(store_path))
    ]
    sql = (
        f"WITH docs AS (SELECT * FROM {documents_relation(store_path)} d WHERE {where}), "
        "total AS (SELECT COUNT(*) AS n, SUM(chars) AS chars FROM docs) "
        "SELECT x.theme, x.sentences, x.documents, x.documents * 1.0 / NULLIF(total.n, 0) AS document_share, "
        "1000.0 * x.sentences / NULLIF(total.chars, 0) AS per_1000_chars "
        f"FROM ({' UNION ALL '.join(parts)}) x, total "
        "ORDER BY document_share DESC NULLS LAST, x.sentences DESC, x.pos"
    )
    return fetch(store_path, sql, params)


def year_changes(store_path: Path, filters: Filters = Filters(),
                 pair: tuple[int, int] | None = None) -> pd.DataFrame:
    """One year of the filtered documents against another: by default the latest year against the year
    before it that has documents; with ``pair`` = (earlier, later) any two years chosen.

    One row per figure (documents, employees, mean sentiment, share of negative sentences, and each
    theme's share of documents), with ``previous``, ``latest`` and ``change``; empty when the filtered
    documents span fewer than two years, or when a year of ``pair`` has no reportable documents.
    """
    return changes_between(groups(store_path, filters, by=("year",)), theme_keys(store_path), pair)


def changes_between(per_year: pd.DataFrame, themes: tuple[str, ...], pair: tuple[int, int] | None = None
                    ) -> pd.DataFrame:
    """``year_changes`` from the per-year figures of ``groups(…, by=("year",))`` (the dashboard passes the
    frame it has already read for the same filters)."""
    per_year = per_year[per_year["year"] > 0].sort_values("year")
    cols = ["kind", "metric", "previous_year", "latest_year", "previous", "latest", "change"]
    if pair is not None:
        per_year = per_year[per_year["year"].isin(pair)]
    if len(per_year) < 2:
        return pd.DataFrame(columns=cols)
    prev, last = per_year.iloc[-2], per_year.iloc[-1]
    figures = [("概况", "文档数", "documents"), ("概况", "员工数", "employees"),
               ("概况", "平均情感", "sentiment_mean"), ("概况", "负面句占比", "neg_share"),
               *(("主题覆盖率", t, f"{t}_覆盖率") for t in themes)]
    rows = [{
        "kind": kind, "metric": metric, "previous_year": int(prev["year"]), "latest_year": int(last["year"]),
        "previous": float(prev[col]), "latest": float(last[col]), "change": float(last[col] - prev[col]),
    } for kind, metric, col in figures]
    return pd.DataFrame(rows, columns=cols)


def theme_section_totals(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """Per section and theme over all filtered documents: sentences carrying the theme, documents
    mentioning it there, and that share of the filtered documents."""
    where, params = filters.where()
    sql = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
        "SELECT s.section, t.theme, COUNT(*) AS sentences, COUNT(DISTINCT s.doc_id) AS documents, "
        "COUNT(DISTINCT s.doc_id) * 1.0 / (SELECT COUNT(*) FROM docs) AS document_share "
        "FROM docs d JOIN sentences s ON s.doc_id = d.doc_id, UNNEST(s.themes) AS t(theme) "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
    aggregate = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
        "SELECT a.section, a.theme, CAST(SUM(a.sentences) AS BIGINT) AS sentences, "
        "CAST(SUM(a.documents) AS BIGINT) AS documents, "
        "CAST(SUM(a.documents) AS BIGINT) * 1.0 / (SELECT COUNT(*) FROM docs) AS document_share "
        f"FROM agg_theme_sections a {grain_join()} GROUP BY 1, 2 ORDER BY 1, 2", params
    ) if aggregable(filters) else None
    return fetch(store_path, sql, params, aggregate)


def theme_lift(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """Per department and theme: where departments differ (the 主题 page's default heat map).

    In a genre where nearly every summary mentions teamwork, learning and rules somewhere, the share of
    documents mentioning a theme is 90–100 % everywhere and tells departments apart no more than it
    tells them from the company. What differs is how much of what a department writes is about the
    theme: ``share`` is the share of its sentences that carry the theme, ``overall`` the same share over
    the company: every department the reader may see, with the filters other than department and team
    (a department head who sees one department compares it with itself: 1.0 throughout),
    ``ratio`` = share / overall (1.0: as often as the company; 2.0: twice as often) and ``diff`` =
    share − overall (in fractions; ×100 for percentage points). Built on ``groups`` so the minimum
    reporting group applies: a withheld department has no figures and does not enter ``overall``.
    """
    per = groups(store_path, filters, by=("department",))
    # the company: every department the reader may see, under the same years, roles and search — so a
    # department picked in the sidebar is still compared with the company rather than with itself
    company = (groups(store_path, replace(filters, departments=(), teams=()), by=("department",))
               if filters.departments or filters.teams else per)
    return lift_between(per, company, theme_keys(store_path))


def lift_between(per: pd.DataFrame, company: pd.DataFrame, themes: tuple[str, ...]) -> pd.DataFrame:
    """``theme_lift`` from ``groups(…, by=("department",))`` of the filters (``per``) and of the same filters
    without departments and teams (``company``; ``per`` itself when the filters name none)."""
    cols = ["department", "theme", "sentences", "share", "overall", "ratio", "diff"]
    if per.empty:
        return pd.DataFrame(columns=cols)
    shown = company[company["sentence_count"].notna()]
    total = float(shown["sentence_count"].sum())
    rows = []
    records = per.to_dict("records")
    for t in themes:
        carried = float((shown[f"{t}_句占比"] * shown["sentence_count"]).sum())
        overall = carried / total if total else None
        for r in records:
            share = r[f"{t}_句占比"]
            known = overall is not None and share is not None and pd.notna(share)
            rows.append({"department": r["department"], "theme": t, "sentences": r["sentence_count"],
                         "share": share, "overall": overall,
                         "ratio": share / overall if known and overall else None,
                         "diff": share - overall if known else None})
    return pd.DataFrame(rows, columns=cols)
