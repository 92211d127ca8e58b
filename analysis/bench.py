"""``python -m analysis bench``: the full build against bare jieba on the same text, in one run.

The budget (DESIGN §6) is a ratio, not a wall-clock time, because these machines are shared and noisy:
the full build within 1.5× the time of bare ``jieba.lcut`` over the same characters (both cores may be
used), and an unchanged rebuild near-instant. With ``--repeat`` the medians are reported.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from analysis.paths import PROJECT_DIR


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


def run(docs: int, workers: int | None = None, repeat: int = 1) -> dict:
    from analysis import build, ingest

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
            t0 = time.perf_counter()
            report = build.build(corpus, store, workers=workers, progress=False)
            full_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            build.build(corpus, store, workers=workers, progress=False)
            again_s.append(time.perf_counter() - t0)
        result = {
            "documents": len(texts), "characters": chars, "workers": workers or os.cpu_count(),
            "jieba_seconds": statistics.median(jieba_s), "build_seconds": statistics.median(full_s),
            "rebuild_seconds": statistics.median(again_s), "failed": report.failed,
        }
        result["build_vs_jieba"] = result["build_seconds"] / result["jieba_seconds"]
        result["rebuild_vs_build"] = result["rebuild_seconds"] / result["build_seconds"]
        print(f"文档 {result['documents']} 篇，{chars:,} 字；进程 {result['workers']}；重复 {repeat} 次取中位数")
        jieba_s, build_s = result["jieba_seconds"], result["build_seconds"]
        print(f"纯 jieba 分词（单进程）  {jieba_s:.2f} s  ({chars / jieba_s:,.0f} 字/秒)")
        print(f"完整构建                {build_s:.2f} s  ({chars / build_s:,.0f} 字/秒)")
        print(f"无变化的重建            {result['rebuild_seconds']:.2f} s")
        print(f"构建 / jieba = {result['build_vs_jieba']:.2f}（预算 ≤ 1.5）；"
              f"重建 / 构建 = {result['rebuild_vs_build']:.3f}（预算 ≤ 0.05）")
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)
