"""An incremental build's cost against a full build's, and both builds' peak memory.

    .venv/bin/python corpus/generate.py --out /tmp/c20k --docs 20000
    .venv/bin/python bench/incremental.py /tmp/c20k [--new 0.01] [--repeat 3] [--workers 2] [--phases]

1. copies the corpus aside and holds back ``--new`` of its documents (drawn from the last year: the
   summaries that arrive when a year is added);
2. full build of the rest, in a fresh interpreter (timed; peak RSS of the build and of its workers);
3. the held-back documents put back, then ``--repeat`` incremental builds, each on a fresh copy of the
   full build's store, each in a fresh interpreter;
4. prints the timings (wall, and CPU seconds of the build process and its workers: on a shared machine
   the wall clock measures the queue for a core as much as the build), the ratios incremental ÷ full,
   the peak RSS and the store size; with ``--phases``, each incremental build's CPU seconds per phase (the
   build's functions wrapped; CPU of the build process including DuckDB's threads, not of the workers).

Nothing here is used by the tests.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from analysis import build
t0 = time.perf_counter()
report = build.build(Path(sys.argv[1]), Path(sys.argv[2]), workers=int(sys.argv[3]) or None, progress=False)
seconds = time.perf_counter() - t0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
print(json.dumps({"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "analysed": report.analysed,
                  "reused": report.reused, "failed": report.failed, "rss_mb_main": me.ru_maxrss // 1024,
                  "rss_mb_worker": kids.ru_maxrss // 1024}))
"""


_PHASES = """
import time
from analysis import build
from analysis.insight import aggregates, corrections, passes, taxonomy
PHASES = {}
def wrap(owner, attr, name):
    inner = getattr(owner, attr)
    def wrapper(*args, **kwargs):
        c = time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            PHASES[name] = round(PHASES.get(name, 0) + time.process_time() - c, 2)
    setattr(owner, attr, wrapper)
for owner, attr in ((build, "collect"), (build, "_copy_reused"), (build, "_warm_up"), (build, "insert"),
                    (taxonomy, "apply_active"), (corrections, "apply"), (passes, "start_copies"),
                    (passes, "start_follow_through"), (passes, "start_topics"), (passes, "update_network"),
                    (aggregates, "update"), (aggregates, "_evidence"), (aggregates, "_follow_pairs")):
    wrap(owner, attr, attr.strip("_"))
"""


def timed_build(corpus: Path, store: Path, workers: int, phases: bool = False) -> dict:
    child = _PHASES + _CHILD.replace("print(json.dumps({", "print(json.dumps({'phases': PHASES, ") if phases else _CHILD
    out = subprocess.run([sys.executable, "-c", child, str(corpus), str(store), str(workers)], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return json.loads(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--new", type=float, default=0.01)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--phases", action="store_true", help="CPU seconds per phase of each incremental build")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        tmp = Path(tmp)
        corpus, held = tmp / "corpus", tmp / "held"
        shutil.copytree(args.corpus, corpus)
        files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in {".txt", ".md", ".docx"})
        # summaries live in one folder per year; files at the top (the demo corpus's README.md) are not summaries
        years = {p.relative_to(corpus).parts[0] for p in files if len(p.relative_to(corpus).parts) > 1}
        last = max(y for y in years if y.isdigit())
        pool = [p for p in files if p.relative_to(corpus).parts[0] == last]
        chosen = random.Random(18).sample(pool, max(1, round(args.new * len(files))))
        for path in chosen:
            target = held / path.relative_to(corpus)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.rename(target)
        base = tmp / "base" / "insights.duckdb"
        full = timed_build(corpus, base, args.workers)
        print("full:", full, f"store {base.stat().st_size / 1e6:.0f} MB", flush=True)
        for path in chosen:
            path.parent.mkdir(parents=True, exist_ok=True)
            (held / path.relative_to(corpus)).rename(path)
        runs = []
        for i in range(args.repeat):
            store = tmp / f"inc{i}" / "insights.duckdb"
            store.parent.mkdir()
            shutil.copyfile(base, store)
            # the copy's pages written out first: an incremental build should not pay for the bench's own copy (at
            # 100,000 summaries, 800 MB whose write-back slowed the build by 5-10 s)
            os.sync()
            runs.append(timed_build(corpus, store, args.workers, args.phases))
            print(f"incremental {i + 1}:", runs[-1], f"store {store.stat().st_size / 1e6:.0f} MB", flush=True)
            shutil.rmtree(store.parent)
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_seconds"] for r in runs)
        print(json.dumps({"documents": len(files), "new": len(chosen), "full_seconds": full["seconds"],
                          "incremental_seconds_median": seconds,
                          "incremental_share_of_full": round(seconds / full["seconds"], 4),
                          "full_cpu_seconds": full["cpu_seconds"], "incremental_cpu_seconds_median": cpu,
                          "incremental_cpu_share_of_full": round(cpu / full["cpu_seconds"], 4),
                          "full_rss_mb": [full["rss_mb_main"], full["rss_mb_worker"]],
                          "incremental_rss_mb": [max(r["rss_mb_main"] for r in runs),
                                                 max(r["rss_mb_worker"] for r in runs)]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
