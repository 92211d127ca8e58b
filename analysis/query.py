"""Read-side questions over the store: filtered documents, group aggregates, themes, keywords, evidence.

Both the dashboard and ``python -m analysis export`` call these, so a downloaded table is exactly the
table on screen. Every function takes the store path and a ``Filters`` value and returns a DataFrame;
SQL runs in DuckDB over a short-lived read-only connection (see ``store``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import store
from analysis.schema import DOCUMENT_COLUMNS, THEMES


@dataclass(frozen=True)
class Filters:
    """The dashboard's sidebar filters; empty means 'all'."""

    departments: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    roles: tuple[str, ...] = ()
    search: str = ""
    doc_ids: tuple[str, ...] = field(default=())

    def where(self, alias: str = "d") -> tuple[str, list]:
        """A SQL condition over the documents table and its parameters."""
        parts, params = ["TRUE"], []
        for col, values in (("department", self.departments), ("team", self.teams), ("role", self.roles),
                            ("doc_id", self.doc_ids)):
            if values:
                parts.append(f"{alias}.{col} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if self.years:
            parts.append(f"{alias}.year BETWEEN ? AND ?")
            params.extend(self.years)
        if self.search.strip():
            parts.append(
                f"EXISTS (SELECT 1 FROM sentences s WHERE s.doc_id = {alias}.doc_id "
                "AND (s.text_simplified LIKE ? OR s.text LIKE ?))"
            )
            like = f"%{self.search.strip()}%"
            from analysis.normalize import to_simplified

            params.extend([f"%{to_simplified(self.search.strip())}%", like])
        return " AND ".join(parts), params


def _frame(store_path: Path, sql: str, params: list) -> pd.DataFrame:
    with store.read(store_path) as con:
        return con.execute(sql, params).df()


def documents(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """The documents table (schema.DOCUMENT_COLUMNS) for the filters, newest year first."""
    where, params = filters.where()
    cols = ", ".join(f'd."{c}"' for c in DOCUMENT_COLUMNS)
    return _frame(store_path, f"SELECT {cols} FROM documents d WHERE {where} "
                  "ORDER BY d.year DESC, d.department, d.team, d.employee", params)


def options(store_path: Path) -> dict[str, list]:
    """Distinct values for the filter widgets."""
    with store.read(store_path) as con:
        out = {}
        for col in ("department", "team", "role", "year"):
            rows = con.execute(f"SELECT DISTINCT {col} FROM documents WHERE {col} IS NOT NULL ORDER BY 1").fetchall()
            out[col] = [r[0] for r in rows if r[0] not in ("", 0)]
        return out


GROUP_KEYS = ("department", "team", "year")


def groups(store_path: Path, filters: Filters = Filters(), by: tuple[str, ...] = GROUP_KEYS) -> pd.DataFrame:
    """Per group: documents, employees, characters, sentiment, and per theme the share of documents
    mentioning it (``<theme>_覆盖率``) and its rate per 1,000 characters (``<theme>_千字``)."""
    where, params = filters.where()
    keys = ", ".join(f"d.{k}" for k in by)
    theme_cols = ", ".join(
        f'AVG(CASE WHEN d."{t}" > 0 THEN 1.0 ELSE 0.0 END) AS "{t}_覆盖率", '
        f'1000.0 * SUM(d."{t}") / NULLIF(SUM(d.chars), 0) AS "{t}_千字"'
        for t in THEMES
    )
    sql = (
        f"SELECT {keys}, COUNT(*) AS documents, COUNT(DISTINCT d.employee) AS employees, "
        "SUM(d.chars) AS chars, AVG(d.sentiment_mean) AS sentiment_mean, AVG(d.pos_share) AS pos_share, "
        f"AVG(d.neg_share) AS neg_share, SUM(d.placeholders) AS placeholders, {theme_cols} "
        f"FROM documents d WHERE {where} GROUP BY {keys} ORDER BY {keys}"
    )
    return _frame(store_path, sql, params)


def theme_sections(store_path: Path, filters: Filters = Filters(),
                   by: tuple[str, ...] = ("department", "year")) -> pd.DataFrame:
    """Per group, section and theme: sentences carrying the theme and documents mentioning it."""
    where, params = filters.where()
    keys = ", ".join(f"d.{k}" for k in by)
    sql = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}), "
        "totals AS (SELECT " + ", ".join(by) + ", COUNT(*) AS group_documents FROM docs GROUP BY "
        + ", ".join(by) + ") "
        f"SELECT {keys}, s.section, t.theme, COUNT(*) AS sentences, COUNT(DISTINCT s.doc_id) AS documents, "
        "ANY_VALUE(tt.group_documents) AS group_documents, "
        "COUNT(DISTINCT s.doc_id) * 1.0 / ANY_VALUE(tt.group_documents) AS document_share "
        "FROM docs d JOIN sentences s ON s.doc_id = d.doc_id, UNNEST(s.themes) AS t(theme) "
        "JOIN totals tt ON " + " AND ".join(f"tt.{k} = d.{k}" for k in by) + " "
        f"GROUP BY {keys}, s.section, t.theme ORDER BY {keys}, s.section, t.theme"
    )
    return _frame(store_path, sql, params)


