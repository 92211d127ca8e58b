"""The incremental build: corpus folder → analysed documents → a new store snapshot.

Documents are keyed by content hash; a document whose hash and analysis version are already in the
live store is reused (its metadata refreshed from the manifest and path), everything else is analysed
in a pool of worker processes. The store then mirrors the corpus: files that disappeared are dropped.
An unchanged corpus does not rewrite the store at all.

Documents managed from the dashboard (the ``managed`` table, see ``analysis.intake``) are the
exception: an uploaded document stays although it is in no folder (and is re-analysed from its saved
original when the analysis version changes), HR's metadata wins over the folder's, and a document HR
removed is not brought back by its file still being in the folder.
"""
from __future__ import annotations

import gc
import hashlib
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from analysis.insight import passes
from analysis.pipeline import Analysed, analyse_bytes, analyse_files, clear_memo, content_hash
from analysis.read import decode, ingest
from analysis.schema import ANALYSIS_VERSION, META_FIELDS
from analysis.store import snapshot


@dataclass
class BuildReport:
    analysed: int = 0
    reused: int = 0
    failed: int = 0
    removed: int = 0
    skipped: int = 0
    """Files whose document HR removed in the dashboard."""
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    seconds: float = 0.0
    written: bool = False

    def summary(self) -> str:
        return f"analysed {self.analysed}, reused {self.reused}, failed {self.failed}"


INSERT_BATCH = 1000
"""Documents per insert: DuckDB appends large batches several times faster than many small ones."""
CHUNK = 32
"""Most documents a worker analyses and sends back at once (fewer with few documents per worker)."""
AHEAD = 4
"""Chunks per worker process submitted ahead of the one the build is taking results from."""
FROM_LIVE_SHARE = 0.5
"""Share of the live store's documents reused from which a build starts from a copy of the live file
(``snapshot.new_snapshot(from_live=True)``); below it, a fresh file is written and the reused rows
copied in, which also drops the space a copied file keeps for deleted rows."""


@dataclass
class Job:
    """One file to analyse: its bytes, or (``path``) where a worker reads them, with their content hash."""

    source_file: str
    data: bytes
    meta: dict
    path: str | None = None
    """A corpus file listed by ``collect``: read where it is analysed, so the build holds no file's bytes."""
    key: str = ""
    """The content hash (doc_id): of ``data``, or of the file's bytes when ``collect`` listed it."""

    error: str = ""
    """Why the file could not be read when its bytes were fetched for another machine (``loaded``)."""

    def __post_init__(self) -> None:
        if not self.key and self.path is None:
            self.key = content_hash(self.data)

    def read(self) -> bytes:
        """The bytes to analyse. A file that changed since ``collect`` hashed it is refused: its rows
        would be stored under another doc_id than the one the build decided on."""
        if self.error:
            raise decode.IngestError(self.error)
        if self.path is None:
            return self.data
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise decode.IngestError(f"无法读取文件：{exc.strerror}") from exc
        if content_hash(data) != self.key:
            raise decode.IngestError("文件在构建过程中被修改，请重新运行构建")
        return data

    def loaded(self) -> Job:
        """The same job with its bytes in it (for a worker that cannot read this machine's files); a
        file that cannot be read carries the reason, which the worker reports as any bad file."""
        if self.path is None:
            return self
        try:
            return replace(self, data=self.read(), path=None)
        except decode.IngestError as exc:
            return replace(self, path=None, error=str(exc))


def _analyse_job(job: Job) -> Analysed | tuple[str, str]:
    """Runs in a worker: bad input comes back as (file, reason), never as an exception."""
    try:
        return analyse_bytes(job.source_file, job.read(), job.meta)
    except decode.IngestError as exc:
        return job.source_file, str(exc)
    except Exception as exc:  # a bug must not stop the other thousands of files
        return job.source_file, f"分析出错：{type(exc).__name__}: {exc}"


def _analyse_chunk(jobs: list[Job]) -> list[Analysed | tuple[str, str]]:
    """``_analyse_job`` of every job, their sentences scored in one batch (``pipeline.analyse_files``: per
    document, the scorers' fixed costs were a third of the analysis). A bug in the batch is not charged to
    every file of it: the jobs are then analysed one by one, and only the file that raises fails."""
    with _collector_paused():
        return _analyse_batch(jobs)


