"""Read-side questions over the store: filtered documents, group aggregates, themes, keywords, evidence.

Both the dashboard and ``python -m analysis export`` call these, so a downloaded table is exactly the
table on screen. Every function takes the store path and a ``Filters`` value and returns a DataFrame;
SQL runs in DuckDB over a short-lived read-only connection (see ``store``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import store, suppress
from analysis.schema import COPY_KINDS, DOCUMENT_COLUMNS, FOLLOW_STATUSES, SECTIONS, THEMES


@dataclass(frozen=True)
class Filters:
    """The dashboard's sidebar filters; empty means 'all'."""

    departments: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    roles: tuple[str, ...] = ()
    search: str = ""
    doc_ids: tuple[str, ...] = field(default=())
    allowed_departments: tuple[str, ...] | None = None
    """The reader's access scope (``ui/data.py`` sets it for every read): None is every department,
    an empty tuple is none."""
    min_group: int = 0
    """Above 0, figures come only from the publication cells wholly inside these filters, each of at
    least this many employees (``analysis.suppress``)."""

    def where(self, alias: str = "d") -> tuple[str, list]:
        """A SQL condition over the documents table and its parameters."""
        cond, params = self._conditions(alias)
        if self.min_group > 0:
            inner, inner_params = self._conditions("x")
            cond = f"{cond} AND {suppress.restrict(inner, self.min_group, alias)}"
            params = params + inner_params
        return cond, params

    def _conditions(self, alias: str) -> tuple[str, list]:
        parts, params = ["TRUE"], []
        for col, values in (("department", self.departments), ("team", self.teams), ("role", self.roles),
                            ("doc_id", self.doc_ids)):
            if values:
                parts.append(f"{alias}.{col} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if self.allowed_departments is not None:
            if not self.allowed_departments:
                parts.append("FALSE")
            else:
                parts.append(f"{alias}.department IN ({', '.join('?' * len(self.allowed_departments))})")
                params.extend(self.allowed_departments)
        if self.years:
            parts.append(f"{alias}.year BETWEEN ? AND ?")
            params.extend(self.years)
        if self.search.strip():
            parts.append(
                f"EXISTS (SELECT 1 FROM sentences s WHERE s.doc_id = {alias}.doc_id "
                "AND (contains(s.text_simplified, ?) OR contains(s.text, ?)))"
            )
            from analysis.normalize import to_simplified

            # contains(), not LIKE: a % or _ typed in the search box is a character, not a wildcard
            params.extend([to_simplified(self.search.strip()), self.search.strip()])
        return " AND ".join(parts), params


def _safe_grouping(filters: Filters, by: tuple[str, ...]) -> None:
    """Refuse a grouping that would cut publication cells where only whole cells may be shown (only
    ``groups`` knows how to blank such rows)."""
    if filters.min_group > 0 and set(by) - suppress.SAFE_KEYS:
        raise ValueError(f"在最小报告人数限制下不能按 {'、'.join(by)} 分组")


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
    mentioning it (``<theme>_覆盖率``) and its rate per 1,000 characters (``<theme>_千字``).

    With ``filters.min_group`` a group that is not a union of whole publication cells keeps its keys
    but loses its figures, and a ``suppressed`` column says so (``analysis.suppress``)."""
    where, params = filters.where()
    keys = ", ".join(f"d.{k}" for k in by)
    theme_cols = ", ".join(
        f'AVG(CASE WHEN d."{t}" > 0 THEN 1.0 ELSE 0.0 END) AS "{t}_覆盖率", '
        f'1000.0 * SUM(d."{t}") / NULLIF(SUM(d.chars), 0) AS "{t}_千字"'
        for t in THEMES
    )
    k = filters.min_group
    cells = f"LEFT JOIN ({suppress.cells_sql(k)}) c ON c.doc_id = d.doc_id " if k > 0 else ""
    whole = f", {suppress.whole_sql(by)} AS _whole" if k > 0 else ""
    sql = (
        f"SELECT {keys}, COUNT(*) AS documents, COUNT(DISTINCT d.employee) AS employees, "
        "SUM(d.chars) AS chars, AVG(d.sentiment_mean) AS sentiment_mean, AVG(d.pos_share) AS pos_share, "
        f"AVG(d.neg_share) AS neg_share, SUM(d.placeholders) AS placeholders, {theme_cols}{whole} "
        f"FROM documents d {cells}WHERE {where} GROUP BY {keys} ORDER BY {keys}"
    )
    frame = _frame(store_path, sql, params)
    return suppress.suppress_rows(frame, tuple(by), k) if k > 0 else frame


def theme_sections(store_path: Path, filters: Filters = Filters(),
                   by: tuple[str, ...] = ("department", "year")) -> pd.DataFrame:
    """Per group, section and theme: sentences carrying the theme and documents mentioning it."""
    _safe_grouping(filters, by)
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
    _safe_grouping(filters, (by,))
    where, params = filters.where()
    # terms holds one row per (document, term), so COUNT(*) counts documents: far cheaper than
    # COUNT(DISTINCT doc_id) on 10,000 documents (0.3 s → 0.05 s)
    sql = (
        f"SELECT d.{by} AS grp, t.term, SUM(t.n) AS n, COUNT(*) AS docs "
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
            np.log((y_i + a) / (n_i + alpha0 - y_i - a))
            - np.log((y_j + a) / (n_j + alpha0 - y_j - a))
        )
        var = 1.0 / (y_i + a) + 1.0 / (y_j + a)
        z = delta / np.sqrt(var)
        idf = np.log(n_docs / term_docs.loc[y_i.index]) + 1.0
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
    sql = (f"SELECT t.term, SUM(t.n) AS count, COUNT(*) AS documents FROM documents d "
           f"JOIN terms t ON t.doc_id = d.doc_id WHERE {where} GROUP BY 1 ORDER BY 2 DESC LIMIT {int(top)}")
    return _frame(store_path, sql, params)


# ---------------------------------------------------------------- dashboard figures (issue 3)
# Small read functions for the dashboard pages, so that a page only draws what these return and a
# test can compare the numbers on screen with the same function called directly.


def facets(store_path: Path) -> pd.DataFrame:
    """Distinct (department, team, role, year) with their document counts.

    The sidebar offers only the teams of the chosen departments; the flat lists of ``options`` cannot
    say which team belongs where.
    """
    return _frame(store_path, "SELECT department, team, role, year, COUNT(*) AS documents FROM documents "
                  "GROUP BY ALL ORDER BY department, team, role, year", [])


def store_info(store_path: Path) -> dict:
    """What the sidebar says about the data: when it was built, with which version, how many files."""
    with store.read(store_path) as con:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        docs = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        failed = con.execute("SELECT COUNT(*) FROM failures").fetchone()[0]
    return {"built_at": meta.get("built_at", ""), "analysis_version": meta.get("analysis_version", ""),
            "documents": int(docs), "failures": int(failed)}


def overview(store_path: Path, filters: Filters = Filters()) -> dict:
    """The headline figures of the filtered documents.

    Employees are counted as distinct (department, name) pairs: names repeat across a large company,
    and the per-department figures of ``groups`` count names within a department the same way.
    A document with template placeholders (20xx, xx地市, xxx万元) left in is a template flag.
    """
    where, params = filters.where()
    sql = (
        "SELECT COUNT(*), COUNT(DISTINCT CASE WHEN d.employee <> '' THEN d.department || '\x1f' || d.employee END), "
        "COUNT(DISTINCT NULLIF(d.department, '')), COUNT(DISTINCT NULLIF(d.team, '')), "
        "COUNT(DISTINCT NULLIF(d.year, 0)), MIN(NULLIF(d.year, 0)), MAX(NULLIF(d.year, 0)), "
        "COALESCE(SUM(d.chars), 0), COALESCE(SUM(d.sentences), 0), AVG(d.sentiment_mean), AVG(d.pos_share), "
        "AVG(d.neg_share), COUNT(*) FILTER (WHERE d.placeholders > 0) "
        f"FROM documents d WHERE {where}"
    )
    with store.read(store_path) as con:
        row = con.execute(sql, params).fetchone()
    names = ("documents", "employees", "departments", "teams", "years", "year_min", "year_max", "chars",
             "sentences", "sentiment_mean", "pos_share", "neg_share", "template_documents")
    out = dict(zip(names, row))
    for k in ("documents", "employees", "departments", "teams", "years", "chars", "sentences",
              "template_documents"):
        out[k] = int(out[k] or 0)
    out["template_share"] = out["template_documents"] / out["documents"] if out["documents"] else None
    return out


def theme_totals(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """Per theme over all filtered documents: sentences carrying it, documents mentioning it, their
    share, and sentences per 1,000 characters; the most widespread theme first."""
    where, params = filters.where()
    parts = [
        f"SELECT {i} AS pos, '{t}' AS theme, CAST(COALESCE(SUM(\"{t}\"), 0) AS BIGINT) AS sentences, "
        f"COUNT(*) FILTER (WHERE \"{t}\" > 0) AS documents FROM docs"
        for i, t in enumerate(THEMES)
    ]
    sql = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}), "
        "total AS (SELECT COUNT(*) AS n, SUM(chars) AS chars FROM docs) "
        "SELECT x.theme, x.sentences, x.documents, x.documents * 1.0 / NULLIF(total.n, 0) AS document_share, "
        "1000.0 * x.sentences / NULLIF(total.chars, 0) AS per_1000_chars "
        f"FROM ({' UNION ALL '.join(parts)}) x, total "
        "ORDER BY document_share DESC NULLS LAST, x.sentences DESC, x.pos"
    )
    return _frame(store_path, sql, params)


def year_changes(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """The latest year of the filtered documents against the year before it that has documents.

    One row per figure (documents, employees, mean sentiment, share of negative sentences, and each
    theme's share of documents), with ``previous``, ``latest`` and ``change``; empty when the filtered
    documents span fewer than two years.
    """
    per_year = groups(store_path, filters, by=("year",))
    per_year = per_year[per_year["year"] > 0].sort_values("year")
    cols = ["kind", "metric", "previous_year", "latest_year", "previous", "latest", "change"]
    if len(per_year) < 2:
        return pd.DataFrame(columns=cols)
    prev, last = per_year.iloc[-2], per_year.iloc[-1]
    figures = [("概况", "文档数", "documents"), ("概况", "员工数", "employees"),
               ("概况", "平均情感", "sentiment_mean"), ("概况", "负面句占比", "neg_share"),
               *(("主题覆盖率", t, f"{t}_覆盖率") for t in THEMES)]
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
    return _frame(store_path, sql, params)


def section_sentiment(store_path: Path, filters: Filters = Filters(), by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Sentence sentiment per section (and per ``by`` group): mean score and label shares.

    Read per section because self-criticism under 不足 is expected in a year-end summary and must not
    be mistaken for discontent.
    """
    _safe_grouping(filters, by)
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
    frame = _frame(store_path, sql, params)
    order = {sec: i for i, sec in enumerate(SECTIONS)}
    frame["_order"] = frame["section"].map(order)
    return frame.sort_values([*by, "_order"]).drop(columns="_order").reset_index(drop=True)


def _simplified_term(term: str) -> str:
    from analysis.normalize import to_simplified

    return to_simplified(term.strip())


def keyword_hits(store_path: Path, filters: Filters = Filters(), term: str = "", limit: int = 200,
                 width: int = 18, mask: bool = False) -> pd.DataFrame:
    """Keyword in context: sentences whose text contains ``term``, cut into left / match / right.

    A plain substring match on the simplified text (so 回款 also finds 回款率 and Traditional input),
    not a segmentation: it shows the term the way HR typed it, and needs no tokenizer at view time.
    With ``mask`` the sentences are masked (``analysis.mask``) before they are cut, so no fragment of a
    phone number survives at the edge of the context, and a term found only inside masked data is
    not found at all.
    """
    cols = ["doc_id", "employee", "department", "team", "year", "idx", "section", "left", "match", "right",
            "text", "sentiment", "label"]
    needle = _simplified_term(term)
    if not needle:
        return pd.DataFrame(columns=cols)
    where, params = filters.where()
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, s.idx, s.section, s.text, "
        "s.text_simplified, s.sentiment, s.label FROM documents d JOIN sentences s ON s.doc_id = d.doc_id "
        f"WHERE {where} AND contains(s.text_simplified, ?) "
        f"ORDER BY d.year DESC, d.department, d.employee, s.idx LIMIT {int(limit)}"
    )
    frame = _frame(store_path, sql, [*params, needle])
    if mask and not frame.empty:
        from analysis.mask import mask_text

        frame["text"] = frame["text"].map(mask_text)
        frame["text_simplified"] = frame["text_simplified"].map(mask_text)
        frame = frame[frame["text_simplified"].str.contains(needle, regex=False)].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=cols)

    def cut(row) -> tuple[str, str, str]:
        # OpenCC keeps lengths, so the offset in the simplified text is the offset in the original
        shown = row["text"] if len(row["text"]) == len(row["text_simplified"]) else row["text_simplified"]
        pos = row["text_simplified"].find(needle)
        end = pos + len(needle)
        left = shown[max(0, pos - width):pos]
        right = shown[end:end + width]
        return ("…" if pos > width else "") + left, shown[pos:end], right + ("…" if len(shown) > end + width else "")

    frame[["left", "match", "right"]] = pd.DataFrame(frame.apply(cut, axis=1).tolist(), index=frame.index)
    return frame[cols]


