"""Copy detection at scale: signatures, banded LSH candidates, candidate queries and exact verification.

    .venv/bin/python bench/copies.py [--docs 10000] [--repeat 3] [--plant 100] [--seed-page DIR] [--unique]
                                     [--cache DIR]

Each repeat runs in a fresh child process (so its peak memory is its own) that:

1. generates ``--docs`` summaries with corpus/generate.py (in memory, scaled mode);
   with ``--unique``, every sentence is made unique by a tag of letters before its end mark (a tag of
   digits would not do: figures become ``#`` in the canonical text), the case of real corpora, where
   few sentences repeat but stock phrases still do;
2. plants ``--plant`` copies made here at run time: half another employee's copy of a summary of the
   same year, half the writer's own summary of the year before, each with two sentences dropped and
   every figure changed (the edits HR sees in practice);
3. if ``--seed-page DIR`` is given (a folder with a 范文 web page as .txt; none ships), splits that page into
   its four summaries, adds them as templates, and adds a lightly edited copy of one of them as a
   document (Traditional → Simplified, figures filled in for the blanks, one sentence dropped);
4. times the per-document signatures (what the build's workers add per document) and the copy pass
   (``copies.find_copies``: index, queries, verification), and reports recall on the planted copies and
   the documents flagged that were not planted.

Prints one line per repeat and the medians. Nothing here is used by the tests.
"""
from __future__ import annotations

import argparse
import json
import pickle
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.bench import load_generator  # noqa: E402
from analysis.insight import copies  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _edited(lines: list[str], rng: random.Random, drop: int = 2) -> list[str]:
    """Two sentences dropped, every figure changed."""
    body = [i for i, line in enumerate(lines) if len(line) > 12]
    gone = set(rng.sample(body, min(drop, len(body) - 1))) if len(body) > 2 else set()
    out = [line for i, line in enumerate(lines) if i not in gone]
    return [re.sub(r"\d+", lambda m: str(int(m.group(0)) + rng.randint(1, 9)), line) for line in out]


_END = re.compile(r"([。！？；!?;])")


