"""Words: distinctive terms per group, word-cloud frequencies, keyword in context and its counts,
and the words of one section (不足, 计划) with their sentences."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.access.scope import Filters
from analysis.query.sql import aggregable, fetch, grain_join, has_aggregates, safe_grouping
from analysis.store import snapshot


def keywords(store_path: Path, filters: Filters = Filters(), by: str = "department",
             top: int = 30, min_count: int = 3) -> pd.DataFrame:
    """Distinctive terms of each group against the rest of the filtered documents.

    Scores are weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi & Quinn
    2008): they rank terms a group uses more than the others, and their z-scores do not reward
    frequent terms merely for being frequent the way raw differences do. TF-IDF (term count × log of
    inverse document frequency within the filtered documents) is given beside them.
    """
    safe_grouping(filters, (by,))
    where, params = filters.where()
    # terms holds one row per (document, term), so COUNT(*) counts documents: far cheaper than
    # COUNT(DISTINCT doc_id) on 10,000 documents (0.3 s → 0.05 s)
    sql = (
        f"SELECT d.{by} AS grp, t.term, SUM(t.n) AS n, COUNT(*) AS docs "
        f"FROM documents d JOIN terms t ON t.doc_id = d.doc_id WHERE {where} GROUP BY 1, 2"
    )
    aggregate = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
        f"SELECT a.{by} AS grp, a.term, SUM(a.n) AS n, CAST(SUM(a.documents) AS BIGINT) AS docs "
        f"FROM agg_terms a {grain_join()} GROUP BY 1, 2", params
    ) if aggregable(filters, (by,)) else None
    # in (group, term) order, so that equal scores rank the same whichever table the counts came from
    counts = fetch(store_path, sql, params, aggregate).sort_values(["grp", "term"], ignore_index=True)
    if counts.empty:
        return pd.DataFrame(columns=["group", "term", "count", "documents", "tfidf", "log_odds_z"])
    with snapshot.read(store_path) as con:
        n_docs = con.execute(f"SELECT COUNT(*) FROM documents d WHERE {where}", params).fetchone()[0]
    return log_odds(counts, n_docs, top=top, min_count=min_count)


def log_odds(counts: pd.DataFrame, n_docs: int, top: int = 30, min_count: int = 3) -> pd.DataFrame:
    """Per group of ``counts`` (grp, term, n, docs): its terms ranked by the weighted log-odds z-score
    against all the other groups together, with their TF-IDF over ``n_docs`` documents.

    Every group at once, row by row (``counts`` in (group, term) order): a loop over groups looked up each
    group's terms in the corpus totals by index, 0.2 s of CPU for ten departments at 100,000 summaries. The
    arithmetic is the same per row, so are the figures; ties in a group keep (term) order."""
    if counts.empty:
        return pd.DataFrame(columns=["group", "term", "count", "documents", "tfidf", "log_odds_z"])
    alpha0 = 1000.0
    y_i = counts["n"].to_numpy()
    term_total = counts.groupby("term")["n"].transform("sum").to_numpy()  # integer counts: exact in any order
    all_n = counts["n"].sum()
    a = term_total / all_n * alpha0
    n_i = counts.groupby("grp")["n"].transform("sum").to_numpy()
    y_j = term_total - y_i
    n_j = all_n - n_i
    delta = np.log((y_i + a) / (n_i + alpha0 - y_i - a)) - np.log((y_j + a) / (n_j + alpha0 - y_j - a))
    z = delta / np.sqrt(1.0 / (y_i + a) + 1.0 / (y_j + a))
    idf = np.log(n_docs / counts.groupby("term")["docs"].transform("sum").to_numpy()) + 1.0
    frame = pd.DataFrame({
        "group": counts["grp"], "term": counts["term"], "count": y_i, "documents": counts["docs"].to_numpy(),
        "tfidf": pd.Series(y_i * idf).round(2).to_numpy(), "log_odds_z": pd.Series(z).round(3).to_numpy(),
    })
    # a group without a name (NULL) counts in the totals but is not ranked, as pandas' groupby leaves it out
    frame = frame[(frame["count"] >= min_count) & frame["group"].notna()].sort_values(
        ["group", "log_odds_z"], ascending=[True, False], kind="stable")
    frame = frame.groupby("group", sort=False).head(top).reset_index(drop=True)
    names = counts["grp"].dropna()
    if names.empty:  # no group to rank (as before: the counts' columns, no rows)
        return counts.iloc[0:0]
    # the group column typed as a column made of group names (a year is int64, as before), rows or none
    frame["group"] = pd.Series(frame["group"].tolist() if len(frame) else [], dtype=None if len(frame) else
                               pd.Series(names.iloc[:1].tolist()).dtype)
    return frame


def term_frequencies(store_path: Path, filters: Filters = Filters(), top: int = 200) -> pd.DataFrame:
    """The most frequent content words of the filtered documents (word cloud input)."""
    where, params = filters.where()
    sql = (f"SELECT t.term, SUM(t.n) AS count, COUNT(*) AS documents FROM documents d "
           f"JOIN terms t ON t.doc_id = d.doc_id WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(top)}")
    aggregate = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
        f"SELECT a.term, SUM(a.n) AS count, CAST(SUM(a.documents) AS BIGINT) AS documents "
        f"FROM agg_terms a {grain_join()} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {int(top)}", params
    ) if aggregable(filters) else None
    return fetch(store_path, sql, params, aggregate)


def _simplified_term(term: str) -> str:
    from analysis.read.normalize import to_simplified

    return to_simplified(term.strip())


def keyword_hits(store_path: Path, filters: Filters = Filters(), term: str = "", limit: int = 200,
                 width: int = 18, mask: bool = False) -> pd.DataFrame:
    """Keyword in context: sentences whose text contains ``term``, cut into left / match / right.

    A plain substring match on the simplified text (so 回款 also finds 回款率 and Traditional input),
    not a segmentation: it shows the term the way HR typed it, and needs no tokenizer at view time.
    With ``mask`` the sentences are masked (``analysis.access.mask``) before they are cut, so no fragment of a
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
    frame = fetch(store_path, sql, [*params, needle])
    if mask and not frame.empty:
        from analysis.access.mask import mask_text

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