def keyword_counts(store_path: Path, filters: Filters = Filters(), term: str = "") -> pd.DataFrame:
    """Per department and year: occurrences of ``term``, sentences and documents containing it, and
    the share of that group's documents that mention it (groups differ in size)."""
    cols = ["department", "year", "occurrences", "sentences", "documents", "group_documents", "document_share"]
    needle = _simplified_term(term)
    if not needle:
        return pd.DataFrame(columns=cols)
    where, params = filters.where()
    sql = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}), "
        "sizes AS (SELECT department, year, COUNT(*) AS group_documents FROM docs GROUP BY 1, 2), "
        "hits AS (SELECT d.department, d.year, "
        "CAST(SUM((length(s.text_simplified) - length(replace(s.text_simplified, ?, ''))) // length(?)) AS BIGINT) "
        "AS occurrences, "
        "COUNT(*) AS sentences, COUNT(DISTINCT s.doc_id) AS documents "
        "FROM docs d JOIN sentences s ON s.doc_id = d.doc_id WHERE contains(s.text_simplified, ?) GROUP BY 1, 2) "
        "SELECT h.department, h.year, h.occurrences, h.sentences, h.documents, z.group_documents, "
        "h.documents * 1.0 / z.group_documents AS document_share "
        "FROM hits h JOIN sizes z USING (department, year) ORDER BY h.department, h.year"
    )
    return _frame(store_path, sql, [*params, needle, needle, needle])


