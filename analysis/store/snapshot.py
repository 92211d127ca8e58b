"""The DuckDB store: snapshots written aside and swapped in atomically.

DuckDB lets one process hold a database file for writing and then no other process may open it, not
even read-only. A build can take minutes while the dashboard is open, so the build never writes the
live file: it writes a new snapshot next to it (reusing unchanged documents from the live one) and
``os.replace``-s it over the live path. Readers share one read-only connection per snapshot file (``read``)
and see either the old snapshot or the new one, never a half-written one; a build killed half-way leaves only
a stray ``*.building-*`` file, which the next build removes.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from analysis.schema import (
    AGG_DOC_ROW_TYPES,
    AGG_EVIDENCE_KEY_TYPES,
    AGG_EVIDENCE_TYPES,
    AGG_FOLLOW_PAIR_TYPES,
    AGG_FOLLOW_TYPES,
    AGG_NETWORK_PAIR_TYPES,
    AGG_NETWORK_WORD_TYPES,
    AGG_SECTION_TERM_TYPES,
    AGG_SENTIMENT_TYPES,
    AGG_STATE_TYPES,
    AGG_TERM_TYPES,
    AGG_THEME_SECTION_TYPES,
    AGG_WORD_SENTENCE_TYPES,
    CORRECTION_TYPES,
    DOC_TOPIC_TYPES,
    DOCUMENT_COLUMNS,
    DOCUMENT_TYPES,
    FILE_HASH_TYPES,
    FOLLOW_TYPES,
    MANAGED_TYPES,
    NETWORK_COUNT_TYPES,
    NETWORK_EDGE_TYPES,
    SENTENCE_COLUMNS,
    SENTENCE_TOPIC_TYPES,
    SENTENCE_TYPES,
    SENTENCE_WORD_TYPES,
    SIGNATURE_TYPES,
    TAXONOMY_TYPES,
    TEMPLATE_TYPES,
    TOPIC_MODEL_TYPES,
    TOPIC_TYPES,
)

TERM_TYPES = {"doc_id": "VARCHAR", "term": "VARCHAR", "n": "INTEGER"}
FAILURE_TYPES = {"source_file": "VARCHAR", "reason": "VARCHAR", "doc_id": "VARCHAR"}
META_TYPES = {"key": "VARCHAR PRIMARY KEY", "value": "VARCHAR"}
TABLES = {
    "documents": DOCUMENT_TYPES,
    "sentences": SENTENCE_TYPES,
    "terms": TERM_TYPES,
    "failures": FAILURE_TYPES,
    "meta": META_TYPES,
    "managed": MANAGED_TYPES,
    "signatures": SIGNATURE_TYPES,
    "sentence_words": SENTENCE_WORD_TYPES,
    "templates": TEMPLATE_TYPES,
    "follow_through": FOLLOW_TYPES,
    "corrections": CORRECTION_TYPES,
    "topics": TOPIC_TYPES,
    "doc_topics": DOC_TOPIC_TYPES,
    "sentence_topics": SENTENCE_TOPIC_TYPES,
    "topic_model": TOPIC_MODEL_TYPES,
    "taxonomies": TAXONOMY_TYPES,
    "network_edges": NETWORK_EDGE_TYPES,
    "network_counts": NETWORK_COUNT_TYPES,
    "file_hashes": FILE_HASH_TYPES,
    "agg_theme_sections": AGG_THEME_SECTION_TYPES,
    "agg_sentiment": AGG_SENTIMENT_TYPES,
    "agg_terms": AGG_TERM_TYPES,
    "agg_section_terms": AGG_SECTION_TERM_TYPES,
    "agg_follow": AGG_FOLLOW_TYPES,
    "agg_follow_pairs": AGG_FOLLOW_PAIR_TYPES,
    "agg_evidence": AGG_EVIDENCE_TYPES,
    "agg_evidence_keys": AGG_EVIDENCE_KEY_TYPES,
    "agg_word_sentences": AGG_WORD_SENTENCE_TYPES,
    "agg_network_words": AGG_NETWORK_WORD_TYPES,
    "agg_network_pairs": AGG_NETWORK_PAIR_TYPES,
    "agg_doc_rows": AGG_DOC_ROW_TYPES,
    "agg_state": AGG_STATE_TYPES,
}
# Tables derived from the others once per snapshot (analysis/insight/aggregates.py): never copied from the live
# snapshot, so a snapshot whose base tables changed cannot carry aggregates of the old ones.
DERIVED = ("agg_theme_sections", "agg_sentiment", "agg_terms", "agg_section_terms", "agg_follow", "agg_follow_pairs",
           "agg_evidence", "agg_evidence_keys", "agg_word_sentences", "agg_network_words", "agg_network_pairs",
           "agg_doc_rows", "agg_state")
# Tables with one row set per document, keyed by doc_id: copied across for documents a build reuses,
# left out for documents removed or re-analysed.
PER_DOCUMENT = ("documents", "sentences", "terms", "signatures", "sentence_words")

_ARROW = {
    "VARCHAR": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(),
    "VARCHAR[]": pa.list_(pa.string()), "BLOB": pa.binary(), "DOUBLE[]": pa.list_(pa.float64()),
}


def _arrow_schema(types: dict[str, str]) -> pa.Schema:
    return pa.schema([(name, _ARROW[t.split()[0]]) for name, t in types.items()])


ARROW_SCHEMAS = {name: _arrow_schema(types) for name, types in TABLES.items()}


PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
"""The store, the audit log and the uploaded originals are personnel files: readable by the service's
own account only, never by every user of the machine (0644 / 0755 under the usual umask)."""


class StoreBusy(RuntimeError):
    """Another build holds the store's write lock."""


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    for name, types in TABLES.items():
        cols = ", ".join(f'"{c}" {t}' for c, t in types.items())
        con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({cols})')