def keyword_counts(store_path: Path, filters: Filters = Filters(), term: str = "", mask: bool = False) -> pd.DataFrame:
    """Per department and year: occurrences of ``term``, sentences and documents containing it, and
    the share of that group's documents that mention it (groups differ in size).

    With ``mask`` the counting runs on the masked sentences, as ``keyword_hits`` does: counts on the raw
    text beside masked hits told whether "13812" begins a masked phone number. A term that is itself
    personal data finds nothing."""
    cols = ["department", "year", "occurrences", "sentences", "documents", "group_documents", "document_share"]
    needle = _simplified_term(term)
    if not needle:
        return pd.DataFrame(columns=cols)
    if mask:
        return _masked_counts(store_path, filters, needle, cols)
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
    return fetch(store_path, sql, [*params, needle, needle, needle])


def _masked_counts(store_path: Path, filters: Filters, needle: str, cols: list[str]) -> pd.DataFrame:
    import re

    from analysis.access.mask import mask_text

    if mask_text(needle) != needle:
        return pd.DataFrame(columns=cols)
    where, params = filters.where()
    sentences = fetch(store_path, (
        f"SELECT d.department, d.year, s.doc_id, s.text_simplified FROM documents d "
        f"JOIN sentences s ON s.doc_id = d.doc_id WHERE {where} AND contains(s.text_simplified, ?)"
    ), [*params, needle])
    sentences["occurrences"] = sentences["text_simplified"].map(mask_text).str.count(re.escape(needle))
    sentences = sentences[sentences["occurrences"] > 0]
    if sentences.empty:
        return pd.DataFrame(columns=cols)
    hits = sentences.groupby(["department", "year"], as_index=False).agg(
        occurrences=("occurrences", "sum"), sentences=("doc_id", "size"), documents=("doc_id", "nunique"))
    sizes = fetch(store_path, f"SELECT department, year, COUNT(*) AS group_documents FROM documents d "
                              f"WHERE {where} GROUP BY 1, 2", params)
    out = hits.merge(sizes, on=["department", "year"])
    out["document_share"] = out["documents"] / out["group_documents"]
    return out[cols].sort_values(["department", "year"]).reset_index(drop=True)


