"""The build's aggregate tables (analysis.insight.aggregates) give exactly the figures the base tables
give, for every filter combination they serve; filters they cannot serve read the base tables."""
from __future__ import annotations

import itertools
import shutil
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analysis import query
from analysis.access.scope import Filters
from analysis.insight import aggregates
from analysis.query import sql
from analysis.store import snapshot
from tests.test_suppress import K, _rows

QUESTIONS = {
    "theme_sections": lambda p, f: query.themes.theme_sections(p, f),
    "theme_sections by year": lambda p, f: query.themes.theme_sections(p, f, by=("year",)),
    "theme_section_totals": lambda p, f: query.theme_section_totals(p, f),
    "section_sentiment": lambda p, f: query.section_sentiment(p, f),
    "section_sentiment by department, year": lambda p, f: query.section_sentiment(p, f, by=("department", "year")),
    "keywords by department": lambda p, f: query.keywords(p, f, by="department", top=20),
    "keywords by year": lambda p, f: query.keywords(p, f, by="year", top=20, min_count=1),
    "term_frequencies": lambda p, f: query.term_frequencies(p, f, top=120),
    "section_terms 不足": lambda p, f: query.section_terms(p, f, section="不足"),
    "section_terms 计划": lambda p, f: query.section_terms(p, f, section="计划", top=50),
    "follow_rates": lambda p, f: query.follow_rates(p, f),
    "follow_rates by department, year": lambda p, f: query.follow_rates(p, f, by=("department", "year")),
    "follow_pairs": lambda p, f: query.follow_pairs(p, f),
    "follow_pairs 未落实 of a department": lambda p, f: query.follow_pairs(
        p, f, status="未落实", department=query.options(p)["department"][0], limit=30),
    "change_counts (the alerts' counts)": lambda p, f: query.alerts.change_counts(
        p, f, (("department",), ("department", "team"))),
    "change_counts overall": lambda p, f: query.alerts.change_counts(p, f),
    # the evidence lists the pages open with (distinct sentences with their occurrences, as ui.data reads them)
    "evidence of a theme": lambda p, f: query.evidence(p, f, theme=query.theme_keys(p)[0], limit=200, distinct=True),
    "evidence of a theme in 成绩": lambda p, f: query.evidence(p, f, theme=query.theme_keys(p)[3], section="成绩",
                                                             limit=200, distinct=True),
    "evidence most positive": lambda p, f: query.evidence(p, f, label="pos", order="pos", limit=15, distinct=True),
    "evidence most negative in 不足": lambda p, f: query.evidence(p, f, section="不足", label="neg", order="neg",
                                                                limit=15, distinct=True),
    "evidence negative by score": lambda p, f: query.evidence(p, f, label="neg", order="neg", limit=200,
                                                              distinct=True),
    # the 探索 page (settings other than the stored default network's, so both ways compute it)
    "cooccurrence": lambda p, f: query.cooccurrence(p, f, min_freq=3, top_edges=80),
    "cooccurrence by threshold, highlighted": lambda p, f: query.cooccurrence(
        p, f, min_freq=2, threshold=0.05, highlight=query.options(p)["department"][0]),
    "collocates": lambda p, f: query.collocates(p, f, word=_word(p), top=15),
    "word_trend": lambda p, f: query.word_trend(p, f, word=_word(p)),
    "word_trend of a word no one uses": lambda p, f: query.word_trend(p, f, word="没有这个词"),
    # the 计划落实 page's sentences behind a section's word (read where agg_doc_rows says they lie)
    "section_term_evidence 不足": lambda p, f: query.section_term_evidence(p, f, "不足", _section_word(p, "不足")),
    "section_term_evidence 计划, first 5": lambda p, f: query.section_term_evidence(
        p, f, "计划", _section_word(p, "计划"), limit=5),
    "section_term_evidence of a rarer word": lambda p, f: query.section_term_evidence(
        p, f, "成绩", _section_word(p, "成绩", 15), limit=50),
    "section_term_evidence of a word no one uses": lambda p, f: query.section_term_evidence(p, f, "计划", "没有这个词"),
    # the first sentences of a word: read from the department-years that hold them, by position (agg_doc_rows)
    "word_sentences": lambda p, f: query.word_sentences(p, f, word=_word(p), limit=100),
    "word_sentences, the first 7": lambda p, f: query.word_sentences(p, f, word=_word(p), limit=7),
    "word_sentences of a rarer word": lambda p, f: query.word_sentences(p, f, word=_word(p, -1), limit=30),
    "word_sentences of a word no one uses": lambda p, f: query.word_sentences(p, f, word="没有这个词"),
    # the report's reads: a section's sentences, follow-through examples of a status
    "section_texts 不足": lambda p, f: query.section_texts(p, f, section="不足"),
    "section_texts 计划": lambda p, f: query.section_texts(p, f, section="计划"),
    "follow_examples 落实": lambda p, f: query.follow_examples(p, f, status="落实", limit=9),
    "follow_examples 未落实 of the first 40": lambda p, f: query.follow_examples(p, f, status="未落实", within=40),
}
EXPLORE = ("cooccurrence", "cooccurrence by threshold, highlighted", "collocates", "word_trend", "word_sentences",
           "word_sentences, the first 7", "word_sentences of a rarer word", "word_sentences of a word no one uses",
           "section_texts 不足", "section_texts 计划", "follow_examples 落实", "follow_examples 未落实 of the first 40")


