"""Writers at the same time: two uploads in parallel processes while a third process reads, and a
command-line build while the dashboard uploads. No crash, no document lost, none counted twice."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from analysis import build, intake, query
from analysis.intake import Upload
from analysis.store import snapshot
from tests.uploads import base_store, copy_store, summary

ROOT = Path(__file__).resolve().parents[1]

# One upload in its own process: waits for the go file so that both uploads overlap, then previews
# and commits its documents and prints what became of each.
UPLOADER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from analysis import intake
    from analysis.intake import Upload
    from tests.uploads import summary

    db, go, spec = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
    files = [Upload(f"{spec['prefix']}{s}.txt", summary(s, 2024).encode()) for s in spec["seeds"]]
    while not go.exists():
        time.sleep(0.01)
    pre = intake.preview(files, db, form={"department": spec["department"], "year": 2024})
    report = intake.commit(pre, db, workers=1)
    print(json.dumps([[o.source_file, o.status, o.detail] for o in report.outcomes], ensure_ascii=False))
""")


def integrity(db: Path) -> dict:
    """Documents, and rows that would show double counting (a sentence or term stored twice, or rows
    without their document)."""
    with snapshot.read(db) as con:
        one = lambda sql: con.execute(sql).fetchall()[0][0]  # noqa: E731
        return {
            "documents": one("SELECT COUNT(*) FROM documents"),
            "distinct": one("SELECT COUNT(DISTINCT doc_id) FROM documents"),
            "double_sentences": one("SELECT COUNT(*) FROM (SELECT doc_id, idx FROM sentences GROUP BY 1, 2 "
                                    "HAVING COUNT(*) > 1)"),
            "orphans": one("SELECT COUNT(*) FROM sentences WHERE doc_id NOT IN (SELECT doc_id FROM documents)"),
            "managed_uploads": one("SELECT COUNT(*) FROM managed WHERE origin = 'upload' AND NOT removed"),
        }


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return base_store(tmp_path_factory.mktemp("concurrency"))