# ---------------------------------------------------------------- 语料管理 (issue 4)

def managed_documents(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """The filtered documents with where each came from (上传 or the corpus folder) and when HR last
    changed it, for the page that re-tags and removes documents."""
    where, params = filters.where()
    with store.read(store_path) as con:
        has = con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'managed'").fetchall()[0][0]
        joined = ("LEFT JOIN managed m ON m.doc_id = d.doc_id AND NOT m.removed" if has
                  else "LEFT JOIN (SELECT NULL AS doc_id, NULL AS origin, NULL AS updated_at) m ON FALSE")
        sql = (
            "SELECT d.doc_id, d.employee, d.department, d.team, d.role, d.year, d.source_file, d.chars, "
            "COALESCE(m.origin, 'folder') AS origin, COALESCE(m.updated_at, '') AS updated_at "
            f"FROM documents d {joined} WHERE {where} "
            "ORDER BY d.year DESC, d.department, d.team, d.employee, d.source_file"
        )
        return con.execute(sql, params).df()


# ---------------------------------------------------------------- originality and follow-through (issue 5)
# Copies, template placeholders, concreteness, section-aware reading and plan follow-through. The
# figures are computed at build time (analysis/passes.py); these functions read them, and compute the
# side-by-side passages and concreteness reasons for the one document on screen.

_COPIED = "d.copy_kind <> ''"


def originality(store_path: Path, filters: Filters = Filters(), by: tuple[str, ...] = ("department",)) -> pd.DataFrame:
    """Per group: documents, copied documents and their share (and by kind), documents with template
    placeholders and their share, mean concreteness and the plan follow-through rate."""
    where, params = filters.where()
    keys = ", ".join(f"d.{k}" for k in by)
    kinds = ", ".join(f"COUNT(*) FILTER (WHERE d.copy_kind = '{k}') AS \"copied_{k}\"" for k in COPY_KINDS)
    sql = (
        f"SELECT {keys}, COUNT(*) AS documents, COUNT(*) FILTER (WHERE {_COPIED}) AS copied, "
        f"AVG(CASE WHEN {_COPIED} THEN 1.0 ELSE 0.0 END) AS copied_share, {kinds}, "
        "COUNT(*) FILTER (WHERE d.placeholders > 0) AS placeholder_documents, "
        "AVG(CASE WHEN d.placeholders > 0 THEN 1.0 ELSE 0.0 END) AS placeholder_share, "
        "AVG(d.concreteness) AS concreteness_mean "
        f"FROM documents d WHERE {where} GROUP BY {keys} ORDER BY {keys}"
    )
    return _frame(store_path, sql, params)


def copied_documents(store_path: Path, filters: Filters = Filters(), kind: str | None = None,
                     include_near: bool = False) -> pd.DataFrame:
    """Documents flagged as copies (or, with ``include_near``, every document with a closest match),
    with their source: the other document's writer, year and file, or the template's name."""
    where, params = filters.where()
    cond = "d.copy_of <> ''" if include_near else _COPIED
    if kind:
        cond += " AND d.copy_kind = ?"
        params = [*params, kind]
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, d.source_file, d.copy_kind, "
        "d.copy_similarity, d.copy_of, d.placeholders, d.concreteness, "
        "COALESCE(s.employee, '') AS source_employee, COALESCE(s.department, '') AS source_department, "
        "s.year AS source_year, COALESCE(s.source_file, '') AS source_file_of_copy, "
        "CASE WHEN s.doc_id IS NULL THEN d.copy_of ELSE '' END AS source_template "
        "FROM documents d LEFT JOIN documents s ON s.doc_id = d.copy_of "
        f"WHERE {where} AND {cond} ORDER BY d.copy_similarity DESC, d.year DESC, d.department, d.employee"
    )
    return _frame(store_path, sql, params)