def _word(path: Path, at: int = 0) -> str:
    """The word the 探索 page opens its drill-down with: the first word of the default network (``at``: another)."""
    edges = query.cooccurrence(path)
    return sorted(set(edges["source"]) | set(edges["target"]))[at]


def _section_word(path: Path, section: str, rank: int = 0) -> str:
    """The word the 计划落实 page opens a section's sentences with (``rank`` 0), or a less frequent one."""
    return query.section_terms(path, Filters(), section=section, top=rank + 1)["term"].iloc[rank]


# grouping by team or role cuts publication cells: refused under the minimum reporting group
UNDER_MIN_GROUP_ONLY_SAFE = {"theme_sections", "theme_sections by year", "theme_section_totals", "section_sentiment",
                             "section_sentiment by department, year", "keywords by department", "keywords by year",
                             "term_frequencies", "section_terms 不足", "section_terms 计划", "follow_rates",
                             "follow_rates by department, year", "follow_pairs", "follow_pairs 未落实 of a department",
                             "change_counts (the alerts' counts)", "change_counts overall",
                             "evidence of a theme", "evidence of a theme in 成绩", "evidence most positive",
                             "evidence most negative in 不足", "evidence negative by score", *EXPLORE,
                             "word_trend of a word no one uses", *(n for n in QUESTIONS if n.startswith("section_term_"))}
EVIDENCE = [name for name in QUESTIONS if name.startswith("evidence")]


def _both(path: Path, question, f: Filters, monkeypatch) -> tuple[pd.DataFrame, pd.DataFrame]:
    with monkeypatch.context() as m:
        m.setattr(sql, "AGGREGATES", False)
        base = question(path, f)
    return base, question(path, f)


def _same(base: pd.DataFrame, agg: pd.DataFrame, label: str) -> None:
    # counts exactly; sums of sentiment scores added in another order agree to rounding
    lists = [c for c in base.columns if base[c].map(lambda v: hasattr(v, "__len__") and not isinstance(v, str)).any()]
    for frame in (base, agg):
        for c in lists:
            frame[c] = frame[c].map(lambda v: None if v is None else tuple(v))
    pd.testing.assert_frame_equal(agg.reset_index(drop=True), base.reset_index(drop=True), check_exact=False,
                                  rtol=1e-12, atol=0, obj=label)


def _combinations(path: Path) -> list[Filters]:
    opts = query.options(path)
    facets = query.facets(path)
    dept, other = opts["department"][0], opts["department"][-1]
    team = facets.loc[facets["department"] == dept, "team"].iloc[0]
    role = facets.loc[facets["department"] == dept, "role"].iloc[0]
    first, last = opts["year"][0], opts["year"][-1]
    plain = [
        Filters(), Filters(departments=(dept,)), Filters(departments=(dept, other)),
        Filters(departments=(dept,), teams=(team,)), Filters(teams=(team,)), Filters(years=(first, first)),
        Filters(years=(first, last)), Filters(years=(last, last), departments=(dept,)), Filters(roles=(role,)),
        Filters(departments=(dept,), roles=(role,), years=(first, last)), Filters(allowed_departments=(other,)),
        Filters(allowed_departments=()), Filters(departments=("没有这个部门",)),
    ]
    return plain + [Filters(**{**f.__dict__, "min_group": k}) for f in plain for k in (3, 5)]


