"""``python -m analysis bench``: the full build against the libraries the field uses, on the same text, in one run.

Figures are ratios measured in one run, not wall-clock times, because these machines are shared and noisy
(the load average is printed with them). With ``--repeat`` every figure is a median. The targets
(issue 18, DESIGN §6):

- full build ÷ bare ``jieba.lcut`` of the same text (one process, dictionary loaded) ≤ 1.0, all cores
  allowed to the build; the build runs in a fresh interpreter, as ``python -m analysis build`` does, so
  loading dictionaries and models is inside its time;
- full build ÷ ``rjieba`` alone (the segmenter the build uses, with the user dictionary): the floor;
- the naive pipeline a demo would write (``SnowNLP(sentence).sentiments`` per sentence, ``jieba.lcut`` and
  keyword counts per document) ÷ full build ≥ 60; the naive pipeline is timed on the first
  ``naive_docs`` documents and scaled by characters (it takes minutes per thousand documents);
- unchanged rebuild ÷ full build ≤ 5%;
- characters per second per core: the build's characters ÷ (wall time × workers), and ÷ CPU time.

The corpus is ``corpus/generate.py``'s scaled corpus with every sentence made unique (a numbered tag before
each end mark), because real summaries repeat few sentences and the per-process sentence memo
(``pipeline.analyse_sentences``) would otherwise flatter the build; ``repeated=True`` keeps the generator's
repeats (68% of its sentences occur earlier). ``memo=False`` switches the memo off.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from analysis.paths import PROJECT_DIR
from analysis.pipeline import MEMO_ENV

_END_MARK = re.compile(r"[。！？；!?;]")


def load_generator():
    """corpus/generate.py is a script beside the corpus, not a package: import it by path."""
    spec = importlib.util.spec_from_file_location("corpus_generate", PROJECT_DIR / "corpus" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def make_unique(corpus: Path) -> int:
    """Put a running number before every end mark of every .txt file (the generator's scaled corpus is
    UTF-8 .txt only), so that no sentence repeats; returns how many tags were written."""
    count = 0

    def tag(m: re.Match) -> str:
        nonlocal count
        count += 1
        return f"（{count}）{m.group(0)}"

    for path in sorted(corpus.rglob("*.txt")):
        path.write_text(_END_MARK.sub(tag, path.read_text(encoding="utf-8")), encoding="utf-8")
    return count


def bare_jieba_seconds(texts: list[str]) -> tuple[float, float]:
    """Plain ``jieba.lcut`` over every text in one process, after the dictionary is loaded: (wall, CPU) seconds."""
    import jieba

    jieba.initialize()
    start, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        jieba.lcut(text)
    return time.perf_counter() - start, time.process_time() - cpu


def rjieba_seconds(texts: list[str]) -> tuple[float, float]:
    """``rjieba`` alone (with the user dictionary, as the build cuts) over every text, loaded beforehand."""
    from analysis.text.segment import fast

    cut = fast().cut
    start, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        cut(text)
    return time.perf_counter() - start, time.process_time() - cpu


def naive_seconds(texts: list[str]) -> tuple[float, float]:
    """What a demo would write: SnowNLP's sentiment of every sentence, jieba's words and their counts."""
    import jieba
    from snownlp import SnowNLP

    jieba.initialize()
    SnowNLP("预热一下").sentiments  # loads snownlp's models outside the timing
    start, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        for sentence in re.split(r"(?<=[。！？；!?;\n])", text):
            if sentence.strip():
                SnowNLP(sentence.strip()).sentiments
        Counter(w for w in jieba.lcut(text) if len(w) > 1)
    return time.perf_counter() - start, time.process_time() - cpu


_CHILD = """
import json, resource, sys, time
from pathlib import Path
from analysis import build
t0 = time.perf_counter()
report = build.build(Path(sys.argv[1]), Path(sys.argv[2]), workers=int(sys.argv[3]) or None, progress=False)
seconds = time.perf_counter() - t0
cpu = sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
          for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"seconds": seconds, "cpu": cpu, "failed": report.failed, "analysed": report.analysed}))
"""


def timed_build(corpus: Path, store: Path, workers: int | None, memo: bool = True) -> dict:
    """One ``build`` in a fresh interpreter, as ``python -m analysis build`` runs it: dictionaries and
    models are loaded inside the timing and no sentence is remembered from an earlier run. (Timing
    repeated builds in this process would flatter every run after the first.)"""
    env = dict(os.environ)
    if not memo:
        env[MEMO_ENV] = "0"
    out = subprocess.run([sys.executable, "-c", _CHILD, str(corpus), str(store), str(workers or 0)],
                         cwd=PROJECT_DIR, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def repeated_share(texts: list[str]) -> float:
    """Share of the corpus's sentences that occur earlier in it, word for word (what the memo saves)."""
    from analysis.read import normalize
    from analysis.text import sections

    seen: set[tuple[str, bool]] = set()
    total = repeats = 0
    for text in texts:
        for sent in sections.split_document(normalize.normalize(text).simplified):
            key = (sent.text, sent.is_heading)
            total += 1
            repeats += key in seen
            seen.add(key)
    return repeats / total if total else 0.0


