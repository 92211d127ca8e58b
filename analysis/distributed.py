"""The build's per-document analysis on a Dask cluster: the same pure function, on many machines.

In: the build's jobs (file name, bytes, metadata hints). Out: the build's ``Packed`` results, in job
order, exactly as ``build.analyse_many`` yields them, so the build inserts them into its new snapshot
and runs the corpus-wide passes (copies, follow-through, topics) as it always does.

How: the jobs are cut into batches; each batch is analysed on a worker by ``build._analyse_packed``
(the function the local process pool runs) and written there as Parquet, one file per batch and
per-document table, under a run folder::

    <run>/documents/part-000000.parquet   <run>/sentences/part-000000.parquet   …
    <run>/terms/…  <run>/signatures/…  <run>/sentence_words/…
    <run>/failures/…   (source_file, reason): files the worker could not analyse
    <run>/shingles/…   (doc_id, shingle hashes): handed to the copy pass, not stored

The build reads each batch's files back in order. On a cluster of several machines the run folder
must be a path every worker and the build's machine see alike (a shared mount); a LocalCluster on
this machine (no ``--address``) needs nothing. Workers load the dictionary and models once, when
they join (``WarmUp``), and check that they run the same code as the build (``code_fingerprint``).
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from distributed import Client, LocalCluster
from distributed.diagnostics.plugin import WorkerPlugin

from analysis import build
from analysis.paths import PACKAGE_DIR
from analysis.store import snapshot

BATCH = 256
"""Most documents per task and per Parquet file: large enough that a million summaries make a few
thousand files, small enough that every worker gets many tasks (fewer with few documents)."""
FAILURE_SCHEMA = pa.schema([("source_file", pa.string()), ("reason", pa.string())])
RUN_TABLES = (*snapshot.PER_DOCUMENT, "failures", "shingles")


class EngineError(RuntimeError):
    """The cluster cannot run this build (unreachable, other code, threads); said in words for the CLI."""


# ------------------------------------------------------------------------------------------ on a worker
@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of every file of the ``analysis`` package (code, dictionaries, taxonomy, training
    sentences): a worker with other code would write other rows under the same analysis version."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


WARM_UPS = 0
"""How often this process loaded the dictionary and models (1 on every worker; a test checks it)."""
BATCHES = 0
"""Batches this process analysed."""


class WarmUp(WorkerPlugin):
    """Loads jieba's dictionary and the models once per worker process, when it joins the cluster,
    so that no task pays for them (``build._warm_up``, what the local pool does before forking)."""

    name = "yearend-warm-up"

    def setup(self, worker) -> None:
        global WARM_UPS
        build._warm_up()
        WARM_UPS += 1


def _worker_facts() -> dict:
    return {"code": code_fingerprint(), "warm_ups": WARM_UPS}


def _write(table: pa.Table, path: Path) -> None:
    """One Parquet file, written aside and renamed (a task run twice leaves one whole file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    os.chmod(tmp, snapshot.PRIVATE_FILE)  # named employees' summaries, like the store itself
    os.replace(tmp, path)


def _part(run: Path, table: str, n: int) -> Path:
    return run / table / f"part-{n:06d}.parquet"


@dataclass
class Batch:
    """A batch of jobs as one object, so that ``Client.scatter`` sends it to one worker whole."""

    jobs: list[build.Job]


def analyse_batch(batch: Batch, run: str, n: int) -> int:
    """Runs on a worker: analyse a batch and write its Parquet files; returns the documents analysed."""
    global BATCHES
    packed = build._analyse_packed(batch.jobs)
    root = Path(run)
    for table in snapshot.PER_DOCUMENT:
        _write(pa.Table.from_batches([packed.batches[table]], snapshot.ARROW_SCHEMAS[table]), _part(root, table, n))
    _write(pa.table({"source_file": [s for s, _ in packed.failures], "reason": [r for _, r in packed.failures]},
                    schema=FAILURE_SCHEMA), _part(root, "failures", n))
    _write(pa.table({"doc_id": list(packed.shingles), "shingles": list(packed.shingles.values())}),
           _part(root, "shingles", n))
    BATCHES += 1
    return packed.documents


# ------------------------------------------------------------------------------------------ on the build
def local_cluster(workers: int) -> LocalCluster:
    """A cluster on this machine alone: the scheduler, the workers, their nannies and the scheduler's HTTP
    endpoint (health, metrics; no dashboard without bokeh) listen on 127.0.0.1 only, on free ports; one
    thread per worker process (the analysis is Python: more cores, more processes)."""
    with _bare_main():
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                            dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)