def copy_passages(store_path: Path, doc_id: str) -> pd.DataFrame:
    """The document beside its closest source, sentence by sentence: every sentence of the document
    that reappears in the source, with the source's sentence and their similarity (1.0 = the same
    apart from figures)."""
    cols = ["idx", "text", "source_idx", "source_text", "ratio"]
    with store.read(store_path) as con:
        row = con.execute("SELECT copy_of FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
        if not row or not row[0]:
            return pd.DataFrame(columns=cols)
        mine = con.execute("SELECT idx, text, text_simplified FROM sentences WHERE doc_id = ? ORDER BY idx",
                           [doc_id]).fetchall()
        theirs = con.execute("SELECT idx, text, text_simplified FROM sentences WHERE doc_id = ? ORDER BY idx",
                             [row[0]]).fetchall()
        if not theirs:
            template = con.execute("SELECT text FROM templates WHERE name = ?", [row[0]]).fetchone()
            if template is None:
                return pd.DataFrame(columns=cols)
            from analysis.copies import template_lines

            theirs = [(i, line, line) for i, line in enumerate(template_lines(template[0]))]
    from analysis.copies import aligned_sentences

    pairs = aligned_sentences([m[2] for m in mine], [t[2] for t in theirs])
    return pd.DataFrame([{"idx": mine[i][0], "text": mine[i][1], "source_idx": theirs[j][0],
                          "source_text": theirs[j][1], "ratio": r} for i, j, r in pairs], columns=cols)


def template_library(store_path: Path) -> pd.DataFrame:
    from analysis.library import templates

    return templates(store_path)


def placeholder_sentences(store_path: Path, filters: Filters = Filters(), limit: int = 500) -> pd.DataFrame:
    """Sentences with template placeholders left in (20xx, xx地市, xxx万元, **月份), with the placeholders."""
    from analysis.normalize import find_placeholders

    where, params = filters.where()
    # DuckDB's RE2 has no look-behind, so the placeholder pattern runs here, over the (few) sentences
    # of documents the pipeline already counted placeholders in
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.year, s.idx, s.section, s.text, s.text_simplified "
        "FROM documents d JOIN sentences s ON s.doc_id = d.doc_id "
        f"WHERE {where} AND d.placeholders > 0 ORDER BY d.year DESC, d.department, d.employee, s.idx"
    )
    frame = _frame(store_path, sql, params)
    frame["placeholders"] = frame["text_simplified"].map(lambda t: "、".join(find_placeholders(t)))
    frame = frame[frame["placeholders"] != ""].head(int(limit))
    return frame.drop(columns="text_simplified").reset_index(drop=True)


