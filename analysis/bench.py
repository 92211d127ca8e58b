"""``python -m analysis bench``: the full build against bare jieba on the same text, in one run.

The budget (DESIGN §6) is a ratio, not a wall-clock time, because these machines are shared and noisy:
the full build within 1.5× the time of bare ``jieba.lcut`` over the same characters (both cores may be
used), and an unchanged rebuild near-instant. With ``--repeat`` the medians are reported. Every build
runs in a fresh interpreter; ``--no-memo`` switches off the per-process sentence memo
(``pipeline.analyse_sentences``), the worst case of a corpus in which no sentence repeats.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from analysis.paths import PROJECT_DIR
from analysis.pipeline import MEMO_ENV


def load_generator():
    """corpus/generate.py is a script beside the corpus, not a package: import it by path."""
    spec = importlib.util.spec_from_file_location("corpus_generate", PROJECT_DIR / "corpus" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def bare_jieba_seconds(texts: list[str]) -> float:
    """Plain ``jieba.lcut`` over every text in one process, after the dictionary is loaded."""
    import jieba

    jieba.initialize()
    start = time.perf_counter()
    for text in texts:
        jieba.lcut(text)
    return time.perf_counter() - start


_CHILD = """
import json, sys, time
from pathlib import Path
from analysis import build
t0 = time.perf_counter()
report = build.build(Path(sys.argv[1]), Path(sys.argv[2]), workers=int(sys.argv[3]) or None, progress=False)
print(json.dumps({"seconds": time.perf_counter() - t0, "failed": report.failed}))
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


def run(docs: int, workers: int | None = None, repeat: int = 1, memo: bool = True) -> dict:
    from analysis.read import ingest

    generator = load_generator()
    root = Path(tempfile.mkdtemp(prefix="yearend-bench-"))
    try:
        corpus = root / "corpus"
        generator.generate_corpus(corpus, n_docs=docs, seed=7)
        texts = []
        for item in ingest.iter_corpus(corpus):
            if not isinstance(item, ingest.FileFailure):
                texts.append(ingest.read_bytes(item[0], item[1])[0])
        chars = sum(len(t) for t in texts)
        jieba_s, full_s, again_s = [], [], []
        for i in range(repeat):
            jieba_s.append(bare_jieba_seconds(texts))
            store = root / f"bench-{i}.duckdb"
            report = timed_build(corpus, store, workers, memo)
            full_s.append(report["seconds"])
            again_s.append(timed_build(corpus, store, workers, memo)["seconds"])
        result = {
            "documents": len(texts), "characters": chars, "workers": workers or os.cpu_count(),
            "jieba_seconds": statistics.median(jieba_s), "build_seconds": statistics.median(full_s),
            "rebuild_seconds": statistics.median(again_s), "failed": report["failed"],
            "repeated_sentences": repeated_share(texts), "memo": memo,
        }
        result["build_vs_jieba"] = result["build_seconds"] / result["jieba_seconds"]
        result["rebuild_vs_build"] = result["rebuild_seconds"] / result["build_seconds"]
        print(f"文档 {result['documents']} 篇，{chars:,} 字；进程 {result['workers']}；重复 {repeat} 次取中位数")
        print(f"语料中重复出现的句子占 {result['repeated_sentences']:.0%}"
              + ("（句子记忆已关闭：每句都重新分析）" if not memo else "（每句只分析一次）"))
        jieba_s, build_s = result["jieba_seconds"], result["build_seconds"]
        print(f"纯 jieba 分词（单进程）  {jieba_s:.2f} s  ({chars / jieba_s:,.0f} 字/秒)")
        print(f"完整构建（新进程）      {build_s:.2f} s  ({chars / build_s:,.0f} 字/秒)")
        print(f"无变化的重建            {result['rebuild_seconds']:.2f} s")
        if result["failed"]:
            print(f"注意：{result['failed']} 个文件分析失败，耗时不可比")
        print(f"构建 / jieba = {result['build_vs_jieba']:.2f}（预算 ≤ 1.5）；"
              f"重建 / 构建 = {result['rebuild_vs_build']:.3f}（预算 ≤ 0.05）")
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)
