"""Uploading many summaries at once, the way the 语料管理 page does it: one zip, preview, commit.

    .venv/bin/python bench/upload.py [--docs 500] [--repeat 3] [--workers N] [--out bench/out] [--browser]

Generates ``--docs`` summaries with corpus/generate.py (scaled mode), zips them with their manifest,
and for each repeat starts from a copy of a store holding the demo corpus (287 documents), then times
``intake.preview`` (unzip, decode, metadata, classification) and ``intake.commit`` (originals saved,
analysis in worker processes, one new snapshot), with the commit's stages taken from its progress
callback — the same calls that move the page's progress bar. Each repeat runs in a fresh process, as
the first upload after the dashboard starts does (it pays for loading jieba and training the
sentiment model). Medians over the repeats are printed. ``--browser`` does the same through the page
in headless chromium (a fresh server per repeat) and records the progress bar's texts.
"""
from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_ONE_RUN = """
import json, sys, time
from pathlib import Path
from analysis import intake
from analysis.intake import Upload

db, zipped, workers = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) or None
marks, updates = {}, 0
started = time.perf_counter()
pre = intake.preview([Upload(zipped.name, zipped.read_bytes())], db)
marks["preview"] = time.perf_counter() - started

def progress(stage, done, total):
    global updates
    updates += 1
    marks.setdefault(stage + "_start", time.perf_counter())
    marks[stage + "_end"] = time.perf_counter()

t0 = time.perf_counter()
report = intake.commit(pre, db, progress=progress, workers=workers)
end = time.perf_counter()
print(json.dumps({
    "preview": marks["preview"], "commit": end - t0,
    "save": marks["保存原件_end"] - t0,
    "analyse": marks["分析_end"] - marks["保存原件_end"],
    "write": end - marks["分析_end"],
    "updates": updates, "added": report.count("已新增"), "failed": report.count("失败"),
    "adds": pre.count("add"),
}))
"""


def prepare(docs: int, out: Path) -> tuple[Path, Path]:
    """The zip of ``docs`` generated summaries (with manifest.csv) and a store of the demo corpus."""
    from analysis.bench import load_generator
    from analysis.build import build
    from analysis.paths import DEFAULT_CORPUS

    out.mkdir(parents=True, exist_ok=True)
    zipped = out / f"年终总结_{docs}篇.zip"
    if not zipped.exists():
        corpus = out / f"corpus-{docs}"
        load_generator().generate_corpus(corpus, n_docs=docs, seed=4242)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix in {".txt", ".csv"}):
                zf.write(path, path.relative_to(corpus).as_posix())
        zipped.write_bytes(buf.getvalue())
        shutil.rmtree(corpus)
    base = out / "demo" / "insights.duckdb"
    if not base.exists():
        build(DEFAULT_CORPUS, base, progress=False)
    return zipped, base


def browser_run(zipped: Path, db: Path) -> dict:
    """The same upload through the page in headless chromium: seconds from choosing the file to the
    preview, and from the confirm click to the results, with the progress texts seen meanwhile."""
    import os
    import socket
    import urllib.request

    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT,
                              env=dict(os.environ, YEAREND_STORE=str(db)), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1440, "height": 1200})
            page.goto(f"{url}/corpus")
            page.get_by_role("heading", name="语料管理", exact=True).wait_for(timeout=60_000)
            t0 = time.perf_counter()
            page.locator(".st-key-up_files_0 input[type='file']").set_input_files(str(zipped))
            page.locator(".st-key-up_commit button").wait_for(timeout=120_000)
            previewed = time.perf_counter() - t0
            t1 = time.perf_counter()
            page.locator(".st-key-up_commit button").click()
            texts: list[str] = []
            while not page.get_by_text("入库完成").count() and time.perf_counter() - t1 < 600:
                bar = page.locator("[data-testid='stProgress']")
                if bar.count():
                    try:
                        text = bar.inner_text(timeout=200).strip()
                    except Exception:  # gone with the rerun that shows the results
                        text = ""
                    if text and (not texts or texts[-1] != text):
                        texts.append(text)
                page.wait_for_timeout(50)
            committed = time.perf_counter() - t1
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {"preview": previewed, "commit": committed, "progress_texts": len(texts),
            "analysis_texts": [t for t in texts if t.startswith("正在分析")]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=0, help="analysis processes (default: CPU cores)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "upload")
    ap.add_argument("--browser", action="store_true", help="upload through the page in headless chromium")
    args = ap.parse_args(argv)
    zipped, base = prepare(args.docs, args.out)
    if args.browser:
        runs = []
        for i in range(args.repeat):
            db = args.out / f"browser-{i}" / "insights.duckdb"
            shutil.rmtree(db.parent, ignore_errors=True)
            db.parent.mkdir(parents=True)
            shutil.copy(base, db)
            runs.append(browser_run(zipped, db))
            r = runs[-1]
            seen = r["analysis_texts"]
            print(f"第 {i + 1} 次（浏览器）：选择文件到预览 {r['preview']:.2f} s，点击确认到结果 {r['commit']:.2f} s；"
                  f"进度条文字变化 {r['progress_texts']} 次，分析进度 {seen[0] if seen else '—'} … "
                  f"{seen[-1] if seen else '—'}")
            shutil.rmtree(db.parent)
        print(f"\n{args.docs} 篇，浏览器，{args.repeat} 次取中位数：预览 "
              f"{statistics.median(r['preview'] for r in runs):.2f} s；入库 "
              f"{statistics.median(r['commit'] for r in runs):.2f} s")
        return 0
    print(f"压缩包 {zipped.name}：{zipped.stat().st_size / 1048576:.1f} MB；起点数据库：演示语料 287 篇")
    runs = []
    for i in range(args.repeat):
        run_dir = args.out / f"run-{i}"
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        db = run_dir / "insights.duckdb"
        shutil.copy(base, db)
        done = subprocess.run([sys.executable, "-c", _ONE_RUN, str(db), str(zipped), str(args.workers)], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = runs[-1]
        print(f"第 {i + 1} 次：预览 {r['preview']:.2f} s，入库 {r['commit']:.2f} s（保存原件 {r['save']:.2f}，"
              f"分析 {r['analyse']:.2f}，写入 {r['write']:.2f}）；新增 {r['added']}，失败 {r['failed']}，"
              f"进度更新 {r['updates']} 次")
        shutil.rmtree(run_dir)
    med = {k: statistics.median(r[k] for r in runs) for k in ("preview", "commit", "save", "analyse", "write")}
    total = med["preview"] + med["commit"]
    print(f"\n{args.docs} 篇，{args.repeat} 次取中位数：预览 {med['preview']:.2f} s；入库 {med['commit']:.2f} s"
          f"（保存原件 {med['save']:.2f}，分析 {med['analyse']:.2f}，写入 {med['write']:.2f}）；"
          f"合计 {total:.2f} s，约 {args.docs / total:.0f} 篇/秒")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
