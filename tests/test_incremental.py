"""Incremental builds cost in proportion to what changed (issue 18 item 6) and store exactly what a full
build of the same corpus stores: the snapshot starts from a copy of the live file, plan follow-through
judges only the pairs a new document is part of, copy detection queries only new documents."""
from __future__ import annotations

import json
import shutil
from concurrent.futures import Future
from pathlib import Path

import duckdb
import numpy as np
import pytest

from analysis import build
from analysis.insight import aggregates, explore, followthrough, passes
from analysis.pipeline import content_hash
from analysis.schema import AGGREGATE_GRAIN
from analysis.store import snapshot

NEW_2025 = ("2025年度个人工作总结\n一、主要工作成绩\n{done}\n二、存在的不足\n{short}\n"
            "三、明年工作计划\n{plan}\n")
WRITTEN = [
    {"done": "今年按计划完成了重点客户的走访，新开发客户十二家，回款及时。", "short": "对账还不够及时，资料归档偶有遗漏。",
     "plan": "明年加强客户跟进，完善回款台账。"},
    {"done": "质检流程梳理完毕，返工率明显下降，新员工培训按月开展。", "short": "设备点检记录不全，夜班交接偶有疏漏。",
     "plan": "明年推行点检电子化，夜班交接做到有据可查。"},
]


TOPIC_TABLES = ("topics", "topic_model", "doc_topics", "sentence_topics")


# agg_doc_rows and the agg_state stamps are positions in this file, which differ between two builds of the same
# documents: compared as what they mean, each document's rows in each table and how many of them its runs hold
LOCATED = " UNION ALL ".join(
    f"SELECT l.doc_id, l.base, SUM(l.row_count), SUM((SELECT COUNT(*) FROM {t} s WHERE s.doc_id = l.doc_id "
    f"AND s.rowid BETWEEN l.row_start AND l.row_start + l.row_count - 1)) FROM agg_doc_rows l "
    f"WHERE l.base = '{t}' GROUP BY 1, 2" for t in ("sentences", "sentence_words"))


def _tables(db: Path) -> dict[str, list[tuple]]:
    from analysis.query.rows import located

    with snapshot.read(db) as con:
        out = {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in snapshot.TABLES
               if t not in ("meta", "file_hashes", "agg_doc_rows")}  # file_hashes: each build's listing, timing
        out["agg_doc_rows"] = sorted(con.execute(LOCATED).fetchall())
        out["agg_state"] = [r for r in out["agg_state"] if r[0] == "version"] + [("located", located(con))]
        return out


