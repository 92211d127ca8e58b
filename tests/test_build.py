"""The build: incremental, bad input reported and skipped, snapshots consistent under kill -9 and
readable while a build runs."""
import io
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from analysis import build, query
from analysis.insight import passes
from analysis.pipeline import content_hash
from analysis.store import snapshot
from tests.conftest import write_small_corpus

ROOT = Path(__file__).resolve().parents[1]

GOOD_A = """2024年个人年终工作总结
部门：销售部
一、主要工作成绩
今年我负责华东区域的客户开发与维护，全年累计拜访客户一百二十余家，新增意向客户三十五家。
全年完成销售额八百六十万元，完成年度任务的百分之一百零八，回款率达到百分之九十六。
二、存在的不足
对部分老客户的回访不够及时，导致两笔订单流失。
三、明年工作计划
明年要加强对重点客户的跟进，做好对账和开票，确保货款及时回笼。
"""
GOOD_B = """2024年度工作总结
一、工作回顾
今年我在质检组负责来料检验，全年检验来料两千余批，拦截不合格批次四十一批。
在同事的配合下，产品一次合格率提升到百分之九十八点五。
二、存在的问题
对新产品的检验标准掌握得还不够熟练，有两次判定需要请教工程师。
三、明年计划
明年要系统学习新产品的工艺和技术标准，争取独立完成首件检验。
"""


def write_corpus(root: Path) -> None:
    (root / "2024" / "销售部").mkdir(parents=True)
    (root / "2024" / "生产部").mkdir(parents=True)
    (root / "2024" / "销售部" / "林晓雨_华东组.txt").write_text(GOOD_A, encoding="utf-8")
    (root / "2024" / "生产部" / "周建国_质检组.txt").write_text(GOOD_B, encoding="utf-8")


