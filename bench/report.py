"""Report speed: a department's year of about 1,000 summaries as PowerPoint and as Word.

    .venv/bin/python bench/report.py [--docs 30000] [--repeat 3] [--workers N] [--out bench/out]

Builds (or reuses, as bench/dashboard.py does) a store of ``--docs`` documents made by corpus/generate.py,
picks the department-year whose document count is closest to 1,000 (with a year before it), then for each
repeat, in a fresh process as a user runs it, times ``python -m analysis report … --out FILE.pptx`` and
``… --out FILE.docx`` (Python start, imports, queries, rendering, writing, the audit line), and, in this
process, the parts: gathering the figures, the deck, the written report. Prints medians of the wall time
and of the CPU time (user + system of the child process; DuckDB's threads included), with the machine's
load average: on a shared machine the wall time measures the neighbours as much as the report.
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
from analysis.access.scope import full_access  # noqa: E402
from bench.dashboard import ensure_store  # noqa: E402


def pick(path: Path, target: int = 1000) -> tuple[str, int, int]:
    per = query.groups(path, by=("department", "year"))
    years = set(zip(per["department"], per["year"]))
    per = per[[(d, y - 1) in years for d, y in zip(per["department"], per["year"])]]
    row = per.iloc[(per["documents"] - target).abs().argsort().iloc[0]]
    return row["department"], int(row["year"]), int(row["documents"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    path = ensure_store(args.docs, args.out, args.workers)
    department, year, docs = pick(path)
    print(f"报告范围：{department} {year} 年，{docs:,} 篇（对比 {year - 1} 年）")
    work = args.out / "report"
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, YEAREND_AUDIT=str(work / "audit.jsonl"))
    wall: dict[str, list[float]] = {"pptx": [], "docx": []}
    cpu: dict[str, list[float]] = {"pptx": [], "docx": []}
    parts: dict[str, list[float]] = {"gather": [], "pptx": [], "docx": []}
    for _ in range(args.repeat):
        for fmt in ("pptx", "docx"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "analysis", "report", "--department", department, "--year",
                            str(year), "--store", str(path), "--out", str(work / f"report.{fmt}")],
                           cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
            wall[fmt].append(time.perf_counter() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[fmt].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        from analysis.report import paper, slides
        from analysis.report.content import Scope, gather

        started = time.perf_counter()
        report = gather(path, full_access(), Scope(department, year), 5)
        parts["gather"].append(time.perf_counter() - started)
        for fmt, module in (("pptx", slides), ("docx", paper)):
            started = time.perf_counter()
            module.build(report)
            parts[fmt].append(time.perf_counter() - started)
    med = {k: statistics.median(v) for k, v in wall.items()}
    print(f"命令行（新进程，含启动与导入）：PowerPoint {med['pptx']:.2f} s，Word {med['docx']:.2f} s"
          f"（{args.repeat} 次中位数；各次 " + ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(wall["pptx"], wall["docx"]))
          + "）")
    c = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"命令行 CPU 时间（用户 + 系统）：PowerPoint {c['pptx']:.2f} s，Word {c['docx']:.2f} s；"
          f"负载均值 {' / '.join(f'{x:.1f}' for x in os.getloadavg())}（{os.cpu_count()} 核）")
    p = {k: statistics.median(v) for k, v in parts.items()}
    print(f"进程内：汇总数字 {p['gather']:.2f} s，生成幻灯片 {p['pptx']:.2f} s，生成 Word {p['docx']:.2f} s")


if __name__ == "__main__":
    main()