@contextmanager
def _collector_paused():
    """The garbage collector paused while a chunk is analysed (and packed): the analysis frees what it makes
    by reference counting (after a chunk, ``gc.collect()`` finds nothing unreachable), and a chunk allocates
    enough that the collector ran two hundred times per 200 documents, rescanning the chunk's live objects,
    5–10 % of the time, for nothing to collect. Its previous state is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyse_batch(jobs: list[Job]) -> list[Analysed | tuple[str, str]]:
    items: list[tuple[str, bytes, dict]] = []
    failed: dict[int, tuple[str, str]] = {}
    for n, job in enumerate(jobs):
        try:
            items.append((job.source_file, job.read(), job.meta))
        except decode.IngestError as exc:
            failed[n] = (job.source_file, str(exc))
    try:
        analysed = iter(analyse_files(items))
    except Exception:
        return [_analyse_job(j) for j in jobs]
    out: list[Analysed | tuple[str, str]] = []
    for n, job in enumerate(jobs):
        result = failed.get(n) or next(analysed)
        out.append((job.source_file, str(result)) if isinstance(result, decode.IngestError) else result)
    return out


@dataclass
class Packed:
    """A run of jobs' results in the form a worker sends back to the build.

    The per-document tables travel as Arrow record batches and each sentence's content words as one
    tab-joined string. The same results as row dicts and word lists cost the build's main process about
    0.3 s per 1,000 summaries to unpickle, on a core the workers need.
    """

    batches: dict[str, pa.RecordBatch]
    shingles: dict[str, np.ndarray]
    sentences: dict[str, list[tuple[int, str, str, str]]]
    """Per document, its sentences that have content words: (idx, section, label, words joined by tabs)."""
    failures: list[tuple[str, str]]
    documents: int


def pack(results: list[Analysed | tuple[str, str]]) -> Packed:
    """Results of ``_analyse_job`` (analysed documents and (file, reason) failures) as one ``Packed``."""
    analysed = [r for r in results if isinstance(r, Analysed)]
    sentences = [s for a in analysed for s in a.sentences]
    words = [w for a in analysed for w in a.words]
    batches = {
        "documents": snapshot.rows_batch("documents", [a.document for a in analysed]),
        "sentences": snapshot.rows_batch("sentences", sentences),
        "terms": snapshot.record_batch("terms", {
            "doc_id": [a.document["doc_id"] for a in analysed for _ in a.terms],
            "term": [t for a in analysed for t in a.terms],
            "n": [n for a in analysed for n in a.terms.values()],
        }),
        "signatures": snapshot.rows_batch("signatures", [a.signature for a in analysed]),
        "sentence_words": snapshot.rows_batch("sentence_words", words),
    }
    return Packed(
        batches=batches,
        shingles={a.document["doc_id"]: a.shingles for a in analysed if a.shingles is not None},
        sentences={a.document["doc_id"]: [(r["idx"], r["section"], r["label"], "\t".join(r["words"]))
                                          for r in a.sentences if r["words"]] for a in analysed},
        failures=[r for r in results if not isinstance(r, Analysed)],
        documents=len(analysed),
    )


def _analyse_packed(jobs: list[Job]) -> Packed:
    with _collector_paused():  # the documents' objects are gone before the collector runs again
        return pack(_analyse_chunk(jobs))


def insert(con, packs: list[Packed]) -> None:
    """Insert the per-document tables of packed results, one statement per table, then let DuckDB drop the
    blocks it keeps cached (``snapshot.drop_cache``): else the build process holds every block inserted so
    far until the end (~6 MB per 1,000 summaries), and its memory grows with the corpus, not the batch."""
    for table in snapshot.PER_DOCUMENT:
        snapshot.insert_arrow(con, table, [p.batches[table] for p in packs if p.batches[table].num_rows])
    snapshot.drop_cache(con)


def _warm_up() -> None:
    """Load what every worker needs once, before forking them: the segmenter's dictionary, the models, and
    pandas, which pyarrow imports on its first conversion of Python values (0.3 s per process)."""
    from analysis.insight.copies import shingles, signature
    from analysis.judge.sentiment import default_model
    from analysis.judge.themes import default_learned, default_taxonomy
    from analysis.text.segment import fast

    fast()
    default_model()
    default_taxonomy()
    default_learned()
    signature(shingles("预热"))  # imports datasketch's MinHash
    pa.array([], pa.string())


def analyse_many(
    jobs: list[Job], workers: int, progress: Callable[[int], None] | None = None,
    packed: bool = False, engine=None,
) -> Iterator[Analysed | tuple[str, str] | Packed]:
    """Analyse jobs, in worker processes when there are enough of them to pay for the pool.

    Yields each job's result in job order, or with ``packed`` one ``Packed`` per run of jobs (what
    the build inserts). ``engine``: another place to run ``_analyse_packed``, with the same contract
    (``analysis.distributed.DaskEngine``; packed results only).
    """
    if engine is not None:
        assert packed, "an engine yields packed results"
        yield from engine.analyse(jobs, progress)
        return
    _warm_up()
    if workers <= 1 or len(jobs) < 8:
        try:
            step = CHUNK if packed else 1
            for n in range(0, len(jobs), step):
                results = _analyse_chunk(jobs[n:n + step])
                yield from [pack(results)] if packed else results
                if progress:
                    progress(len(results))
        finally:
            clear_memo()  # this may be the dashboard's long-lived process: keep no sentences around
        return
    size = max(1, min(CHUNK, len(jobs) // (workers * 8)))
    chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    # forked: the workers inherit the warmed-up tokenizer and model
    with _forked(workers) as pool:
        # a window of chunks in flight, not all of them: results the build has not taken yet wait
        # in this process, so they must not pile up faster than it inserts them
        fn = _analyse_packed if packed else _analyse_chunk
        ahead = AHEAD * workers
        pending = deque(pool.submit(fn, chunk) for chunk in chunks[:ahead])
        try:
            for n, chunk in enumerate(chunks):
                results = pending.popleft().result()
                if n + ahead < len(chunks):
                    pending.append(pool.submit(fn, chunks[n + ahead]))
                yield from [results] if packed else results
                del results
                if progress:
                    progress(len(chunk))
        finally:
            for future in pending:
                future.cancel()


@contextmanager
def _forked(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of ``workers`` processes forked from this one (on its first task), each watching it
    (``_exit_with_parent``). The dictionaries and models loaded here are hundreds of thousands of long-lived objects:
    the garbage collector is frozen while the pool lives, so it stops rescanning them while results pile up here,
    and forked children do not copy their pages by touching them."""
    import multiprocessing as mp

    gc.freeze()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"), initializer=_exit_with_parent,
                               initargs=(os.getpid(),))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


