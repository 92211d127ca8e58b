"""Dashboard speed on a large store: time to first render of every page, of a filter change, peak memory.

    .venv/bin/python bench/dashboard.py [--docs 10000] [--unique] [--repeat 3] [--workers N] [--out bench/out]
    .venv/bin/python bench/dashboard.py --store PATH [--pages 计划落实 关键词] [--base-tables] [--queries]

Builds (or reuses) a store of ``--docs`` documents made by corpus/generate.py (``--unique``: every sentence
made unique by a numbered tag before its end mark, as real corpora repeat few sentences), or measures
the store at ``--store`` (e.g. a 100,000-summary store built once beforehand), then drives the app with
Streamlit's AppTest, in this process, the way the server runs it: router + page, server-side only (no
browser paint, no network; scripts compiled once, as the server does). For each page and each repeat:

- cold: every cache cleared, the page opened (what the first visitor after a rebuild waits for);
- warm: the same page opened again (every later visit with the same filters);
- filter: on that page, the sidebar filter set to one department (new queries, cold for that filter).

Medians over the repeats are printed as a table (wall seconds, and the CPU seconds of the process for the cold
open and the filter change: steadier than wall time on a shared machine), with the peak resident memory of
this process and the load average at the end.
``--queries`` also prints, per page, the time of each ``analysis.query`` question in its cold open and its
filter change (summed over the repeats, the slowest first): where a page's time goes.
``--base-tables`` reads the base tables only (``analysis.query.sql.AGGREGATES`` off): the figures the
aggregate tables replace, measured in the same conditions. ``--connection-per-query`` opens the store anew
for every query (the reads before the shared connection of ``analysis.store.snapshot.read``), likewise.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import query  # noqa: E402
from analysis.bench import load_generator, make_unique  # noqa: E402


def ensure_store(docs: int, out: Path, workers: int | None, unique: bool = False) -> Path:
    """A store of ``docs`` generated documents under ``out``, brought up to date by an (incremental) build.

    The corpus is generated once and kept; the build re-analyses only documents stored by an older
    analysis version, so a store left by an earlier checkout is never measured as it was."""
    folder = out / f"dashboard-{docs}{'-unique' if unique else ''}"
    path = folder / "insights.duckdb"
    corpus = folder / "corpus"
    if not (corpus / "manifest.csv").exists():
        started = time.perf_counter()
        load_generator().generate_corpus(corpus, n_docs=docs)
        if unique:
            make_unique(corpus)  # the generator repeats its template sentences; a real corpus does not
        print(f"生成语料 {docs:,} 篇：{time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store", str(path), "--quiet"]
    if workers:
        cmd += ["--workers", str(workers)]
    subprocess.run(cmd, cwd=ROOT, check=True)  # a separate process: its memory is not the dashboard's
    print(f"构建数据库：{time.perf_counter() - started:.1f} s（{query.store_info(path)['documents']:,} 篇）")
    return path


def steady_state_navigation() -> None:
    """AppTest re-detects the pages/ folder before every run; a running server stops doing so after the
    first st.navigation call (see tests/test_pages.py). Measure the running server."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init


def steady_state_scripts() -> None:
    """AppTest compiles app.py and the page anew on every run (a new ``ScriptCache`` per run); a running
    server compiles each script once and keeps its bytecode. Measure the running server."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


CPU: list[float] = []
"""CPU seconds of this process (every thread: the script's, DuckDB's) of each ``timed`` run, in order: on a
machine shared with other work, wall time varies by ±50 % between runs and CPU time much less."""


def timed(at) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    at.run()
    elapsed = time.perf_counter() - started
    CPU.append(time.process_time() - cpu)
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return elapsed


def rss_mb() -> float:
    """Resident memory of this process now (MB)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


QUERY_LOG: list[tuple[str, float]] | None = None
"""With ``--queries``: (question, seconds) of every ``analysis.query`` call since the log was last cleared."""


def log_queries() -> None:
    """Time every question of ``analysis.query`` (ui.data calls them through ``getattr(query, name)``)."""
    import functools

    global QUERY_LOG
    QUERY_LOG = []
    for name in dir(query):
        fn = getattr(query, name)
        if callable(fn) and not isinstance(fn, type) and getattr(fn, "__module__", "").startswith("analysis.query"):
            @functools.wraps(fn)
            def timed_query(*args, _fn=fn, _name=name, **kwargs):
                started = time.perf_counter()
                try:
                    return _fn(*args, **kwargs)
                finally:
                    QUERY_LOG.append((_name, time.perf_counter() - started))
            setattr(query, name, timed_query)


def _slowest(log: list[tuple[str, float]], top: int = 6) -> str:
    totals: dict[str, float] = {}
    for name, seconds in log:
        totals[name] = totals.get(name, 0.0) + seconds
    return ", ".join(f"{n} {s:.2f}" for n, s in sorted(totals.items(), key=lambda x: -x[1])[:top])