def test_two_uploads_in_parallel_while_a_third_process_reads(base, tmp_path):
    db = copy_store(base, tmp_path / "store")
    before = len(query.documents(db))
    shared = list(range(500, 505))  # the same five summaries in both uploads
    specs = [{"prefix": "甲批", "department": "法务部", "seeds": list(range(100, 125)) + shared},
             {"prefix": "乙批", "department": "审计部", "seeds": list(range(200, 225)) + shared}]
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", UPLOADER, str(db), str(go), json.dumps(spec)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for spec in specs]
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from pathlib import Path
        from analysis import query
        db, stop = Path(sys.argv[1]), Path(sys.argv[2])
        seen = set()
        while not stop.exists():
            seen.add(len(query.documents(db)))  # never 'Could not set lock on file'
            query.overview(db)
            time.sleep(0.02)
        seen.add(len(query.documents(db)))
        print(sorted(seen))
    """), str(db), str(tmp_path / "stop")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    (tmp_path / "stop").touch()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err[-3000:]
    seen = json.loads(out.strip().splitlines()[-1])

    added = [r for res in results for r in res if r[1] == "已新增"]
    skipped = [r for res in results for r in res if r[1] == "已跳过"]
    assert len(added) == 25 + 25 + 5 and len(skipped) == 5
    assert {r[2] for r in skipped} <= {"在此期间已由另一次写入加入库中"} | {
        f"已在库中（内容与“{p}{s}.txt”相同），无需重复分析" for p in ("甲批", "乙批") for s in shared}
    shared_names = {f"{p}{s}.txt" for p in ("甲批", "乙批") for s in shared}
    assert len([r for r in added if r[0] in shared_names]) == 5  # each shared summary stored once
    assert integrity(db) == {"documents": before + 55, "distinct": before + 55, "double_sentences": 0, "orphans": 0,
                             "managed_uploads": 55}
    # the reader only ever saw whole snapshots: before, after the first upload, after both
    assert set(seen) <= {before, before + 30, before + 55} and seen[-1] == before + 55


def test_two_sessions_of_one_server_commit_at_once(base, tmp_path):
    """Two browser sessions of one dashboard are two threads of one process, each forking its pool."""
    import threading

    db = copy_store(base, tmp_path / "store")
    before = len(query.documents(db))
    shared = [Upload(f"同一份{s}.txt", summary(s).encode()) for s in range(700, 710)]
    batches = [[Upload(f"会话{n}_{s}.txt", summary(s).encode()) for s in range(710 + 20 * n, 730 + 20 * n)] + shared
               for n in range(2)]
    previews = [intake.preview(b, db, form={"department": "法务部", "year": 2024}) for b in batches]
    reports: list = [None, None]
    errors: list = []

    def run(n: int) -> None:
        try:
            reports[n] = intake.commit(previews[n], db, workers=2)
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors
    assert sum(r.count("已新增") for r in reports) == 50
    assert sum(r.count("已跳过") for r in reports) == 10
    assert integrity(db) == {"documents": before + 50, "distinct": before + 50, "double_sentences": 0, "orphans": 0,
                             "managed_uploads": 50}
    assert len(list(snapshot.originals_dir(db).glob("*.txt"))) == 50
    assert not list(snapshot.originals_dir(db).glob(".*.tmp"))


def test_cli_build_during_an_upload(base, tmp_path):
    db = copy_store(base, tmp_path / "store")
    corpus = tmp_path / "corpus"
    import shutil

    shutil.copytree(Path(base).parents[1] / "base_corpus", corpus)
    folder = corpus / "2024" / "仓储部"
    folder.mkdir(parents=True)
    for seed in range(300, 450):
        (folder / f"员工{seed}_一组.txt").write_text(summary(seed), encoding="utf-8")
    before = len(query.documents(db))
    build._warm_up()  # so the upload below analyses in a blink and reaches its write while the build runs

    proc = subprocess.Popen([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store", str(db),
                             "--workers", "1", "--quiet"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 120
    while not list(db.parent.glob("insights.duckdb.building-*")) and time.time() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the build finished before the upload started"

    # the dashboard's upload: nine new summaries and one that the running build is adding from the folder
    files = [Upload(f"上传{s}.txt", summary(s).encode()) for s in range(600, 609)]
    files.append(Upload("重复的.txt", summary(449).encode()))
    pre = intake.preview(files, db, form={"department": "法务部", "year": 2024})
    assert pre.count("add") == 10  # the build has not swapped its snapshot in yet
    stages = []
    report = intake.commit(pre, db, workers=1, progress=lambda stage, done, total: stages.append(stage))
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    assert out.strip().splitlines()[-1] == f"analysed 150, reused {before}, failed 0"
    assert "等待" in stages  # the upload waited for the build's lock, then wrote from the build's snapshot
    statuses = {o.source_file: (o.status, o.detail) for o in report.outcomes}
    assert statuses["重复的.txt"] == ("已跳过", "在此期间已由另一次写入加入库中")
    assert sum(1 for s, _ in statuses.values() if s == "已新增") == 9
    assert integrity(db) == {"documents": before + 159, "distinct": before + 159, "double_sentences": 0,
                             "orphans": 0, "managed_uploads": 9}

    # the next folder build keeps the uploads although they are in no folder
    again = subprocess.run([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store", str(db),
                            "--workers", "1", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.stdout.strip().splitlines()[-1] == f"analysed 0, reused {before + 159}, failed 0"
    assert integrity(db)["documents"] == before + 159


def test_cli_build_waits_for_an_upload_that_is_writing(base, tmp_path):
    db = copy_store(base, tmp_path / "store")
    corpus = Path(base).parents[1] / "base_corpus"
    waiting = "另一个写入（看板上传或另一个构建）正在进行，最多等待 120 秒……"
    with snapshot.write_lock(db):  # an upload writing its snapshot
        proc = subprocess.Popen([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store",
                                 str(db), "--workers", "1", "--quiet", "--wait", "120"], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # hold the lock until the build says it waits (a loaded machine may take seconds to get there)
        before = ""
        while waiting not in before and (line := proc.stderr.readline()):
            before += line
        assert waiting in before, before
        assert proc.poll() is None  # waiting, not failing
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, before + err
    assert out.strip().splitlines()[-1] == "analysed 0, reused 11, failed 0"

    with snapshot.write_lock(db):
        refused = subprocess.run([sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store",
                                  str(db), "--quiet", "--wait", "0"], cwd=ROOT, capture_output=True, text=True,
                                 timeout=120)
    assert refused.returncode == 2 and "另一个构建正在写入 insights.duckdb，请稍后再试" in refused.stderr