@contextlib.contextmanager
def _bare_main() -> Iterator[None]:
    """Start worker processes without re-running the caller's ``__main__``.

    Dask's nannies start workers with multiprocessing's *spawn*, which imports the parent's main module
    by its path in every child. From the CLI that is ``analysis.__main__`` (guarded, harmless); inside a
    process that has run a Streamlit script (the dashboard, an AppTest) ``__main__`` is ``app.py``, and
    each worker would run the whole app and die. The workers need nothing from ``__main__``: tasks refer
    to functions of the ``analysis`` package by name."""
    import sys
    import types

    saved = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if saved is not None:
            sys.modules["__main__"] = saved


def read_batch(run: Path, n: int) -> build.Packed:
    """Batch ``n`` of a run folder as the ``Packed`` the local pool would have sent back."""
    tables = {t: pq.read_table(_part(run, t, n), schema=snapshot.ARROW_SCHEMAS[t])
              for t in snapshot.PER_DOCUMENT}
    batches = {t: (tab.combine_chunks().to_batches() or [pa.RecordBatch.from_pylist([], schema=tab.schema)])[0]
               for t, tab in tables.items()}
    doc_ids = tables["documents"].column("doc_id").to_pylist()
    # the follow-through pass's view of each document: its sentences with content words, in order
    labels = {(d, i): (s, lab) for d, i, s, lab in zip(*(tables["sentences"].column(c).to_pylist()
                                                         for c in ("doc_id", "idx", "section", "label")))}
    sentences: dict[str, list[tuple[int, str, str, str]]] = {d: [] for d in doc_ids}
    for d, i, words in zip(*(tables["sentence_words"].column(c).to_pylist() for c in ("doc_id", "idx", "words"))):
        sentences[d].append((i, *labels[d, i], "\t".join(words)))
    for rows in sentences.values():
        rows.sort()
    shingled = pq.read_table(_part(run, "shingles", n))
    shingles = {}
    if shingled.num_rows:
        column = shingled.column("shingles").combine_chunks()
        values, offsets = column.values.to_numpy(), column.offsets.to_numpy()
        for k, doc_id in enumerate(shingled.column("doc_id").to_pylist()):
            shingles[doc_id] = np.array(values[offsets[k]:offsets[k + 1]])
    failed = pq.read_table(_part(run, "failures", n), schema=FAILURE_SCHEMA)
    return build.Packed(batches=batches, shingles=shingles, sentences=sentences,
                        failures=list(zip(failed.column("source_file").to_pylist(),
                                          failed.column("reason").to_pylist())),
                        documents=len(doc_ids))


