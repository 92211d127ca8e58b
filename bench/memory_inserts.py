"""The analyse phase's inserts alone: a built store's documents inserted again, 1,000 at a time, into a new snapshot.

    .venv/bin/python bench/memory_inserts.py STORE.duckdb [--batch 1000] [--keep-cache]

What a build's process does with the workers' results, without the analysis: for each batch of stored
documents (in doc_id order) their rows of every per-document table are read from ``STORE`` as Arrow and
inserted with ``snapshot.insert_arrow`` into a snapshot opened by ``snapshot.new_snapshot`` (the writer's
settings), then, as ``build.insert`` does, ``snapshot.drop_cache`` (``--keep-cache``: not, as before this
change). After each batch: DuckDB's memory of the new snapshot (``duckdb_memory()``) and the process's RSS;
at the end the peak RSS (``ru_maxrss``). The reading connection's own cache is dropped after each read so
it does not count.

Nothing here is used by the tests.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.store import snapshot  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--keep-cache", action="store_true", help="no drop_cache after each batch (the old behaviour)")
    args = ap.parse_args()
    src = duckdb.connect(str(args.store), read_only=True)
    ids = [r[0] for r in src.execute("SELECT doc_id FROM documents ORDER BY doc_id").fetchall()]
    proc = psutil.Process()
    rows = []
    t0, c0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="bench-inserts-") as tmp, \
            snapshot.new_snapshot(Path(tmp) / "insights.duckdb") as con:
        for n in range(0, len(ids), args.batch):
            src.register("_wanted", pa.table({"doc_id": pa.array(ids[n:n + args.batch], pa.string())}))
            for table in snapshot.PER_DOCUMENT:
                cols = ", ".join(f'"{c}"' for c in snapshot.TABLES[table])
                arrow = src.sql(
                    f'SELECT {cols} FROM "{table}" WHERE doc_id IN (SELECT doc_id FROM _wanted)').to_arrow_table()
                snapshot.insert_arrow(con, table, arrow.cast(snapshot.ARROW_SCHEMAS[table]).to_batches())
                del arrow
            src.unregister("_wanted")
            snapshot.drop_cache(src)
            if not args.keep_cache:
                snapshot.drop_cache(con)
            duck = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0] / 2**20
            rows.append({"documents": min(n + args.batch, len(ids)), "duckdb_mb": round(duck),
                         "rss_mb": round(proc.memory_info().rss / 2**20)})
            print(json.dumps(rows[-1]), flush=True)
    print(json.dumps({"documents": len(ids), "keep_cache": args.keep_cache,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                      "cpu_s": round(time.process_time() - c0, 1), "wall_s": round(time.perf_counter() - t0, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