@contextmanager
def pass_helper(enabled: bool) -> Iterator[Executor]:
    """Where a build's corpus-wide passes run their Python work (``passes.run``): one process forked from this one
    (``_forked``) when ``enabled``, else this process (``passes.INLINE``).

    While this process sums the aggregates in DuckDB, the helper judges plan follow-through and fits the topics:
    both are Python and numpy, and at a few thousand summaries DuckDB fills one core at most. A process, not a
    thread: the judging holds the GIL, and every DuckDB statement of the aggregates would wait for it. Forked, it
    shares the build process's pages (models, dictionaries) until either writes them. After its last task the build
    lets it go (``shutdown``), so it holds no memory through the rest of the passes."""
    if not enabled:
        yield passes.INLINE
        return
    with _forked(1) as pool:
        yield pool


def _exit_with_parent(parent: int) -> None:
    """A worker's first act: watch its build process and leave when it is gone.

    A build process killed outright (the kernel's OOM killer, ``kill -9``, a container's memory limit) runs no
    clean-up: its workers would wait on their task queue for ever, each holding the models and the dictionaries
    (300–700 MB), and a new build would have less memory than the one killed. The watch is a thread polling the
    parent's pid once a second, which works whichever thread started the pool (the kernel's parent-death signal
    follows the forking *thread*, and a dashboard upload builds from a script thread)."""
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="yearend-orphan-watch", daemon=True).start()


