"""Alerts: what moved more than chance would explain since last year, and documents out of the ordinary.

**Group alerts.** For every group (each department, and each team within it) that has documents in the
latest year of the filters and in the year before it, the shares of positive and of negative sentences and
each theme's share of documents (``theme_keys``: HR's added themes too) are compared between the two years
with the comparison page's test (``compare.proportion_test``: two-proportion z-test, Fisher's exact test
for small counts). Many groups × measures are tested at once, so the p-values are adjusted for the false
discovery rate (Benjamini–Hochberg over every test run for this reader, ``q_value``); a change is an alert
when q < ``ALPHA`` and it is at least ``MIN_SHIFT`` (a significant 1-point move in a large group is not
news). Sentences are counted as units for the sentiment shares although the sentences of one summary are
not independent, so their p-values lean optimistic; the size floor guards against that too.

Only groups at or above the reporting minimum are tested (``min_group``, for every reader, HR admin too):
a group whose figures ``analysis.access.suppress`` would withhold in either year — fewer employees than
the minimum, or a team that is not a publication cell of its own — has no alert.

**Document alerts.** A document is unusual when it is shorter than ``SHORT_RATIO`` of the median length of
the same year's documents in the scope, when at least ``NEGATIVE_DOC`` of its sentences are negative, or when
it keeps ``PLACEHOLDER_DOC`` or more template placeholders (XX, ××, ___, 20xx; ``read.normalize``). These
are records, not figures: the dashboard reads them with the record scope (no viewer, a department head only
their department). The department report counts the same documents (``document_alerts``).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from analysis.access import suppress
from analysis.access.scope import Filters
from analysis.query.compare import proportion_test
from analysis.query.sql import aggregable, fetch
from analysis.query.taxonomy import documents_relation, theme_keys
from analysis.schema import AGGREGATE_GRAIN

ALPHA = 0.05
"""False discovery rate: a change is significant when its Benjamini–Hochberg adjusted p-value is below this."""
MIN_SHIFT = 0.05
"""A significant change smaller than this (5 percentage points) is not an alert."""
SHORT_RATIO = 0.5
"""A document shorter than this share of the median length of its year (in the scope) is unusually short."""
NEGATIVE_DOC = 0.4
"""A document with at least this share of negative sentences is unusually negative."""
PLACEHOLDER_DOC = 3
"""A document with at least this many template placeholders left in is placeholder-heavy."""
DOCUMENT_LIMIT = 500

SENTIMENT_MEASURES = (("正面句占比", "pos"), ("负面句占比", "neg"))
# ``summary``, not ``text``: a viewer's reads lose every column named like document text (schema.TEXT_COLUMNS)
GROUP_COLUMNS = ["level", "department", "team", "kind", "measure", "label", "theme", "previous_year", "year",
                 "previous_count", "previous_total", "count", "total", "previous_share", "share", "change",
                 "p_value", "method", "q_value", "alert", "summary"]


def _pct(v: float) -> str:
    return f"{v:.0%}"


LEVELS = (("部门", ("department",)), ("班组", ("department", "team")))


def change_counts(store_path: Path, filters: Filters,
                  sets: tuple[tuple[str, ...], ...] = ((),), min_group: int = 0) -> pd.DataFrame:
    """Per group and year, for each grouping of ``sets`` (of department and/or team; one query with grouping
    sets): documents, employees, sentences, positive and negative sentences, and per theme the documents
    mentioning it (a column named after the theme). A key a row is not grouped by is NULL. With
    ``filters.min_group`` the groups that are not whole publication cells or have fewer employees are
    dropped (``analysis.access.suppress``: department and year never cut a cell, a team must be its own);
    ``min_group`` raises the filters' own minimum (the reporting minimum applies to HR admin's alerts too).

    A department's rows do not depend on which other departments the filters name (a publication cell lies
    within one department): the dashboard keeps the counts of every department and picks from them."""
    filters = replace(filters, min_group=max(int(filters.min_group), int(min_group)))
    themes = theme_keys(store_path)
    where, params = filters.where()
    keys = [key for key in ("department", "team") if any(key in s for s in sets)] + ["year"]
    cols = ", ".join(f"d.{key}" for key in keys)
    grouping = ", ".join("(" + ", ".join(f"d.{key}" for key in (*s, "year")) + ")" for s in sets)
    k = filters.min_group
    cells = f"LEFT JOIN ({suppress.cells_sql(k)}) c ON c.doc_id = d.doc_id " if k > 0 else ""
    team_cells = "bool_and(c.kind = 'team')" if k > 0 else "TRUE"
    whole = f"CASE WHEN GROUPING(d.team) = 1 THEN TRUE ELSE {team_cells} END" if "team" in keys else "TRUE"
    theme_cols = ", ".join(f'COUNT(*) FILTER (WHERE d."{t}" > 0) AS "{t}"' for t in themes)
    docs = f"WITH docs AS (SELECT d.doc_id FROM documents d WHERE {where} AND d.year > 0), "
    # per document: its sentences, positive and negative ones (``s``), summed per group below
    per_document = ("s AS (SELECT doc_id, COUNT(*) AS n, COUNT(*) FILTER (WHERE label = 'pos') AS pos, "
                    "COUNT(*) FILTER (WHERE label = 'neg') AS neg FROM sentences "
                    "WHERE doc_id IN (SELECT doc_id FROM docs) GROUP BY doc_id) ")
    main = (f"SELECT {cols}, COUNT(*) AS documents, COUNT(DISTINCT d.employee) AS employees, "
            "CAST(COALESCE(SUM(s.n), 0) AS BIGINT) AS sentences, CAST(COALESCE(SUM(s.pos), 0) AS BIGINT) AS pos, "
            f"CAST(COALESCE(SUM(s.neg), 0) AS BIGINT) AS neg, {theme_cols}, {whole} AS _whole "
            f"FROM {documents_relation(store_path)} d {cells}LEFT JOIN s ON s.doc_id = d.doc_id "
            f"WHERE d.doc_id IN (SELECT doc_id FROM docs) GROUP BY GROUPING SETS ({grouping}) ORDER BY {cols}")
    aggregate = None
    if aggregable(filters):
        # The filtered documents are whole grains and every group is a union of grains: the grain's sums
        # (agg_sentiment) go to one document of the grain and nothing to the others, so the group sums
        # are the same without reading the sentences.
        grain = ", ".join(AGGREGATE_GRAIN)
        on = " AND ".join(f"a.{k} IS NOT DISTINCT FROM f.{k}" for k in AGGREGATE_GRAIN)
        per_grain = (
            f"sg AS (SELECT {grain}, SUM(sentences) AS n, SUM(pos) AS pos, SUM(neg) AS neg FROM agg_sentiment "
            f"GROUP BY ALL), "
            f"f AS (SELECT d.doc_id, {', '.join(f'd.{k}' for k in AGGREGATE_GRAIN)} FROM documents d "
            f"WHERE d.doc_id IN (SELECT doc_id FROM docs) "
            f"QUALIFY row_number() OVER (PARTITION BY {grain} ORDER BY d.doc_id) = 1), "
            f"s AS (SELECT f.doc_id, a.n, a.pos, a.neg FROM f JOIN sg a ON {on}) ")
        aggregate = (docs + per_grain + main, params)
    frame = fetch(store_path, docs + per_document + main, params, aggregate)
    frame = suppress.suppress_rows(frame, tuple(keys), k)
    return frame[~frame["suppressed"]].drop(columns="suppressed").reset_index(drop=True)


def _name(department: str, team: str) -> str:
    return "·".join(p for p in (department or "（未填部门）", team) if p)


def tested_changes(before: dict, now: dict, themes: tuple[str, ...]) -> list[dict]:
    """One row per measure of one group: the counts of the two years, their shares, the change (now −
    before) and the test of the difference (``compare.proportion_test``)."""
    rows = []
    measures = [("情感", name, label, None, label, "sentences", "句") for name, label in SENTIMENT_MEASURES]
    measures += [("主题", f"“{t}”的提及文档占比", None, t, t, "documents", "篇") for t in themes]
    for kind, measure, label, theme, col, total, unit in measures:
        x0, n0, x1, n1 = int(before[col]), int(before[total]), int(now[col]), int(now[total])
        if not n0 or not n1:
            continue
        test = proportion_test(x1, n1, x0, n0)
        rows.append({"kind": kind, "measure": measure, "label": label, "theme": theme,
                     "previous_count": x0, "previous_total": n0, "count": x1, "total": n1,
                     "previous_share": x0 / n0, "share": x1 / n1, "change": x1 / n1 - x0 / n0,
                     "p_value": test.p_value, "method": test.method, "unit": unit})
    return rows


def adjust(tested: pd.DataFrame, alpha: float = ALPHA, min_shift: float = MIN_SHIFT) -> pd.DataFrame:
    """Benjamini–Hochberg adjusted p-values (``q_value``) over all the rows, and ``alert``: q < alpha and a
    change of at least ``min_shift``."""
    from scipy.stats import false_discovery_control

    out = tested.copy()
    if out.empty:
        return out.assign(q_value=pd.Series(dtype=float), alert=pd.Series(dtype=bool))
    p = out["p_value"].astype(float).fillna(1.0).clip(0.0, 1.0)
    out["q_value"] = false_discovery_control(p.to_numpy(), method="bh")
    out["alert"] = (out["q_value"] < alpha) & (out["change"].abs() >= min_shift - 1e-12)
    return out


def describe(row: dict) -> str:
    """The alert in one Chinese sentence, with the counts behind both shares."""
    unit = row.get("unit") or ("篇" if row["kind"] == "主题" else "句")
    of = "篇文档" if unit == "篇" else "句"
    verb = "升至" if row["change"] > 0 else "降至"
    test = "Fisher 精确检验" if row["method"] == "fisher" else "两比例 z 检验"
    return (f"{_name(row['department'], row['team'])}：{row['measure']}从 {row['previous_year']} 年的 "
            f"{_pct(row['previous_share'])}（{row['previous_count']}/{row['previous_total']} {of}）{verb} "
            f"{row['year']} 年的 {_pct(row['share'])}（{row['count']}/{row['total']} {of}），"
            f"{row['change'] * 100:+.0f} 个百分点（{test}，校正后 q = {row['q_value']:.3g}）")


def group_alerts(store_path: Path, filters: Filters = Filters(), min_group: int = 0,
                 alerts_only: bool = True) -> pd.DataFrame:
    """The group alerts of the filters' latest year against the year before (see the module), strongest
    evidence first; ``alerts_only=False`` returns every test with its q-value and ``alert`` flag."""
    counts = change_counts(store_path, filters, LEVEL_SETS, min_group)
    return alerts_from_counts(counts, theme_keys(store_path), alerts_only)


LEVEL_SETS = tuple(by for _, by in LEVELS)
"""The groupings the alerts test: departments, and teams within them (``change_counts``' ``sets``)."""


def alerts_from_counts(counts: pd.DataFrame, themes: tuple[str, ...], alerts_only: bool = True) -> pd.DataFrame:
    """``group_alerts`` from the counts of ``change_counts(…, LEVEL_SETS)`` (any subset of its departments:
    the dashboard picks the sidebar's departments from the counts of all of them)."""
    # the years of the filtered documents (every one is in a department row; with a minimum, every
    # department-year that feeds a figure is a whole cell of at least the minimum)
    years = sorted(counts.loc[counts["team"].isna(), "year"].astype(int).unique())
    if len(years) < 2:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    previous, latest = years[-2], years[-1]
    rows = []
    for level, by in LEVELS:
        teams = counts["team"].notna() & (counts["team"] != "")
        part = counts[counts["team"].isna()] if level == "部门" else counts[teams]
        table = {(tuple(r[k] for k in by), int(r["year"])): r for r in part.to_dict("records")}
        for (key, year), now in table.items():
            before = table.get((key, previous))
            if year != latest or before is None:
                continue
            group = dict(zip(by, key))
            for row in tested_changes(before, now, themes):
                rows.append({"level": level, "department": group["department"], "team": group.get("team", ""),
                             "previous_year": previous, "year": latest, **row})
    if not rows:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    out = adjust(pd.DataFrame(rows))
    out["summary"] = [describe(r) for r in out.to_dict("records")]
    if alerts_only:
        out = out[out["alert"]]
    out = out.assign(_size=-out["change"].abs()).sort_values(["q_value", "_size", "department", "team", "measure"])
    return out.drop(columns="_size")[GROUP_COLUMNS].reset_index(drop=True)


def _reasons(r) -> str:
    parts = []
    if r.short:
        parts.append(f"只有 {int(r.chars):,} 字，不足同年中位数 {r.median_chars:,.0f} 字的一半")
    if r.negative:
        parts.append(f"负面句占 {_pct(r.neg_share)}")
    if r.placeholder:
        parts.append(f"留有 {int(r.placeholders)} 处范文占位符")
    return "；".join(parts)


DOCUMENT_COLUMNS = ["doc_id", "employee", "department", "team", "year", "source_file", "chars", "neg_share",
                    "placeholders", "median_chars", "short", "negative", "placeholder", "reasons"]


def document_alerts(store_path: Path, filters: Filters = Filters(), limit: int | None = DOCUMENT_LIMIT) -> pd.DataFrame:
    """The unusual documents of the filters (see the module), with the median length of their year in the
    filters (``median_chars``), which rules they break (``short``, ``negative``, ``placeholder``) and why in
    Chinese (``reasons``): most reasons first, then newest. One SQL pass: no document is read into Python
    unless it is unusual."""
    where, params = filters.where()
    sql = (
        "WITH docs AS (SELECT d.doc_id, d.employee, d.department, d.team, d.year, d.source_file, d.chars, "
        f"d.neg_share, d.placeholders FROM documents d WHERE {where}), "
        "m AS (SELECT year, median(chars) AS median_chars FROM docs GROUP BY year), "
        "flagged AS (SELECT docs.*, CAST(m.median_chars AS DOUBLE) AS median_chars, "
        f"docs.chars < {SHORT_RATIO} * m.median_chars AS short, "
        f"COALESCE(docs.neg_share >= {NEGATIVE_DOC}, FALSE) AS negative, "
        f"COALESCE(docs.placeholders >= {int(PLACEHOLDER_DOC)}, FALSE) AS placeholder FROM docs JOIN m USING (year)) "
        "SELECT * FROM flagged WHERE short OR negative OR placeholder "
        "ORDER BY CAST(short AS INT) + CAST(negative AS INT) + CAST(placeholder AS INT) DESC, year DESC, "
        "department, employee, doc_id" + (f" LIMIT {int(limit)}" if limit is not None else "")
    )
    out = fetch(store_path, sql, params)
    out["reasons"] = [_reasons(r) for r in out.itertuples()] if len(out) else pd.Series(dtype=str)
    return out[DOCUMENT_COLUMNS]