def record_batch(table: str, columns: dict[str, list]) -> pa.RecordBatch:
    """Column lists as a record batch of ``table``, typed by its schema (list and int columns stay typed)."""
    schema = ARROW_SCHEMAS[table]
    return pa.RecordBatch.from_pydict({c: columns[c] for c in schema.names}, schema=schema)


def rows_batch(table: str, rows: list[dict]) -> pa.RecordBatch:
    """Plain dict rows (extra keys ignored) as a record batch of ``table``."""
    return record_batch(table, {c: [r[c] for r in rows] for c in TABLES[table]})


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Insert plain dict rows through Arrow, whose explicit schema keeps list and int columns typed."""
    if rows:
        insert_arrow(con, table, [rows_batch(table, rows)])


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, batches: list[pa.RecordBatch]) -> None:
    """Insert record batches of ``table`` (see ``record_batch``) in one statement."""
    if not batches:
        return
    arrow = pa.Table.from_batches(batches, schema=ARROW_SCHEMAS[table]).combine_chunks()
    con.register("_incoming", arrow)
    try:
        cols = ", ".join(f'"{c}"' for c in TABLES[table])
        con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM _incoming')
    finally:
        con.unregister("_incoming")


class _Reader:
    """One read-only connection to one snapshot file, shared by every query of this process.

    Opening the file costs 30–170 ms at 10,000 summaries (DuckDB reads its catalog and metadata) and a
    dashboard page runs about ten queries, so the connection is kept while the file's ``data_version`` stays
    the same and every query runs on a cursor of its own (``con.cursor()``: a connection to the same
    database, safe to use from another thread). The file is attached to a private in-memory database rather
    than opened by path: ``duckdb.connect(path)`` hands back an instance DuckDB caches per path, which keeps
    the OLD file open after a new snapshot has been renamed over the path.
    """

    def __init__(self, store: Path | str, version: str):
        self.version = version
        self.users = 0
        self.retired = False
        self.facts: dict[str, Any] = {}  # ``remember``: what cannot change while the file is open read-only
        self.con = duckdb.connect()
        try:
            self.con.execute(f"ATTACH '{_sql_path(Path(store))}' AS {_READ_AS} (READ_ONLY)")
        except BaseException:
            self.con.close()
            raise

    def cursor(self) -> duckdb.DuckDBPyConnection:
        cur = self.con.cursor()
        cur.execute(f"USE {_READ_AS}")  # a cursor starts on the in-memory database
        return cur


_READ_AS = "snapshot"
_MAX_READERS = 4
"""Stores with a connection kept open (the dashboard reads one; the least recently read beyond this is closed)."""
_readers: dict[str, _Reader] = {}
_readers_lock = threading.Lock()


def _release(reader: _Reader) -> None:
    """Under ``_readers_lock``: close a reader no longer current once its last query has ended."""
    if reader.retired and reader.users == 0:
        reader.con.close()


def _retire(key: str) -> None:
    """Under ``_readers_lock``."""
    old = _readers.pop(key, None)
    if old is not None:
        old.retired = True
        _release(old)


@contextlib.contextmanager
def read(store: Path | str) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only cursor on the live snapshot; a build can swap the file in between two reads.

    The connection behind it is opened once per snapshot (``_Reader``): when ``data_version`` changes, the
    next read opens the new file and the old connection is closed as soon as the queries still running on
    it end. A cursor sees one snapshot from its first query to its last."""
    key = os.path.abspath(store)
    version = data_version(store)
    with _readers_lock:
        reader = _readers.get(key)
        if reader is None or reader.version != version:
            _retire(key)
            reader = _Reader(store, version)
        _readers.pop(key, None)
        _readers[key] = reader  # the most recently read last
        while len(_readers) > _MAX_READERS:
            _retire(next(iter(_readers)))
        reader.users += 1
    try:
        cur = reader.cursor()
        _facts[id(cur)] = reader.facts
        try:
            yield cur
        finally:
            _facts.pop(id(cur), None)
            cur.close()
    finally:
        with _readers_lock:
            reader.users -= 1
            _release(reader)


