"""A build's memory is bounded by its batches, not by the corpus (issue 18 item 3): the passes read and
store ranges of documents, and what the build keeps of the documents it analysed has a byte budget.
These tests show the bounds in kind (what is held, what is stored), never by measuring memory."""
from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pytest

from analysis.insight import explore, passes

TOPIC_TABLES = ("topics", "topic_model", "doc_topics", "sentence_topics")


def _topic_tables(con) -> dict[str, list[tuple]]:
    return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in TOPIC_TABLES}


@pytest.mark.parametrize("fit_documents", [100, explore.MAX_FIT_DOCUMENTS])
def test_the_topic_pass_over_ranges_of_documents_stores_what_one_pass_over_all_stores(
        demo_store, tmp_path, monkeypatch, fit_documents):
    """Fitted on a sample of 100 of the demo documents (the rest projected, as beyond 1,000 in a real
    build) or on all of them (their own weights): the pass holding 7 documents' counts at a time stores
    exactly what it stores holding all of them, and what the pure function over every count gives."""
    monkeypatch.setattr(explore, "MAX_FIT_DOCUMENTS", fit_documents)
    path = tmp_path / "s.duckdb"
    shutil.copyfile(demo_store, path)
    con = duckdb.connect(str(path))
    try:
        monkeypatch.setattr(passes, "TOPIC_RANGE", 10**6)
        assert passes.update_topics(con) == explore.TOPICS
        whole = _topic_tables(con)
        monkeypatch.setattr(passes, "TOPIC_RANGE", 7)
        assert passes.update_topics(con) == explore.TOPICS
        assert _topic_tables(con) == whole
        n_docs = con.execute("SELECT COUNT(*) FROM documents").fetchall()[0][0]
        assert n_docs > 250 and len({r[0] for r in whole["doc_topics"]}) == n_docs
        # the one-shot function: every document's counts in one matrix
        ids = [r[0] for r in con.execute("SELECT doc_id FROM documents ORDER BY doc_id").fetchall()]
        rows = con.execute("SELECT doc_id, term, n FROM terms").fetchall()
    finally:
        con.close()
    index = {d: i for i, d in enumerate(ids)}
    found = explore.fit_topic_counts(ids, [index[d] for d, _, _ in rows], [t for _, t, _ in rows],
                                     [n for _, _, n in rows])
    assert [r[2] for r in sorted(whole["topics"])] == found.words
    expected = sorted(((d, t, s) for d in ids for t, s in enumerate(np.asarray(found.documents[d])) if s >= 0.01),
                      key=repr)
    assert whole["doc_topics"] == [(d, int(t), float(s)) for d, t, s in expected]
    assert len(whole["sentence_topics"]) > 1000


def test_what_a_build_keeps_of_the_documents_it_analysed_stays_within_byte_budgets(monkeypatch):
    """``Known`` takes documents until a cache's bytes would pass its budget, then only notes them as
    analysed: however many documents a build analyses, the caches hold at most their budgets."""
    monkeypatch.setattr(passes, "KNOWN_SHINGLES_BYTES", 10_000)
    monkeypatch.setattr(passes, "KNOWN_SENTENCES_BYTES", 20_000)
    sentences = [(n, "成绩", "正面", "客户\t回款\t及时") for n in range(10)]
    size = passes._sentences_size(list(sentences))  # as stored: a copy per document
    known = passes.Known()
    for i in range(500):
        known.add(f"d{i:03d}", np.arange(500, dtype=np.uint32), list(sentences))  # 2,000 bytes of shingles
    assert len(known.analysed) == 500
    assert sorted(known.shingles) == [f"d{i:03d}" for i in range(5)]
    assert known.shingle_bytes == sum(a.nbytes for a in known.shingles.values()) == 10_000
    assert 1_000 < size < 2_000 and len(known.sentences) == 20_000 // size
    assert known.sentence_bytes == len(known.sentences) * size <= 20_000
    assert known.sentences["d000"][2] == (2, "成绩", "正面", "客户\t回款\t及时")  # made Sentences in the pass helper
    known.forget_sentences("d000")
    assert "d000" not in known.sentences and known.sentence_bytes == (len(known.sentences)) * size
    known.add("late", None, sentences[:1])  # room again for a small one, never past the budget
    assert "late" in known.sentences and known.sentence_bytes <= 20_000