def test_the_build_writes_aggregates(demo_store):
    with snapshot.read(demo_store) as con:
        assert sql.has_aggregates(con)
        docs = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        # every document's sentences are in the per-grain sentiment sums, once
        assert con.execute("SELECT SUM(sentences) FROM agg_sentiment").fetchone()[0] == \
            con.execute("SELECT COUNT(*) FROM sentences").fetchone()[0]
        assert con.execute("SELECT SUM(n) FROM agg_terms").fetchone()[0] == \
            con.execute("SELECT SUM(n) FROM terms").fetchone()[0]
    assert docs > 0


def test_aggregates_equal_the_base_tables_on_the_demo_store(demo_store, monkeypatch):
    checked = 0
    for f in _combinations(demo_store):
        for name, question in QUESTIONS.items():
            if f.min_group and name not in UNDER_MIN_GROUP_ONLY_SAFE:
                continue
            base, agg = _both(demo_store, question, f, monkeypatch)
            _same(base, agg, f"{name} {f}")
            checked += not base.empty
    assert checked > 200  # the combinations are not all empty


@pytest.fixture(scope="module")
def shaped_with_aggregates(tmp_path_factory) -> Path:
    """The minimum-reporting-group shapes of tests/test_suppress.py (a small team, small teams that add up,
    a department-year below k), with aggregates."""
    path = tmp_path_factory.mktemp("aggregates") / "insights.duckdb"
    docs, sentences = _rows()
    words = [{"doc_id": s["doc_id"], "idx": s["idx"], "words": ["跟进", "回款" if "回款" in s["text"] else "老客户"]}
             for s in sentences]
    terms = [{"doc_id": w["doc_id"], "term": t, "n": 1} for w in words for t in w["words"]]
    with duckdb.connect(str(path)) as con:
        snapshot.create_tables(con)
        snapshot.insert_rows(con, "documents", docs)
        snapshot.insert_rows(con, "sentences", sentences)
        snapshot.insert_rows(con, "sentence_words", words)
        snapshot.insert_rows(con, "terms", terms)
        aggregates.update(con)
    return path


def test_minimum_reporting_group_is_applied_on_top_exactly_as_before(shaped_with_aggregates, monkeypatch):
    path = shaped_with_aggregates
    departments = [(), ("销售部",), ("生产部",), ("客服部",), ("财务部",)]
    teams = [(), ("华东组",), ("大客户组",), ("质检组",), ("质检组", "仓储组")]
    roles = [(), ("专员",)]
    years = [None, (2024, 2024)]
    shown = 0
    for d, t, r, y in itertools.product(departments, teams, roles, years):
        f = Filters(departments=d, teams=t, roles=r, years=y, min_group=K)
        for name in ("theme_section_totals", "section_sentiment", "term_frequencies", "section_terms 不足",
                     "theme_sections", "keywords by department"):
            base, agg = _both(path, QUESTIONS[name], f, monkeypatch)
            _same(base, agg, f"{name} {f}")
            shown += not base.empty
    assert shown > 0
    # a team cut out of its department-year's single cell shows nothing, from the aggregates too
    cut = Filters(departments=("销售部",), teams=("大客户组",), years=(2024, 2024), min_group=K)
    assert query.section_sentiment(path, cut).empty
    whole = query.section_sentiment(path, Filters(departments=("销售部",), years=(2023, 2023), min_group=K))
    assert whole["sentences"].tolist() == [10]