def masked_search(store_path: Path, term: str) -> tuple[str, ...]:
    """The documents whose masked text contains ``term`` (the sidebar search for a masked reader).

    Searching the raw text told a masked reader, one digit at a time, how a hidden phone number goes
    on; searching the masked text cannot. A term that is itself personal data finds nothing."""
    from analysis.access.mask import mask_text

    raw = term.strip()
    needle = _simplified_term(raw)
    if not needle or mask_text(raw) != raw or mask_text(needle) != needle:
        return ()
    rows = fetch(store_path, "SELECT doc_id, text, text_simplified FROM sentences "
                             "WHERE contains(text_simplified, ?) OR contains(text, ?)", [needle, raw])
    keep = (rows["text_simplified"].map(mask_text).str.contains(needle, regex=False)
            | rows["text"].map(mask_text).str.contains(raw, regex=False))
    return tuple(sorted(set(rows.loc[keep, "doc_id"])))


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
    aggregate = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
        "SELECT a.term, CAST(SUM(a.documents) AS BIGINT) AS documents, "
        "CAST(SUM(a.documents) AS BIGINT) * 1.0 / (SELECT COUNT(*) FROM docs) AS document_share, "
        f"CAST(SUM(a.occurrences) AS BIGINT) AS sentences FROM agg_section_terms a {grain_join()} "
        f"WHERE a.section = ? AND NOT list_contains(?, a.term) GROUP BY 1 ORDER BY 2 DESC, 4 DESC, 1 "
        f"LIMIT {int(top)}", [*params, section, ignore]
    ) if aggregable(filters) else None
    return fetch(store_path, sql, [*params, section, ignore], aggregate)


def section_term_evidence(store_path: Path, filters: Filters = Filters(), section: str = "不足", term: str = "",
                          limit: int = 200) -> pd.DataFrame:
    """The sentences of one section that use a word (the evidence behind ``section_terms``): the first ``limit`` in
    the page's order (newest year, department, writer, position).

    For whole grains with current aggregates only the documents that can hold those sentences are read
    (``_located_evidence``); otherwise, or when that reading cannot vouch for its answer, the base tables."""
    from analysis.query.explore import first_sentences

    where, params = filters.where()
    sql = first_sentences(f"{where} AND s.section = ? AND list_contains(w.words, ?)", limit, section=True)
    with snapshot.read(store_path) as con:
        if aggregable(filters) and has_aggregates(con):
            frame = _located_evidence(con, where, params, section, term, limit)
            if frame is not None:
                return frame
        return con.execute(sql, [*params, section, term]).df()


STRETCHES = 16
"""Most stretches of rows one question reads (``_stretches``): a block's documents lie in a few runs of a table (the
build's workers write in turns), each read as one constant rowid range."""


def _stretches(ranges: list[tuple[int, int]], most: int = STRETCHES) -> list[tuple[int, int]]:
    """The rows of ``ranges`` (first and last rowid, inclusive) as at most ``most`` disjoint stretches: overlapping
    and adjacent ranges joined, then the runs cut at the ``most`` - 1 widest gaps between them (a row read twice
    would be counted twice)."""
    runs: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if runs and lo <= runs[-1][1] + 1:
            runs[-1][1] = max(runs[-1][1], hi)
        else:
            runs.append([lo, hi])
    cuts = sorted(sorted(range(1, len(runs)), key=lambda i: runs[i][0] - runs[i - 1][1], reverse=True)[:most - 1])
    return [(runs[a][0], runs[b - 1][1]) for a, b in zip([0, *cuts], [*cuts, len(runs)]) if runs]


def _rows_of(table: str, stretches: list[tuple[int, int]], columns: str) -> str:
    """A subquery of ``table``'s rows in ``stretches``, one scan per stretch: DuckDB skips the row groups outside a
    constant rowid range (a range of integer literals)."""
    if not stretches:
        return f"(SELECT {columns} FROM {table} WHERE false)"
    return "(" + " UNION ALL ".join(f"SELECT {columns} FROM {table} WHERE rowid BETWEEN {int(lo)} AND {int(hi)}"
                                    for lo, hi in stretches) + ")"