def test_a_snapshot_writer_has_a_duckdb_memory_limit_only_when_the_operator_sets_one(tmp_path, monkeypatch):
    """A fixed 512 MB limit made a 100,000-summary build fail in the aggregates pass, so DuckDB's own default
    (80 % of RAM) stays unless ``YEAREND_DUCKDB_MEMORY`` sets a limit; a set limit reaches the writer."""
    from analysis.store import snapshot

    monkeypatch.delenv(snapshot.WRITER_MEMORY_ENV, raising=False)
    assert snapshot.writer_config() == {}
    monkeypatch.setenv(snapshot.WRITER_MEMORY_ENV, "300MB")
    assert snapshot.writer_config() == {"memory_limit": "300MB"}
    store = tmp_path / "insights.duckdb"
    with snapshot.new_snapshot(store) as con:
        assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [("286.1 MiB",)]
    assert store.exists()


def test_the_sentence_memo_stays_within_its_byte_budget_and_starts_over_when_a_sentence_would_pass_it(monkeypatch):
    """A worker remembers analysed sentences within ``MEMO_BYTES`` (``memo_bytes`` of each entry), not a count
    of them: the sentence that would pass the budget empties the memo first, a sentence larger than the whole
    budget is not remembered, and what is returned is what analysing with no memo returns."""
    from analysis import pipeline

    sentences = [("全年新签华东区客户十二家，回款全部按期到账。", False),
                 ("二、存在的不足", True),
                 ("跨部门协作时沟通不够及时，导致两个项目延期交付。", False),
                 ("明年计划完成仓储系统升级，把出库差错率降到千分之一以下。", False)]
    long = ("针对售后投诉处理流程冗长的问题，牵头梳理了受理、派单、回访三个环节的职责，" * 6 + "效果明显。", False)
    monkeypatch.setattr(pipeline, "MEMO_BYTES", 0)
    pipeline.clear_memo()
    expected = pipeline.analyse_sentences([*sentences, long])
    assert pipeline._memo == {} and pipeline._memo_size == 0
    sizes = [pipeline.memo_bytes(key, result) for key, result in zip(sentences, expected)]
    assert all(300 < size < 2_500 for size in sizes) and pipeline.memo_bytes(long, expected[-1]) > sum(sizes[:3])

    monkeypatch.setattr(pipeline, "MEMO_BYTES", sum(sizes[:3]))
    assert pipeline.analyse_sentences(sentences[:3] + sentences[:1]) == expected[:3] + expected[:1]
    assert list(pipeline._memo) == sentences[:3] and pipeline._memo_size == sum(sizes[:3])
    assert pipeline.analyse_sentences(sentences[1:2]) == expected[1:2]  # remembered: nothing changes
    assert list(pipeline._memo) == sentences[:3] and pipeline._memo_size == sum(sizes[:3])
    assert pipeline.analyse_sentences(sentences[3:]) == expected[3:4]  # would pass the budget: starts over
    assert list(pipeline._memo) == sentences[3:] and pipeline._memo_size == sizes[3]
    assert pipeline.analyse_sentences([long, sentences[0]]) == [expected[-1], expected[0]]
    assert list(pipeline._memo) == [sentences[3], sentences[0]] and pipeline._memo_size == sizes[3] + sizes[0]
    pipeline.clear_memo()
    assert pipeline._memo == {} and pipeline._memo_size == 0


def test_the_sentence_memo_budget_is_read_from_the_environment_in_megabytes():
    import os
    import subprocess
    import sys

    from analysis import pipeline

    assert pipeline.MEMO_ENV == "YEAREND_SENTENCE_MEMO_MB"
    out = subprocess.run([sys.executable, "-c", "from analysis import pipeline; print(pipeline.MEMO_BYTES)"],
                         env={**os.environ, pipeline.MEMO_ENV: "1.5"}, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(3 * 2**19)]