def test_figures_come_from_the_aggregates_and_cut_grains_from_the_base_tables(demo_store, tmp_path):
    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    before = query.section_terms(path, Filters(), section="计划")
    totals = query.theme_section_totals(path, Filters())
    evidence = {name: QUESTIONS[name](path, Filters()) for name in EVIDENCE}
    snapshot.close_readers(path)  # written in place: the process's read connection to it closed first
    with duckdb.connect(str(path)) as con:  # the base tables gone, the aggregates kept
        for table in ("sentences", "sentence_words", "terms"):
            con.execute(f"DELETE FROM {table}")
    pd.testing.assert_frame_equal(query.section_terms(path, Filters(), section="计划"), before)
    pd.testing.assert_frame_equal(query.theme_section_totals(path, Filters()), totals)
    for name in EVIDENCE:
        pd.testing.assert_frame_equal(QUESTIONS[name](path, Filters()), evidence[name], obj=name)
    assert not before.empty and all(len(evidence[name]) for name in EVIDENCE)
    # one employee's documents, a text search or single documents cut grains: these read the base tables
    doc = query.documents(path, Filters()).iloc[0]
    for f in (Filters(employees=((doc["department"], doc["employee"]),)), Filters(doc_ids=(doc["doc_id"],)),
              Filters(search="客户")):
        assert query.section_terms(path, f, section="计划").empty
        assert query.theme_section_totals(path, f)["sentences"].sum() == 0
        assert query.evidence(path, f, label="pos", order="pos", limit=15, distinct=True).empty
    # lists the build does not keep (every sentence; a section by score without a label; longer than
    # EVIDENCE_TOP; every row rather than distinct texts) read the base tables
    for kwargs in ({}, {"section": "不足", "order": "neg"}, {"label": "pos", "order": "pos", "limit": 500},
                   {"label": "pos", "order": "pos", "distinct": False}):
        assert query.evidence(path, Filters(), distinct=kwargs.pop("distinct", True), **kwargs).empty, kwargs


def test_evidence_lists_merge_grains_whose_lists_were_cut(demo_store, tmp_path, monkeypatch):
    """With lists of 4 per grain (not 200), asking for the first 4 over many grains still gives the base
    tables' answer: a text's first sentence is among the first 4 of its own grain."""
    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    monkeypatch.setattr(aggregates, "EVIDENCE_TOP", 4)
    monkeypatch.setattr(sys.modules["analysis.query.documents"], "EVIDENCE_TOP", 4)
    with duckdb.connect(str(path)) as con:
        aggregates.update(con)
        per_list = con.execute("SELECT MAX(c) FROM (SELECT department, team, year, role, for_theme, for_label, "
                               "for_section, COUNT(*) AS c FROM agg_evidence GROUP BY ALL)").fetchone()[0]
    assert per_list == 4  # some lists were cut
    theme = query.theme_keys(path)[0]
    for f in _combinations(path)[:13]:
        for kwargs in ({"theme": theme}, {"label": "pos", "order": "pos"}, {"label": "neg", "order": "neg"},
                       {"label": "neg", "order": "neg", "section": "不足"}):
            base, agg = _both(path, lambda p, f: query.evidence(p, f, limit=4, distinct=True, **kwargs), f,
                              monkeypatch)
            _same(base, agg, f"{kwargs} {f}")


def test_section_term_evidence_reads_only_the_stretches_agg_doc_rows_gives(demo_store, tmp_path, monkeypatch):
    """The sentences behind a section's word are read from the stretch of rows ``agg_doc_rows`` locates for the first
    (year, department) block, with the base tables' answer; when rows have moved (the stored stretches shifted
    here), the counts disagree and the whole tables are read, with the same answer."""
    keywords = sys.modules["analysis.query.keywords"]
    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    word = _section_word(path, "计划")
    located = []
    original = keywords._located_evidence
    monkeypatch.setattr(keywords, "_located_evidence", lambda *a: located.append(original(*a)) or located[-1])
    for f in (Filters(), Filters(departments=(query.options(path)["department"][-1],))):
        base, agg = _both(path, lambda p, f: query.section_term_evidence(p, f, "计划", word, limit=5), f, monkeypatch)
        _same(base, agg, str(f))
        assert len(agg) == 5 and located[-1] is not None
        with snapshot.read(path) as con:  # the stretches read: the first (year, department) block's, not the table
            read, every = con.execute(
                "SELECT SUM(r.row_count), (SELECT COUNT(*) FROM sentences) FROM agg_doc_rows r "
                "JOIN documents d USING (doc_id) WHERE r.base = 'sentences' AND d.year = ? AND d.department = ?",
                [int(agg["year"].iloc[0]), agg["department"].iloc[0]]).fetchone()
        assert 0 < read < every / 2
    snapshot.close_readers(path)
    with duckdb.connect(str(path)) as con:  # the stored stretches one row off: rows moved since they were written
        con.execute("UPDATE agg_doc_rows SET row_start = row_start + 1 WHERE base = 'sentences'")
    base, agg = _both(path, lambda p, f: query.section_term_evidence(p, f, "计划", word), Filters(), monkeypatch)
    _same(base, agg, "shifted")
    assert located[-1] is None and len(agg) > 0


