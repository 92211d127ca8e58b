"""A build's memory: peak resident memory of the build process and its workers, per phase of the build.

    .venv/bin/python corpus/generate.py --out /tmp/mem/c20000 --docs 20000   # or analysis.bench.make_unique
    .venv/bin/python bench/memory.py /tmp/mem/c20000 [--workers 2] [--repeat 3] [--interval 0.2]

    .venv/bin/python bench/memory.py STORE.duckdb --mode passes    # the corpus-wide passes alone, on a copy
    .venv/bin/python bench/memory.py /tmp/mem/c100000 --mode collect  # listing and hashing the files alone
    .venv/bin/python bench/memory.py /tmp/mem/c100000 --keep /tmp/mem/s100k.duckdb  # keep the built store
    sudo .venv/bin/python bench/memory.py /tmp/mem/c100000 --cgroup-limit 2000  # under a hard memory limit

Each run is a full build of the corpus into a new store, in a fresh interpreter (as ``python -m analysis
build`` runs). This process samples the build's process tree every ``--interval`` seconds with psutil:

- ``main``: resident memory (RSS) of the build process;
- ``worker``: the largest RSS of one worker process;
- ``rss_sum``: RSS summed over the processes alive at the same moment (counts pages the forked workers
  share with the build process once per process: an upper bound);
- ``pss_sum``: proportional set size summed the same way (shared pages divided among the processes that
  share them): what the tree takes from the machine.

The build process marks where it is (collect, analyse, the corpus-wide passes one by one, the final
checkpoint); each sample is attributed to the phase running at that moment, so the table shows which
phase holds the peak. Figures are medians over ``--repeat`` runs. Peaks between two samples are missed:
the kernel's own high-water mark of the build process (``ru_maxrss``) is printed beside them.

``--cgroup-limit MB`` (Linux, where a memory cgroup can be made: root in a container, or a delegated
cgroup) runs the build in a new memory cgroup with that hard limit, as a container or a systemd unit with
``MemoryMax`` would: a build that needs more is killed by the kernel, so finishing is the proof that the
whole tree fits. It also samples the cgroup's anonymous memory (``anon``: every page of the tree counted
once, shared or not; page cache excluded, which the kernel reclaims under the limit) and reports the
cgroup's OOM kills.

Nothing here is used by the tests.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import functools, json, os, resource, sys, time
from pathlib import Path
from analysis import build
from analysis.insight import aggregates, corrections, passes, taxonomy
from analysis.store import snapshot

marks = open(os.environ["MEMORY_MARKS"], "a", buffering=1)
stack = ["start"]

def mark(name, duckdb_mb=None):
    marks.write(json.dumps([time.monotonic(), name, duckdb_mb]) + "\\n")

def duckdb_mb(con):
    # what DuckDB's buffer manager holds in this connection's database instance, in MB
    try:
        return con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchall()[0][0] / 2**20
    except Exception:
        return None

def wrap(owner, attr, name):
    inner = getattr(owner, attr)
    @functools.wraps(inner)
    def wrapper(*args, **kwargs):
        stack.append(name)
        mark(name)
        try:
            return inner(*args, **kwargs)
        finally:
            stack.pop()
            mark(stack[-1], duckdb_mb(args[0]) if args and hasattr(args[0], "execute") else None)
    setattr(owner, attr, wrapper)

wrap(build, "collect", "collect")
wrap(build, "_copy_reused", "copy reused")
wrap(build, "insert", "insert")
wrap(passes, "run", "passes")
wrap(taxonomy, "apply_active", "taxonomy")
wrap(corrections, "apply", "corrections")
wrap(passes, "start_copies", "copies")
wrap(passes, "start_follow_through", "follow-through")
wrap(passes, "start_topics", "topics")
wrap(passes, "update_network", "network")
wrap(aggregates, "update", "aggregates")
stack[0] = "analyse"  # between the marked calls: hashing, reading the live store, the workers' results
mark("analyse")
t0 = time.perf_counter()
mode, source, store, workers = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]) or None
if mode == "build":
    report = build.build(source, store, workers=workers, progress=False)
    counts = {"analysed": report.analysed, "failed": report.failed}
elif mode == "collect":
    jobs, failures = build.collect(source)
    counts = {"analysed": len(jobs), "failed": len(failures)}
else:  # the corpus-wide passes of a full build over a copy of a built store
    import duckdb, shutil
    shutil.copyfile(source, store)
    con = duckdb.connect(str(store), config=snapshot.writer_config())  # as a build
    passes.run(con)
    con.execute("CHECKPOINT")
    counts = {"analysed": con.execute("SELECT COUNT(*) FROM documents").fetchall()[0][0], "failed": 0}
    con.close()
mark("done")
seconds = time.perf_counter() - t0
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": round(seconds, 1), "cpu_seconds": round(me.ru_utime + me.ru_stime + kids.ru_utime
                  + kids.ru_stime, 1), **counts,
                  "maxrss_mb_main": me.ru_maxrss // 1024, "maxrss_mb_worker": kids.ru_maxrss // 1024}))
"""