def _progress_bar(total: int, enabled: bool):
    if not enabled or total == 0:
        return None, lambda n: None
    from tqdm import tqdm

    tqdm.monitor_interval = 0
    bar = tqdm(total=total, unit="篇", desc="分析", file=sys.stderr, dynamic_ncols=True)
    return bar, bar.update


RACY_NS = 2_000_000_000
"""A file modified less than this before it was listed is not remembered in ``file_hashes``: rewritten again
within the file system's timestamp granularity, with the same size, it would look unchanged."""


def collect(corpus: Path, hashes: dict[str, tuple[int, int, str]] | None = None
            ) -> tuple[list[Job], list[tuple[str, str]]]:
    """Every file of the corpus as a job, holding its path and content hash, not its bytes.

    Each file is hashed as a stream (``file_hash``) and let go; the bytes are read again where the
    file is analysed (``Job.read``, in the worker), so the build's own memory does not grow with the
    corpus. Members of .zip archives keep their bytes (the archive is opened to list them).

    ``hashes``: path → (size, mtime_ns, content hash) of the previous build's listing (``file_hashes``). A
    file listed there with the same size and modification time is not read at all (at 100,000 files, reading
    them is most of an unchanged build); the dict is then replaced by this listing's files. As with every build
    tool that trusts timestamps, a file rewritten with the same size and modification time is taken as
    unchanged; any change of either is read and hashed again. The path is the one within the corpus folder: a
    folder moved, renamed or mounted elsewhere (``mv`` and ``rsync -a`` keep the times) is not read again
    (at 100,000 files that was 20 s on a local disk, minutes on a network share)."""
    jobs: list[Job] = []
    failures: list[tuple[str, str]] = []
    known, listed = hashes or {}, {}
    recent = time.time_ns() - RACY_NS
    root = os.path.join(os.path.abspath(corpus), "")
    for item in ingest.iter_corpus(Path(root), lazy=True):
        if isinstance(item, ingest.FileFailure):
            failures.append((item.source_file, item.reason))
            continue
        rel, data, meta = item
        if isinstance(data, ingest.OnDisk):
            try:
                path = data.path
                inside = path[len(root):] if path.startswith(root) else path  # as on disk (``rel`` is cleaned)
                st = os.stat(path)
                entry = known.get(inside)
                if entry is None or entry[:2] != (st.st_size, st.st_mtime_ns):
                    entry = (st.st_size, st.st_mtime_ns, file_hash(path))
                if st.st_mtime_ns < recent:
                    listed[inside] = entry
                jobs.append(Job(rel, b"", meta, path=path, key=entry[2]))
            except OSError as exc:
                failures.append((rel, f"无法读取文件：{exc.strerror}"))
        else:
            jobs.append(Job(rel, data, meta))
    if hashes is not None:
        hashes.clear()
        hashes.update(listed)
    return jobs, failures


def _store_hashes(con, hashes: dict[str, tuple[int, int, str]]) -> None:
    """This build's listing as ``file_hashes`` (``copy_live`` left the table empty: it is not carried)."""
    snapshot.insert_arrow(con, "file_hashes", [snapshot.record_batch("file_hashes", {
        "path": list(hashes), "size": [e[0] for e in hashes.values()],
        "mtime_ns": [e[1] for e in hashes.values()], "doc_id": [e[2] for e in hashes.values()]})])


