"""Where a document's analysis spends its CPU, part by part, against bare ``jieba.lcut`` of the same text.

    .venv/bin/python bench/scoring.py [--docs 300] [--repeat 3] [--batch 1] [--profile]

Generates ``--docs`` summaries with corpus/generate.py (seed 7) with every sentence made unique
(``analysis.bench.make_unique``, as ``python -m analysis bench`` does), loads the models (and freezes them for
the garbage collector, as the build does before forking its workers), then times in one process, CPU seconds:
bare ``jieba.lcut`` of every text; the theme rules and model and the sentiment scorer, each given one
document's sentences at a time, or with ``--batch N`` the sentences of N documents (the build gives them
``build.CHUNK`` documents' worth); content words; shingles and MinHash; ``pipeline.analyse_bytes`` of every
document alone; and ``build._analyse_chunk`` of runs of ``build.CHUNK`` documents (the analysis as the build's
workers run it). Prints the minimum over ``--repeat`` runs of each and its ratio to jieba's time, and last
``build._analyse_chunk`` once in a freshly forked process, as a build's worker meets it (``_cold_chunks``). The machine
is shared: compare ratios, and run two checkouts side by side, not at different times. With ``--profile``,
instead, profiles ``build._analyse_packed`` of the documents in runs of ``build.CHUNK`` (decode → pack, as a
build's worker runs it; memo emptied, lookup tables warm) and prints the project's functions by cumulative
time with their share of it: where the per-document CPU goes. Nothing here is used by the tests.
"""
from __future__ import annotations

import argparse
import gc
import itertools
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis import bench, build, pipeline  # noqa: E402
from analysis.insight import copies  # noqa: E402
from analysis.judge import sentiment, themes  # noqa: E402
from analysis.read import decode, normalize  # noqa: E402
from analysis.text import sections, segment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile build._analyse_packed instead")
    parser.add_argument("--batch", type=int, default=1,
                        help="documents whose sentences the scorer parts take at once (build: build.CHUNK)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="yearend-scoring-"))
    try:
        bench.load_generator().generate_corpus(root, n_docs=args.docs, seed=7)
        bench.make_unique(root)
        jobs = [j.loaded() for j in build.collect(root)[0]]
        build._warm_up()
        # as build.analyse_many does before it forks its workers: the loaded models and dictionaries are not
        # rescanned by every full garbage collection (without this, a tenth of the per-document time here)
        gc.freeze()
        if args.profile:
            _profile(jobs)
            return
        cold = _cold_chunks(jobs)
        import jieba

        jieba.initialize()
        texts = [decode.read_bytes(j.source_file, j.data)[0] for j in jobs]
        docs = [sections.split_document(normalize.normalize(t).simplified) for t in texts]
        sents = [[s.text for s in d] for d in docs]
        heads = [[s.is_heading or None for s in d] for d in docs]
        toks = [[segment.cut(s) for s in d] for d in sents]
        taxonomy, learned, model = themes.default_taxonomy(), themes.default_learned(), sentiment.default_model()
        b_sents, b_heads, b_toks = ([list(itertools.chain.from_iterable(x[i:i + args.batch]))
                                     for i in range(0, len(x), args.batch)] for x in (sents, heads, toks))
        parts = {
            "jieba.lcut": lambda: [jieba.lcut(t) for t in texts],
            "themes.rule_strengths": lambda: [themes.rule_strengths(s, taxonomy) for s in b_sents],
            "themes Learned.probabilities_many": lambda: [learned.probabilities_many(k) for k in b_toks],
            "themes.assign_many": lambda: [themes.assign_many(s, k) for s, k in zip(b_sents, b_toks)],
            "sentiment score_many": lambda: [model.score_many(s, k, h) for s, k, h in zip(b_sents, b_toks, b_heads)],
            "segment.content_words": lambda: [[segment.content_words(k) for k in d] for d in toks],
            "shingles + MinHash": lambda: [copies.signature(copies.shingles(copies.canonical(s))) for s in sents],
            "pipeline.analyse_bytes": lambda: [pipeline.analyse_bytes(j.source_file, j.data, j.meta) for j in jobs],
            f"build._analyse_chunk ({build.CHUNK} docs)": lambda: [build._analyse_chunk(c) for c in _chunks(jobs)],
        }
        best: dict[str, float] = {}
        for _ in range(args.repeat):
            for name, run in parts.items():
                pipeline.clear_memo()
                start = time.process_time()
                run()
                best[name] = min(best.get(name, float("inf")), time.process_time() - start)
        print(f"{len(jobs)} documents, {sum(map(len, texts)):,} characters, {sum(map(len, sents)):,} sentences; "
              f"CPU seconds, minimum of {args.repeat}")
        for name, seconds in best.items():
            print(f"{name:36s} {seconds:7.3f} s  {seconds / best['jieba.lcut']:5.2f}× jieba")
        print(f"{'build._analyse_chunk, cold worker':36s} {cold:7.3f} s  {cold / best['jieba.lcut']:5.2f}× jieba  "
              "(once, in a process forked after the warm-up as the build forks its workers: the word memos empty)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _profile(jobs, rows: int = 40) -> None:
    import cProfile
    import pstats

    pipeline.clear_memo()
    for chunk in _chunks(jobs):  # lookup tables built on first use, as after a worker's first document
        build._analyse_packed(chunk)
    pipeline.clear_memo()
    profile = cProfile.Profile()
    profile.enable()
    for chunk in _chunks(jobs):
        build._analyse_packed(chunk)
    profile.disable()
    stats = pstats.Stats(profile).stats
    root = str(Path(__file__).resolve().parent.parent / "analysis")
    total = max(v[3] for v in stats.values())
    ours = sorted(((v[3], v[2], f"{Path(f).relative_to(root).as_posix()}:{n}") for (f, _, n), v in stats.items()
                   if f.startswith(root)), reverse=True)
    print(f"{len(jobs)} documents; build._analyse_packed profiled {total:.2f} s; cumulative / own seconds, share")
    for cum, own, name in ours[:rows]:
        print(f"{name:60s} {cum:7.3f} {own:7.3f}  {cum / total:6.1%}")


def _cold_chunks(jobs: list) -> float:
    """CPU seconds of ``build._analyse_chunk`` over the documents in a child forked now, before any part has run: what
    a build's worker pays. The minimum over repeats above flatters the analysis, because every part before it, and
    every repeat, fills the per-process memos of words (``segment.Memo``, the models' row look-ups); on a corpus
    whose sentences are unique the build's workers start with them empty (1,000 summaries cold: 1.9× jieba's CPU
    where the repeated figure says 1.5×)."""
    import os
    import struct

    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through the pipe and leaves without cleanup
        code = 1
        try:
            os.close(read)
            start = time.process_time()
            for chunk in _chunks(jobs):
                build._analyse_chunk(chunk)
            os.write(write, struct.pack("d", time.process_time() - start))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(child, 0)
    if status or len(data) != 8:
        raise RuntimeError("the cold measurement's child failed")
    return struct.unpack("d", data)[0]


def _chunks(jobs: list) -> list[list]:
    return [jobs[i:i + build.CHUNK] for i in range(0, len(jobs), build.CHUNK)]


if __name__ == "__main__":
    main()
