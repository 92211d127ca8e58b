"""The aggregates pass alone on a built store: its peak memory and CPU, and a hash of every table it writes.

    .venv/bin/python bench/memory_aggregates.py STORE.duckdb [--repeat 3] [--root OTHER_CHECKOUT] [--batch-sentences N]

Each run copies the store, opens the copy as a build's writer does (``snapshot.writer_config``) in a fresh
interpreter and runs ``aggregates.update`` over every year (a full build's sum, nothing carried). The child
reports its peak RSS (``ru_maxrss``, taken right after the pass, before hashing), the pass's CPU seconds and
DuckDB's memory after it, then one hash per aggregate table: its rows in a total order (``ORDER BY ALL``),
floating values rounded to 9 decimals (a DOUBLE sum may differ in its last bits with the order DuckDB adds
the rows in). ``--root``: import ``analysis`` from another checkout (main's code, to compare with this one):
the same hashes mean the same tables.

Nothing here is used by the tests.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import hashlib, json, resource, shutil, sys, time
import duckdb
from analysis.insight import aggregates
from analysis.store import snapshot

source, copy = sys.argv[1], sys.argv[2]
if len(sys.argv) > 3:  # --batch-sentences (a checkout without the batches has no such setting)
    aggregates.BATCH_SENTENCES = int(sys.argv[3])
shutil.copyfile(source, copy)
con = duckdb.connect(copy, config=snapshot.writer_config())
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, c0 = time.perf_counter(), time.process_time()
aggregates.update(con)
cpu, wall = time.process_time() - c0, time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
duck = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0] / 2**20

def norm(v):
    if isinstance(v, float):
        return round(v, 9)
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    return v

hashes = {}
for table in snapshot.DERIVED:
    h, rows = hashlib.sha256(), 0
    cur = con.execute(f'SELECT * FROM "{table}" ORDER BY ALL')
    while batch := cur.fetchmany(50_000):
        for row in batch:
            h.update(repr(norm(row)).encode())
        rows += len(batch)
    hashes[table] = f"{rows}:{h.hexdigest()[:16]}"
con.close()
print(json.dumps({"peak_mb": peak // 1024, "before_mb": rss0 // 1024, "cpu_s": round(cpu, 1),
                  "wall_s": round(wall, 1), "duckdb_mb": round(duck), "tables": hashes}))
"""


def measure(store: Path, root: Path, batch: int | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-aggregates-") as tmp:
        out = subprocess.run([sys.executable, "-c", _CHILD, str(store), str(Path(tmp) / "copy.duckdb"),
                              *([str(batch)] if batch else [])],
                             cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True,
                             text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("store", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose analysis package runs the pass")
    ap.add_argument("--batch-sentences", type=int, help="aggregates.BATCH_SENTENCES for this run (a smaller corpus "
                    "summed in as many batches as a larger one with the default)")
    args = ap.parse_args()
    runs = []
    for n in range(args.repeat):
        runs.append(measure(args.store.resolve(), args.root.resolve(), args.batch_sentences))
        print(f"run {n + 1}:", json.dumps({k: v for k, v in runs[-1].items() if k != "tables"}), flush=True)
    print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(json.dumps({k: statistics.median(r[k] for r in runs) for k in ("peak_mb", "before_mb", "cpu_s", "wall_s",
                                                                         "duckdb_mb")}))
    print(json.dumps(runs[-1]["tables"], indent=1))
    if any(r["tables"] != runs[0]["tables"] for r in runs):
        print("tables differ between runs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