def evidence(store_path: Path, filters: Filters = Filters(), theme: str | None = None,
             section: str | None = None, label: str | None = None, order: str = "idx",
             limit: int = 200) -> pd.DataFrame:
    """The sentences behind a number, with the document they come from."""
    where, params = filters.where()
    cond = []
    if theme:
        cond.append("list_contains(s.themes, ?)")
        params.append(theme)
    if section:
        cond.append("s.section = ?")
        params.append(section)
    if label:
        cond.append("s.label = ?")
        params.append(label)
    extra = "".join(f" AND {c}" for c in cond)
    orders = {"idx": "d.year DESC, d.department, d.employee, s.idx", "pos": "s.sentiment DESC",
              "neg": "s.sentiment ASC"}
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, d.source_file, s.idx, s.section, "
        "s.text, s.sentiment, s.label, s.themes FROM documents d JOIN sentences s ON s.doc_id = d.doc_id "
        f"WHERE {where}{extra} ORDER BY {orders[order]} LIMIT {int(limit)}"
    )
    return _frame(store_path, sql, params)


def sentences_of(store_path: Path, doc_id: str) -> pd.DataFrame:
    return _frame(store_path, "SELECT * FROM sentences WHERE doc_id = ? ORDER BY idx", [doc_id])


def failures(store_path: Path) -> pd.DataFrame:
    return _frame(store_path, "SELECT source_file, reason FROM failures ORDER BY source_file", [])


def keywords(store_path: Path, filters: Filters = Filters(), by: str = "department",
             top: int = 30, min_count: int = 3) -> pd.DataFrame:
    """Distinctive terms of each group against the rest of the filtered documents.

    Scores are weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn
    2008): they rank terms a group uses more than the others, and their z-scores do not reward
    frequent terms merely for being frequent the way raw differences do. TF-IDF (term count × log of
    inverse document frequency within the filtered documents) is given beside them.
    """
    where, params = filters.where()
    sql = (
        f"SELECT d.{by} AS grp, t.term, SUM(t.n) AS n, COUNT(DISTINCT t.doc_id) AS docs "
        f"FROM documents d JOIN terms t ON t.doc_id = d.doc_id WHERE {where} GROUP BY 1, 2"
    )
    counts = _frame(store_path, sql, params)
    if counts.empty:
        return pd.DataFrame(columns=["group", "term", "count", "documents", "tfidf", "log_odds_z"])
    with store.read(store_path) as con:
        n_docs = con.execute(f"SELECT COUNT(*) FROM documents d WHERE {where}", params).fetchone()[0]
    term_total = counts.groupby("term")["n"].sum()
    term_docs = counts.groupby("term")["docs"].sum()
    alpha0 = 1000.0
    prior = term_total / term_total.sum() * alpha0
    out = []
    all_n = term_total.sum()
    for grp, g in counts.groupby("grp"):
        g = g.set_index("term")
        y_i = g["n"]
        n_i = y_i.sum()
        y_j = term_total.loc[y_i.index] - y_i
        n_j = all_n - n_i
        a = prior.loc[y_i.index]
        delta = (
            ((y_i + a) / (n_i + alpha0 - y_i - a)).map(math.log)
            - ((y_j + a) / (n_j + alpha0 - y_j - a)).map(math.log)
        )
        var = 1.0 / (y_i + a) + 1.0 / (y_j + a)
        z = delta / var.map(math.sqrt)
        idf = (n_docs / term_docs.loc[y_i.index]).map(lambda v: math.log(v) + 1.0)
        frame = pd.DataFrame({
            "group": grp, "term": y_i.index, "count": y_i.values, "documents": g["docs"].values,
            "tfidf": (y_i * idf).round(2).values, "log_odds_z": z.round(3).values,
        })
        frame = frame[frame["count"] >= min_count].sort_values("log_odds_z", ascending=False).head(top)
        out.append(frame)
    return pd.concat(out, ignore_index=True) if out else counts.iloc[0:0]


def term_frequencies(store_path: Path, filters: Filters = Filters(), top: int = 200) -> pd.DataFrame:
    """The most frequent content words of the filtered documents (word cloud input)."""
    where, params = filters.where()
    sql = (f"SELECT t.term, SUM(t.n) AS count, COUNT(DISTINCT t.doc_id) AS documents FROM documents d "
           f"JOIN terms t ON t.doc_id = d.doc_id WHERE {where} GROUP BY 1 ORDER BY 2 DESC LIMIT {int(top)}")
    return _frame(store_path, sql, params)