@dataclass
class DaskEngine:
    """Where and how a build analyses its documents on Dask (``build.build(..., engine=...)``).

    ``address``: a running scheduler (``tcp://host:8786``); without one, a LocalCluster of ``workers``
    processes on 127.0.0.1 for the length of the build. ``run_dir``: where the Parquet batches go; a
    folder given here is kept, the default (beside the store) is removed once the build has read it.
    """

    address: str | None = None
    workers: int | None = None
    run_dir: Path | None = None
    store: Path | None = None
    batch: int | None = None

    @contextlib.contextmanager
    def client(self) -> Iterator[Client]:
        if self.address:
            try:
                client = Client(self.address, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise EngineError(f"无法连接 Dask 调度器 {self.address}：{exc}") from exc
            with client:
                yield client
            return
        with local_cluster(self.workers or os.cpu_count() or 1) as cluster, Client(cluster) as client:
            yield client

    @contextlib.contextmanager
    def run_folder(self) -> Iterator[Path]:
        if self.run_dir is not None:
            yield snapshot.private_dir(Path(self.run_dir))
            return
        store = Path(self.store or "insights.duckdb")
        root = snapshot.private_dir(store.parent / f"{store.name}.runs")
        run = snapshot.private_dir(root / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
        try:
            yield run
        finally:
            shutil.rmtree(run, ignore_errors=True)

    def check(self, client: Client) -> None:
        """Every worker single-threaded, running this very code, with its models loaded."""
        try:
            client.wait_for_workers(1, timeout=120)
        except TimeoutError as exc:
            raise EngineError("两分钟内没有工作进程连上调度器：请先在工作机上启动 dask worker") from exc
        threads = client.nthreads()
        crowded = sorted(w for w, n in threads.items() if n != 1)
        if crowded:
            raise EngineError(f"工作进程 {', '.join(crowded)} 有多个线程：请用 dask worker --nthreads 1 启动"
                              "（分析在 Python 里进行，一个进程一个线程；要多用核就多开进程 --nworkers）")
        try:
            client.register_plugin(WarmUp())
            facts = client.run(_worker_facts)
        except Exception as exc:  # the scheduler relays a worker's ModuleNotFoundError as a bare Exception
            raise EngineError(f"工作进程无法加载本项目（{exc}）：请在每台机器上部署同一版本的仓库、安装 "
                              "requirements.txt，并以 PYTHONPATH=仓库目录 启动 dask scheduler 与 dask worker") from exc
        other = sorted(w for w, f in facts.items() if f["code"] != code_fingerprint())
        if other:
            raise EngineError(f"工作进程 {', '.join(other)} 运行的代码与本机不同（analysis 包的指纹 "
                              f"{code_fingerprint()}）：请在每台机器上部署同一版本的仓库")

    def analyse(self, jobs: list[build.Job], progress: Callable[[int], None] | None = None
                ) -> Iterator[build.Packed]:
        """The jobs' results in job order, one ``Packed`` per batch (``build.analyse_many``'s contract)."""
        if not jobs:
            return
        with self.client() as client, self.run_folder() as run:
            self.check(client)
            for table in RUN_TABLES:
                snapshot.private_dir(run / table)
            slots = 2 * sum(client.nthreads().values())
            size = self.batch or max(1, min(BATCH, len(jobs) // (slots * 2)))
            chunks = [jobs[i:i + size] for i in range(0, len(jobs), size)]
            pending: deque = deque()

            def submit(n: int) -> None:
                # the bytes of one batch at a time: a remote worker cannot read this machine's files
                [data] = client.scatter([Batch([job.loaded() for job in chunks[n]])], hash=False)
                pending.append(client.submit(analyse_batch, data, str(run), n, pure=False,
                                             key=f"yearend-batch-{run.name}-{n}"))

            for n in range(min(slots, len(chunks))):
                submit(n)
            for n in range(len(chunks)):
                future = pending.popleft()
                try:
                    future.result()
                except Exception as exc:
                    files = "、".join(j.source_file for j in chunks[n][:5])
                    hint = (f"；工作进程写不进 {run}：连接远程集群时 --run-dir 必须是每台机器都能以同一路径读写的"
                            "共享文件夹" if isinstance(exc, OSError) else "")
                    raise EngineError(f"第 {n} 批（{files}……）在工作进程上失败：{type(exc).__name__}: {exc}"
                                      f"{hint}") from exc
                future.release()
                if n + len(pending) + 1 < len(chunks):
                    submit(n + len(pending) + 1)
                if not _part(run, "documents", n).exists():
                    raise EngineError(f"工作进程写入的 {run} 在本机看不到：连接远程集群时 --run-dir "
                                      "必须是每台机器都能以同一路径读写的共享文件夹")
                yield read_batch(run, n)
                if progress:
                    progress(len(chunks[n]))