def test_the_network_pass_counting_ranges_of_sentences_stores_what_one_count_over_all_stores(demo_store, tmp_path,
                                                                                             monkeypatch):
    """The full count of the network's co-occurrences joins ``NETWORK_ROWS`` sentences at a time (bounded by
    the range, not the corpus): ranges of 7 sentences store exactly the counts and edges one range stores, and
    the counts are those of every sentence's distinct words counted in Python."""
    from itertools import combinations_with_replacement

    path = tmp_path / "s.duckdb"
    shutil.copyfile(demo_store, path)
    con = duckdb.connect(str(path))
    try:
        stored = {}
        for rows in (10**6, 7):
            monkeypatch.setattr(passes, "NETWORK_ROWS", rows)
            edges = passes.update_network(con)
            stored[rows] = (edges, sorted(con.execute("SELECT * FROM network_counts").fetchall()),
                            con.execute("SELECT * FROM network_edges ORDER BY rank").fetchall())
        words = con.execute("SELECT words FROM sentence_words").fetchall()
    finally:
        con.close()
    assert stored[7] == stored[10**6] and stored[7][0] > 20
    counts = stored[7][1]
    candidates = {source for source, target, _ in counts if source == target}
    assert len(candidates) == 2 * 150
    expected: dict[tuple[str, str], int] = {}
    for (row,) in words:
        for pair in combinations_with_replacement(sorted(w for w in row if w in candidates), 2):
            expected[pair] = expected.get(pair, 0) + 1
    pairs = {(s, t): n for s, t, n in counts if t}
    assert pairs == {pair: expected.get(pair, 0) for pair in pairs} and {p for p in expected} <= set(pairs)


def _derived(con) -> dict[str, list[tuple]]:
    from analysis.store import snapshot

    return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in snapshot.DERIVED}


def test_the_aggregates_summed_in_batches_of_whole_grains_are_those_of_one_sum_per_year(demo_store, tmp_path,
                                                                                        monkeypatch):
    """``aggregates._sum`` sums ``BATCH_SENTENCES`` sentences' worth of whole grains at a time: with batches of
    300 sentences (several per year, each of whole grains and at most 300 sentences unless one grain is larger)
    every aggregate table holds exactly the rows of one batch for the whole corpus (a DOUBLE sum within 1e-9). A
    full count's batches (``across``) may hold several years; an incremental count's start at each year."""
    from analysis.insight import aggregates
    from analysis.schema import AGGREGATE_GRAIN

    path = tmp_path / "s.duckdb"
    shutil.copyfile(demo_store, path)
    con = duckdb.connect(str(path))
    try:
        monkeypatch.setattr(aggregates, "BATCH_SENTENCES", 10**9)
        aggregates.update(con)
        whole = _derived(con)
        years = [r[0] for r in con.execute("SELECT DISTINCT year FROM documents ORDER BY 1").fetchall()]
        assert len(years) == 5
        assert aggregates._batches(con, years) == {y: [n] for n, y in enumerate(years)}
        assert aggregates._batches(con, years, across=True) == {y: [0] if y == years[0] else [] for y in years}

        monkeypatch.setattr(aggregates, "BATCH_SENTENCES", 300)
        keys = ", ".join(AGGREGATE_GRAIN)
        spanning = 0
        for across in (False, True):
            batches = aggregates._batches(con, years, across=across)
            assert [y for y in years if len(batches[y]) < 3] == []
            assert sorted(b for bs in batches.values() for b in bs) == list(range(sum(map(len, batches.values()))))
            # every grain in one batch; at most 300 sentences unless it is one grain; one year unless ``across``
            assert con.execute(f"SELECT COUNT(*) FROM (SELECT {keys} FROM documents JOIN _batch USING (doc_id) "
                               "GROUP BY ALL HAVING COUNT(DISTINCT batch) > 1)").fetchall() == [(0,)]
            sizes = con.execute(f"SELECT batch, COUNT(DISTINCT year), SUM(sentences), COUNT(DISTINCT ({keys})), "
                                "min(year) FROM documents JOIN _batch USING (doc_id) GROUP BY batch").fetchall()
            assert len(sizes) == sum(map(len, batches.values()))
            assert all(n <= 300 or grains == 1 for _, _, n, grains, _ in sizes)
            assert all(n_years == 1 for _, n_years, _, _, _ in sizes) or across
            # a batch is listed under the year of its first grain
            assert {b: y for y, bs in batches.items() for b in bs} == {b: y for b, _, _, _, y in sizes}
            assert con.execute("SELECT COUNT(*) FROM _batch").fetchall() == con.execute(
                "SELECT COUNT(*) FROM documents").fetchall()
            spanning += sum(n_years > 1 for _, n_years, _, _, _ in sizes)
        assert spanning >= 1  # the full count's batches run on into the next year

        aggregates.update(con)
        assert con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = '_batch'").fetchall() == [(0,)]
        batched = _derived(con)
    finally:
        con.close()
    assert {t: len(rows) for t, rows in batched.items()} == {t: len(rows) for t, rows in whole.items()}
    assert len(whole["agg_evidence"]) > 1000 and len(whole["agg_section_terms"]) > 1000
    for table, rows in whole.items():
        if table == "agg_sentiment":  # SUM(sentiment) of a grain's sentences, added in another order
            assert [r[:7] + r[8:] for r in batched[table]] == [r[:7] + r[8:] for r in rows]
            assert all(abs(a[7] - b[7]) <= 1e-9 for a, b in zip(batched[table], rows))
        else:
            assert batched[table] == rows, table