def test_a_snapshot_that_does_not_rebuild_the_aggregates_reads_the_base_tables(demo_store, tmp_path, monkeypatch):
    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    with snapshot.write_lock(path), snapshot.new_snapshot(path) as con:
        snapshot.copy_live(con)  # a writer that changes the base tables and forgets the aggregates
        con.execute("UPDATE sentences SET section = '其他'")
    with snapshot.read(path) as con:
        assert not sql.has_aggregates(con)
        assert con.execute("SELECT COUNT(*) FROM agg_sentiment").fetchone()[0] == 0
    assert query.section_sentiment(path, Filters())["section"].tolist() == ["其他"]
    with monkeypatch.context() as m:
        m.setattr(aggregates, "VERSION", "older")  # aggregates written by other code: not read either
        with snapshot.read(demo_store) as con:
            assert not sql.has_aggregates(con)


def test_sentiment_box_figures_are_those_of_every_document(demo_store):
    """The 情感 page's box plot reads its figures, not 100,000 scores: the quartiles are numpy's (linear), the
    whiskers the most extreme documents within 1.5 interquartile ranges of the box."""
    checked = 0
    for f in _combinations(demo_store)[:10]:
        docs = query.documents(demo_store, f).dropna(subset=["sentiment_mean"])
        boxes = query.sentiment_box(demo_store, f)
        assert len(boxes) == len(docs.groupby(["department", "year"])) and boxes["documents"].sum() == len(docs)
        for row in boxes.itertuples():
            x = docs.loc[(docs["department"] == row.department) & (docs["year"] == row.year), "sentiment_mean"]
            q1, median, q3 = np.percentile(x, [25, 50, 75])
            assert (row.q1, row.median, row.q3) == pytest.approx((q1, median, q3), rel=1e-12, abs=1e-15)
            assert row.lowerfence == x[x >= q1 - 1.5 * (q3 - q1)].min()
            assert row.upperfence == x[x <= q3 + 1.5 * (q3 - q1)].max()
            assert row.mean == pytest.approx(x.mean(), rel=1e-12)
            checked += 1
    assert checked > 20