def _grow(corpus: Path) -> dict[str, str]:
    """Add to a copy of the demo corpus: a 2025 summary for two employees who had none (their 2024
    plans get judged), another person's copy of a stored 2025 summary, and remove one 2022 summary.
    Returns what was done, by name."""
    done: dict[str, str] = {}
    added = 0
    for path in sorted((corpus / "2024").rglob("*.txt")):
        later = corpus / "2025" / path.relative_to(corpus / "2024")
        if not later.exists() and added < 2:
            later.parent.mkdir(parents=True, exist_ok=True)
            later.write_text(NEW_2025.format(**WRITTEN[added]), encoding="utf-8")
            done[f"new{added}"] = str(later.relative_to(corpus))
            added += 1
    source = sorted((corpus / "2025").rglob("*.txt"))[0]
    copy = source.parent / "抄写人_新组.txt"
    copy.write_text(source.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")  # other bytes, same text
    done["copy"], done["source"] = str(copy.relative_to(corpus)), str(source.relative_to(corpus))
    gone = sorted((corpus / "2022").rglob("*.txt"))[0]
    gone.unlink()
    done["removed"] = str(gone.relative_to(corpus))
    return done


def _spy_evidence(monkeypatch) -> dict[int, tuple[list, list]]:
    """Per year whose evidence lists a build updates by difference: the grains counted again from their sentences
    and the grains whose live lists were merged with the added sentences."""
    evidence: dict[int, tuple[list, list]] = {}
    of_year = aggregates._evidence_of_year

    def of_year_spy(con, keys, year, grains=""):
        if grains:
            grain = ", ".join(AGGREGATE_GRAIN)
            evidence[year] = tuple(con.execute(f"SELECT {grain} FROM {t} ORDER BY ALL").fetchall() for t in (
                grains, f"(SELECT {grain} FROM _ev_grains EXCEPT SELECT {grain} FROM {grains})"))
        return of_year(con, keys, year, grains)

    monkeypatch.setattr(aggregates, "_evidence_of_year", of_year_spy)
    return evidence


def test_a_summary_heading_no_evidence_list_is_merged_in_and_out(demo_store, tmp_path, monkeypatch):
    """Another writer's copy of a stored 2024 summary, in the same grain and after it in every list's order (a
    later name, a larger doc_id): none of its sentences is the first of its text. Adding it and removing it again
    change only counts: both builds merge the grain's live lists (no grain counted again), and after the removal
    every aggregate is again exactly the demo store's."""
    source = Path(json.loads((demo_store.parent / "built.json").read_text(encoding="utf-8"))["corpus"])
    corpus = tmp_path / "corpus"
    shutil.copytree(source, corpus)
    with snapshot.read(demo_store) as con:
        rel, employee, doc_id, *grain = con.execute(
            f"SELECT source_file, employee, doc_id, {', '.join(AGGREGATE_GRAIN)} FROM documents WHERE year = 2024 "
            "AND team <> '' AND role <> '' AND source_file LIKE '%.txt' ORDER BY source_file LIMIT 1").fetchone()
    row = dict(zip(AGGREGATE_GRAIN, grain))
    writer = "齐鸣"
    assert writer > employee
    data = (corpus / rel).read_bytes() + b"\n"
    while content_hash(data) <= doc_id:  # other bytes, the same text: a doc_id after the source's
        data += b"\n"
    copy = (corpus / rel).parent / f"{writer}_{row['team']}.txt"
    copy.write_bytes(data)
    manifest = (corpus / "manifest.csv").read_bytes()
    (corpus / "manifest.csv").write_bytes(manifest + (
        f"{copy.relative_to(corpus).as_posix()},{writer},{row['department']},{row['team']},{row['role']},2024\n"
    ).encode())
    live = tmp_path / "live" / "insights.duckdb"
    live.parent.mkdir()
    shutil.copyfile(demo_store, live)
    evidence = _spy_evidence(monkeypatch)
    assert build.build(corpus, live, workers=1, progress=False).analysed == 1
    assert evidence == {2024: ([], [tuple(grain)])}
    with snapshot.read(live) as con:
        assert con.execute("SELECT COUNT(*) FROM agg_evidence WHERE doc_id = ?", [content_hash(data)]
                           ).fetchall() == [(0,)]  # heads nothing
        grown = con.execute("SELECT SUM(n) FROM agg_evidence_keys WHERE team = ? AND year = 2024",
                            [row["team"]]).fetchall()[0][0]
    copy.unlink()
    (corpus / "manifest.csv").write_bytes(manifest)
    evidence.clear()
    assert build.build(corpus, live, workers=1, progress=False).removed == 1
    assert evidence == {2024: ([], [tuple(grain)])}
    after, before = _tables(live), _tables(demo_store)
    with snapshot.read(demo_store) as con:
        assert grown > con.execute("SELECT SUM(n) FROM agg_evidence_keys WHERE team = ? AND year = 2024",
                                   [row["team"]]).fetchall()[0][0]
    assert {t: v for t, v in after.items() if t not in (*TOPIC_TABLES, "network_counts")} == {
        t: v for t, v in before.items() if t not in (*TOPIC_TABLES, "network_counts")}


def test_an_incremental_build_stores_what_a_full_build_stores(demo_store, tmp_path, monkeypatch):
    source = Path(json.loads((demo_store.parent / "built.json").read_text(encoding="utf-8"))["corpus"])
    corpus = tmp_path / "corpus"
    shutil.copytree(source, corpus)
    done = _grow(corpus)
    assert len(done) == 5
    live = tmp_path / "live" / "insights.duckdb"
    live.parent.mkdir()
    shutil.copyfile(demo_store, live)
    with snapshot.read(live) as con:
        pairs_before = con.execute("SELECT COUNT(DISTINCT doc_id) FROM follow_through").fetchall()[0][0]

    judged: list[tuple[str, str]] = []
    real = followthrough.judge_pairs

    def spy(pairs, sentences):
        pairs = list(pairs)
        judged.extend(pairs)
        return real(pairs, sentences)

    monkeypatch.setattr(followthrough, "judge_pairs", spy)
    carried: list[list[int]] = []
    unchanged_years = aggregates._unchanged_years

    def years_spy(con, changed):
        carried.append(unchanged_years(con, changed))
        return carried[-1]

    monkeypatch.setattr(aggregates, "_unchanged_years", years_spy)
    follow_carried: list[list[int]] = []
    follow_years = aggregates._follow_years
    monkeypatch.setattr(aggregates, "_follow_years", lambda con, years: follow_carried.append(
        follow_years(con, years)) or follow_carried[-1])
    counted: list[tuple[str, int, str]] = []
    count_pairs = passes._count_pairs

    def count_spy(con, words, doc_ids, sign, db=""):
        counted.append((doc_ids, sign, db))
        return count_pairs(con, words, doc_ids, sign, db)

    monkeypatch.setattr(passes, "_count_pairs", count_spy)
    evidence = _spy_evidence(monkeypatch)
    word_tables: list[tuple[str, int]] = []
    word_table = aggregates._word_table
    monkeypatch.setattr(aggregates, "_word_table", lambda con, name, docs, params, db="": word_tables.append(
        (name, params[0])) or word_table(con, name, docs, params, db))
    plans_read: dict[int, list[str]] = {}
    fresh_pairs = aggregates._fresh_pairs

    def fresh_spy(con, year, before, only=""):
        plans_read[year] = sorted(r[0] for r in con.execute(
            "SELECT DISTINCT f.doc_id FROM follow_through f JOIN documents d ON d.doc_id = f.doc_id WHERE d.year = ?"
            + (f" AND f.doc_id IN (SELECT doc_id FROM {only})" if only else ""), [year]).fetchall())
        return fresh_pairs(con, year, before, only)

    monkeypatch.setattr(aggregates, "_fresh_pairs", fresh_spy)
    report = build.build(corpus, live, workers=1, progress=False)
    assert (report.analysed, report.removed) == (3, 1)
    # 探索's word tables of the two changed years: the live counts with the added summaries' words added and the
    # removed one's taken away; in this small corpus one summary moves a word into each year's network words, so
    # the sentences holding it ("_sw": those only) are read for its pairs
    assert word_tables == [("_sw_added", 2022), ("_sw_removed", 2022), ("_sw", 2022),
                           ("_sw_added", 2025), ("_sw_removed", 2025), ("_sw", 2025)]
    # 2022 lost a summary whose sentences head lists of its grain: that grain is counted again; 2025's three new
    # summaries are merged into their grains' live lists; no year is counted whole
    with snapshot.read(demo_store) as con:
        gone = con.execute(f"SELECT {', '.join(AGGREGATE_GRAIN)} FROM documents WHERE source_file = ?",
                           [done["removed"]]).fetchall()
    with snapshot.read(live) as con:
        grown = con.execute(f"SELECT DISTINCT {', '.join(AGGREGATE_GRAIN)} FROM documents WHERE source_file IN "
                            "(?, ?, ?) ORDER BY ALL", [done["new0"], done["new1"], done["copy"]]).fetchall()
    assert evidence == {2022: (gone, []), 2025: ([], grown)}
    # the aggregates of the years without an added, removed or changed summary were copied, not summed
    with snapshot.read(demo_store) as con:
        all_years = {r[0] for r in con.execute("SELECT DISTINCT year FROM documents").fetchall()}
    assert all_years == {2021, 2022, 2023, 2024, 2025}
    assert carried == [[2021, 2023, 2024]]
    # plan verdicts: 2023's plans are judged against 2024 (carried too); 2021's against 2022 (one removed),
    # 2024's against 2025 (two added): summed again, and 2023's pairs moved down by the two new 2024 pairs
    assert follow_carried == [[2023]]
    # the network: the live sums carried, the three added documents counted and the removed one subtracted
    assert counted == [("SELECT doc_id FROM _added", 1, ""), ("SELECT doc_id FROM _removed", -1, "live.")]
    # only the pairs a new summary is part of were judged: the two new 2025 summaries' 2024 plans
    with snapshot.read(live) as con:
        new_ids = {r[0] for r in con.execute(
            "SELECT doc_id FROM documents WHERE source_file IN (?, ?, ?)",
            [done["new0"], done["new1"], done["copy"]]).fetchall()}
        copy_row = con.execute("SELECT copy_kind, copy_similarity FROM documents WHERE source_file = ?",
                               [done["copy"]]).fetchall()
        source_row = con.execute("SELECT copy_kind, copy_of FROM documents WHERE source_file = ?",
                                 [done["source"]]).fetchall()
    assert len(new_ids) == 3
    assert len(judged) == 2 and all(nxt in new_ids for _, nxt in judged)
    assert pairs_before > 10 * len(judged)
    # the page's plan pairs of the years not carried were updated by difference: of 2024 only the two plans judged
    # against the new summaries were read back; 2021 lost the pairs whose next summary was removed (none to read);
    # 2022 and 2025 have nothing new to pair
    assert plans_read == {2024: sorted(doc for doc, _ in judged), 2022: [], 2021: []}
    # a same-year copy is flagged both ways, the stored document included (it was not queried itself)
    assert copy_row == [("他人", 1.0)]
    assert source_row[0][0] == "他人" and source_row[0][1] in new_ids

    monkeypatch.setattr(followthrough, "judge_pairs", real)
    full = tmp_path / "full" / "insights.duckdb"
    build.build(corpus, full, workers=1, progress=False)
    incremental, everything = _tables(live), _tables(full)
    assert {t: v for t, v in incremental.items() if t not in (*TOPIC_TABLES, "network_counts")} == {
        t: v for t, v in everything.items() if t not in (*TOPIC_TABLES, "network_counts")}
    assert len(incremental["network_edges"]) == 60
    with snapshot.read(live) as con:  # what the page computes from every sentence of the store
        stored = con.execute("SELECT * FROM network_edges ORDER BY rank").df().drop(columns="rank")
        page = explore.network(con)
    assert stored.astype(str).to_dict("records") == page.astype(str).to_dict("records")
    # the sums the network is drawn from: every word's total as the full build's; the co-occurrences for the
    # words both builds keep them for (the incremental build keeps the live snapshot's candidates)
    totals = [r for r in incremental["network_counts"] if r[1] == ""]
    assert totals == [r for r in everything["network_counts"] if r[1] == ""] and len(totals) > 1000
    both = ({r[0] for r in incremental["network_counts"] if r[0] == r[1]}
            & {r[0] for r in everything["network_counts"] if r[0] == r[1]})
    assert len(both) >= 250
    assert ([r for r in incremental["network_counts"] if r[1] != "" and {r[0], r[1]} <= both]
            == [r for r in everything["network_counts"] if r[1] != "" and {r[0], r[1]} <= both])
    # the topic model is reused on purpose (3 new documents of 289): its topics and every stored
    # document's shares carried over, the new documents projected on it
    before = _tables(demo_store)
    assert incremental["topics"] == before["topics"] and incremental["topic_model"] == before["topic_model"]
    kept = {r[0] for r in incremental["documents"]} - new_ids
    for table in ("doc_topics", "sentence_topics"):
        assert [r for r in incremental[table] if r[0] in kept] == [r for r in before[table] if r[0] in kept]
    with snapshot.read(live) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'topics_projected'").fetchall() == [("3",)]
        model = explore.TopicModel(*[list(c) for c in zip(*con.execute(
            "SELECT word, idf, weights FROM topic_model ORDER BY code").fetchall())])
        model = explore.TopicModel(model.vocab, np.array(model.idf), np.array(model.components).T)
        ids = sorted(new_ids)
        code = {w: i for i, w in enumerate(model.vocab)}
        counts = np.zeros((len(ids), len(model.vocab)))
        for doc_id, term, n in con.execute("SELECT doc_id, term, n FROM terms WHERE doc_id IN (?, ?, ?)", ids).fetchall():
            if term in code:
                counts[ids.index(doc_id), code[term]] = n
    shares = explore.project(model, counts)
    expected = sorted(((ids[d], int(t), float(shares[d, t])) for d, t in zip(*np.nonzero(shares >= 0.01))), key=repr)
    assert [r for r in incremental["doc_topics"] if r[0] in new_ids] == expected
    assert len(expected) >= 3 and all(0.01 <= s <= 1 for _, _, s in expected)
    # the copy has its source's sentences: the same sentence topics, found for it alone
    with snapshot.read(live) as con:
        copy_id, source_id = (con.execute("SELECT doc_id FROM documents WHERE source_file = ?", [done[k]]).fetchall()[0][0]
                              for k in ("copy", "source"))
    copied = [r[1:] for r in incremental["sentence_topics"] if r[0] == copy_id]
    assert len(copied) >= 3 and copied == [r[1:] for r in incremental["sentence_topics"] if r[0] == source_id]
    # asked to refit (or past TOPIC_REFIT_SHARE), the same store holds exactly what the full build holds
    assert build.build(corpus, live, workers=1, progress=False, refit_topics=True).written
    assert _tables(live) == everything


def test_topics_are_refitted_once_the_unseen_documents_pass_the_share(demo_store, tmp_path, monkeypatch):
    from analysis.insight import passes

    source = Path(json.loads((demo_store.parent / "built.json").read_text(encoding="utf-8"))["corpus"])
    corpus = tmp_path / "corpus"
    shutil.copytree(source, corpus)
    _grow(corpus)
    live = tmp_path / "live" / "insights.duckdb"
    live.parent.mkdir()
    shutil.copyfile(demo_store, live)
    monkeypatch.setattr(passes, "TOPIC_REFIT_SHARE", 0.005)  # 3 new of 289 is past 0.5 %
    # a fresh file rather than a copy of the live one: the carried aggregates and verdicts are copied across
    # (the test above keeps them in place in a copy of the live file)
    monkeypatch.setattr(build, "FROM_LIVE_SHARE", 1.01)
    # the live sums without co-occurrences for the most frequent word: the network's vocabulary leaves the
    # stored candidates, so the build counts every document again (and stores what the full build stores)
    snapshot.close_readers(live)
    with duckdb.connect(str(live)) as con:
        top = con.execute("SELECT source FROM network_counts WHERE target = '' ORDER BY n DESC, source LIMIT 1"
                          ).fetchall()[0][0]
        con.execute("DELETE FROM network_counts WHERE target <> '' AND (source = ? OR target = ?)", [top, top])
    counted: list[str] = []
    count_pairs = passes._count_pairs
    monkeypatch.setattr(passes, "_count_pairs", lambda con, words, doc_ids, sign, db="": counted.append(
        doc_ids) or count_pairs(con, words, doc_ids, sign, db))
    build.build(corpus, live, workers=1, progress=False)
    assert counted == ["SELECT doc_id FROM _added", "SELECT doc_id FROM _removed", ""]
    full = tmp_path / "full" / "insights.duckdb"
    build.build(corpus, full, workers=1, progress=False)
    assert _tables(live) == _tables(full)
    with snapshot.read(live) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'topics_projected'").fetchall() == [("0",)]


def test_an_incremental_snapshot_starts_from_a_copy_of_the_live_file(tmp_path):
    store = tmp_path / "s.duckdb"
    with snapshot.new_snapshot(store) as con:
        snapshot.insert_rows(con, "documents", [{c: None for c in snapshot.TABLES["documents"]} | {
            "doc_id": d, "employee": "甲"} for d in ("a", "b", "c")])
        snapshot.insert_rows(con, "terms", [{"doc_id": d, "term": "回款", "n": 1} for d in ("a", "b", "c")])
        snapshot.insert_rows(con, "failures", [{"source_file": "x.txt", "reason": "空文件", "doc_id": ""}])
    with snapshot.new_snapshot(store, from_live=True) as con:
        assert snapshot.started_from_live(con)
        snapshot.copy_live(con, ("documents", "terms"), keep_doc_ids=["a", "c"])
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT doc_id FROM documents ORDER BY 1").fetchall() == [("a",), ("c",)]
        assert con.execute("SELECT doc_id FROM terms ORDER BY 1").fetchall() == [("a",), ("c",)]
        assert con.execute("SELECT COUNT(*) FROM failures").fetchall() == [(0,)]  # not asked for: emptied
    with snapshot.new_snapshot(store, from_live=True) as con:
        snapshot.copy_live(con, exclude_doc_ids=["a"])
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT doc_id FROM documents ORDER BY 1").fetchall() == [("c",)]
    # a live store of another schema is never copied: the snapshot starts empty and rows are inserted
    snapshot.close_readers(store)  # written in place: the process's read connection to it closed first
    with duckdb.connect(str(store)) as con:
        con.execute("ALTER TABLE documents ADD COLUMN extra VARCHAR")
    with snapshot.new_snapshot(store, from_live=True) as con:
        assert not snapshot.started_from_live(con)
        snapshot.copy_live(con)
        assert con.execute("SELECT doc_id FROM documents").fetchall() == [("c",)]


def test_follow_through_judged_in_chunks_read_back_from_the_store_is_the_same(demo_store, tmp_path, monkeypatch):
    """Memory bounded by the batch: a build that keeps no document's sentences or shingle sets in memory
    and judges the plans seven pairs at a time stores what the demo build stores."""
    from analysis.insight import passes

    corpus = Path(json.loads((demo_store.parent / "built.json").read_text(encoding="utf-8"))["corpus"])
    monkeypatch.setattr(passes, "KNOWN_SENTENCES_BYTES", 0)
    monkeypatch.setattr(passes, "KNOWN_SHINGLES_BYTES", 0)
    monkeypatch.setattr(passes, "PAIR_CHUNK", 7)
    store = tmp_path / "chunked.duckdb"
    build.build(corpus, store, workers=1, progress=False)
    tables = _tables(store)
    assert len({row[0] for row in tables["follow_through"]}) > 14  # more than two chunks of pairs
    assert tables == _tables(demo_store)


class _Lazy(passes.Inline):
    """An executor whose calls run only when their result is asked for: what a pass helper busy with them looks like
    to the build process, without threads. ``ran``: how many calls have run."""

    def __init__(self) -> None:
        self.ran = 0

    def submit(self, fn, /, *args, **kwargs):
        executor = self

        class Later(Future):
            def result(self, timeout=None):
                if not super().done():
                    executor.ran += 1
                    self.set_result(fn(*args, **kwargs))
                return super().result(timeout)

        return Later()


def test_the_build_process_waits_for_the_plans_judged_only_past_follow_ahead_chunks(demo_store, tmp_path,
                                                                                    monkeypatch):
    """The build process hands the plan pairs to the pass helper a chunk at a time and goes on with the other passes,
    waiting for verdicts only when ``FOLLOW_AHEAD`` chunks are unstored (the sentences each holds); the verdicts
    stored at the end are the demo build's whatever the limit."""
    with snapshot.read(demo_store) as con:
        assert con.execute(f"SELECT COUNT(*) FROM ({passes._PAIRS_SQL.format(db='')})").fetchall() == [(224,)]
    monkeypatch.setattr(passes, "PAIR_CHUNK", 45)  # the demo corpus's 224 pairs (a summary, its writer's next) in five
    expected = _tables(demo_store)["follow_through"]
    for ahead, judged_at_start in ((3, 3), (6, 0)):
        monkeypatch.setattr(passes, "FOLLOW_AHEAD", ahead)
        store = tmp_path / f"ahead{ahead}.duckdb"
        shutil.copy(demo_store, store)
        con = duckdb.connect(str(store))
        try:
            lazy = _Lazy()
            finish = passes.start_follow_through(con, executor=lazy)
            # five chunks: with three allowed unstored, the first three are waited for as the fourth and the fifth
            # are handed over; with six, none
            assert lazy.ran == judged_at_start
            assert finish() == 1948 and lazy.ran == 5
            rows = sorted(con.execute("SELECT * FROM follow_through").fetchall(), key=repr)
        finally:
            con.close()
        assert rows == expected


def _small_store(store: Path) -> None:
    with snapshot.new_snapshot(store) as con:
        snapshot.insert_rows(con, "documents", [{c: None for c in snapshot.TABLES["documents"]} | {
            "doc_id": d, "employee": "乙"} for d in ("a", "b", "c")])


def test_the_live_file_copied_ahead_is_the_snapshot_taken_or_is_deleted(tmp_path, monkeypatch):
    """``CopyAhead`` copies the live file while the build lists its corpus: ``new_snapshot(from_live=True)`` starts
    from that copy; a snapshot that does not (``from_live=False``), a build that writes nothing, and a copy stopped
    half-way leave no ``.building-*`` file behind."""
    store = tmp_path / "s.duckdb"
    _small_store(store)
    with snapshot.write_lock(store):
        ahead = snapshot.CopyAhead(store)
        assert ahead.thread is not None
        with snapshot.new_snapshot(store, from_live=True, ahead=ahead) as con:
            assert snapshot.started_from_live(con)
            assert con.execute("SELECT string_agg(doc_id, '' ORDER BY doc_id) FROM documents").fetchall() == [("abc",)]
            snapshot.copy_live(con, ("documents",), keep_doc_ids=["b"])
        ahead.discard()  # the taken copy is the store now: nothing to delete
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT doc_id FROM documents").fetchall() == [("b",)]
    with snapshot.write_lock(store), snapshot.CopyAhead(store) as ahead:
        with snapshot.new_snapshot(store, from_live=False, ahead=ahead) as con:
            assert not snapshot.started_from_live(con) and ahead.thread is None  # stopped and deleted
    # stopped after its first block of 4 KB: the partial copy goes
    monkeypatch.setattr(snapshot, "COPY_CHUNK", 4096)
    with snapshot.write_lock(store):
        ahead = snapshot.CopyAhead(store)
        ahead._stop.set()
        ahead.discard()
    assert [p.name for p in tmp_path.iterdir() if "building" in p.name] == []
    # a copy that could not be written to disk: the snapshot fails, the live file stays, nothing is left behind
    def fail(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(snapshot.os, "fdatasync", fail)
    with pytest.raises(OSError, match="Input/output"), snapshot.write_lock(store), snapshot.CopyAhead(store) as ahead:
        with snapshot.new_snapshot(store, from_live=True, ahead=ahead) as con:
            snapshot.insert_rows(con, "documents", [{c: None for c in snapshot.TABLES["documents"]} | {"doc_id": "z"}])
    monkeypatch.undo()
    with duckdb.connect(str(store), read_only=True) as con:  # as the snapshot without a copy left it: empty
        assert con.execute("SELECT COUNT(*) FROM documents").fetchall() == [(0,)]
    assert [p.name for p in tmp_path.iterdir() if "building" in p.name] == []
    # no live file, or one of another schema: nothing is copied
    assert snapshot.CopyAhead(tmp_path / "none.duckdb").thread is None
    assert not snapshot.CopyAhead(tmp_path / "none.duckdb").take()


def test_a_build_copies_the_live_file_ahead_only_to_start_from_it(tmp_path, monkeypatch):
    """An incremental build starts from the copy made while it listed; an unchanged corpus writes nothing and leaves
    no copy; a build of another analysis version does not copy the live file at all."""
    from analysis.insight.copies import shingles  # noqa: F401 - imported before the counting below
    corpus = tmp_path / "corpus"
    (corpus / "2024" / "销售部").mkdir(parents=True)
    body = "今年我负责华东区域的销售工作，完成回款三百万元，拜访客户一百二十家。明年继续跟进重点客户，加强产品知识学习。"
    for name in ("张三", "李四"):
        (corpus / "2024" / "销售部" / f"{name}.txt").write_text(f"{name}的年终总结。{body}", encoding="utf-8")
    store = tmp_path / "s.duckdb"
    build.build(corpus, store, workers=1, progress=False)
    made: list[snapshot.CopyAhead] = []
    original = snapshot.CopyAhead.__init__
    monkeypatch.setattr(snapshot.CopyAhead, "__init__", lambda self, s: made.append(self) or original(self, s))
    taken: list[bool] = []
    take = snapshot.CopyAhead.take
    monkeypatch.setattr(snapshot.CopyAhead, "take", lambda self: taken.append(take(self)) or taken[-1])
    (corpus / "2024" / "销售部" / "王五.txt").write_text(f"王五的年终总结。{body}", encoding="utf-8")
    assert build.build(corpus, store, workers=1, progress=False).analysed == 1
    assert len(made) == 1 and taken == [True] and made[0].taken and not made[0].path.exists()
    with snapshot.read(store) as con:
        assert con.execute("SELECT COUNT(*) FROM documents").fetchall() == [(3,)]
        assert con.execute("SELECT value FROM meta WHERE key = 'analysis_version'").fetchall()
    report = build.build(corpus, store, workers=1, progress=False)
    assert not report.written and len(made) == 2 and taken == [True] and not made[1].path.exists()
    assert [p.name for p in tmp_path.iterdir() if "building" in p.name] == []
    monkeypatch.setattr(build, "_live_version", lambda path: "an older version")
    build.build(corpus, store, workers=1, progress=False)
    assert len(made) == 2