def _letters(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += chr(ord("a") + r)
        if not n:
            return out


def uniquely_tagged(lines: list[str], counter: list[int]) -> list[str]:
    """Each sentence of each line tagged 〔记abc〕 before its end mark, a different tag every time."""
    def tag(m: re.Match) -> str:
        counter[0] += 1
        return f"〔记{_letters(counter[0])}〕{m.group(1)}"

    return [_END.sub(tag, line) for line in lines]


def seed_templates(folder: Path) -> list[tuple[str, str]]:
    """The four summaries of the 范文 page, split at its 【一】…【四】 markers."""
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.txt")))
    parts = re.split(r"\n[^\n]*【([一二三四五六七八九十])】\s*\n", text)
    return [(f"范文网页{parts[i]}", parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


def prepare(args: argparse.Namespace) -> dict:
    """The corpus, planted copies, templates and signatures (the slow part, cached with ``--cache``)."""
    rng = random.Random(7)
    gen = load_generator()
    t = time.perf_counter()
    generated, _ = gen.build_documents(args.docs)
    docs = {f"d{i}": (d.emp.name, d.emp.department, d.year, gen.file_text(d).split("\n"))
            for i, d in enumerate(generated)}
    if args.unique:
        counter = [0]
        docs = {k: (e, dep, y, uniquely_tagged(lines, counter)) for k, (e, dep, y, lines) in docs.items()}
    seconds_generate = time.perf_counter() - t

    planted: dict[str, str] = {}
    keys = list(docs)
    by_person = {(e, dep, y): k for k, (e, dep, y, _) in docs.items()}
    for n, key in enumerate(rng.sample(keys, args.plant)):
        employee, department, year, lines = docs[key]
        new = f"p{n}"
        if n % 2 == 0:  # another employee's copy, same year
            docs[new] = (f"抄写人{n}", department, year, _edited(lines, rng))
        else:           # the writer's own summary of next year, from this one
            docs[new] = (employee, department, year + 1, _edited(lines, rng))
            if (employee, department, year + 1) in by_person:  # the real next-year summary is not a copy
                docs[new] = (employee, department, year + 6, docs[new][3])
        planted[new] = key

    templates: list[tuple[str, list[str]]] = []
    if args.seed_page and Path(args.seed_page).is_dir():
        from analysis.read.normalize import to_simplified

        for name, text in seed_templates(Path(args.seed_page)):
            templates.append((name, copies.template_lines(text)))
        if templates:
            name, lines = templates[0]
            filled = [line.replace("20xx", "2024").replace("xxx", "260").replace("xx", "12") for line in lines]
            docs["seed-copy"] = ("张伟", "销售部", 2024, _edited([to_simplified(x) for x in filled], rng, drop=1))
            planted["seed-copy"] = name
    rss_before = _rss_mb()

    t = time.perf_counter()
    sources, sets = [], {}
    for key, (employee, department, year, lines) in docs.items():
        sets[key] = copies.shingles(copies.canonical(lines))
        sources.append(copies.Source(key, copies.signature(sets[key]), len(sets[key]), employee, department, year))
    tpl_sources = []
    for name, lines in templates:
        sets[name] = copies.shingles(copies.canonical(lines))
        tpl_sources.append(copies.Source(name, copies.signature(sets[name]), len(sets[name]), template=name))
    seconds_signatures = time.perf_counter() - t
    return {"sources": sources, "tpl_sources": tpl_sources, "sets": sets, "planted": planted,
            "templates": len(templates), "documents": len(docs), "seconds_generate": seconds_generate,
            "seconds_signatures": seconds_signatures, "rss_before": rss_before}


def child(args: argparse.Namespace) -> dict:
    name = f"copies-{args.docs}-{args.plant}-{int(args.unique)}-{int(bool(args.seed_page))}.pkl"
    cache = Path(args.cache) / name if args.cache else None
    if cache is not None and cache.exists():
        data = pickle.loads(cache.read_bytes())
    else:
        data = prepare(args)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_bytes(pickle.dumps(data, protocol=5))
    sources, tpl_sources, sets, planted = data["sources"], data["tpl_sources"], data["sets"], data["planted"]
    rss_before = _rss_mb()
    # the build keeps only the signatures; the exact sets come from the stored text, for candidates only
    exact = {k: sets[k] for k in sets}
    del sets
    asked: list[int] = []

    def shingles_of(wanted: list[str]) -> dict:
        asked.append(len(wanted))
        return {k: exact[k] for k in wanted}

    t, cpu = time.perf_counter(), time.process_time()
    stats: dict = {}
    matches = copies.find_copies(sources, tpl_sources, shingles_of, stats)
    seconds_detect, cpu_detect = time.perf_counter() - t, time.process_time() - cpu
    flagged = {m.doc_id: m for m in matches if m.copied}
    found = sum(1 for k, src in planted.items() if k in flagged and flagged[k].copy_of == src)
    # an unplanted flag is only a false one if its pair is not a planted pair seen from the other side
    partners = {k for pair in planted.items() for k in pair}
    extra = [k for k in flagged if k not in planted and k not in partners]
    return {
        "documents": data["documents"], "templates": data["templates"],
        "seconds_generate": round(data["seconds_generate"], 2),
        "seconds_signatures": round(data["seconds_signatures"], 2), "seconds_detect": round(seconds_detect, 2),
        "cpu_seconds_detect": round(cpu_detect, 2),
        "band_pairs": stats.get("band_pairs", 0), "bucket_pairs": stats.get("bucket_pairs", 0),
        "overfull_buckets": stats.get("overfull_buckets", 0),
        "index_pairs": stats.get("index_pairs", 0), "verified_pairs": stats.get("verified_pairs", 0),
        "candidate_documents": asked[0] if asked else 0, "closest_matches": len(matches),
        "planted": len(planted), "planted_found": found, "seed_copy_found": "seed-copy" in flagged
        and flagged["seed-copy"].copy_of == planted.get("seed-copy"),
        "seed_copy_similarity": flagged["seed-copy"].similarity if "seed-copy" in flagged else None,
        "unplanted_flagged": len(extra), "rss_mb_before_detect": round(rss_before), "rss_mb_peak": round(_rss_mb()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--plant", type=int, default=100)
    ap.add_argument("--seed-page", default="", help="含范文网页 .txt 的文件夹（可选）")
    ap.add_argument("--unique", action="store_true", help="每句加唯一标记（句子不重复的语料）")
    ap.add_argument("--cache", default="", help="缓存生成的语料与签名的文件夹（可选，重复测量时省去生成）")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args), ensure_ascii=False))
        return 0
    runs = []
    for i in range(args.repeat):
        cmd = [sys.executable, __file__, "--child", "--docs", str(args.docs), "--plant", str(args.plant),
               "--seed-page", args.seed_page, *(["--unique"] if args.unique else []),
               "--cache", args.cache]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        runs.append(json.loads(out))
        print(f"run {i + 1}: {runs[-1]}", flush=True)
    print("median:", {k: statistics.median(r[k] for r in runs) for k in runs[0]
                      if isinstance(runs[0][k], (int, float)) and not isinstance(runs[0][k], bool)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