def run(docs: int, workers: int | None = None, repeat: int = 1, memo: bool = True, repeated: bool = False,
        naive_docs: int = 100) -> dict:
    from analysis.read import decode, ingest

    generator = load_generator()
    root = Path(tempfile.mkdtemp(prefix="yearend-bench-"))
    workers = workers or min(os.cpu_count() or 1, 8)
    load_before = os.getloadavg()
    try:
        corpus = root / "corpus"
        generator.generate_corpus(corpus, n_docs=docs, seed=7)
        if not repeated:
            make_unique(corpus)
        texts = []
        for item in ingest.iter_corpus(corpus):
            if not isinstance(item, ingest.FileFailure):
                texts.append(decode.read_bytes(item[0], item[1])[0])
        chars = sum(len(t) for t in texts)
        sample = texts[:naive_docs]
        runs: dict[str, list[float]] = {k: [] for k in ("jieba", "rjieba", "naive", "build", "rebuild", "jieba_cpu",
                                                          "rjieba_cpu", "naive_cpu", "build_cpu")}
        scale = chars / max(1, sum(len(t) for t in sample))
        for i in range(repeat):
            for key, (wall, cpu) in (("jieba", bare_jieba_seconds(texts)), ("rjieba", rjieba_seconds(texts)),
                                     ("naive", [x * scale for x in naive_seconds(sample)])):
                runs[key].append(wall)
                runs[f"{key}_cpu"].append(cpu)
            store = root / f"bench-{i}.duckdb"
            report = timed_build(corpus, store, workers, memo)
            runs["build"].append(report["seconds"])
            runs["build_cpu"].append(report["cpu"])
            runs["rebuild"].append(timed_build(corpus, store, workers, memo)["seconds"])
        med = {k: statistics.median(v) for k, v in runs.items()}
        result = {
            "documents": len(texts), "characters": chars, "workers": workers, "repeat": repeat, "memo": memo,
            "unique_sentences": not repeated, "repeated_sentences": repeated_share(texts),
            "failed": report["failed"], "naive_sample_documents": len(sample),
            **{f"{k}_seconds": v for k, v in med.items()},
            "build_vs_jieba": statistics.median(b / j for b, j in zip(runs["build"], runs["jieba"])),
            "build_cpu_vs_jieba_cpu": statistics.median(b / j for b, j in zip(runs["build_cpu"], runs["jieba_cpu"])),
            "naive_cpu_vs_build_cpu": statistics.median(n / b for n, b in zip(runs["naive_cpu"], runs["build_cpu"])),
            "build_vs_rjieba": statistics.median(b / r for b, r in zip(runs["build"], runs["rjieba"])),
            "naive_vs_build": statistics.median(n / b for n, b in zip(runs["naive"], runs["build"])),
            "rebuild_vs_build": statistics.median(r / b for r, b in zip(runs["rebuild"], runs["build"])),
            "chars_per_core_second": chars / (med["build"] * workers),
            "chars_per_cpu_second": chars / med["build_cpu"],
            "load_average": [round(x, 1) for x in (*load_before, *os.getloadavg())],
        }
        _print(result)
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _print(r: dict) -> None:
    chars = r["characters"]
    print(f"文档 {r['documents']} 篇，{chars:,} 字；构建进程 {r['workers']}；重复 {r['repeat']} 次取中位数；"
          f"负载（开始 1/5/15 分钟，结束）{r['load_average']}")
    print(f"语料：{'每句唯一（句末加编号）' if r['unique_sentences'] else '生成器原样（句子可重复）'}，"
          f"重复出现的句子占 {r['repeated_sentences']:.0%}；句子记忆{'开启' if r['memo'] else '关闭'}")
    for key, name in (("jieba", "纯 jieba.lcut（单进程）"), ("rjieba", "纯 rjieba（单进程，下限）"),
                      ("naive", f"朴素流程（SnowNLP 逐句 + jieba + 词频；按前 {r['naive_sample_documents']} 篇折算）"),
                      ("build", "完整构建（新进程）"), ("rebuild", "无变化的重建")):
        seconds = r[f"{key}_seconds"]
        print(f"{name:<40} {seconds:8.2f} s  ({chars / seconds:,.0f} 字/秒)")
    print(f"CPU 时间：jieba {r['jieba_cpu_seconds']:.2f} s，rjieba {r['rjieba_cpu_seconds']:.2f} s，"
          f"朴素 {r['naive_cpu_seconds']:.2f} s，完整构建（含工作进程）{r['build_cpu_seconds']:.2f} s；"
          f"构建 / jieba = {r['build_cpu_vs_jieba_cpu']:.2f}，朴素 / 构建 = {r['naive_cpu_vs_build_cpu']:.0f}")
    print(f"每核 {r['chars_per_core_second']:,.0f} 字/秒（墙钟），"
          f"{r['chars_per_cpu_second']:,.0f} 字/CPU 秒")
    if r["failed"]:
        print(f"注意：{r['failed']} 个文件分析失败，耗时不可比")
    print(f"墙钟：构建 / jieba = {r['build_vs_jieba']:.2f}（目标 ≤ 1.0）；构建 / rjieba = {r['build_vs_rjieba']:.1f}；")
    print(f"朴素 / 构建 = {r['naive_vs_build']:.0f}（目标 ≥ 60）；"
          f"重建 / 构建 = {r['rebuild_vs_build']:.3f}（目标 ≤ 0.05）")
