"""The corpus-wide passes of an incremental build (1 % new documents) against those of a full build, on a
built store: what ``passes.run`` costs, without analysing any document.

    .venv/bin/python bench/incremental_passes.py STORE.duckdb WORKDIR [--new 0.01] [--repeat 2]

1. holds back ``--new`` of the store's documents (drawn from the last year, seed 18) and writes WORKDIR/base.duckdb
   without them, running every pass over it (timed: the full passes);
2. ``--repeat`` times: a snapshot of base.duckdb started from a copy of it (as a build does), the held-back
   documents' per-document rows put back from STORE (as if just analysed), then ``passes.run`` with those
   documents as the analysed ones (timed: the incremental passes).

CPU seconds include DuckDB's threads; on a shared machine they are the figures to compare. Nothing here is
used by the tests. The source store is only read.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

import duckdb
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.insight import passes  # noqa: E402
from analysis.store import snapshot  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("workdir", type=Path)
    ap.add_argument("--new", type=float, default=0.01)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(args.store), read_only=True) as con:
        last = con.execute("SELECT max(year) FROM documents").fetchall()[0][0]
        pool = [r[0] for r in con.execute("SELECT doc_id FROM documents WHERE year = ? ORDER BY doc_id",
                                          [last]).fetchall()]
        total = con.execute("SELECT COUNT(*) FROM documents").fetchall()[0][0]
    held = random.Random(18).sample(pool, max(1, round(args.new * total)))
    base = args.workdir / "base.duckdb"  # not "live": DuckDB names a database after its file
    shutil.copyfile(args.store, base)
    with snapshot.new_snapshot(base) as con:
        snapshot.copy_live(con, exclude_doc_ids=held)
        wall, cpu = time.perf_counter(), time.process_time()
        full = passes.run(con)
        full_cpu, full_wall = time.process_time() - cpu, time.perf_counter() - wall
    with duckdb.connect(str(base), read_only=True) as con:
        keep = [r[0] for r in con.execute("SELECT doc_id FROM documents").fetchall()]
    out = {"documents": total, "new": len(held), "full_passes_cpu": round(full_cpu, 2),
           "full_passes_wall": round(full_wall, 2), "full": {k: round(v, 2) for k, v in full.items()},
           "incremental": []}
    for i in range(args.repeat):
        store = args.workdir / f"inc{i}.duckdb"
        shutil.copyfile(base, store)
        with snapshot.new_snapshot(store, from_live=True) as con:
            snapshot.copy_live(con, ("templates", "managed", "corrections", *snapshot.PER_DOCUMENT), keep_doc_ids=keep)
            con.execute(f"ATTACH '{args.store.resolve()}' AS source (READ_ONLY)")
            con.register("_held", pa.table({"doc_id": held}))
            for table in snapshot.PER_DOCUMENT:
                cols = ", ".join(f'"{c}"' for c in snapshot.TABLES[table])
                con.execute(f'INSERT INTO "{table}" ({cols}) SELECT {cols} FROM source."{table}" '
                            "WHERE doc_id IN (SELECT doc_id FROM _held)")
            con.unregister("_held")
            con.execute("DETACH source")
            known = passes.Known()
            known.analysed = set(held)
            wall, cpu = time.perf_counter(), time.process_time()
            timings = passes.run(con, known)
            out["incremental"].append({"passes_cpu": round(time.process_time() - cpu, 2),
                                       "passes_wall": round(time.perf_counter() - wall, 2),
                                       **{k: round(v, 2) for k, v in timings.items()}})
        store.unlink()
        print(json.dumps(out["incremental"][-1]), flush=True)
    cpus = sorted(r["passes_cpu"] for r in out["incremental"])
    out["incremental_cpu_share_of_full_passes"] = round(cpus[len(cpus) // 2] / full_cpu, 3)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