_EVIDENCE_ORDER = ("year DESC", "department", "employee", "idx", "doc_id")
"""``explore.first_sentences``' order: (year, department) blocks first, so the first sentences lie in the first
blocks that hold any."""


def _located_evidence(con, where: str, params: list, section: str, term: str, limit: int) -> pd.DataFrame | None:
    """``section_term_evidence`` without a scan of every stored word list (0.67 → 0.12 CPU s at 100,000 summaries).

    The page lists sentences newest year first, then by department: ``agg_section_terms`` counts, per grain, the
    section's sentences using the word, so the first (year, department) blocks of the filtered grains that hold
    ``limit`` of them hold the answer; ``agg_doc_rows`` says where their documents' rows lie in ``sentences`` and
    ``sentence_words``, and only those stretches are read. None when that cannot be vouched for — the rows found
    in the stretches are not as many as ``agg_doc_rows`` stored (rows moved since), or the blocks held fewer
    sentences than counted (a word stored twice in one sentence) — and the caller reads the base tables."""
    blocks = con.execute(
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}) SELECT a.year, a.department, SUM(a.occurrences) "
        f"FROM agg_section_terms a {grain_join()} WHERE a.section = ? AND a.term = ? GROUP BY ALL "
        "ORDER BY a.year DESC, a.department", [*params, section, term]).fetchall()
    chosen, counted = [], 0
    for year, department, n in blocks:
        if counted >= limit:
            break
        chosen.append((year, department))
        counted += n
    in_blocks = " OR ".join("(d.year IS NOT DISTINCT FROM ? AND d.department IS NOT DISTINCT FROM ?)"
                            for _ in chosen) or "false"
    docs = (f"SELECT d.doc_id, d.employee, d.department, d.team, d.year FROM documents d "
            f"WHERE {where} AND ({in_blocks})")
    docs_params = [*params, *(v for block in chosen for v in block)]
    located = con.execute(f"SELECT r.base, r.row_start, r.row_start + r.row_count - 1, r.row_count FROM ({docs}) d "
                          "JOIN agg_doc_rows r ON r.doc_id = d.doc_id", docs_params).fetchall()
    stretches = {t: _stretches([(lo, hi) for table, lo, hi, _ in located if table == t])
                 for t in ("sentences", "sentence_words")}
    s_rows = _rows_of("sentences", stretches["sentences"], "doc_id, idx, section, text, sentiment, label, themes")
    w_rows = _rows_of("sentence_words", stretches["sentence_words"], "doc_id, idx, words")
    found = con.execute(
        f"WITH docs AS ({docs}) SELECT (SELECT COUNT(*) FROM {s_rows} WHERE doc_id IN (SELECT doc_id FROM docs)), "
        f"(SELECT COUNT(*) FROM {w_rows} WHERE doc_id IN (SELECT doc_id FROM docs))", docs_params).fetchone()
    if found != tuple(sum(n for table, _, _, n in located if table == t) for t in ("sentences", "sentence_words")):
        return None
    order = ", ".join(_EVIDENCE_ORDER)
    frame = con.execute(
        f"WITH docs AS ({docs}), top AS (SELECT d.doc_id, d.employee, d.department, d.team, d.year, w.idx FROM docs d "
        f"JOIN {w_rows} w ON w.doc_id = d.doc_id JOIN {s_rows} s ON s.doc_id = w.doc_id AND s.idx = w.idx "
        f"WHERE s.section = ? AND list_contains(w.words, ?) ORDER BY {order} LIMIT {int(limit)}) "
        "SELECT t.doc_id, t.employee, t.department, t.team, t.year, t.idx, s.section, s.text, s.sentiment, "
        f"s.label, s.themes FROM top t JOIN {s_rows} s ON s.doc_id = t.doc_id AND s.idx = t.idx "
        f"ORDER BY t.{order.replace(', ', ', t.')}",
        [*docs_params, section, term]).df()
    if len(frame) < limit and len(chosen) < len(blocks):
        return None
    return frame