MB = 1024 * 1024


def _tree(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _sample(proc: psutil.Process) -> dict | None:
    main = rss_sum = pss_sum = worker = 0
    for p in _tree(proc):
        try:
            info = p.memory_full_info()  # reads /proc/PID/smaps_rollup: PSS and USS besides RSS
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        rss_sum += info.rss
        pss_sum += info.pss
        if p.pid == proc.pid:
            main = info.rss
        else:
            worker = max(worker, info.rss)
    return {"t": time.monotonic(), "main": main / MB, "worker": worker / MB, "rss_sum": rss_sum / MB,
            "pss_sum": pss_sum / MB} if main else None


class MemoryCgroup:
    """A new memory cgroup with a hard limit (cgroup v2 ``memory.max`` or v1 ``memory.limit_in_bytes``), for one
    process tree; ``anon_mb`` reads its anonymous memory now (each page once, whichever process maps it)."""

    def __init__(self, limit_mb: int) -> None:
        name = f"yearend-bench-{os.getpid()}"
        v2 = Path("/sys/fs/cgroup/cgroup.controllers")
        if v2.exists() and "memory" in v2.read_text():
            self.path, self.v2 = Path("/sys/fs/cgroup") / name, True
        else:
            self.path, self.v2 = Path("/sys/fs/cgroup/memory") / name, False
        self.path.mkdir()
        limit = str(limit_mb * MB)
        if self.v2:
            (self.path / "memory.max").write_text(limit)
            (self.path / "memory.swap.max").write_text("0")
        else:
            (self.path / "memory.limit_in_bytes").write_text(limit)
            if (self.path / "memory.memsw.limit_in_bytes").exists():  # no swapping around the limit
                (self.path / "memory.memsw.limit_in_bytes").write_text(limit)

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def _stat(self) -> dict[str, int]:
        return {k: int(v) for k, v in (line.split() for line in (self.path / "memory.stat").read_text().splitlines())}

    def anon_mb(self) -> float:
        stat = self._stat()
        return (stat["anon"] if self.v2 else stat["rss"]) / MB

    def oom_kills(self) -> int:
        if self.v2:
            events = (self.path / "memory.events").read_text().split()
            return int(events[events.index("oom_kill") + 1])
        control = (self.path / "memory.oom_control").read_text().split()
        return int(control[control.index("oom_kill") + 1]) if "oom_kill" in control else 0

    def remove(self) -> None:
        """Once the tree has left it: a killed build's workers leave within a second (``build._exit_with_parent``)."""
        for _ in range(100):
            try:
                self.path.rmdir()
                return
            except OSError:  # processes still exiting
                time.sleep(0.1)
        raise RuntimeError(f"{self.path} still holds processes: {(self.path / 'cgroup.procs').read_text().split()}")


def measure(corpus: Path, workers: int, interval: float, mode: str = "build", keep: Path | None = None,
            cgroup_limit: int | None = None) -> dict:
    """One full build (or ``mode``: its collect, or its passes) in a fresh interpreter: its result line,
    and peaks overall and per phase. ``keep``: move the built store there instead of discarding it, so one
    long build (100k documents) also serves the dashboard bench. ``cgroup_limit``: run it in a new memory
    cgroup with this hard limit in MB (``MemoryCgroup``)."""
    group = MemoryCgroup(cgroup_limit) if cgroup_limit else None
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        marks = Path(tmp) / "marks.jsonl"
        env = {**os.environ, "MEMORY_MARKS": str(marks)}
        # the child joins the cgroup before it runs anything: its workers are forked inside it
        child = subprocess.Popen([sys.executable, "-c", _CHILD, mode, str(corpus),
                                  str(Path(tmp) / "insights.duckdb"), str(workers)],
                                 cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
                                 preexec_fn=(lambda: group.add(os.getpid())) if group else None)
        proc = psutil.Process(child.pid)
        samples = []
        while child.poll() is None:
            sample = _sample(proc)
            if sample:
                if group:
                    sample["cgroup_anon"] = group.anon_mb()
                samples.append(sample)
            time.sleep(interval)
        out = child.stdout.read().strip().splitlines()
        if group:
            kills = group.oom_kills()
            group.remove()
            if child.returncode or kills:
                raise RuntimeError(f"build failed under the {cgroup_limit} MB limit ({child.returncode}; "
                                   f"{kills} OOM kills in the cgroup)")
        if child.returncode:
            raise RuntimeError(f"build failed ({child.returncode})")
        result = json.loads(out[-1])
        phases = [json.loads(line) for line in marks.read_text().splitlines()]
        if keep and mode != "collect":
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(Path(tmp) / "insights.duckdb"), str(keep))
    # DuckDB's own memory at the end of each marked call on the snapshot connection, by the call's name
    result["duckdb_mb"] = {}
    for (_, name, _), (_, _, mb) in zip(phases, phases[1:]):
        if mb is not None:
            result["duckdb_mb"][name] = max(result["duckdb_mb"].get(name, 0), round(mb))
    by_phase: dict[str, dict] = {}
    for s in samples:
        name = next((n for t, n, _ in reversed(phases) if t <= s["t"]), "start")
        peak = by_phase.setdefault(name, {"main": 0.0, "worker": 0.0, "rss_sum": 0.0, "pss_sum": 0.0, "seconds": 0.0})
        for key in ("main", "worker", "rss_sum", "pss_sum"):
            peak[key] = max(peak[key], s[key])
    for (t, name, _), (t_next, _, _) in zip(phases, phases[1:]):
        by_phase.setdefault(name, {"main": 0.0, "worker": 0.0, "rss_sum": 0.0, "pss_sum": 0.0, "seconds": 0.0})
        by_phase[name]["seconds"] += t_next - t
    result["peak_mb"] = {k: round(max((s[k] for s in samples), default=0)) for k in ("main", "worker", "rss_sum",
                                                                                      "pss_sum")}
    if cgroup_limit:
        result["peak_mb"]["cgroup_anon"] = round(max((s["cgroup_anon"] for s in samples), default=0))
        result["cgroup_limit_mb"] = cgroup_limit
    result["phases"] = {n: {k: round(v) if k != "seconds" else round(v, 1) for k, v in p.items()}
                        for n, p in by_phase.items()}
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path, help="a corpus folder (a store file with --mode passes)")
    ap.add_argument("--mode", choices=("build", "collect", "passes"), default="build",
                    help="a full build; only its listing of the corpus; only its corpus-wide passes, run over a "
                         "copy of the store given in place of the corpus (every pass recomputed, as in a full build)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("--keep", type=Path, help="keep the store built (by the last run) at this path")
    ap.add_argument("--cgroup-limit", type=int, metavar="MB",
                    help="run the build in a new memory cgroup with this hard limit (needs the right to make one)")
    args = ap.parse_args()
    runs = []
    for n in range(args.repeat):
        runs.append(measure(args.corpus, args.workers, args.interval, args.mode, args.keep, args.cgroup_limit))
        print(f"run {n + 1}:", json.dumps(runs[-1], ensure_ascii=False), flush=True)
    keys = ("main", "worker", "rss_sum", "pss_sum")
    print("load average:", " ".join(f"{x:.1f}" for x in os.getloadavg()))
    print(f"{'phase':<16}" + "".join(f"{k:>10}" for k in (*keys, "seconds")))
    for name in runs[0]["phases"]:
        cells = [statistics.median(r["phases"].get(name, {}).get(k, 0) for r in runs) for k in (*keys, "seconds")]
        print(f"{name:<16}" + "".join(f"{c:>10.0f}" for c in cells[:-1]) + f"{cells[-1]:>10.1f}")
    print(json.dumps({"peak_mb": {k: statistics.median(r["peak_mb"][k] for r in runs) for k in runs[0]["peak_mb"]},
                      "maxrss_mb_main": statistics.median(r["maxrss_mb_main"] for r in runs),
                      "maxrss_mb_worker": statistics.median(r["maxrss_mb_worker"] for r in runs),
                      "seconds": statistics.median(r["seconds"] for r in runs),
                      "cpu_seconds": statistics.median(r["cpu_seconds"] for r in runs),
                      "analysed": runs[0]["analysed"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