T = TypeVar("T")
_facts: dict[int, dict[str, Any]] = {}
"""The facts of the snapshot behind each open ``read`` cursor (by the cursor's id, while it is open)."""


def remember(con: duckdb.DuckDBPyConnection, key: str, compute: Callable[[], T]) -> T:
    """``compute()``, worked out once per snapshot when ``con`` is a ``read`` cursor: a fact about the snapshot's
    file (whether it has current aggregates, whether its rows lie where ``agg_doc_rows`` says) cannot change while
    it is attached read-only, and a new snapshot is a new reader with no facts. A page asks such questions before
    most of its queries (1–3 ms each, 10–20 per page at 100,000 summaries). Any other connection (a writer's)
    computes every time."""
    facts = _facts.get(id(con))
    if facts is None:
        return compute()
    if key not in facts:
        facts[key] = compute()
    return facts[key]


def close_readers(store: Path | str | None = None) -> None:
    """Close the shared read connection of ``store`` (of every store without one) once its queries end.

    DuckDB refuses to open a file for writing in a process that has it attached for reading: whoever
    writes a store in place (not through ``new_snapshot``, which writes a new file) calls this first."""
    with _readers_lock:
        for key in [os.path.abspath(store)] if store is not None else list(_readers):
            _retire(key)


_inherited: list[_Reader] = []


def _forget_readers() -> None:
    """In a forked child (the analysis workers of an upload or build) the parent's connections are not
    usable: start without them. They are never closed nor even freed here: DuckDB's destructor, run in a
    child without the parent's threads, crashes the process (a worker exits with ``os._exit``)."""
    global _readers_lock
    _inherited.extend(_readers.values())
    _readers.clear()
    _readers_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_readers)


def exists(store: Path | str) -> bool:
    return Path(store).is_file()


def data_version(store: Path | str) -> str:
    """Changes whenever a new snapshot is swapped in (new inode); the dashboard's cache key."""
    try:
        st = os.stat(store)
    except FileNotFoundError:
        return "missing"
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