def concreteness_reasons(store_path: Path, doc_id: str) -> tuple[dict, pd.DataFrame]:
    """The document's concreteness score, its counts, and one row per reason (sentence, kind, words)."""
    from analysis.concreteness import explain

    rows = _frame(store_path, "SELECT idx, text, text_simplified FROM sentences WHERE doc_id = ? ORDER BY idx",
                  [doc_id])
    result = explain(zip(rows["idx"], rows["text_simplified"]))
    original = dict(zip(rows["idx"], rows["text"]))
    reasons = pd.DataFrame(result.reasons, columns=["idx", "text", "kind", "words", "verdict"])
    reasons["text"] = reasons["idx"].map(original)
    summary = {"score": result.score, "body": result.body, "concrete": result.concrete,
               "generic_only": result.generic_only}
    return summary, reasons


def section_terms(store_path: Path, filters: Filters = Filters(), section: str = "不足", top: int = 20) -> pd.DataFrame:
    """The words people use most in one section (不足: what they list as shortcomings; 计划: as plans):
    documents using the word there, their share of the filtered documents, and occurrences."""
    import tomllib

    from analysis.paths import data_path

    genre = tomllib.loads(data_path("genre.toml").read_text(encoding="utf-8"))
    ignore = sorted({*genre["sections"]["ignore"], *genre["follow_through"]["plan_words"]})
    where, params = filters.where()
    sql = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
        "SELECT t.term, COUNT(DISTINCT s.doc_id) AS documents, "
        "COUNT(DISTINCT s.doc_id) * 1.0 / (SELECT COUNT(*) FROM docs) AS document_share, COUNT(*) AS sentences "
        "FROM docs d JOIN sentences s ON s.doc_id = d.doc_id "
        "JOIN sentence_words w ON w.doc_id = s.doc_id AND w.idx = s.idx, UNNEST(w.words) AS t(term) "
        f"WHERE s.section = ? AND NOT list_contains(?, t.term) GROUP BY 1 ORDER BY 2 DESC, 4 DESC, 1 "
        f"LIMIT {int(top)}"
    )
    return _frame(store_path, sql, [*params, section, ignore])