def file_hash(path: str | Path) -> str:
    """``content_hash`` of a file's bytes, read in blocks: the file is never whole in memory."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()[:20]


def build(
    corpus: Path,
    store_path: Path,
    workers: int | None = None,
    progress: bool = True,
    on_failure: Callable[[str, str], None] | None = None,
    wait: float = 0.0,
    on_wait: Callable[[], None] | None = None,
    engine=None,
    refit_topics: bool = False,
) -> BuildReport:
    """Bring the store in line with the corpus; see the module docstring for the rules.

    ``wait``: seconds to wait for another writer (an upload from the dashboard) to finish; 0 fails at
    once with ``snapshot.StoreBusy``. ``engine``: where documents are analysed (``analyse_many``);
    None is this machine's process pool. ``refit_topics``: fit the topic model afresh even when few
    documents are new (``passes.update_topics``), which also rewrites an unchanged store.
    """
    started = time.perf_counter()
    corpus, store_path = Path(corpus), Path(store_path)
    if not corpus.is_dir():
        raise FileNotFoundError(f"找不到语料文件夹：{corpus}")
    workers = workers or min(os.cpu_count() or 1, 8)
    report = BuildReport()
    with snapshot.write_lock(store_path, wait=wait, on_wait=on_wait), ExitStack() as stack:
        same_version = _live_version(store_path) == ANALYSIS_VERSION
        # a store of this analysis version: most of it is likely reused, so the byte copy of the live file a new
        # snapshot starts from is made while the corpus is listed (discarded if the build does not start from it)
        ahead = stack.enter_context(snapshot.CopyAhead(store_path)) if same_version else None
        hashes = snapshot.live_file_hashes(store_path)
        jobs, read_failures = collect(corpus, hashes)
        failures = [(s, r, "") for s, r in read_failures]
        live = snapshot.live_documents(store_path)
        managed = snapshot.live_managed(store_path)
        failed_before = {f[2]: f[1] for f in snapshot.live_failures(store_path) if f[2]} if same_version else {}
        by_hash: dict[str, Job] = {}
        for job in jobs:
            key = job.key
            if key in by_hash:
                failures.append((job.source_file, f"与 {by_hash[key].source_file} 内容完全相同，已跳过", ""))
                continue
            if key in failed_before:
                failures.append((job.source_file, failed_before[key], key))
                continue
            if managed.get(key, {}).get("removed"):
                report.skipped += 1
                continue
            if key in managed:  # HR's metadata and file name win over the folder's
                job = replace(job, source_file=managed[key]["source_file"], meta=_managed_meta(managed[key]))
            by_hash[key] = job
        reuse = {k: j for k, j in by_hash.items() if live.get(k, {}).get("analysis_version") == ANALYSIS_VERSION}
        kept, stale, lost = _uploads_outside(managed, by_hash, live, store_path)
        reuse.update(stale)
        failures += lost
        todo = [j for k, j in by_hash.items() if k not in reuse] + list(kept.values())
        retag = {k: j for k, j in reuse.items() if (j.data or j.path) and _meta_changed(live[k], j)}
        removed = [k for k in live if k not in by_hash and k not in reuse and k not in kept]

        report.reused, report.removed = len(reuse), len(removed)
        if (store_path.exists() and not refit_topics and not todo and not retag and not removed
                and set(failures) == snapshot.live_failures(store_path) and _aggregates_current(store_path)):
            report.failed, report.failures = len(failures), failures
            _report_failures(failures, on_failure)
            report.seconds = time.perf_counter() - started
            return report
        by_source = {j.source_file: j for j in todo}
        bar, tick = _progress_bar(len(todo), progress)
        try:
            # most of the store unchanged: start from a copy of the live file and delete the rest
            with snapshot.new_snapshot(store_path, from_live=len(reuse) >= FROM_LIVE_SHARE * len(live),
                                   ahead=ahead) as con:
                _copy_reused(con, reuse, retag)
                _store_hashes(con, hashes)
                batch: list[Packed] = []
                known = passes.Known()
                for packed in analyse_many(todo, workers, tick, packed=True, engine=engine):
                    batch.append(packed)
                    for doc_id, sentences in packed.sentences.items():
                        known.add(doc_id, packed.shingles.get(doc_id), sentences)
                    report.analysed += packed.documents
                    failures += [(s, r, by_source[s].key) for s, r in packed.failures]
                    if sum(p.documents for p in batch) >= INSERT_BATCH:
                        insert(con, batch)
                        batch = []
                insert(con, batch)
                # The listing and its indexes (~2.5 KB per summary: ~250 MB at 100,000) are of no use to the corpus-wide
                # passes, whose peaks they would otherwise sit under: let them go first.
                del jobs, by_hash, todo, by_source, reuse, retag, kept, stale, live, managed, hashes, failed_before
                del removed, batch
                # a helper process pays for its fork when the build analysed enough to have had a pool
                with pass_helper(engine is None and workers > 1 and report.analysed >= 8) as helper:
                    passes.run(con, known, refit_topics=refit_topics, helper=helper)
                snapshot.insert_rows(con, "failures", [
                    {"source_file": s, "reason": r, "doc_id": h} for s, r, h in failures
                ])
                snapshot.insert_rows(con, "meta", [
                    {"key": "built_at", "value": time.strftime("%Y-%m-%d %H:%M:%S")},
                    {"key": "analysis_version", "value": ANALYSIS_VERSION},
                ])
        finally:
            if bar is not None:
                bar.close()
        report.written = True
        snapshot.clean_orphans(store_path)  # originals of an upload that crashed before its snapshot
        report.failed, report.failures = len(failures), failures
        _report_failures(failures, on_failure)
    report.seconds = time.perf_counter() - started
    return report


def _report_failures(failures: list[tuple[str, str, str]], on_failure: Callable[[str, str], None] | None) -> None:
    if on_failure:
        for source, reason, _ in failures:
            on_failure(source, reason)


def _live_version(store_path: Path) -> str | None:
    if not store_path.exists():
        return None
    with snapshot.read(store_path) as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'analysis_version'").fetchone()
    return row[0] if row else None


def _aggregates_current(store_path: Path) -> bool:
    """Whether the live snapshot has every aggregate table, written by this code's ``aggregates.VERSION``: an unchanged
    corpus rewrites the store when not, so a new aggregate (or a new meaning of one) reaches the dashboard with the
    next build instead of leaving it on the base tables."""
    from analysis.query.sql import has_aggregates

    with snapshot.read(store_path) as con:
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        return set(snapshot.DERIVED) <= present and has_aggregates(con)


def _managed_meta(row: dict) -> dict:
    return {k: row[k] for k in META_FIELDS if row.get(k) not in (None, "", 0)}


def _uploads_outside(managed: dict[str, dict], by_hash: dict[str, Job], live: dict[str, dict], store_path: Path
                     ) -> tuple[dict[str, Job], dict[str, Job], list[tuple[str, str, str]]]:
    """Uploaded documents that no folder file carries: (to analyse again, to keep as they are, lost).

    An up-to-date upload is kept without reading its original; an outdated one (the analysis version
    changed) is analysed again from its saved original; one whose original has gone missing keeps
    its old rows and is reported.
    """
    todo: dict[str, Job] = {}
    keep: dict[str, Job] = {}
    lost: list[tuple[str, str, str]] = []
    for key, row in managed.items():
        if row["origin"] != "upload" or row["removed"] or key in by_hash:
            continue
        if live.get(key, {}).get("analysis_version") == ANALYSIS_VERSION:
            keep[key] = Job(row["source_file"], b"", {}, key=key)
            continue
        try:
            data = (snapshot.originals_dir(store_path) / row["original"]).read_bytes()
        except OSError:
            lost.append((row["source_file"], f"上传的原件 {row['original']} 已丢失，无法重新分析", key))
            if key in live:
                keep[key] = Job(row["source_file"], b"", {}, key=key)
            continue
        todo[key] = Job(row["source_file"], data, _managed_meta(row))
    return todo, keep, lost


def _meta_changed(stored: dict, job: Job) -> bool:
    if stored["source_file"] != job.source_file:
        return True
    return any(job.meta.get(k) not in (None, "", 0) and job.meta.get(k) != stored[k] for k in META_FIELDS)


def _copy_reused(con, reuse: dict[str, Job], retag: dict[str, Job]) -> None:
    """Carry the template library, HR's records and the unchanged documents over from the live
    snapshot, with metadata refreshed where it changed."""
    # a byte copy of the live file also keeps its aggregates, plan verdicts and topics: the passes delete what changed
    derived = (*snapshot.DERIVED, "follow_through", *passes.TOPIC_TABLES) if snapshot.started_from_live(con) else ()
    snapshot.copy_live(con, ("templates", "managed", "corrections", *snapshot.PER_DOCUMENT, *derived),
                       keep_doc_ids=list(reuse))
    for doc_id, job in retag.items():
        sets = {k: v for k, v in job.meta.items() if k in META_FIELDS and v not in (None, "", 0)}
        sets["source_file"] = job.source_file
        assignments = ", ".join(f'"{k}" = ?' for k in sets)
        con.execute(f"UPDATE documents SET {assignments} WHERE doc_id = ?", [*sets.values(), doc_id])