def test_the_explore_page_reads_its_sums_and_cut_grains_the_base_tables(demo_store, tmp_path, monkeypatch):
    """The network, collocates' frequencies and a word's trend of whole grains come from agg_word_sentences and
    agg_network_pairs: with the stored words' sums doubled, the figures double (the base tables would not).
    Every word a candidate: the demo store's department-years are too small for their 300 most frequent words to
    hold every word of the department's network."""
    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    monkeypatch.setattr(aggregates, "NETWORK_WORDS", 100_000)
    with duckdb.connect(str(path)) as con:
        aggregates.update(con)
    word = _word(path)
    dept = query.options(path)["department"][0]
    f = Filters(departments=(dept,))
    net, trend, coll = (query.cooccurrence(path, f, min_freq=3), query.word_trend(path, f, word),
                        query.collocates(path, f, word))
    snapshot.close_readers(path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE agg_word_sentences SET sentences = 2 * sentences")
        con.execute("UPDATE agg_network_pairs SET sentences = 2 * sentences")
    doubled = query.cooccurrence(path, f, min_freq=3)
    assert doubled["cooccurrences"].tolist() == (2 * net["cooccurrences"]).tolist()
    assert doubled["source_freq"].tolist() == (2 * net["source_freq"]).tolist()
    assert doubled["jaccard"].tolist() == net["jaccard"].tolist()  # a ratio of counts: unchanged
    again = query.word_trend(path, f, word)
    assert again["sentences"].tolist() == (2 * trend["sentences"]).tolist() and trend["sentences"].sum() > 0
    assert (again["per_1000"] == trend["per_1000"]).all()
    assert query.collocates(path, f, word)["frequency"].tolist() == (2 * coll["frequency"]).tolist()
    # one employee's documents cut grains: the base tables, as before
    doc = query.documents(path, f).iloc[0]
    one = Filters(employees=((doc["department"], doc["employee"]),))
    assert query.word_trend(path, one, word).equals(query.word_trend(demo_store, one, word))


def test_a_network_whose_words_are_not_all_candidates_reads_the_base_tables(demo_store, tmp_path, monkeypatch):
    """With 12 candidate words a year (not 300), most filters' networks need words whose pairs were not summed:
    those read the base tables, the others the sums; every network is the base tables' either way."""
    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    monkeypatch.setattr(aggregates, "NETWORK_WORDS", 12)
    with duckdb.connect(str(path)) as con:
        aggregates.update(con)
        assert con.execute("SELECT MAX(c) FROM (SELECT year, COUNT(*) AS c FROM agg_network_words GROUP BY 1)"
                           ).fetchone()[0] <= 12 * (1 + len(query.options(demo_store)["department"]))
    from analysis.insight import explore as insight_explore
    read_base = []
    network = insight_explore.network
    monkeypatch.setattr(insight_explore, "network", lambda *a, **k: read_base.append(1) or network(*a, **k))
    summed, fell_back = 0, 0
    for f in _combinations(path)[:13]:
        for kwargs in ({"min_freq": 3}, {"min_freq": 2, "max_words": 8}, {"min_freq": 40, "max_words": 5}):
            before = len(read_base)
            base, agg = _both(path, lambda p, f: query.cooccurrence(p, f, **kwargs), f, monkeypatch)
            _same(base, agg, f"{kwargs} {f}")
            # the base run reads the base tables; the aggregate run too when it falls back
            if not base.empty:
                summed += len(read_base) - before == 1
                fell_back += len(read_base) - before == 2
    assert summed > 3 and fell_back > 3


def test_rows_are_read_by_position_only_while_the_tables_have_not_moved(demo_store, tmp_path, monkeypatch):
    """agg_doc_rows holds each document's run of rows; the questions read those runs while the tables' stamps are
    the build's. A document's rows deleted and inserted again (at the end of the table) change the stamp: then every
    question reads by doc_id, with the same result."""
    from analysis.query import rows

    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    word = _word(path)
    dept = query.options(path)["department"][0]
    f = Filters(departments=(dept,))
    with snapshot.read(path) as con:
        assert rows.located(con)
        doc_id, first, n = con.execute("SELECT doc_id, row_start, row_count FROM agg_doc_rows "
                                       "WHERE base = 'sentences' AND row_count > 3 ORDER BY doc_id LIMIT 1").fetchall()[0]
        # the run is the document's rows, in order
        assert con.execute(f"SELECT doc_id, idx FROM sentences WHERE rowid BETWEEN {first} AND {first + n - 1} "
                           "ORDER BY rowid").fetchall() == [(doc_id, i) for i in range(n)]
        # a department's documents: the runs of adjacent documents merged into ranges holding theirs and no others
        found = rows.runs(con, "SELECT doc_id FROM documents WHERE department = ?", [dept], "sentences")
        assert found is not None and len(found) >= 1
        assert con.execute(f"SELECT COUNT(*), COUNT(*) FILTER (WHERE doc_id IN (SELECT doc_id FROM documents "
                           f"WHERE department = ?)) FROM sentences WHERE {rows.in_runs(found)}", [dept]
                           ).fetchall()[0] == 2 * (con.execute(
                               "SELECT SUM(sentences) FROM documents WHERE department = ?", [dept]).fetchall()[0][0],)
    before = {"sentences": query.word_sentences(path, f, word), "texts": query.section_texts(path, f, "不足"),
              "collocates": query.collocates(path, f, word)}
    snapshot.close_readers(path)
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TEMP TABLE moved AS SELECT * FROM sentences WHERE doc_id = ?", [doc_id])
        con.execute("DELETE FROM sentences WHERE doc_id = ?", [doc_id])
        con.execute("INSERT INTO sentences SELECT * FROM moved")
    with snapshot.read(path) as con:
        assert sql.has_aggregates(con) and not rows.located(con)
    after = {"sentences": query.word_sentences(path, f, word), "texts": query.section_texts(path, f, "不足"),
             "collocates": query.collocates(path, f, word)}
    for name, frame in before.items():
        pd.testing.assert_frame_equal(after[name], frame, obj=name)
    assert len(before["sentences"]) > 5 and len(before["texts"]) > 10 and len(before["collocates"]) > 3


def test_an_unchanged_corpus_rewrites_the_store_when_its_aggregates_are_of_another_version(tmp_path):
    """A new aggregate reaches an unchanged corpus' store with its next build; a current store is left as it is."""
    from analysis import build
    from tests.test_build import write_corpus

    corpus, db = tmp_path / "corpus", tmp_path / "s.duckdb"
    write_corpus(corpus)
    build.build(corpus, db, workers=1, progress=False)
    assert not build.build(corpus, db, workers=1, progress=False).written
    snapshot.close_readers(db)
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE agg_state SET value = 'older' WHERE key = 'version'")
    again = build.build(corpus, db, workers=1, progress=False)
    assert (again.analysed, again.written) == (0, True)
    with snapshot.read(db) as con:
        assert sql.has_aggregates(con)
        assert con.execute("SELECT COUNT(DISTINCT doc_id), COUNT(*) FROM agg_doc_rows").fetchall() == [(2, 4)]


def test_a_document_whose_rows_are_split_is_read_from_each_of_its_runs(demo_store, tmp_path, monkeypatch):
    """A parallel insert can put a row group boundary inside a document's rows (19 of 100,000 documents at 100k):
    its rows are then two runs, and every question reads both: the same frames as the base tables."""
    from analysis.query import rows

    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    word = _word(path)
    dept = query.options(path)["department"][0]
    snapshot.close_readers(path)
    with duckdb.connect(str(path)) as con:
        doc_id, n = con.execute("SELECT d.doc_id, d.sentences FROM documents d JOIN sentence_words w USING (doc_id) "
                                "WHERE d.department = ? AND list_contains(w.words, ?) ORDER BY d.year DESC, "
                                "d.employee LIMIT 1", [dept, word]).fetchall()[0]
        for table in ("sentences", "sentence_words"):  # the second half of its rows moved to the end of the table
            con.execute(f"CREATE TEMP TABLE moved AS SELECT * FROM {table} WHERE doc_id = ? AND idx >= ?",
                        [doc_id, n // 2])
            con.execute(f"DELETE FROM {table} WHERE doc_id = ? AND idx >= ?", [doc_id, n // 2])
            con.execute(f"INSERT INTO {table} SELECT * FROM moved")
            con.execute("DROP TABLE moved")
        con.execute("CHECKPOINT")
        aggregates.update(con)
        assert con.execute("SELECT base, COUNT(*), SUM(row_count) FROM agg_doc_rows WHERE doc_id = ? GROUP BY 1 "
                           "ORDER BY 1", [doc_id]).fetchall() == [
            ("sentence_words", 2, con.execute("SELECT COUNT(*) FROM sentence_words WHERE doc_id = ?", [doc_id]
                                              ).fetchall()[0][0]), ("sentences", 2, n)]
    with snapshot.read(path) as con:
        assert rows.located(con)
    for f in (Filters(departments=(dept,)), Filters(), Filters(departments=(dept,), min_group=3)):
        for question in ("word_sentences", "collocates", "section_texts 不足", "section_texts 计划"):
            base, agg = _both(path, QUESTIONS[question], f, monkeypatch)
            _same(base, agg, f"{question} {f}")
        sentences = query.word_sentences(path, f, word=word)
        assert doc_id in set(sentences["doc_id"]) or len(sentences) == 100