@contextlib.contextmanager
def write_lock(store: Path, wait: float = 0.0, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """One writer at a time per store.

    With ``wait`` 0 a second writer fails fast; otherwise it waits up to ``wait`` seconds (an upload
    must not fail because a build is finishing). A writer that waited reads the live snapshot only
    after it holds the lock, so it starts from what the previous writer swapped in. ``on_wait`` is
    called once if the lock is not free at once (to tell the user why nothing moves).
    """
    store = Path(store)
    store.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(store.with_name(store.name + ".lock"), os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    with os.fdopen(fd, "w") as fh:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    raise StoreBusy(f"另一个构建正在写入 {store.name}，请稍后再试") from exc
                if on_wait and not told:
                    on_wait()
                    told = True
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


WRITER_MEMORY_ENV = "YEAREND_DUCKDB_MEMORY"


def writer_config() -> dict[str, str]:
    """DuckDB settings of a connection writing a snapshot: a buffer limit only if ``YEAREND_DUCKDB_MEMORY``
    sets one (e.g. ``2GB``); else DuckDB's default, 80 % of the machine's memory.

    A build keeps the table blocks it inserted cached up to the limit (~7 MB per 1,000 summaries, measured),
    and joins and aggregates spill to a directory beside the file beyond it. A fixed 512 MB limit was tried
    and a 100,000-summary build then failed in the aggregates pass (DuckDB could not pin a block for the
    plan pairs' table: not every operator spills), so the limit is the operator's choice, not a default.
    """
    limit = os.environ.get(WRITER_MEMORY_ENV, "").strip()
    return {"memory_limit": limit} if limit else {}


CACHE_FLOOR = "64MB"
"""What ``drop_cache`` lowers DuckDB's memory limit to for an instant: its buffer manager evicts cached blocks
down to it (they are on disk, or go to the spill directory), then the limit is put back."""


def drop_cache(con: duckdb.DuckDBPyConnection) -> None:
    """Release the table blocks DuckDB keeps cached in this connection's database, keeping its memory limit.

    Under the writer's default limit (80 % of RAM) DuckDB keeps every block a build inserted or read cached:
    ~6 MB per 1,000 summaries, 634 MB at 100,000, held by the build process through every later pass. Nothing
    is lost by dropping them (a query reads a block back from the file when it needs it), and a *fixed* low
    limit is no alternative: not every operator spills (a 512 MB limit failed a 100k build). So the limit is
    lowered to ``CACHE_FLOOR`` only for the eviction, then restored: to the writer's setting
    (``writer_config``, as given, since the limit DuckDB shows is rounded: '300MB' reads '286.1 MiB', which set
    again is 286.0 MiB), else to DuckDB's default, else (a connection opened with another limit) to the limit
    shown. If what cannot be evicted (pinned blocks of a running statement) exceeds the floor, DuckDB refuses
    the lower limit: the cache is then kept."""
    def shown() -> str:
        return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    before = shown()
    try:
        con.execute(f"SET memory_limit = '{CACHE_FLOOR}'")
    except duckdb.Error:
        return
    finally:
        configured = writer_config().get("memory_limit")
        con.execute(f"SET memory_limit = '{configured}'" if configured else "RESET memory_limit")
        if shown() != before:
            con.execute(f"SET memory_limit = '{before}'")


COPY_CHUNK = 64 << 20
"""Bytes copied per call while the live file is copied ahead (``CopyAhead``): how far a cancelled copy goes on."""


def _building(store: Path) -> Path:
    return store.with_name(f"{store.name}.building-{os.getpid()}")


def _clear_strays(store: Path) -> None:
    for stray in store.parent.glob(store.name + ".building-*"):
        if stray.is_dir():  # DuckDB's spill directory of a build that crashed
            shutil.rmtree(stray, ignore_errors=True)
        else:
            stray.unlink(missing_ok=True)


class CopyAhead:
    """The live file copied to the next snapshot's path in a thread, begun before the build knows it will start
    from it (``new_snapshot(from_live=True, ahead=…)``).

    Why: at 100,000 summaries the byte copy of the live file (800 MB) took 2.3 s of a 19 s incremental build, and the
    listing of the corpus before it 3 s of one core, all Python. The copy is the kernel's (``os.sendfile``, without
    the GIL), so both go on at once. Once copied, the thread also writes the copy to disk (``fdatasync``) while the
    build analyses: else the snapshot's first checkpoint waited for those 800 MB (0.9 s). When the build turns out
    not to want the copy (an unchanged corpus, most documents re-analysed), ``discard`` stops it within
    ``COPY_CHUNK`` bytes and deletes it. Call under ``write_lock``: nothing else writes the live file meanwhile, so
    the copy is the file as the build finds it."""

    def __init__(self, store: Path) -> None:
        self.store = Path(store)
        self.path = _building(self.store)
        self.error: BaseException | None = None
        self.taken = False
        self._stop = threading.Event()
        self._copied = threading.Event()
        self.thread: threading.Thread | None = None
        _clear_strays(self.store)
        if self.store.exists() and _current_schema(self.store):
            self.thread = threading.Thread(target=self._copy, name="yearend-copy-ahead", daemon=True)
            self.thread.start()

    def _copy(self) -> None:
        try:
            with open(self.store, "rb") as src, open(self.path, "wb") as dst:
                try:
                    size, offset = os.fstat(src.fileno()).st_size, 0
                    while offset < size and not self._stop.is_set():
                        try:
                            sent = os.sendfile(dst.fileno(), src.fileno(), offset, min(COPY_CHUNK, size - offset))
                        except OSError:  # a system whose sendfile wants a socket: copy through a buffer
                            src.seek(offset)
                            sent = dst.write(src.read(min(COPY_CHUNK, size - offset)))
                        if not sent:
                            raise OSError(f"复制数据库时读取中断：{self.store}")
                        offset += sent
                finally:
                    self._copied.set()
                if not self._stop.is_set():
                    os.fdatasync(dst.fileno())
        except BaseException as error:  # noqa: BLE001 - raised again in the thread that takes the copy
            self.error = error
            self._copied.set()

    def take(self) -> bool:
        """Wait for the copy (not for its write to disk); whether there is one (a live file of the current schema).
        Raises what the copy raised. The copy is then the snapshot's: ``settle`` before it replaces the live file."""
        if self.thread is None:
            return False
        self._copied.wait()
        if self.error is not None:
            self.discard()
            raise self.error
        self.taken = True
        return True

    def settle(self) -> None:
        """Wait for the copy's write to disk; raises what it raised (a snapshot must not replace the live file then)."""
        if self.thread is not None:
            self.thread.join()
            if self.error is not None:
                raise self.error

    def discard(self) -> None:
        """Stop the copy and delete it (nothing once ``new_snapshot`` took it)."""
        if self.thread is not None and not self.taken:
            self._stop.set()
            self.thread.join()
            self.thread = None
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> CopyAhead:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()


@contextlib.contextmanager
def new_snapshot(store: Path, from_live: bool = False, ahead: CopyAhead | None = None
                 ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a fresh snapshot file that replaces ``store`` only if the block succeeds.

    Call under ``write_lock``. The live store, if any, is attached read-only as ``live`` so unchanged
    rows can be copied across in SQL.

    ``from_live``: start from a byte copy of the live file instead of an empty one, when its tables
    are the ones ``TABLES`` declares; ``copy_live`` then deletes what the new snapshot must not keep
    rather than inserting what it keeps. Copying the file runs at disk speed, where re-inserting every
    row re-encodes and re-compresses the whole store (most of an incremental build's time at 100,000
    summaries). Readers are as safe as before: the copy is a new file swapped in whole. The caller
    must call ``copy_live`` first, before it writes anything. ``ahead``: the copy begun earlier (``CopyAhead``),
    taken when ``from_live``, else discarded.
    """
    tmp = _building(store)
    if ahead is not None:
        copied = from_live and ahead.take()
        if not copied:
            ahead.discard()
    else:
        _clear_strays(store)
        copied = from_live and store.exists() and _current_schema(store)
        if copied:
            shutil.copyfile(store, tmp)
    con = duckdb.connect(str(tmp), config=writer_config())
    ok = False
    try:
        create_tables(con)
        if store.exists():
            con.execute(f"ATTACH '{_sql_path(store)}' AS live (READ_ONLY)")
        if copied:
            con.execute(f"CREATE TEMP TABLE {_FROM_LIVE} AS SELECT 1 AS copied")
        yield con
        if store.exists():
            con.execute("DETACH live")
        con.execute("CHECKPOINT")
        if ahead is not None and ahead.taken:
            ahead.settle()  # a copy that could not be written to disk must not replace the live file
        ok = True
    finally:
        con.close()
        if ok:
            os.chmod(tmp, PRIVATE_FILE)  # named employees' summaries: the owner only, whatever the umask
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, store)
            dir_fd = os.open(store.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        else:
            tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


_FROM_LIVE = "_snapshot_from_live"


def _current_schema(store: Path) -> bool:
    """Whether the store's tables and columns are exactly those of ``TABLES`` (a copy of an older
    store would keep its old columns)."""
    with read(store) as con:
        rows = con.execute("SELECT table_name, column_name, data_type FROM duckdb_columns() "
                           "WHERE database_name = current_database() AND schema_name = 'main'").fetchall()
    found: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        found.setdefault(table, {})[column] = kind
    wanted = {name: {c: t.split()[0] for c, t in types.items()} for name, types in TABLES.items()}
    return found == wanted


def started_from_live(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether this snapshot began as a copy of the live file (``new_snapshot(from_live=True)``)."""
    return bool(con.execute(
        "SELECT COUNT(*) FROM duckdb_tables() WHERE temporary AND table_name = ?", [_FROM_LIVE]).fetchall()[0][0])


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def live_documents(store: Path) -> dict[str, dict]:
    """doc_id → stored metadata, version and source file of the live snapshot (empty if none)."""
    if not store.exists():
        return {}
    with read(store) as con:
        cols = ["doc_id", "analysis_version", "source_file", "employee", "department", "team", "role", "year"]
        rows = con.execute(f"SELECT {', '.join(cols)} FROM documents").fetchall()
    return {r[0]: dict(zip(cols, r)) for r in rows}


def live_failures(store: Path) -> set[tuple[str, str, str]]:
    """(source_file, reason, doc_id) of the files the live snapshot could not analyse.

    doc_id is the content hash where the bytes were read ('' otherwise), so an unchanged bad file is
    reported again without being analysed again.
    """
    if not store.exists():
        return set()
    with read(store) as con:
        return {tuple(r) for r in con.execute("SELECT source_file, reason, doc_id FROM failures").fetchall()}


def originals_dir(store: Path | str) -> Path:
    """Where uploaded originals are kept, content-addressed: ``<store dir>/originals/<sha256>.<ext>``."""
    return Path(store).parent / "originals"


def private_dir(folder: Path) -> Path:
    """``folder`` created if missing, and owner-only (0700) either way."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, PRIVATE_DIR)
    return folder


PENDING_PREFIX = ".pending-"


@contextlib.contextmanager
def pending_originals(store: Path | str, names: list[str]) -> Iterator[None]:
    """Announce originals an upload has saved but not yet recorded in a snapshot.

    An upload saves its originals before it analyses them, outside the write lock, so another writer
    that cleans orphans meanwhile must leave them alone. The announcement is a file listing the names,
    locked for as long as the upload runs: a crashed upload's lock is gone with its process, and its
    originals become orphans that the next write removes.
    """
    folder = private_dir(originals_dir(store))
    marker = folder / f"{PENDING_PREFIX}{os.getpid()}-{time.monotonic_ns()}"
    fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    with os.fdopen(fd, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write("\n".join(names))
        fh.flush()
        try:
            yield
        finally:
            marker.unlink(missing_ok=True)
            fcntl.flock(fh, fcntl.LOCK_UN)


def _announced(folder: Path) -> set[str]:
    """Names listed by uploads still running; the markers of crashed ones are removed."""
    names: set[str] = set()
    for marker in folder.glob(PENDING_PREFIX + "*"):
        try:
            fh = open(marker)
        except OSError:
            continue
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:  # its upload is running
                names.update(line for line in fh.read().splitlines() if line)
                continue
            fcntl.flock(fh, fcntl.LOCK_UN)
            marker.unlink(missing_ok=True)
    return names


def clean_orphans(store: Path | str) -> list[str]:
    """Remove saved originals that no document of the live snapshot refers to and no running upload
    has announced (an upload that crashed between saving and writing); returns their names.

    Call under ``write_lock``, after the new snapshot is live.
    """
    folder = originals_dir(store)
    if not folder.is_dir():
        return []
    kept = {row.get("original") for row in live_managed(Path(store)).values()} | _announced(folder)
    removed = []
    for path in folder.iterdir():
        name = path.name
        if name.startswith(".") and name.endswith(".tmp"):  # save_original's temporary ".<name>.<random>.tmp"
            name = name[1:].removesuffix(".tmp").rsplit(".", 1)[0]
        if path.name.startswith(PENDING_PREFIX) or not path.is_file() or name in kept:
            continue
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return sorted(removed)


def live_has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the attached live snapshot has a table (stores built before it existed do not)."""
    return bool(con.execute(
        "SELECT COUNT(*) FROM duckdb_tables() WHERE database_name = 'live' AND table_name = ?", [name]
    ).fetchall()[0][0])


COPY_ROWS = 1_000_000
"""Rows of a live per-document table ``copy_live`` inserts at once into a fresh snapshot (a store whose schema changed
cannot be byte-copied): the build process holds one range's written blocks, not the table's."""


def copy_live(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...] = tuple(t for t in TABLES if t not in DERIVED),
              exclude_doc_ids: list[str] | tuple[str, ...] = (), keep_doc_ids: list[str] | None = None) -> None:
    """Copy tables of the live snapshot into a new one, by column name, leaving some documents' analysis
    (``PER_DOCUMENT``) out: those of ``exclude_doc_ids``, or all but ``keep_doc_ids`` when given.

    By name, and only the columns both declare: a live store written before a column was added (or
    by a branch with more columns) still copies; a missing column stays NULL until the next build
    re-analyses the document. In a snapshot that started as a copy of the live file the same result
    is reached by deleting: the tables not asked for are emptied and the documents left out deleted.
    """
    ids = keep_doc_ids if keep_doc_ids is not None else exclude_doc_ids
    if ids or keep_doc_ids is not None:
        con.register("_doc_ids", pa.table({"doc_id": pa.array(list(ids), pa.string())}))
    try:
        if started_from_live(con):
            for name in TABLES:
                if name not in tables:
                    con.execute(f'DELETE FROM "{name}"')
                elif name in PER_DOCUMENT and keep_doc_ids is not None:
                    con.execute(f'DELETE FROM "{name}" WHERE doc_id NOT IN (SELECT doc_id FROM _doc_ids)')
                elif name in PER_DOCUMENT and exclude_doc_ids:
                    con.execute(f'DELETE FROM "{name}" WHERE doc_id IN (SELECT doc_id FROM _doc_ids)')
            return
        for name in tables:
            if not live_has_table(con, name):
                continue
            cond = ""
            if name in PER_DOCUMENT and keep_doc_ids is not None:
                cond = " WHERE doc_id IN (SELECT doc_id FROM _doc_ids)"
            elif name in PER_DOCUMENT and exclude_doc_ids:
                cond = " WHERE doc_id NOT IN (SELECT doc_id FROM _doc_ids)"
            present = {r[0] for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE database_name = 'live' AND table_name = ?", [name]
            ).fetchall()}
            cols = ", ".join(f'"{c}"' for c in TABLES[name] if c in present)
            if name not in PER_DOCUMENT:
                con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM live."{name}"{cond}')
                continue
            # a per-document table in ranges of the live table's rows, DuckDB's cached blocks let go after each:
            # copied whole, the 100,000-summary tables left 1.9 GB of written blocks cached in the build process
            last = con.execute(f'SELECT MAX(rowid) FROM live."{name}"').fetchall()[0][0]
            for start in range(0, (last if last is not None else -1) + 1, COPY_ROWS):
                where = f"{cond} AND" if cond else " WHERE"
                con.execute(f'INSERT INTO "{name}" ({cols}) SELECT {cols} FROM live."{name}"{where} '
                            f"rowid BETWEEN {start} AND {start + COPY_ROWS - 1}")
                drop_cache(con)
    finally:
        if ids or keep_doc_ids is not None:
            con.unregister("_doc_ids")


