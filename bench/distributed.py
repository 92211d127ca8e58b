"""Per-core throughput of the analysis: the local engine against a local Dask cluster, in one run.

    .venv/bin/python bench/distributed.py [--docs 600] [--repeat 3] [--workers 2] [--out bench/out]

The corpus is corpus/generate.py's, with every sentence made unique (a running number before each end
mark), so the per-process sentence memo saves nothing: the throughput of real writing, not of repeats.
Each repeat runs in a fresh interpreter and measures, on the same jobs:

- local ×1: ``build.analyse_many`` in this process (what ``--workers 1`` does), after the warm-up;
- local ×N: the same with N forked workers (the default build);
- dask ×N: ``DaskEngine`` on a LocalCluster of N worker processes: the start (cluster up, workers warmed
  up) and the analysis (batches analysed, written as Parquet, read back) timed apart;
- the full ``build`` with each engine (collect, analyse, insert, corpus-wide passes, snapshot), wall time.

Wall time and CPU time (user + system) of the processes that analyse are both recorded: on a shared,
loaded machine the wall time says more about the neighbours than about the code, while CPU seconds per
document is what one core of one's own delivers. An idle Dask worker burns a little CPU per second of
wall time (heartbeats, its system monitor), which a loaded machine's long wall time inflates: it is
measured after the analysis and reported apart. Printed: medians over the repeats, and the ratios of the
Dask figures to the local ones measured in the same repeat.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.bench import load_generator  # noqa: E402


def unique_corpus(docs: int, out: Path) -> Path:
    """``docs`` generated summaries in which no sentence occurs twice."""
    folder = out / f"unique-{docs}"
    if (folder / "done").exists():
        return folder / "corpus"
    shutil.rmtree(folder, ignore_errors=True)
    corpus = folder / "corpus"
    load_generator().generate_corpus(corpus, n_docs=docs)
    counter = itertools.count(1)
    for path in sorted(corpus.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"([。！？；])", lambda m: f"（第{next(counter)}项）{m.group(1)}", text),
                        encoding="utf-8")
    (folder / "done").write_text("")
    return corpus


_CHILD = r'''
import json, resource, sys, time
from pathlib import Path
from analysis import build, distributed


def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def worker_cpu():
    import psutil
    t = psutil.Process().cpu_times()
    return t.user + t.system


def main():
    corpus, workers, store = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    jobs, _ = build.collect(corpus)
    out = {"docs": len(jobs)}

    def analysed(results):
        return (sum(p.documents for p in results),
                sum(sum(p.batches["documents"].column("chars").to_pylist()) for p in results))

    build._warm_up()
    for name, n in (("local1", 1), ("localN", workers)):
        t, c = time.perf_counter(), cpu(resource.RUSAGE_SELF) + cpu(resource.RUSAGE_CHILDREN)
        docs, chars = analysed(list(build.analyse_many(jobs, n, packed=True)))
        out[name] = time.perf_counter() - t
        out[name + "_cpu"] = cpu(resource.RUSAGE_SELF) + cpu(resource.RUSAGE_CHILDREN) - c
    out["chars"] = chars

    marks = {}

    class Timed(distributed.DaskEngine):
        def check(self, client):
            super().check(client)
            self.seen = client
            marks["ready"] = time.perf_counter()
            marks["worker_cpu"] = sum(client.run(worker_cpu).values())
            marks["driver_cpu"] = cpu(resource.RUSAGE_SELF)

    t = time.perf_counter()
    engine = Timed(workers=workers, store=store)
    results = []
    for packed in engine.analyse(jobs):
        results.append(packed)
        if sum(p.documents + len(p.failures) for p in results) == len(jobs):
            marks["done"] = time.perf_counter()
            out["daskN_cpu"] = sum(engine.seen.run(worker_cpu).values()) - marks["worker_cpu"]
            out["daskN_driver_cpu"] = cpu(resource.RUSAGE_SELF) - marks["driver_cpu"]
            # what an idle worker burns anyway (heartbeats, its system monitor), per second of wall time
            before, t0 = sum(engine.seen.run(worker_cpu).values()), time.perf_counter()
            time.sleep(10)
            out["idle_rate"] = (sum(engine.seen.run(worker_cpu).values()) - before) / (time.perf_counter() - t0)
    assert analysed(results) == (docs, chars)
    out["dask_start"] = marks["ready"] - t
    out["daskN"] = marks["done"] - marks["ready"]

    for name, engine in (("build_local", None), ("build_dask", distributed.DaskEngine(workers=workers, store=store))):
        t = time.perf_counter()
        build.build(corpus, store.with_name(name + ".duckdb"), workers=workers, progress=False, engine=engine)
        out[name] = time.perf_counter() - t
    print(json.dumps(out))


if __name__ == "__main__":
    main()
'''


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--docs", type=int, default=600)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = p.parse_args()
    corpus = unique_corpus(args.docs, args.out)
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "child.py"
            script.write_text(_CHILD)
            done = subprocess.run([sys.executable, str(script), str(corpus), str(args.workers),
                                   str(Path(tmp) / "s.duckdb")], cwd=ROOT, capture_output=True,
                                  text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            if done.returncode:
                sys.exit(f"repeat {len(runs) + 1} failed:\n{done.stderr[-3000:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(json.dumps(runs[-1]), file=sys.stderr)
    docs, chars, w = runs[0]["docs"], runs[0]["chars"], args.workers

    def med(f) -> float:
        return statistics.median(f(r) for r in runs)

    print(f"{docs} documents, {chars:,} characters, every sentence unique; {w} workers; "
          f"medians of {len(runs)} (machine shared/loaded)")
    print("| engine | analysis wall s | docs/s per process (wall) | CPU s | docs per CPU-second "
          "| chars per CPU-second |")
    print("|---|---|---|---|---|---|")
    for name, label, procs in (("local1", "local, 1 process", 1), ("localN", f"local, {w} processes", w),
                               ("daskN", f"Dask LocalCluster, {w} workers", w)):
        print(f"| {label} | {med(lambda r: r[name]):.1f} | {med(lambda r: docs / r[name] / procs):.1f} "
              f"| {med(lambda r: r[name + '_cpu']):.1f} | {med(lambda r: docs / r[name + '_cpu']):.1f} "
              f"| {med(lambda r: chars / r[name + '_cpu']):,.0f} |")
    net = lambda r: r["daskN_cpu"] - r["idle_rate"] * r["daskN"]  # noqa: E731
    print(f"Dask workers' idle background (heartbeats, monitor), all workers: {med(lambda r: r['idle_rate']):.3f} "
          f"CPU-s per s of wall; worker CPU net of it: {med(net):.1f} s = {med(lambda r: docs / net(r)):.1f} docs "
          f"and {med(lambda r: chars / net(r)):,.0f} chars per CPU-second; ratio to local 1 process "
          f"{med(lambda r: net(r) / r['local1_cpu']):.2f}")
    print(f"Dask: build process CPU during the analysis (scheduler, client, reading Parquet back): "
          f"{med(lambda r: r['daskN_driver_cpu']):.1f} s; cluster start (processes up, dictionary and models "
          f"loaded): {med(lambda r: r['dask_start']):.1f} s")
    print(f"ratio Dask ÷ local {w} processes: analysis wall {med(lambda r: r['daskN'] / r['localN']):.2f}, "
          f"worker CPU {med(lambda r: r['daskN_cpu'] / r['localN_cpu']):.2f}; "
          f"Dask worker CPU ÷ local 1 process CPU {med(lambda r: r['daskN_cpu'] / r['local1_cpu']):.2f}")
    print(f"full build wall: local {med(lambda r: r['build_local']):.1f} s, "
          f"dask {med(lambda r: r['build_dask']):.1f} s, ratio {med(lambda r: r['build_dask'] / r['build_local']):.2f}")


if __name__ == "__main__":
    main()