def test_bad_files_reported_good_ones_analysed(tmp_path):
    from docx import Document

    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    d = corpus / "2024" / "客服部"
    d.mkdir()
    (d / "空文件.txt").write_bytes(b"")
    (d / "二进制.txt").write_bytes(bytes(range(256)) * 4)
    (d / "国标编码_热线组.txt").write_bytes(GOOD_A.replace("销售部", "客服部").encode("gbk"))
    (d / "双字节.txt").write_bytes(GOOD_B.encode("utf-16"))
    (d / "损坏.docx").write_bytes(b"PK\x03\x04garbage")
    (d / "损坏.pdf").write_bytes(b"%PDF-1.7 nothing here")
    (d / "照片.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    (d / "英文.txt").write_text("Annual review: all targets met, thanks to the team. " * 4, encoding="utf-8")
    doc = Document()
    for line in GOOD_B.replace("质检组", "装配组").splitlines():
        doc.add_paragraph(line)
    buf = io.BytesIO()
    doc.save(buf)
    (d / "文档.docx").write_bytes(buf.getvalue())

    out = subprocess.run(
        [sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store", str(tmp_path / "s.duckdb"),
         "--workers", "1", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "analysed 5, reused 0, failed 6"
    for name, reason in [("空文件.txt", "文件为空"), ("二进制.txt", "二进制文件"), ("损坏.docx", "Word 文件已损坏"),
                         ("损坏.pdf", "PDF 文件已损坏"), ("照片.png", "图片文件"), ("英文.txt", "几乎不含中文")]:
        assert f"失败 2024/客服部/{name}: " in out.stderr and reason in out.stderr, name
    docs = query.documents(tmp_path / "s.duckdb").set_index("source_file")
    gbk = docs.loc["2024/客服部/国标编码_热线组.txt"]
    assert (gbk["encoding"], gbk["department"], gbk["team"], gbk["employee"]) == ("gb18030", "客服部", "热线组", "国标编码")
    assert gbk["货款回笼"] >= 2
    assert docs.loc["2024/客服部/双字节.txt", "encoding"] == "utf-16"
    assert docs.loc["2024/客服部/双字节.txt", "chars"] == docs.loc["2024/生产部/周建国_质检组.txt", "chars"]
    assert docs.loc["2024/客服部/文档.docx", "file_format"] == "docx"


def test_incremental_rebuild_reuses_and_mirrors(tmp_path):
    corpus, db = tmp_path / "corpus", tmp_path / "s.duckdb"
    write_corpus(corpus)
    first = build.build(corpus, db, workers=1, progress=False)
    assert (first.analysed, first.reused, first.failed) == (2, 0, 0)
    version = snapshot.data_version(db)
    again = build.build(corpus, db, workers=1, progress=False)
    assert (again.analysed, again.reused, again.written) == (0, 2, False)
    assert snapshot.data_version(db) == version  # an unchanged corpus leaves the store untouched

    (corpus / "2024" / "销售部" / "林晓雨_华东组.txt").write_text(GOOD_A + "全年新签合同十八份。\n", encoding="utf-8")
    (corpus / "2024" / "生产部" / "周建国_质检组.txt").rename(corpus / "2024" / "生产部" / "周建国_装配组.txt")
    third = build.build(corpus, db, workers=1, progress=False)
    assert (third.analysed, third.reused, third.removed) == (1, 1, 1)
    docs = query.documents(db).set_index("employee")
    assert len(docs) == 2
    assert docs.loc["周建国", "team"] == "装配组"  # re-tagged from the path without re-analysis


def _tables(db: Path) -> dict[str, list[tuple]]:
    with snapshot.read(db) as con:
        return {t: sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in snapshot.TABLES
                if t not in ("meta", "file_hashes")}  # file_hashes: what each build listed, timing-dependent


def _counting_reads(monkeypatch) -> list[str]:
    """Every file whose bytes ``Job.read`` returns in this process (forked workers count in their own copy)."""
    reads: list[str] = []
    real = build.Job.read

    def read(job):
        data = real(job)
        reads.append(job.source_file)
        return data

    monkeypatch.setattr(build.Job, "read", read)
    return reads


def test_workers_store_exactly_what_one_process_stores(tmp_path, monkeypatch):
    # the pool sends results back packed (Arrow batches, joined words): the store must not notice
    corpus = write_small_corpus(tmp_path / "corpus")
    (corpus / "2024" / "销售部" / "林晓雨_华东组.txt").write_text(GOOD_A, encoding="utf-8")
    (corpus / "2025" / "销售部").mkdir(parents=True)
    (corpus / "2025" / "销售部" / "林晓雨_华东组.txt").write_text(
        "2025年个人年终工作总结\n一、主要工作成绩\n今年每月与重点客户对账开票，货款全部按期回笼。\n", encoding="utf-8")
    (corpus / "2025" / "销售部" / "空白.txt").write_bytes(b"")
    for year in ("2024", "2025"):  # enough summaries for the topics to be fitted
        shutil.copytree(ROOT / "corpus" / year / "财务部", corpus / year / "财务部")
    reads = _counting_reads(monkeypatch)
    tasks = _spy_pass_helper(monkeypatch)
    one = build.build(corpus, tmp_path / "one.duckdb", workers=1, progress=False)
    # in one process the passes run where they start
    assert tasks == [(False, "_judge", "Inline"), (False, "fit_sample", "Inline")]
    tasks.clear()
    files = len([p for p in corpus.rglob("*") if p.is_file()])
    assert len(reads) == files  # in one process, each file is read once, to be analysed
    reads.clear()
    two = build.build(corpus, tmp_path / "two.duckdb", workers=2, progress=False)
    assert reads == []  # with workers, the workers read the files: the build process holds none of them
    # with workers, plan follow-through is judged and the topics fitted in the pass helper process, meanwhile the
    # aggregates are summed here: the store is the same to the last float of the topic weights
    assert tasks == [(True, "_judge", "ProcessPoolExecutor"), (True, "fit_sample", "ProcessPoolExecutor")]
    assert (two.analysed, two.failed) == (one.analysed, one.failed) == (files - 1, 1)
    tables = _tables(tmp_path / "two.duckdb")
    assert tables == _tables(tmp_path / "one.duckdb")
    assert len(tables["sentence_words"]) > len(tables["documents"]) > 8  # enough jobs for the pool
    assert any(row[3] for row in tables["follow_through"])  # plans judged from the sentences sent back
    assert tables["topics"] and tables["sentence_topics"]


def _spy_pass_helper(monkeypatch) -> list[tuple[bool, str, str]]:
    """Record what each build's passes hand to ``build.pass_helper``: (enabled, function, executor kind)."""
    tasks: list[tuple[bool, str, str]] = []
    real = build.pass_helper

    @contextmanager
    def spy(enabled: bool):
        with real(enabled) as helper:
            submit = helper.submit

            def recorded(fn, *args, **kwargs):
                tasks.append((enabled, fn.__name__, type(helper).__name__))
                return submit(fn, *args, **kwargs)

            monkeypatch.setattr(helper, "submit", recorded)
            yield helper

    monkeypatch.setattr(build, "pass_helper", spy)
    return tasks


def test_the_pass_helper_is_another_process_that_leaves_after_its_tasks():
    with build.pass_helper(True) as helper:
        pid = helper.submit(os.getpid).result()
        helper.shutdown(wait=False)  # what passes.run does once it has handed over its two tasks
        assert pid != os.getpid()
        deadline = time.time() + 15
        while time.time() < deadline and _alive(pid):
            time.sleep(0.05)
        assert not _alive(pid)
    with build.pass_helper(False) as helper:
        assert helper is passes.INLINE and helper.submit(os.getpid).result() == os.getpid()
        failed = helper.submit(int, "一")
        with pytest.raises(ValueError):  # an error reaches whoever asks for the result, as from a pool
            failed.result()


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting to be reaped does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _build_to_kill(tmp_path: Path, workers: int):
    """A store of two documents, 1,500 new ones in the corpus (a build of them runs ≈10 s on one core, long enough to
    be killed midway), and that build started in its own process: (its Popen, the corpus, the store, the documents
    stored before)."""
    corpus, db = tmp_path / "corpus", tmp_path / "s.duckdb"
    write_corpus(corpus)
    build.build(corpus, db, workers=1, progress=False)
    before = query.documents(db)
    for i in range(1500):
        (corpus / "2024" / "销售部" / f"员工{i:04d}.txt").write_text(GOOD_A + f"编号{i}。\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store", str(db), "--workers",
         str(workers), "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return proc, corpus, db, before


def test_killed_build_leaves_store_consistent(tmp_path):
    proc, corpus, db, before = _build_to_kill(tmp_path, workers=1)
    deadline = time.time() + 120
    while time.time() < deadline and not list(tmp_path.glob("s.duckdb.building-*")):
        time.sleep(0.02)
    time.sleep(0.3)  # into the analysis, well before its end
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = query.documents(db)  # the live snapshot is untouched and readable
    assert after.equals(before)
    report = build.build(corpus, db, workers=2, progress=False)
    assert report.analysed == 1500 and report.reused == 2
    assert not list(tmp_path.glob("s.duckdb.building-*"))


def test_workers_of_a_killed_build_leave_with_it(tmp_path):
    """The kernel's OOM killer or ``kill -9`` stops the build process with no clean-up: its workers must not stay
    behind waiting for work, each holding the models. They leave within seconds, and the store is as before."""
    import psutil

    proc, corpus, db, before = _build_to_kill(tmp_path, workers=2)
    parent = psutil.Process(proc.pid)
    deadline, workers = time.time() + 120, []
    while time.time() < deadline and len(workers) < 2 and proc.poll() is None:
        workers = parent.children()
        time.sleep(0.05)
    assert len(workers) == 2 and proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    gone, alive = psutil.wait_procs(workers, timeout=15)
    for p in alive:
        p.kill()
    assert alive == [] and len(gone) == 2
    assert query.documents(db).equals(before)
    assert build.build(corpus, db, workers=2, progress=False).analysed == 1500


def test_reader_works_while_build_writes(tmp_path):
    corpus, db = tmp_path / "corpus", tmp_path / "s.duckdb"
    write_corpus(corpus)
    build.build(corpus, db, workers=1, progress=False)
    for i in range(120):
        (corpus / "2024" / "销售部" / f"员工{i:03d}.txt").write_text(GOOD_A + f"编号{i}。\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "analysis", "build", "--corpus", str(corpus), "--store", str(db), "--workers", "1",
         "--quiet"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    counts = set()
    while proc.poll() is None:
        counts.add(len(query.documents(db)))  # never 'Could not set lock on file'
        time.sleep(0.05)
    counts.add(len(query.documents(db)))
    assert proc.returncode == 0
    assert counts <= {2, 122} and 122 in counts


def test_second_build_is_refused_while_one_runs(tmp_path):
    db = tmp_path / "s.duckdb"
    with snapshot.write_lock(db):
        with pytest.raises(snapshot.StoreBusy):
            with snapshot.write_lock(db):
                pass


def test_store_schema_matches_declaration(tmp_path):
    corpus, db = tmp_path / "corpus", tmp_path / "s.duckdb"
    write_corpus(corpus)
    build.build(corpus, db, workers=1, progress=False)
    con = duckdb.connect(str(db), read_only=True)
    cols = [r[0] for r in con.execute("DESCRIBE documents").fetchall()]
    con.close()
    from analysis.schema import DOCUMENT_COLUMNS

    assert tuple(cols) == DOCUMENT_COLUMNS
    assert not os.path.exists(str(db) + ".wal")


def test_collect_keeps_paths_and_hashes_not_bytes(tmp_path, monkeypatch):
    """Listing the corpus hashes each file once as a stream and keeps none of its bytes: the build's
    memory must not grow with the corpus (issue 18). Members of a .zip keep theirs (the archive is opened)."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    with zipfile.ZipFile(corpus / "2024" / "归档.zip", "w") as zf:
        zf.writestr("客服部/陈静_热线组.txt", GOOD_B.replace("质检组", "热线组"))
    hashed: list[str] = []
    real = build.file_hash
    monkeypatch.setattr(build, "file_hash", lambda path: hashed.append(path) or real(path))
    jobs, failures = build.collect(corpus)
    assert failures == []
    by_file = {j.source_file: j for j in jobs}
    assert sorted(by_file) == ["2024/归档.zip/客服部/陈静_热线组.txt", "2024/生产部/周建国_质检组.txt",
                               "2024/销售部/林晓雨_华东组.txt"]
    plain = [by_file["2024/生产部/周建国_质检组.txt"], by_file["2024/销售部/林晓雨_华东组.txt"]]
    assert sorted(hashed) == sorted(j.path for j in plain)  # once each
    assert [j.data for j in plain] == [b"", b""]
    assert [j.key for j in plain] == [content_hash(GOOD_B.encode()), content_hash(GOOD_A.encode())]
    assert [j.read() for j in plain] == [GOOD_B.encode(), GOOD_A.encode()]
    member = by_file["2024/归档.zip/客服部/陈静_热线组.txt"]
    assert (member.path, member.data) == (None, GOOD_B.replace("质检组", "热线组").encode())
    assert member.key == content_hash(member.data)
    assert member.meta["department"] == "客服部"


def _age(path: Path, seconds: int = 3600) -> int:
    """Set a file's modification time an hour back (older than ``build.RACY_NS``); returns it in ns."""
    ns = time.time_ns() - seconds * 10**9
    os.utime(path, ns=(ns, ns))
    return ns


def test_collect_reads_only_files_whose_size_or_time_changed(tmp_path, monkeypatch):
    """The listing remembers (size, mtime_ns, hash) per file: an unchanged corpus is listed without reading a
    file; a file whose modification time or size changed is read and hashed again; a file modified moments
    before the listing is hashed but not remembered (a rewrite within the timestamp granularity would look
    unchanged). A rewrite keeping both size and time is taken as unchanged: the accepted limit, shown here."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    sales, plant = corpus / "2024" / "销售部" / "林晓雨_华东组.txt", corpus / "2024" / "生产部" / "周建国_质检组.txt"
    sales_ns, plant_ns = _age(sales), _age(plant)
    hashed: list[str] = []
    real = build.file_hash
    monkeypatch.setattr(build, "file_hash", lambda path: hashed.append(Path(path).name) or real(path))

    def keys(hashes):
        hashed.clear()
        jobs, failures = build.collect(corpus, hashes)
        assert failures == []
        return {j.source_file: j.key for j in jobs}

    hashes: dict = {}
    first = keys(hashes)
    assert sorted(hashed) == ["周建国_质检组.txt", "林晓雨_华东组.txt"]
    assert first == {"2024/销售部/林晓雨_华东组.txt": content_hash(GOOD_A.encode()),
                     "2024/生产部/周建国_质检组.txt": content_hash(GOOD_B.encode())}
    assert hashes == {"2024/销售部/林晓雨_华东组.txt": (len(GOOD_A.encode()), sales_ns, content_hash(GOOD_A.encode())),
                      "2024/生产部/周建国_质检组.txt": (len(GOOD_B.encode()), plant_ns, content_hash(GOOD_B.encode()))}
    assert (keys(hashes), hashed) == (first, [])  # nothing read

    os.utime(sales, ns=(sales_ns + 10**9, sales_ns + 10**9))  # touched: read again, same hash
    assert (keys(hashes), hashed) == (first, ["林晓雨_华东组.txt"])
    assert hashes["2024/销售部/林晓雨_华东组.txt"][1] == sales_ns + 10**9

    longer = GOOD_A + "全年新签合同十八份。\n"
    sales.write_text(longer, encoding="utf-8")
    os.utime(sales, ns=(sales_ns + 10**9, sales_ns + 10**9))  # a longer file with the remembered time
    assert keys(hashes)["2024/销售部/林晓雨_华东组.txt"] == content_hash(longer.encode())
    assert hashed == ["林晓雨_华东组.txt"]

    same_size = GOOD_B.replace("四十一批", "四十二批")
    assert len(same_size.encode()) == len(GOOD_B.encode())
    plant.write_text(same_size, encoding="utf-8")
    os.utime(plant, ns=(plant_ns, plant_ns))  # same size, same time: the accepted limit
    assert keys(hashes)["2024/生产部/周建国_质检组.txt"] == content_hash(GOOD_B.encode())
    assert hashed == []

    plant.write_text(same_size, encoding="utf-8")  # just written: hashed, not remembered
    assert keys(hashes)["2024/生产部/周建国_质检组.txt"] == content_hash(same_size.encode())
    assert (hashed, "2024/生产部/周建国_质检组.txt" in hashes) == (["周建国_质检组.txt"], False)
    assert keys(hashes)["2024/生产部/周建国_质检组.txt"] == content_hash(same_size.encode())
    assert hashed == ["周建国_质检组.txt"]


def test_build_keeps_file_hashes_in_the_store(tmp_path, monkeypatch):
    """A build stores its listing (``file_hashes``) and the next build reads only the files that changed."""
    corpus, db = tmp_path / "corpus", tmp_path / "store" / "insights.duckdb"
    write_corpus(corpus)
    sales, plant = corpus / "2024" / "销售部" / "林晓雨_华东组.txt", corpus / "2024" / "生产部" / "周建国_质检组.txt"
    sales_ns, plant_ns = _age(sales), _age(plant)
    build.build(corpus, db, workers=1, progress=False)
    assert snapshot.live_file_hashes(db) == {
        "2024/销售部/林晓雨_华东组.txt": (len(GOOD_A.encode()), sales_ns, content_hash(GOOD_A.encode())),
        "2024/生产部/周建国_质检组.txt": (len(GOOD_B.encode()), plant_ns, content_hash(GOOD_B.encode()))}
    hashed: list[str] = []
    real = build.file_hash
    monkeypatch.setattr(build, "file_hash", lambda path: hashed.append(Path(path).name) or real(path))
    longer = GOOD_A + "全年新签合同十八份。\n"
    sales.write_text(longer, encoding="utf-8")
    new_ns = _age(sales, 60)
    report = build.build(corpus, db, workers=1, progress=False)
    assert (report.analysed, report.reused, report.removed, hashed) == (1, 1, 1, ["林晓雨_华东组.txt"])
    assert snapshot.live_file_hashes(db)["2024/销售部/林晓雨_华东组.txt"] == (
        len(longer.encode()), new_ns, content_hash(longer.encode()))
    assert query.documents(db).set_index("employee").loc["林晓雨", "doc_id"] == content_hash(longer.encode())

    # the corpus folder moved (mv keeps the times): nothing is read again, nothing changes
    moved = tmp_path / "elsewhere" / "corpus"
    moved.parent.mkdir()
    corpus.rename(moved)
    hashed.clear()
    report = build.build(moved, db, workers=1, progress=False)
    assert (report.analysed, report.reused, report.removed, report.written, hashed) == (0, 2, 0, False, [])


def test_file_changed_after_listing_is_refused(tmp_path):
    """Rows are stored under the content hash the build decided on: a file rewritten between listing and
    analysis is reported, not stored under a hash nobody computed."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus)
    jobs, _ = build.collect(corpus)
    job = next(j for j in jobs if j.source_file == "2024/销售部/林晓雨_华东组.txt")
    Path(job.path).write_text(GOOD_A + "全年新签合同十八份。\n", encoding="utf-8")
    assert build._analyse_job(job) == ("2024/销售部/林晓雨_华东组.txt", "文件在构建过程中被修改，请重新运行构建")
    assert build._analyse_job(job.loaded()) == ("2024/销售部/林晓雨_华东组.txt", "文件在构建过程中被修改，请重新运行构建")
    Path(job.path).unlink()
    assert build._analyse_job(job)[1].startswith("无法读取文件：")


class _InlinePool(passes.Inline):
    """A ``ProcessPoolExecutor`` that runs each submitted call at once, in this process, and counts the chunks of
    documents (the pass helper's two tasks are not chunks)."""

    submitted = 0

    def __init__(self, max_workers, mp_context, initializer=None, initargs=()):
        self.workers = max_workers  # no initializer: the watch for a killed parent is for real workers

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def submit(self, fn, *args):
        _InlinePool.submitted += fn.__module__ == build.__name__
        return super().submit(fn, *args)


def test_build_holds_a_window_of_results_not_the_corpus(tmp_path, monkeypatch):
    """Chunks go to the pool a window at a time: however large the corpus, the documents read and analysed
    but not yet taken into the snapshot are at most ``AHEAD`` chunks per worker (pool.map would submit
    them all, and results the build has not taken pile up in its process)."""
    corpus = write_small_corpus(tmp_path / "corpus")
    files = len([p for p in corpus.rglob("*") if p.is_file()])
    monkeypatch.setattr(build, "ProcessPoolExecutor", _InlinePool)
    monkeypatch.setattr(_InlinePool, "submitted", 0)
    monkeypatch.setattr(build, "AHEAD", 1)
    reads = _counting_reads(monkeypatch)
    taken: list[str] = []
    in_flight: list[int] = []
    real_add = passes.Known.add

    def add(known, doc_id, *args):
        taken.append(doc_id)
        in_flight.append(len(reads) - len(taken))
        return real_add(known, doc_id, *args)

    monkeypatch.setattr(passes.Known, "add", add)
    report = build.build(corpus, tmp_path / "window.duckdb", workers=2, progress=False)
    assert files >= 10 and report.analysed == len(taken) == len(reads) == files
    assert _InlinePool.submitted == files  # one document per chunk with this few
    assert max(in_flight) == 2  # AHEAD (1) chunk of one document per worker (2), never the corpus
    assert _tables(tmp_path / "window.duckdb") == _tables(build_one(corpus, tmp_path / "one.duckdb"))


def build_one(corpus: Path, store: Path) -> Path:
    build.build(corpus, store, workers=1, progress=False)
    return store
