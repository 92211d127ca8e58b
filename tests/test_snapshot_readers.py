"""One read-only connection per snapshot file, shared by every query of the process (``snapshot.read``):
reused while the file stays the same, replaced when a new snapshot is swapped in, safe from several
threads, and never in the way of a writer."""
from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from analysis.store import snapshot


def _write(store: Path, employees: list[str]) -> None:
    """A snapshot with one document per employee, swapped in over ``store`` as a build does."""
    rows = []
    for i, name in enumerate(employees):
        row = {c: 0 for c in snapshot.DOCUMENT_COLUMNS}
        row.update(doc_id=f"d{i}", employee=name, department="销售部", team="华东组", role="专员", year=2024,
                   source_file=f"{i}.txt", file_format="txt", encoding="utf-8", traditional=False, copy_of="",
                   copy_kind="", copy_similarity=None, follow_through=None, analysis_version="t")
        rows.append(row)
    with snapshot.write_lock(store), snapshot.new_snapshot(store) as con:
        snapshot.insert_rows(con, "documents", rows)


def _employees(store: Path) -> list[str]:
    with snapshot.read(store) as con:
        return [r[0] for r in con.execute("SELECT employee FROM documents ORDER BY doc_id").fetchall()]


@pytest.fixture
def store(tmp_path) -> Path:
    path = tmp_path / "insights.duckdb"
    _write(path, ["张伟", "李娜"])
    yield path
    snapshot.close_readers(path)


@pytest.fixture
def connects(monkeypatch) -> list[str]:
    """The files the store module opened (``duckdb.connect``: a reader's in-memory database is ':memory:')."""
    opened: list[str] = []
    real = duckdb.connect

    def counting(database: str = ":memory:", *args, **kwargs):
        opened.append(database)
        return real(database, *args, **kwargs)

    monkeypatch.setattr(snapshot.duckdb, "connect", counting)
    return opened


def test_one_connection_serves_every_read_of_a_snapshot(store, connects):
    for _ in range(5):
        assert _employees(store) == ["张伟", "李娜"]
    assert connects == [":memory:"]  # opened once, five cursors on it


def test_a_new_snapshot_swapped_in_is_read_at_once_in_the_same_process(store, connects):
    assert _employees(store) == ["张伟", "李娜"]
    _write(store, ["王芳"])  # the build writes a new file and renames it over the one being read
    assert _employees(store) == ["王芳"]
    _write(store, ["赵磊", "陈静", "刘洋"])
    assert _employees(store) == ["赵磊", "陈静", "刘洋"]
    readers = [c for c in connects if c == ":memory:"]
    assert len(readers) == 3  # one reader per snapshot


def test_a_read_in_progress_keeps_its_snapshot_and_does_not_block_the_writer(store):
    with snapshot.read(store) as held:
        assert held.execute("SELECT COUNT(*) FROM documents").fetchone() == (2,)
        # an incremental build (copy of the live file, delete, insert) while the reader holds the old file
        with snapshot.write_lock(store), snapshot.new_snapshot(store, from_live=True) as con:
            assert snapshot.started_from_live(con)
            snapshot.copy_live(con, exclude_doc_ids=["d0"])
        assert _employees(store) == ["李娜"]  # a new read: the new snapshot
        assert held.execute("SELECT employee FROM documents ORDER BY doc_id").fetchall() == [("张伟",), ("李娜",)]
    assert _employees(store) == ["李娜"]


def test_reads_from_two_threads_while_snapshots_are_swapped(store):
    snapshots = [["张伟", "李娜"], ["王芳"], ["赵磊", "陈静", "刘洋"], ["孙丽"]]
    seen: list[list[str]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                seen.append(_employees(store))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
            stop.set()

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for employees in snapshots[1:]:
        _write(store, employees)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert seen and all(s in snapshots for s in seen)  # every read saw one whole snapshot
    assert _employees(store) == ["孙丽"]


def test_a_store_written_in_place_after_its_readers_are_closed(store):
    assert _employees(store) == ["张伟", "李娜"]
    with pytest.raises(duckdb.Error):  # DuckDB refuses to write a file this process has attached
        duckdb.connect(str(store)).close()
    snapshot.close_readers(store)
    with duckdb.connect(str(store)) as con:
        con.execute("UPDATE documents SET employee = '周杰' WHERE doc_id = 'd0'")
    assert _employees(store) == ["周杰", "李娜"]


def test_a_missing_store_is_an_error_and_no_reader_is_kept(tmp_path):
    missing = tmp_path / "none.duckdb"
    with pytest.raises(duckdb.IOException):
        _employees(missing)
    assert str(missing) not in snapshot._readers


def test_a_forked_worker_starts_without_the_parents_reader(store):
    """An upload analyses its files in forked worker processes while the dashboard holds its reader."""
    import multiprocessing

    assert _employees(store) == ["张伟", "李娜"]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        assert pool.apply(_employees, (store,)) == ["张伟", "李娜"]  # the child opens its own
    assert _employees(store) == ["张伟", "李娜"]


def test_a_fact_about_a_snapshot_is_worked_out_once_and_a_new_snapshot_works_it_out_again(store):
    """``snapshot.remember``: a fact about the attached file (whether it has current aggregates, whether its rows
    are where agg_doc_rows says) is computed by the first cursor that asks and shared by every later cursor on the
    same snapshot; the snapshot swapped in after a build has none; a connection not from ``read`` always computes."""
    asked: list[int] = []

    def employees_now(con):
        def count() -> int:
            asked.append(1)
            return con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        return snapshot.remember(con, "documents", count)

    for _ in range(3):
        with snapshot.read(store) as con:
            assert employees_now(con) == 2
    assert len(asked) == 1
    _write(store, ["张伟", "李娜", "王芳"])
    with snapshot.read(store) as con:
        assert employees_now(con) == 3
    with snapshot.read(store) as con:
        assert employees_now(con) == 3
    assert len(asked) == 2
    snapshot.close_readers(store)
    with duckdb.connect(str(store)) as writer:
        assert employees_now(writer) == employees_now(writer) == 3
    assert len(asked) == 4