def live_file_hashes(store: Path) -> dict[str, tuple[int, int, str]]:
    """path → (size, mtime_ns, content hash) of the corpus files the live snapshot's build listed (empty if
    none, or a store written before the table existed)."""
    if not store.exists():
        return {}
    with read(store) as con:
        if not con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'file_hashes'").fetchall()[0][0]:
            return {}
        rows = con.execute("SELECT path, size, mtime_ns, doc_id FROM file_hashes").fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def live_managed(store: Path) -> dict[str, dict]:
    """doc_id → row of the ``managed`` table (uploads, HR's re-tags and removals) of the live snapshot."""
    if not store.exists():
        return {}
    with read(store) as con:
        has = con.execute("SELECT COUNT(*) FROM duckdb_tables() WHERE table_name = 'managed'").fetchall()[0][0]
        if not has:
            return {}
        cols = list(TABLES["managed"])
        rows = con.execute(f"SELECT {', '.join(cols)} FROM managed").fetchall()
    return {r[0]: dict(zip(cols, r)) for r in rows}


__all__ = [
    "DOCUMENT_COLUMNS", "SENTENCE_COLUMNS", "TABLES", "StoreBusy", "create_tables", "insert_rows",
    "read", "close_readers", "exists", "data_version", "write_lock", "new_snapshot", "live_documents", "live_failures",
    "originals_dir", "copy_live", "started_from_live", "live_managed", "private_dir", "pending_originals",
    "clean_orphans",
]