def section_term_evidence(store_path: Path, filters: Filters = Filters(), section: str = "不足", term: str = "",
                          limit: int = 200) -> pd.DataFrame:
    """The sentences of one section that use a word (the evidence behind ``section_terms``)."""
    where, params = filters.where()
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, s.idx, s.section, s.text, s.sentiment, "
        "s.label, s.themes FROM documents d JOIN sentences s ON s.doc_id = d.doc_id "
        "JOIN sentence_words w ON w.doc_id = s.doc_id AND w.idx = s.idx "
        f"WHERE {where} AND s.section = ? AND list_contains(w.words, ?) "
        f"ORDER BY d.year DESC, d.department, d.employee, s.idx LIMIT {int(limit)}"
    )
    return _frame(store_path, sql, [*params, section, term])


def follow_rates(store_path: Path, filters: Filters = Filters(), by: tuple[str, ...] = ("department",)) -> pd.DataFrame:
    """Per group of plan documents (year N): plans with targets, carried out, partly, not, and the
    follow-through rate (落实 + ½ 部分落实) / plans."""
    where, params = filters.where()
    keys = ", ".join(f"d.{k}" for k in by)
    counts = ", ".join(f"COUNT(*) FILTER (WHERE f.status = '{s}') AS \"{s}\"" for s in FOLLOW_STATUSES)
    sql = (
        f"SELECT {keys}, COUNT(DISTINCT f.doc_id) AS documents, COUNT(*) AS plans, {counts}, "
        "(COUNT(*) FILTER (WHERE f.status = '落实') + 0.5 * COUNT(*) FILTER (WHERE f.status = '部分落实')) "
        "/ COUNT(*) AS rate "
        f"FROM documents d JOIN follow_through f ON f.doc_id = d.doc_id WHERE {where} "
        f"GROUP BY {keys} ORDER BY {keys}"
    )
    return _frame(store_path, sql, params)


def follow_pairs(store_path: Path, filters: Filters = Filters(), status: str | None = None,
                 department: str | None = None, limit: int = 500) -> pd.DataFrame:
    """Plan sentences of year N beside the sentence of year N+1 that reports them (the evidence)."""
    where, params = filters.where()
    extra = ""
    if status:
        extra += " AND f.status = ?"
        params = [*params, status]
    if department:
        extra += " AND d.department = ?"
        params = [*params, department]
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, f.idx, p.text AS plan_text, p.themes, "
        "f.status, f.score, f.targets, f.shared, f.next_doc_id, n.year AS next_year, f.evidence_idx, "
        "e.text AS evidence_text, e.section AS evidence_section "
        "FROM documents d JOIN follow_through f ON f.doc_id = d.doc_id "
        "JOIN sentences p ON p.doc_id = f.doc_id AND p.idx = f.idx "
        "JOIN documents n ON n.doc_id = f.next_doc_id "
        "LEFT JOIN sentences e ON e.doc_id = f.next_doc_id AND e.idx = f.evidence_idx "
        f"WHERE {where}{extra} ORDER BY d.year DESC, d.department, d.employee, f.idx LIMIT {int(limit)}"
    )
    return _frame(store_path, sql, params)
