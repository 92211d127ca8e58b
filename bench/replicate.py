"""A large store for the dashboard bench without a large build: a built store's documents copied ``--times`` times.

    .venv/bin/python bench/replicate.py SOURCE.duckdb TARGET.duckdb [--times 5]

A 100,000-summary build takes a quarter of an hour and several GB on a quiet machine; what the dashboard bench
measures is the store's size and shape, which copies of a built 20,000-summary store give: every copy of a
document gets its own doc_id (``<doc_id>~<k>``), writer (``<employee>~<k>``) and file, in the same department,
team, year and role, so each grain holds ``--times`` as many documents, sentences and words; plans are judged
against the copy of their own next summary. The store's aggregates are then written again for the copy
(``analysis.insight.aggregates.update``), as a build writes them. Per-document tables the dashboard does not read
(signatures, file hashes) are left out; the stored default network is counted again.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.insight import aggregates, passes  # noqa: E402
from analysis.store import snapshot  # noqa: E402

RENAMED = {"doc_id", "next_doc_id", "employee", "source_file", "copy_of"}
"""Columns that name a document or its writer: suffixed per copy (``copy_of`` may name a template: left alone
when no document has that id)."""
COPIED = ("documents", "sentences", "terms", "sentence_words", "follow_through", "doc_topics", "sentence_topics")


def replicate(source: Path, target: Path, times: int) -> None:
    shutil.copyfile(source, target)
    with duckdb.connect(str(target)) as con:
        for table in COPIED:
            cols = list(snapshot.TABLES[table])
            con.execute(f'CREATE TEMP TABLE _base AS SELECT * FROM "{table}"')
            if table == "documents":
                con.execute("CREATE TEMP TABLE _docs AS SELECT doc_id FROM documents")
            for k in range(1, times):
                select = ", ".join(
                    (f"CASE WHEN {c} IN (SELECT doc_id FROM _docs) THEN {c} || '~{k}' ELSE {c} END"
                     if c == "copy_of" else f"{c} || '~{k}'") if c in RENAMED else f'"{c}"' for c in cols)
                con.execute(f'INSERT INTO "{table}" SELECT {select} FROM _base')
            con.execute("DROP TABLE _base")
        started = time.perf_counter()
        passes.update_network(con)  # the stored default network, of the copies
        print(f"网络：{time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        timings = aggregates.update(con)
        print(f"汇总表：{time.perf_counter() - started:.1f} s "
              + "，".join(f"{k} {v:.1f}" for k, v in timings.items()))
        con.execute("CHECKPOINT")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--times", type=int, default=5)
    args = parser.parse_args(argv)
    replicate(args.source, args.target, args.times)
    with duckdb.connect(str(args.target), read_only=True) as con:
        docs = con.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    print(f"{args.target}：{docs:,} 篇，{args.target.stat().st_size / 1048576:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
