"""The distributed build (analysis/distributed.py) on a local Dask cluster of two worker processes: the
same tables as the in-process build, failures included; dictionary and models loaded once per worker;
nothing listens beyond 127.0.0.1."""
import csv
import os
import shutil
from pathlib import Path

import duckdb
import psutil
import pytest

from analysis import build, cli, distributed
from analysis.store import snapshot

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def _slice(root: Path) -> Path:
    """58 demo summaries (财务部, every year, with a planted self-copy 2022 → 2023; 客服部 2022 with a
    planted copy between colleagues, and 2023 for follow-through), a damaged .docx and a byte-identical
    duplicate: 60 files."""
    rows = list(csv.DictReader((CORPUS / "manifest.csv").open(encoding="utf-8-sig")))
    picked = [r for r in rows if r["department"] == "财务部" or (r["department"] == "客服部" and r["year"] == "2022")]
    picked += [r for r in rows if r["department"] == "客服部" and r["year"] == "2023"][:58 - len(picked)]
    assert len(picked) == 58
    assert {"2022/财务部/廖芳_应收组.txt", "2023/财务部/廖芳_应收组.txt", "2022/客服部/胡芳雨.txt",
            "2022/客服部/许建_热线组.txt"} <= {r["file"] for r in picked}
    for r in picked:
        (root / r["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / r["file"], root / r["file"])
    with (root / "manifest.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(picked)
    (root / "2024" / "财务部" / "损坏的总结.docx").write_bytes(b"PK\x03\x04 not a real zip")
    shutil.copyfile(root / picked[0]["file"], root / "2024" / "财务部" / "重复提交.txt")
    return root


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return _slice(tmp_path_factory.mktemp("slice"))


def _tables(store: Path) -> dict[str, list[tuple]]:
    """Every table of the store, rows in a stable order; meta without its timestamp."""
    out = {}
    with snapshot.read(store) as con:
        for table in snapshot.TABLES:
            rows = con.execute(f'SELECT * FROM "{table}"').fetchall()
            if table == "meta":
                rows = [r for r in rows if r[0] != "built_at"]
            out[table] = sorted(rows, key=repr)
    return out


def test_dask_build_gives_the_tables_of_the_local_build(corpus, tmp_path, capsys):
    local = build.build(corpus, tmp_path / "local.duckdb", workers=1, progress=False)
    assert local.summary() == "analysed 58, reused 0, failed 2"

    store = tmp_path / "dask.duckdb"
    code = cli.main(["build", "--corpus", str(corpus), "--store", str(store), "--engine", "dask",
                     "--workers", "2", "--quiet"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.strip().splitlines()[-1] == "analysed 58, reused 0, failed 2"
    assert "失败 2024/财务部/损坏的总结.docx: Word 文件已损坏" in out.err
    assert "失败 2024/财务部/重复提交.txt: 与 " in out.err

    expected, got = _tables(tmp_path / "local.duckdb"), _tables(store)
    for table in snapshot.TABLES:  # file_hashes: files listed, remembered only if older than build.RACY_NS
        assert got[table] == expected[table] or table == "file_hashes", table
    # the tables the insight passes fill are not empty, so the comparison says something about them
    with snapshot.read(store) as con:
        copied = dict(con.execute("SELECT source_file, copy_kind FROM documents WHERE copy_kind <> ''").fetchall())
        assert copied["2023/财务部/廖芳_应收组.txt"] == "本人往年"
        assert copied["2022/客服部/许建_热线组.txt"] == "他人"
        assert con.execute("SELECT COUNT(*) FROM follow_through").fetchone()[0] > 0
        assert con.execute("SELECT COUNT(*) FROM topics").fetchone()[0] > 0
        assert [r[0] for r in con.execute("SELECT reason FROM failures ORDER BY source_file").fetchall()] == [
            r[1] for r in sorted(local.failures)]
    # the default run folder (summaries as Parquet) is gone once the snapshot holds them
    assert [p for p in (tmp_path / "dask.duckdb.runs").rglob("*") if p.is_file()] == []

    # unchanged corpus: nothing to analyse, no cluster needed, the store is not rewritten
    version = snapshot.data_version(store)
    assert cli.main(["build", "--corpus", str(corpus), "--store", str(store), "--engine", "dask", "--quiet"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == "analysed 0, reused 58, failed 2"
    assert snapshot.data_version(store) == version


def _listening(pid: int) -> set[tuple[str, int]]:
    return {(c.laddr.ip, c.laddr.port) for c in psutil.Process(pid).net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN}


def test_a_running_cluster_loads_models_once_per_worker_and_keeps_the_run_folder(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    rows = list(csv.DictReader((CORPUS / "manifest.csv").open(encoding="utf-8-sig")))[:7]
    for r in rows:
        (corpus / r["file"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / r["file"], corpus / r["file"])
    (corpus / rows[0]["file"]).with_name("空白.txt").write_bytes(b"")  # both fail on a worker
    (corpus / rows[0]["file"]).with_name("乱码.txt").write_bytes(bytes(range(256)) * 8)
    before = _listening(os.getpid())
    with distributed.local_cluster(2) as cluster, distributed.Client(cluster) as client:
        # the scheduler and the nannies listen in this process, each worker in its own: 127.0.0.1 only
        opened = _listening(os.getpid()) - before
        for pid in client.run(os.getpid).values():
            opened |= _listening(pid)
        assert opened and {ip for ip, _ in opened} == {"127.0.0.1"}
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")

        run = tmp_path / "run"
        engine = distributed.DaskEngine(address=cluster.scheduler_address, run_dir=run, batch=1)
        report = build.build(corpus, tmp_path / "s.duckdb", progress=False, engine=engine)
        assert report.summary() == "analysed 7, reused 0, failed 2"
        assert sorted(f[:2] for f in report.failures) == sorted([
            (str(Path(rows[0]["file"]).with_name("乱码.txt")), "二进制文件，不是文本（含有空字节）"),
            (str(Path(rows[0]["file"]).with_name("空白.txt")), "文件为空"),
        ])

        facts = client.run(_worker_state)
        assert len(facts) == 2
        assert sum(f["batches"] for f in facts.values()) == 9  # one task per file
        for f in facts.values():
            assert f["warm_ups"] == 1
            assert f["learned_loads"] == 1  # the theme model trained once, whatever the tasks

        # workers running other code than the build's are refused before any document is sent
        distributed.code_fingerprint.cache_clear()
        monkeypatch.setattr(distributed, "PACKAGE_DIR", tmp_path / "corpus")
        with pytest.raises(distributed.EngineError, match="运行的代码与本机不同") as refused:
            distributed.DaskEngine(address=cluster.scheduler_address).check(client)
        assert all(w in str(refused.value) for w in facts)
        monkeypatch.undo()
        distributed.code_fingerprint.cache_clear()
    # the folder given is kept: one Parquet file per batch and table, which DuckDB reads as one dataset
    assert sorted(p.name for p in (run / "documents").iterdir()) == [f"part-{n:06d}.parquet" for n in range(9)]
    con = duckdb.connect()
    assert con.execute(f"SELECT COUNT(*) FROM read_parquet('{run}/documents/*.parquet')").fetchone()[0] == 7
    assert con.execute(f"SELECT reason FROM read_parquet('{run}/failures/*.parquet') ORDER BY 1").fetchall() == [
        ("二进制文件，不是文本（含有空字节）",), ("文件为空",)]


def _worker_state() -> dict:
    from analysis.judge.themes import default_learned

    return {"warm_ups": distributed.WARM_UPS, "batches": distributed.BATCHES,
            "learned_loads": default_learned.cache_info().misses}


def test_address_and_run_dir_belong_to_the_dask_engine(corpus, tmp_path, capsys):
    assert cli.main(["build", "--corpus", str(corpus), "--store", str(tmp_path / "s.duckdb"),
                     "--address", "tcp://127.0.0.1:1"]) == 2
    assert "--address 与 --run-dir 只用于 --engine dask" in capsys.readouterr().err
    assert not (tmp_path / "s.duckdb").exists()
