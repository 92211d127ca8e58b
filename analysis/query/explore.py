"""The 探索 page's questions (issue 15): the co-occurrence network, the correspondence map, collocates and
trends of a word, the topics found in the corpus, and the sentences behind each of them.

Every question takes a ``Filters`` and puts ``filters.where()`` into its SQL, so department scope and the
minimum reporting group hold here as everywhere. The figures are computed by ``analysis.insight.explore``
from the content words the build stored per sentence (``sentence_words``); no tokenizer is loaded.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from analysis.access.scope import Filters
from analysis.insight import explore
from analysis.query.rows import in_runs, located, rows_of, runs
from analysis.query.sql import aggregable, fetch, grain_join, has_aggregates, safe_grouping
from analysis.store import snapshot

CA_GROUPS = ("department", "year", "team", "section")
"""What the correspondence map may set words against (section is a sentence's, the others a document's)."""


def cooccurrence(store_path: Path, filters: Filters = Filters(), min_freq: int = 5, top_edges: int = 60,
                 threshold: float | None = None, highlight: str = "", max_words: int = 150) -> pd.DataFrame:
    """The edge list of the co-occurrence network (``analysis.insight.explore.network``) of the filtered
    sentences. With ``highlight`` (a department), every word's over-representation there (``source_lift``,
    ``target_lift``). The network of every document with the default settings was computed by the build
    (``network_edges``) and is read as it is."""
    where, params = filters.where()
    default = (filters == Filters() and (min_freq, top_edges, threshold, highlight, max_words)
               == explore.DEFAULT_NETWORK)
    with snapshot.read(store_path) as con:
        if default and con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'network_edges'"
                                   ).fetchall()[0][0]:
            stored = con.execute("SELECT * FROM network_edges ORDER BY rank").df().drop(columns="rank")
            if not stored.empty:
                return stored
        if aggregable(filters) and has_aggregates(con):
            edges = _network_from_aggregates(con, where, params, min_freq, top_edges, threshold, highlight, max_words)
            if edges is not None:
                return edges
        return explore.network(con, where, params, min_freq, top_edges, threshold, highlight, max_words)


def _network_from_aggregates(con, where: str, params: list, min_freq: int, top_edges: int, threshold: float | None,
                             highlight: str, max_words: int) -> pd.DataFrame | None:
    """``explore.network`` of whole grains from the build's sums (``agg_terms``, ``agg_word_sentences``,
    ``agg_network_pairs``): the same vocabulary (the same word sums, ranked the same way), the same sentence counts
    of each word and pair, hence the same edges, communities and lifts. None when a word of the vocabulary is not
    among the candidate words (``agg_network_words``) of a selected grain's year that uses it: its pairs there were
    not summed."""
    docs = f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
    vocab = sorted(r[0] for r in con.execute(
        docs + f"SELECT a.term FROM agg_terms a {grain_join()} GROUP BY 1 HAVING SUM(a.n) >= ? "
        f"ORDER BY SUM(a.n) DESC, a.term LIMIT {int(max_words)}", [*params, int(min_freq)]).fetchall())
    if len(vocab) < 2:
        return explore.edges_from_pairs(np.array([]), np.array([]), [])
    con.register("_vocab", pa.table({"word": vocab, "code": list(range(len(vocab)))}))
    try:
        # a word's pairs in a grain are summed if it is a candidate of the grain's year; if it is not, they are
        # all 0 only when the word is not used there
        missing = con.execute(
            docs + f"SELECT COUNT(*) FROM agg_word_sentences a {grain_join()} JOIN _vocab v ON v.word = a.word "
            "WHERE NOT EXISTS (SELECT 1 FROM agg_network_words n WHERE n.year IS NOT DISTINCT FROM a.year "
            "AND n.word = a.word)", params).fetchall()[0][0]
        if missing:
            return None
        words = con.execute(
            docs + "SELECT v.code, CAST(SUM(a.sentences) AS BIGINT) AS f, "
            "CAST(COALESCE(SUM(a.sentences) FILTER (WHERE a.department = ?), 0) AS BIGINT) AS mine "
            f"FROM agg_word_sentences a {grain_join()} JOIN _vocab v ON v.word = a.word GROUP BY 1",
            [*params, highlight]).fetchnumpy()
        pairs = con.execute(
            docs + "SELECT s.code AS a, t.code AS b, SUM(p.sentences) AS c "
            f"FROM agg_network_pairs p {grain_join('p')} JOIN _vocab s ON s.word = p.source "
            "JOIN _vocab t ON t.word = p.target GROUP BY 1, 2 HAVING SUM(p.sentences) > 0", params).fetchnumpy()
    finally:
        con.unregister("_vocab")
    f = np.zeros(len(vocab))
    f[np.asarray(words["code"], dtype=np.int64)] = np.asarray(words["f"], dtype=float)
    if not f.any():  # no sentence of the filtered documents holds a word of the vocabulary
        return explore.edges_from_pairs(np.array([]), np.array([]), [])
    edges = explore.edges_from_counts(np.asarray(pairs["a"], dtype=np.int64), np.asarray(pairs["b"], dtype=np.int64),
                                      np.asarray(pairs["c"], dtype=float), f, vocab, top_edges, threshold)
    if highlight and not edges.empty:
        n, n_mine = con.execute(
            docs + "SELECT CAST(SUM(a.sentences) AS BIGINT), "
            "CAST(COALESCE(SUM(a.sentences) FILTER (WHERE a.department = ?), 0) AS BIGINT) "
            f"FROM agg_word_sentences a {grain_join()} WHERE a.word = ''", [*params, highlight]).fetchall()[0]
        mine = np.zeros(len(vocab))
        mine[np.asarray(words["code"], dtype=np.int64)] = np.asarray(words["mine"], dtype=float)
        value = explore.lift(pd.Series(mine, index=vocab), pd.Series(f, index=vocab), int(n_mine), int(n or 0)).round(3)
        edges["source_lift"] = edges["source"].map(value)
        edges["target_lift"] = edges["target"].map(value)
    return edges


def correspondence(store_path: Path, filters: Filters = Filters(), by: str = "department", top: int = 60,
                   min_count: int = 5) -> pd.DataFrame:
    """Words × groups correspondence map: one row per word and per group, with its principal
    coordinates (x, y), mass and count; ``kind`` says which. The words are the ``top`` whose spread over
    the groups departs most from the groups' sizes (chi-square), among those used ``min_count`` times.
    The share of inertia of each axis is in ``inertia_x`` and ``inertia_y``."""
    cols = ["kind", "label", "x", "y", "mass", "count", "inertia_x", "inertia_y"]
    if by not in CA_GROUPS:
        raise ValueError(f"不能按 {by} 做对应分析（可选：{'、'.join(CA_GROUPS)}）")
    if by != "section":
        safe_grouping(filters, (by,))
    where, params = filters.where()
    if by == "section":  # a sentence's: count the stored words of each section's sentences
        sql = ("SELECT s.section AS grp, t.w AS word, COUNT(*) AS n FROM documents d "
               "JOIN sentence_words w ON w.doc_id = d.doc_id "
               "JOIN sentences s ON s.doc_id = w.doc_id AND s.idx = w.idx, UNNEST(w.words) AS t(w) "
               f"WHERE {where} GROUP BY 1, 2")
    else:  # a document's: the per-document term counts are enough, and far cheaper
        group = f"CAST(d.{by} AS VARCHAR)"
        sql = (f"SELECT {group} AS grp, t.term AS word, SUM(t.n) AS n FROM documents d "
               f"JOIN terms t ON t.doc_id = d.doc_id WHERE {where} AND {group} <> '' AND {group} <> '0' "
               "GROUP BY 1, 2")
    long = fetch(store_path, sql, params)
    if long.empty:
        return pd.DataFrame(columns=cols)
    counts = long.pivot_table(index="word", columns="grp", values="n", aggfunc="sum", fill_value=0)
    counts = counts[counts.sum(axis=1) >= min_count]
    if counts.shape[0] < 3 or counts.shape[1] < 3:
        return pd.DataFrame(columns=cols)  # two groups give one axis only; the page says so
    chosen = explore.chi_square_words(counts, top)
    ca = explore.correspondence(chosen)
    words = ca.rows.assign(kind="word", count=chosen.sum(axis=1).reindex(ca.rows["label"]).to_numpy())
    groups = ca.columns.assign(kind="group", count=chosen.sum(axis=0).reindex(ca.columns["label"]).to_numpy())
    out = pd.concat([groups, words], ignore_index=True)
    out["inertia_x"], out["inertia_y"] = ca.inertia
    return out[cols]


def word_sentences(store_path: Path, filters: Filters = Filters(), word: str = "", other: str = "",
                   limit: int = 200) -> pd.DataFrame:
    """The sentences whose content words include ``word`` (and ``other``, for an edge of the network)."""
    where, params = filters.where()
    cond, extra = "list_contains(w.words, ?)", [word]
    if other:
        cond += " AND list_contains(w.words, ?)"
        extra.append(other)
    if word and not other and aggregable(filters):
        with snapshot.read(store_path) as con:
            if located(con):
                return con.execute(_first_sentences_located(where, limit), [*params, word, word]).df()
    return fetch(store_path, first_sentences(f"{where} AND {cond}", limit), [*params, *extra])


def _first_sentences_located(where: str, limit: int) -> str:
    """``first_sentences`` of one word (parameters: ``where``'s, then the word twice) over whole grains, reading only
    the department-years that hold them and only those documents' rows (``analysis.query.rows``).

    The list is ordered by year (newest first), then department: its first ``limit`` sentences lie in the first
    department-years whose sentences with the word (``agg_word_sentences``, summed over the selected grains) reach
    ``limit``. Those department-years' documents are all read, so the order within them is the base tables'."""
    order = "year DESC, department, employee, idx, doc_id"
    picked = rows_of("chosen", "sentence_words", "d.doc_id, d.employee, d.department, d.team, d.year, r.idx, r.words")
    texts = rows_of("(SELECT DISTINCT doc_id FROM top)", "sentences",
                    "r.doc_id, r.idx, r.section, r.text, r.sentiment, r.label, r.themes")
    return (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}), "
        f"dy AS (SELECT a.year, a.department, SUM(a.sentences) AS n FROM agg_word_sentences a {grain_join()} "
        "WHERE a.word = ? GROUP BY 1, 2), "
        "pick AS (SELECT year, department FROM (SELECT year, department, SUM(n) OVER (ORDER BY year DESC, department "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM dy) "
        f"WHERE COALESCE(before, 0) < {int(limit)}), "
        "chosen AS (SELECT x.doc_id, x.employee, x.department, x.team, x.year FROM docs x JOIN pick p "
        "ON x.year IS NOT DISTINCT FROM p.year AND x.department IS NOT DISTINCT FROM p.department), "
        f"top AS (SELECT doc_id, employee, department, team, year, idx FROM ({picked}) "
        f"WHERE list_contains(words, ?) ORDER BY {order} LIMIT {int(limit)}) "
        "SELECT t.doc_id, t.employee, t.department, t.team, t.year, t.idx, s.section, s.text, s.sentiment, "
        f"s.label, s.themes FROM top t JOIN ({texts}) s ON s.doc_id = t.doc_id AND s.idx = t.idx "
        f"ORDER BY t.{order.replace(', ', ', t.')}")


def first_sentences(where: str, limit: int, section: bool = False) -> str:
    """The first ``limit`` sentences (newest year, department, writer, position) whose documents ``d`` and stored
    words ``w`` meet ``where`` (with ``section``, ``where`` may name the sentence's section ``s.section``), with
    their text.

    The rows are picked from the documents and word lists alone and only those sentences are read: joining every
    matching sentence's text first and then keeping 100 of them read a large share of the sentences table
    (1.26 → 0.60 CPU s for a common word at 100,000 summaries)."""
    order = "year DESC, department, employee, idx, doc_id"  # doc_id: one writer's two documents of a year, in one order
    if section:  # the sentence's section decides which rows qualify: join it first (two narrow columns)
        picked = (f"SELECT d.doc_id, d.employee, d.department, d.team, d.year, w.idx FROM documents d "
                  "JOIN sentence_words w ON w.doc_id = d.doc_id "
                  "JOIN (SELECT doc_id, idx, section FROM sentences) s ON s.doc_id = w.doc_id AND s.idx = w.idx "
                  f"WHERE {where} ORDER BY {order} LIMIT {int(limit)}")
    else:
        picked = (f"SELECT d.doc_id, d.employee, d.department, d.team, d.year, w.idx FROM documents d "
                  f"JOIN sentence_words w ON w.doc_id = d.doc_id WHERE {where} ORDER BY {order} LIMIT {int(limit)}")
    return (f"WITH top AS ({picked}) "
            "SELECT t.doc_id, t.employee, t.department, t.team, t.year, t.idx, s.section, s.text, s.sentiment, "
            "s.label, s.themes FROM top t JOIN (SELECT doc_id, idx, section, text, sentiment, label, themes "
            "FROM sentences WHERE doc_id IN (SELECT doc_id FROM top)) s ON s.doc_id = t.doc_id AND s.idx = t.idx "
            f"ORDER BY t.{order.replace(', ', ', t.')}")


def collocates(store_path: Path, filters: Filters = Filters(), word: str = "", top: int = 20,
               min_count: int = 2) -> pd.DataFrame:
    """The words that share sentences with ``word`` in the filtered documents, with Jaccard and PMI
    (``explore.collocate_scores``). The sentences with the word are few: their words are counted first, and
    the sentence frequency of only the leading candidates is then looked up."""
    if not word:
        return explore.collocate_scores(pd.DataFrame(), 0, 0)
    where, params = filters.where()
    docs = f"SELECT w.words FROM documents d JOIN sentence_words w ON w.doc_id = d.doc_id WHERE {where}"
    with snapshot.read(store_path) as con:
        summed = aggregable(filters) and has_aggregates(con)
        grains = f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
        if summed:  # every sentence and the word's sentences: sums of agg_word_sentences, no scan of every list
            n, fa = con.execute(
                grains + "SELECT COALESCE(SUM(a.sentences) FILTER (WHERE a.word = ''), 0), "
                "COALESCE(SUM(a.sentences) FILTER (WHERE a.word = ?), 0) "
                f"FROM agg_word_sentences a {grain_join()} WHERE a.word IN ('', ?)",
                [*params, word, word]).fetchall()[0]
        else:
            n, fa = con.execute(f"SELECT COUNT(*), COUNT(*) FILTER (WHERE list_contains(words, ?)) FROM ({docs})",
                                [word, *params]).fetchall()[0]
        scan, scan_params = (_word_lists(con, where, params) if summed else None) or (docs, params)
        table = con.execute(
            # unnest in the select list: a lateral ``FROM s, unnest(s.words)`` is decorrelated into a hash join of
            # the lists with their own elements (0.67 of 1.1 s for a common word at 100,000 summaries)
            f"WITH s AS (SELECT unnest(words) AS word FROM ({scan}) WHERE list_contains(words, ?)) "
            "SELECT word AS collocate, COUNT(*) AS cooccurrences FROM s "
            "WHERE word <> ? GROUP BY 1 HAVING COUNT(*) >= ? "
            f"ORDER BY 2 DESC, 1 LIMIT {int(top) * 5}", [*scan_params, word, word, int(min_count)]).df()
        if table.empty:
            return explore.collocate_scores(table, 0, 0)
        con.register("_cands", pa.table({"collocate": table["collocate"].tolist()}))
        if summed:
            freq = con.execute(grains + "SELECT a.word AS collocate, CAST(SUM(a.sentences) AS BIGINT) AS frequency "
                               f"FROM agg_word_sentences a {grain_join()} JOIN _cands c ON c.collocate = a.word "
                               "GROUP BY 1", params).df()
        else:
            freq = con.execute(f"WITH u AS (SELECT unnest(words) AS collocate FROM ({docs})) "
                               "SELECT u.collocate, COUNT(*) AS frequency FROM u JOIN _cands USING (collocate) "
                               "GROUP BY 1", params).df()
        con.unregister("_cands")
    return explore.collocate_scores(table.merge(freq, on="collocate"), int(fa), int(n), top)


def _word_lists(con, where: str, params: list) -> tuple[str, list] | None:
    """SQL (and parameters) giving the word lists (``words``) of the documents ``where`` selects, read without the
    join on doc_id that scans every list and probes a hash table per row: every list when every document is
    selected; the documents' own rows (``analysis.query.rows``) when they are at most half of them. None: the join."""
    selected, every = con.execute(f"SELECT (SELECT COUNT(*) FROM documents d WHERE {where}), "
                                  "(SELECT COUNT(*) FROM documents)", params).fetchall()[0]
    if selected == every:
        return "SELECT words FROM sentence_words", []
    if 2 * selected <= every and located(con):
        found = runs(con, f"SELECT doc_id FROM documents d WHERE {where}", params, "sentence_words")
        if found is not None:
            return f"SELECT words FROM sentence_words WHERE {in_runs(found)}", []
        return rows_of(f"(SELECT doc_id FROM documents d WHERE {where})", "sentence_words", "r.words"), params
    return None


def word_trend(store_path: Path, filters: Filters = Filters(), word: str = "") -> pd.DataFrame:
    """Per department and year: the sentences using ``word``, all sentences, and the rate per 1,000
    sentences (groups differ in size)."""
    where, params = filters.where()
    sql = (
        "SELECT d.department, d.year, COUNT(*) FILTER (WHERE list_contains(w.words, ?)) AS sentences, "
        "COUNT(*) AS all_sentences, "
        "COUNT(DISTINCT d.doc_id) FILTER (WHERE list_contains(w.words, ?)) AS documents "
        "FROM documents d JOIN sentence_words w ON w.doc_id = d.doc_id "
        f"WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2"
    )
    aggregate = (
        f"WITH docs AS (SELECT * FROM documents d WHERE {where}) "
        "SELECT a.department, a.year, CAST(COALESCE(SUM(a.sentences) FILTER (WHERE a.word = ?), 0) AS BIGINT) "
        "AS sentences, CAST(SUM(a.sentences) FILTER (WHERE a.word = '') AS BIGINT) AS all_sentences, "
        "CAST(COALESCE(SUM(a.documents) FILTER (WHERE a.word = ?), 0) AS BIGINT) AS documents "
        f"FROM agg_word_sentences a {grain_join()} WHERE a.word IN ('', ?) GROUP BY 1, 2 ORDER BY 1, 2",
        [*params, word, word, word]) if aggregable(filters) and word else None
    out = fetch(store_path, sql, [word, word, *params], aggregate)
    out["per_1000"] = (out["sentences"] * 1000.0 / out["all_sentences"]).round(2)
    return out


def _has_topics(store_path: Path) -> bool:
    with snapshot.read(store_path) as con:
        return bool(con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'topics'").fetchall()[0][0])


def topics(store_path: Path, filters: Filters = Filters()) -> pd.DataFrame:
    """The topics found in the corpus (computed once per snapshot), for the filtered documents: their top
    words, the share of the documents' writing they take, the documents where they take at least 10%,
    their sentences, and how much of those the ten themes already cover (``covered``: share of the
    topic's sentences with any theme; ``main_theme`` the most frequent one and its share)."""
    cols = ["topic", "label", "words", "share", "documents", "sentences", "covered", "main_theme",
            "main_theme_share"]
    if not _has_topics(store_path):
        return pd.DataFrame(columns=cols)
    where, params = filters.where()
    sql = (
        f"WITH docs AS (SELECT d.doc_id FROM documents d WHERE {where}), "
        "n AS (SELECT COUNT(*) AS n FROM docs), "
        "dt AS (SELECT t.topic, SUM(t.share) / (SELECT n FROM n) AS share, "
        "COUNT(*) FILTER (WHERE t.share >= 0.1) AS documents FROM doc_topics t JOIN docs USING (doc_id) GROUP BY 1), "
        "st AS (SELECT st.topic, COUNT(*) AS sentences, AVG((len(s.themes) > 0)::INT) AS covered "
        "FROM sentence_topics st JOIN docs USING (doc_id) "
        "JOIN sentences s ON s.doc_id = st.doc_id AND s.idx = st.idx GROUP BY 1), "
        "th AS (SELECT st.topic, u.theme, COUNT(*) AS n FROM sentence_topics st JOIN docs USING (doc_id) "
        "JOIN sentences s ON s.doc_id = st.doc_id AND s.idx = st.idx, UNNEST(s.themes) AS u(theme) GROUP BY 1, 2), "
        "top_theme AS (SELECT topic, arg_max(theme, n) AS main_theme, max(n) AS main_n FROM th GROUP BY 1) "
        "SELECT t.topic, t.label, t.words, COALESCE(dt.share, 0) AS share, COALESCE(dt.documents, 0) AS documents, "
        "COALESCE(st.sentences, 0) AS sentences, st.covered, COALESCE(tt.main_theme, '') AS main_theme, "
        "tt.main_n * 1.0 / st.sentences AS main_theme_share "
        "FROM topics t LEFT JOIN dt USING (topic) LEFT JOIN st USING (topic) LEFT JOIN top_theme tt USING (topic) "
        "ORDER BY t.topic"
    )
    return fetch(store_path, sql, params)[cols]


def topic_shares(store_path: Path, filters: Filters = Filters(), by: str = "department") -> pd.DataFrame:
    """Each topic's share of each group's writing (mean over the group's documents), by department or year."""
    if by not in ("department", "year"):
        raise ValueError(f"不能按 {by} 统计话题（可选：department、year）")
    if not _has_topics(store_path):
        return pd.DataFrame(columns=["topic", "label", "group", "share", "group_documents"])
    where, params = filters.where()
    sql = (
        f"WITH docs AS (SELECT d.doc_id, d.{by} AS grp FROM documents d WHERE {where}), "
        "sizes AS (SELECT grp, COUNT(*) AS group_documents FROM docs GROUP BY 1) "
        "SELECT t.topic, t.label, z.grp AS \"group\", "
        "COALESCE(SUM(dt.share), 0) / z.group_documents AS share, z.group_documents "
        "FROM topics t CROSS JOIN sizes z LEFT JOIN (doc_topics dt JOIN docs USING (doc_id)) "
        "ON dt.topic = t.topic AND docs.grp = z.grp "
        "GROUP BY t.topic, t.label, z.grp, z.group_documents ORDER BY t.topic, z.grp"
    )
    return fetch(store_path, sql, params)


def topic_sentences(store_path: Path, filters: Filters = Filters(), topic: int = 0, limit: int = 50) -> pd.DataFrame:
    """The sentences that speak most plainly of a topic (most of its top words first)."""
    where, params = filters.where()
    sql = (
        "SELECT d.doc_id, d.employee, d.department, d.team, d.year, s.idx, s.section, s.text, s.sentiment, "
        "s.label, s.themes, st.shared FROM documents d JOIN sentence_topics st ON st.doc_id = d.doc_id "
        "JOIN sentences s ON s.doc_id = st.doc_id AND s.idx = st.idx "
        f"WHERE {where} AND st.topic = ? ORDER BY st.shared DESC, d.year DESC, d.department, d.employee, s.idx "
        f"LIMIT {int(limit)}"
    )
    return fetch(store_path, sql, [*params, int(topic)])
