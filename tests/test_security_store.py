"""Attack tests for the files on disk (issue 13, items 10, 11, 13, 14 and orphaned originals).

Each test does what the security review did against the code before the fix: read the store as
another user of the machine, slip control and right-to-left characters into names through the
folder build, fill the disk half-way through a build, edit the audit log, crash an upload.
"""
from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import duckdb
import pytest

from analysis import build, cli, intake, query
from analysis.access import audit
from analysis.access.scope import Filters
from analysis.store import snapshot as store
from tests.test_build import GOOD_A, GOOD_B, write_corpus


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """The usual umask (022) creates files 0644: what the review found."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


# ---------------------------------------------------------------- 11: owner-only files


def test_store_audit_log_and_originals_are_owner_only(tmp_path, loose_umask):
    corpus, path = tmp_path / "corpus", tmp_path / "data" / "insights.duckdb"
    write_corpus(corpus)
    build.build(corpus, path, workers=1, progress=False)
    assert mode(path) == 0o600
    assert mode(path.with_name(path.name + ".lock")) == 0o600

    log = tmp_path / "data" / "audit.jsonl"
    audit.record(log, user="hr", name="人事部林主管", role="hr_admin", table="documents", fmt="csv",
                 filters=Filters(), rows=2, file_name="文档.csv")
    assert mode(log) == 0o600

    pre = intake.preview([intake.Upload("冯涛_售后组.txt", (GOOD_B + "售后回访一百次。\n").encode())], path,
                         form={"department": "客服部"})
    assert intake.commit(pre, path, workers=1).count("已新增") == 1
    originals = store.originals_dir(path)
    assert mode(originals) == 0o700
    assert [mode(p) for p in originals.iterdir()] == [0o600]


def test_existing_world_readable_audit_log_is_tightened(tmp_path):
    log = tmp_path / "audit.jsonl"
    log.write_text("", encoding="utf-8")
    os.chmod(log, 0o644)
    audit.record(log, user="hr", name="人事部林主管", role="hr_admin", table="groups", fmt="xlsx",
                 filters=Filters(), rows=1, file_name="分组.xlsx")
    assert mode(log) == 0o600


# ---------------------------------------------------------------- 10: a tamper-evident audit log


def _log_three(log: Path) -> list[bytes]:
    for n, table in enumerate(("documents", "groups", "themes"), start=1):
        audit.record(log, user="hr", name="人事部林主管", role="hr_admin", table=table, fmt="csv",
                     filters=Filters(departments=("销售部",)), rows=n, file_name=f"{table}.csv")
    return log.read_bytes().splitlines(keepends=True)


def test_audit_chain_intact(tmp_path):
    log = tmp_path / "audit.jsonl"
    lines = _log_three(log)
    entries = [json.loads(line) for line in lines]
    assert entries[0]["prev"] == audit.GENESIS
    assert entries[1]["prev"] == audit.line_hash(lines[0])
    assert entries[2]["prev"] == audit.line_hash(lines[1])
    assert audit.verify(log) == []
    assert audit.read(log)["table"].tolist() == ["themes", "groups", "documents"]


def test_audit_deleted_line_is_detected(tmp_path):
    log = tmp_path / "audit.jsonl"
    lines = _log_three(log)
    log.write_bytes(lines[0] + lines[2])  # somebody hides their download of the groups table
    assert audit.verify(log) == ["第 2 行与上一条记录对不上（之前的记录被删除、修改或插入过）"]


def test_audit_edited_line_is_detected(tmp_path):
    log = tmp_path / "audit.jsonl"
    lines = _log_three(log)
    edited = lines[0].replace(b'"rows": 1', b'"rows": 0')
    assert edited != lines[0]
    log.write_bytes(edited + lines[1] + lines[2])
    assert audit.verify(log) == ["第 2 行与上一条记录对不上（之前的记录被删除、修改或插入过）"]


def test_audit_inserted_unchained_line_is_detected(tmp_path):
    log = tmp_path / "audit.jsonl"
    lines = _log_three(log)
    forged = json.dumps({"time": "2024-01-01T00:00:00+08:00", "user": "guest", "table": "groups"},
                        ensure_ascii=False).encode() + b"\n"
    log.write_bytes(lines[0] + forged + lines[1] + lines[2])
    problems = audit.verify(log)
    assert problems == ["第 2 行没有链接到上一条记录（可能是后来插入的）",
                        "第 3 行与上一条记录对不上（之前的记录被删除、修改或插入过）"]


# ---------------------------------------------------------------- 13: one cleaning for build and upload

RLO, LRI, BEL = "\u202e", "\u2066", "\x07"


def test_cli_build_cleans_control_and_bidi_characters(tmp_path):
    corpus, path = tmp_path / "corpus", tmp_path / "insights.duckdb"
    folder = corpus / "2024" / "销售部"
    folder.mkdir(parents=True)
    # a name that displays as "林晓雨_华东组txt.exe" in a table, and a bell in a team name
    (folder / f"林晓雨{RLO}_华东组.txt").write_text(GOOD_A, encoding="utf-8")
    (folder / f"周建国_质检{BEL}组.txt").write_text(GOOD_B, encoding="utf-8")
    report = build.build(corpus, path, workers=1, progress=False)
    assert report.analysed == 2, report.failures
    docs = query.documents(path)
    assert sorted(docs["source_file"]) == ["2024/销售部/周建国_质检 组.txt", "2024/销售部/林晓雨 _华东组.txt"]
    assert sorted(docs["employee"]) == ["周建国", "林晓雨"]
    assert sorted(docs["team"]) == ["华东组", "质检组"]
    for column in ("source_file", "employee", "team"):
        assert not any(ch in value for value in docs[column] for ch in (RLO, LRI, BEL))
    # the upload path gives the same name for the same input
    assert intake.clean_name(f"2024/销售部/林晓雨{RLO}_华东组.txt") == "2024/销售部/林晓雨 _华东组.txt"


def test_heading_metadata_is_validated_like_uploaded_metadata(tmp_path):
    corpus, path = tmp_path / "corpus", tmp_path / "insights.duckdb"
    corpus.mkdir()
    text = GOOD_A.replace("部门：销售部", "部门：销售部\n班组：![](https://tracker.invalid/p.png)\n姓名：林晓雨\u202e")
    (corpus / "总结.txt").write_text(text, encoding="utf-8")
    build.build(corpus, path, workers=1, progress=False)
    (doc,) = query.documents(path).to_dict("records")
    assert doc["team"] == ""  # Markdown is no team name
    assert doc["employee"] == "林晓雨"
    assert doc["department"] == "销售部"


# ---------------------------------------------------------------- 14: disk full during a build


def test_disk_full_during_build_leaves_store_intact(tmp_path, monkeypatch, capsys):
    corpus, path = tmp_path / "corpus", tmp_path / "insights.duckdb"
    write_corpus(corpus)
    build.build(corpus, path, workers=1, progress=False)
    before = query.documents(path)["doc_id"].tolist()
    (corpus / "2024" / "客服部").mkdir()
    (corpus / "2024" / "客服部" / "王丽_热线组.txt").write_text(GOOD_B.replace("质检组", "热线组"), "utf-8")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store, "insert_arrow", full)
    code = cli.main(["build", "--corpus", str(corpus), "--store", str(path), "--quiet"])
    out = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out.err
    assert out.err.strip() == (f"错误：磁盘空间不足，无法写入新的数据库快照 {path}。原有数据库没有改动；"
                               "请腾出磁盘空间或修正权限后重新运行 build。")
    assert out.out.strip() == "analysed 0, reused 0, failed 0"
    monkeypatch.undo()
    assert query.documents(path)["doc_id"].tolist() == before
    assert list(tmp_path.glob("insights.duckdb.building-*")) == []


def test_disk_full_inside_duckdb_is_explained(tmp_path, monkeypatch, capsys):
    corpus, path = tmp_path / "corpus", tmp_path / "insights.duckdb"
    write_corpus(corpus)

    def full(*args, **kwargs):
        raise duckdb.IOException("IO Error: Could not write file: No space left on device")

    monkeypatch.setattr(store, "insert_arrow", full)
    assert cli.main(["build", "--corpus", str(corpus), "--store", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：磁盘空间不足，无法写入新的数据库快照")
    assert not path.exists()


# ---------------------------------------------------------------- orphaned originals of a crashed upload


def test_crashed_upload_originals_are_removed_on_next_write(tmp_path, monkeypatch):
    corpus, path = tmp_path / "corpus", tmp_path / "insights.duckdb"
    write_corpus(corpus)
    build.build(corpus, path, workers=1, progress=False)
    pre = intake.preview([intake.Upload("冯涛_售后组.txt", (GOOD_B + "售后回访一百次。\n").encode())], path,
                         form={"department": "客服部"})
    assert [i.action for i in pre.items] == ["add"]

    def crash(*args, **kwargs):
        raise RuntimeError("服务进程在分析时被终止")

    monkeypatch.setattr(intake.passes, "run", crash)
    with pytest.raises(RuntimeError):
        intake.commit(pre, path, workers=1)
    monkeypatch.undo()
    originals = store.originals_dir(path)
    orphan = intake.original_name(pre.items[0].sha256, pre.items[0].source_file)
    assert [p.name for p in originals.iterdir()] == [orphan]  # the crash left it behind

    # an upload still running announces its originals: the cleaner must not take them
    running = intake.original_name("f" * 64, "张三.txt")
    (originals / running).write_bytes(b"in flight")
    with store.pending_originals(path, [running]):
        build.build(corpus, path, workers=1, progress=False, wait=5)  # nothing changed: no write
        intake.retag(path, [query.documents(path)["doc_id"][0]], {"role": "销售代表"})
        assert sorted(p.name for p in originals.iterdir() if not p.name.startswith(".")) == [running]
    assert not list(originals.glob(store.PENDING_PREFIX + "*"))


def test_audit_page_warns_when_the_chain_breaks(tmp_path, monkeypatch, demo_store):
    from streamlit.testing.v1 import AppTest

    from analysis.access import users
    from tests.auth_helpers import APP, disable_pages_discovery
    from ui.state import STORE_ENV

    disable_pages_discovery(monkeypatch)
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(audit.AUDIT_ENV, str(log))
    monkeypatch.setenv(users.USERS_ENV, str(tmp_path / "no-users.toml"))
    lines = _log_three(log)

    def audit_page() -> AppTest:
        at = AppTest.from_file(APP, default_timeout=60).run()
        at.switch_page("pages/audit.py").run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    assert not audit_page().warning
    log.write_bytes(lines[0] + lines[2])
    (warning,) = audit_page().warning
    assert warning.value.startswith("审计日志的校验链断开")
    assert "第 2 行与上一条记录对不上" in warning.value


def test_disk_full_during_export_is_explained(tmp_path, monkeypatch, capsys, demo_store):
    from analysis.query import export

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export, "write", full)
    out = tmp_path / "文档.csv"
    assert cli.main(["export", "--table", "groups", "--out", str(out), "--store", str(demo_store)]) == 2
    assert capsys.readouterr().err.strip() == f"错误：磁盘空间不足，没有写出 {out}。"