def test_drop_cache_lets_duckdb_release_its_cached_blocks_and_keeps_the_memory_limit(tmp_path, monkeypatch):
    """After an insert DuckDB keeps the table's blocks cached under the writer's limit; ``drop_cache`` lowers the
    limit to ``CACHE_FLOOR`` for the eviction and puts back the limit the connection had (the default, or the
    operator's ``YEAREND_DUCKDB_MEMORY``); the rows stay readable."""
    from analysis.store import snapshot

    def cached(con) -> float:
        return con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0] / 2**20

    monkeypatch.setattr(snapshot, "CACHE_FLOOR", "16MB")  # below what the table below keeps cached (~35 MB)
    for limit, shown in ((None, None), ("300MB", "286.1 MiB")):
        if limit:
            monkeypatch.setenv(snapshot.WRITER_MEMORY_ENV, limit)
        else:
            monkeypatch.delenv(snapshot.WRITER_MEMORY_ENV, raising=False)
        store = tmp_path / f"{limit}.duckdb"
        with snapshot.new_snapshot(store) as con:
            before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            assert before == shown or (shown is None and before.endswith("GiB"))
            con.execute("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(2000000)")
            assert cached(con) > 30
            snapshot.drop_cache(con)
            assert cached(con) <= 16e6 / 2**20
            assert con.execute("SELECT current_setting('memory_limit')").fetchall() == [(before,)]
            assert con.execute("SELECT COUNT(*), MAX(s) FROM t").fetchall() == [(2000000, "fffffe98d0963d27015c198262d97221")]


def test_a_fresh_snapshot_copies_the_live_per_document_tables_in_ranges_of_rows(demo_store, tmp_path, monkeypatch):
    """A store whose schema changed is not byte-copied: ``copy_live`` inserts its rows. The per-document tables go
    across in ranges of ``COPY_ROWS`` live rows (DuckDB's written blocks let go after each), the documents left out
    as asked; the rows that arrive are those one ``INSERT … SELECT`` per table gave (a table's order within a range is
    DuckDB's, as it was for the whole table)."""
    from analysis.store import snapshot

    store = tmp_path / "insights.duckdb"
    shutil.copyfile(demo_store, store)
    with snapshot.read(store) as con:
        ids = [r[0] for r in con.execute("SELECT doc_id FROM documents ORDER BY doc_id").fetchall()]
        live = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in snapshot.PER_DOCUMENT}
        rows = con.execute("SELECT COUNT(*) FROM sentences").fetchall()[0][0]
    assert len(ids) > 250 and rows > 5000
    keep, left_out = ids[::2], set(ids[1::2])
    monkeypatch.setattr(snapshot, "COPY_ROWS", 700)
    ranges: list[str] = []
    drop = snapshot.drop_cache
    monkeypatch.setattr(snapshot, "drop_cache", lambda con: ranges.append("x") or drop(con))
    with snapshot.write_lock(store), snapshot.new_snapshot(store, from_live=False) as con:
        assert not snapshot.started_from_live(con)
        snapshot.copy_live(con, snapshot.PER_DOCUMENT, keep_doc_ids=keep)
        copied = {t: con.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in snapshot.PER_DOCUMENT}
    assert len(ranges) >= rows // 700
    at = {t: list(snapshot.TABLES[t]).index("doc_id") for t in snapshot.PER_DOCUMENT}
    for table in snapshot.PER_DOCUMENT:
        assert sorted(copied[table], key=repr) == sorted(
            (r for r in live[table] if r[at[table]] not in left_out), key=repr), table
    assert {r[at["documents"]] for r in copied["documents"]} == set(keep)