def measure(path: Path, repeat: int, pages: list[str] | None = None
            ) -> list[tuple[str, float, float, float, float, float]]:
    import streamlit as st
    from streamlit.logger import set_log_level
    from streamlit.testing.v1 import AppTest

    from ui.state import PAGES

    os.environ["YEAREND_STORE"] = str(path)
    set_log_level("error")  # AppTest without a server warns about the missing runtime on every run
    steady_state_navigation()
    steady_state_scripts()
    department = query.options(path)["department"][0]
    rows = []
    for spec in PAGES:
        if pages and spec.title not in pages:
            continue
        cold, warm, change, cold_cpu, change_cpu = [], [], [], [], []
        logs: dict[str, list] = {"cold": [], "filter": []}
        for _ in range(repeat):
            st.cache_data.clear()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            # The first run registers the pages; opening the page is the run that is measured.
            timed(at)
            st.cache_data.clear()
            at.switch_page(spec.path)
            _clear_log()
            cold.append(timed(at))
            cold_cpu.append(CPU[-1])
            logs["cold"] += _clear_log()
            warm.append(timed(at))
            at.multiselect(key="f_department").set_value([department])
            _clear_log()
            change.append(timed(at))
            change_cpu.append(CPU[-1])
            logs["filter"] += _clear_log()
        if QUERY_LOG is not None:
            print(f"{spec.title}: 首次打开 [{_slowest(logs['cold'])}]；切换部门 [{_slowest(logs['filter'])}]",
                  flush=True)
        rows.append((spec.title, statistics.median(cold), statistics.median(warm), statistics.median(change),
                     statistics.median(cold_cpu), statistics.median(change_cpu)))
        # each page as soon as it is measured: a run over every page of a 100k store takes long on a loaded machine
        title, cold_s, warm_s, change_s = rows[-1][:4]
        print(f"{title}：首次打开 {cold_s:.3f} s，再次打开 {warm_s:.3f} s，切换部门 {change_s:.3f} s，"
              f"RSS {rss_mb():.0f} MB，负载 {os.getloadavg()[0]:.1f}", flush=True)
    return rows


def connection_per_query() -> None:
    """Every ``snapshot.read`` opens the file anew, as before the shared read connection: the same-run
    comparison for what that connection saves."""
    import contextlib

    import duckdb

    from analysis.store import snapshot

    @contextlib.contextmanager
    def read(store):
        con = duckdb.connect(str(store), read_only=True)
        try:
            yield con
        finally:
            con.close()

    snapshot.read = read


def _clear_log() -> list[tuple[str, float]]:
    if QUERY_LOG is None:
        return []
    out = list(QUERY_LOG)
    QUERY_LOG.clear()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--unique", action="store_true", help="每句加编号，使语料中没有重复的句子")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--store", type=Path, default=None, help="测量已有的数据库（不生成、不构建）")
    parser.add_argument("--pages", nargs="+", default=None, help="只测这些页面（标题）")
    parser.add_argument("--base-tables", action="store_true", help="不读汇总表，只读基础表（对照）")
    parser.add_argument("--connection-per-query", action="store_true",
                        help="每次查询重新打开数据库文件（旧的读法，对照）")
    parser.add_argument("--queries", action="store_true", help="列出每页每个查询的耗时（最慢的在前）")
    args = parser.parse_args(argv)
    if args.queries:
        log_queries()

    if args.connection_per_query:
        connection_per_query()

    if args.base_tables:
        from analysis.query import sql

        sql.AGGREGATES = False
    path = args.store or ensure_store(args.docs, args.out, args.workers, args.unique)
    info = query.store_info(path)
    rows = measure(path, args.repeat, args.pages)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print()
    size_mb = path.stat().st_size / 1048576
    print(f"数据库：{info['documents']:,} 篇文档，{size_mb:.0f} MB；每项取 {args.repeat} 次的中位数（秒）")
    print(f"{'页面':<6}{'首次打开（冷缓存）':>14}{'再次打开':>10}{'切换到一个部门':>14}{'CPU：首次打开':>14}{'切换部门':>10}")
    for title, cold, warm, change, cold_cpu, change_cpu in rows:
        print(f"{title:<6}{cold:>18.3f}{warm:>14.3f}{change:>20.3f}{cold_cpu:>18.3f}{change_cpu:>14.3f}")
    print(f"负载（/proc/loadavg）：{Path('/proc/loadavg').read_text().split()[0]}")
    print(f"峰值内存（本进程 RSS）：{peak_mb:.0f} MB；结束时 {rss_mb():.0f} MB"
          + ("（只读基础表）" if args.base_tables else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
