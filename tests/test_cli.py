"""The command-line contract of DESIGN §4, run as a user would."""
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analysis.schema import DOCUMENT_COLUMNS, THEMES
from tests.test_build import write_corpus

ROOT = Path(__file__).resolve().parents[1]


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_sentences_command():
    out = run("sentences", stdin="全年完成銷售額860萬元，完成年度任務的108%。\n\n明年要多和客户沟通。\n三、明年工作计划\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["text"] for r in rows] == ["全年完成銷售額860萬元，完成年度任務的108%。", "明年要多和客户沟通。", "三、明年工作计划"]
    assert [r["label"] for r in rows] == ["pos", "neu", "neu"]
    assert rows[0]["themes"] == ["销售业绩"]
    assert all(0.0 <= r["sentiment"] <= 1.0 for r in rows)
    assert set(rows[0]) == {"text", "sentiment", "label", "themes"}


def test_analyze_json_traditional_with_placeholders(tmp_path):
    text = ("20xx年銷售工作總結\n一、工作成績\n今年負責xx、xx兩個地市，完成合同額xxx萬元。\n"
            "維護老客戶，保持經常與老客戶聯繫，做好訂單跟蹤。\n與客戶確認對帳清單，做好貨款回籠。\n"
            "二、存在的問題\n由於產品知識的缺乏，與客戶溝通時不能很好地說服客戶。\n")
    f = tmp_path / "範文.txt"
    f.write_text(text, encoding="utf-8")
    out = run("analyze", str(f), "--format", "json")
    assert out.returncode == 0, out.stderr
    (rec,) = [json.loads(line) for line in out.stdout.splitlines()]
    assert rec["traditional"] is True
    assert rec["placeholders"]["count"] == 4
    assert rec["placeholders"]["items"] == {"20xx": 1, "xx": 2, "xxx": 1}
    for key in ("客户跟进", "货款回笼", "产品知识"):
        assert rec["themes"][key] >= 1, key
    assert set(rec["sections"]) == {"其他", "成绩", "不足"}
    assert rec["sentences"][3]["text"] == "維護老客戶，保持經常與老客戶聯繫，做好訂單跟蹤。"  # original kept for display
    assert {"text", "section", "sentiment", "label", "themes"} == set(rec["sentences"][0])


def test_build_then_export_csv_and_xlsx(tmp_path):
    corpus, db = tmp_path / "corpus", tmp_path / "s.duckdb"
    write_corpus(corpus)
    out = run("build", "--corpus", str(corpus), "--store", str(db), "--workers", "1", "--quiet")
    assert out.stdout.strip().splitlines()[-1] == "analysed 2, reused 0, failed 0"
    csv = tmp_path / "d.csv"
    out = run("export", "--table", "documents", "--out", str(csv), "--store", str(db), "--department", "销售部")
    assert out.returncode == 0, out.stderr
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(csv, encoding="utf-8-sig")
    assert tuple(frame.columns) == DOCUMENT_COLUMNS
    assert frame["department"].tolist() == ["销售部"]
    for table in ("groups", "themes", "keywords"):
        xlsx = tmp_path / f"{table}.xlsx"
        out = run("export", "--table", table, "--out", str(xlsx), "--store", str(db))
        assert out.returncode == 0, out.stderr
        assert len(pd.read_excel(xlsx)) > 0
    groups = pd.read_excel(tmp_path / "groups.xlsx")
    assert {f"{t}_覆盖率" for t in THEMES} <= set(groups.columns)


def test_export_without_store_is_a_clear_error(tmp_path):
    out = run("export", "--table", "documents", "--out", str(tmp_path / "x.csv"), "--store", str(tmp_path / "none.duckdb"))
    assert out.returncode == 2
    assert "找不到数据库" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize("args", [["build", "--corpus", "/nonexistent/folder"]])
def test_build_missing_corpus(args, tmp_path):
    out = run(*args, "--store", str(tmp_path / "s.duckdb"))
    assert out.returncode == 2
    assert "找不到语料文件夹" in out.stderr and "Traceback" not in out.stderr


# ---------------------------------------------------------------- issue 17: Chinese help, zh exports, users

@pytest.mark.parametrize("args, starts", [
    (["--help"], "用法：python -m analysis [-h] 命令 ..."),
    (["export", "--help"], "用法：python -m analysis export [-h] --table {documents,groups,themes,keywords}"),
    (["users", "--help"], "用法：python -m analysis users [-h]"),
])
def test_help_is_chinese(args, starts):
    out = run(*args)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(starts)
    assert "选项:" in out.stdout and re.search(r"\n  -h, --help +显示本帮助并退出\n", out.stdout)
    for english in ("usage:", "options:", "show this help message", "positional arguments"):
        assert english not in out.stdout


@pytest.mark.parametrize("args, message", [
    (["export", "--table", "x"],
     "python -m analysis export：错误：参数 --table：无效的选择 'x'（可选：'documents', 'groups', 'themes', 'keywords'）"),
    (["export"], "python -m analysis export：错误：缺少必需的参数：--table, --out"),
    (["build", "--workers", "abc"], "python -m analysis build：错误：参数 --workers：无效的整数：'abc'"),
    (["build", "--bogus"], "python -m analysis：错误：无法识别的参数：--bogus"),
    ([], "python -m analysis：错误：缺少必需的参数：命令"),
])
def test_errors_are_chinese(args, message):
    out = run(*args)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert lines[0].startswith("用法：python -m analysis")
    assert lines[-1] == message
    assert "error:" not in out.stderr and "usage:" not in out.stderr


def _cells(data: bytes) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [tuple((c.value, c.number_format) for c in row) for row in ws.iter_rows()
                       if row[0].value != "生成日期"] for ws in wb}


@pytest.mark.parametrize("table, fmt", [("groups", "csv"), ("documents", "xlsx"), ("keywords", "xlsx")])
def test_export_headers_zh_is_what_the_dashboard_downloads(demo_store, tmp_path, monkeypatch, table, fmt):
    from analysis.access import audit
    from analysis.access.scope import Filters, full_access
    from ui import auth, data
    from ui.state import STORE_ENV

    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    monkeypatch.setattr(auth, "access", lambda: full_access("hr", "人事部林主管", local=False))
    _, make = data.download(table, Filters(departments=("销售部",)), fmt)
    dashboard = make()
    out_file = tmp_path / f"t.{fmt}"
    out = run("export", "--table", table, "--out", str(out_file), "--store", str(demo_store),
              "--department", "销售部", "--headers", "zh")
    assert out.returncode == 0, out.stderr
    cli = out_file.read_bytes()
    if fmt == "csv":
        assert cli == dashboard
        assert cli.startswith(b"\xef\xbb\xbf") and cli[3:].decode().startswith("部门,班组,年份,文档数,员工数")
    else:
        assert _cells(cli) == _cells(dashboard)
        assert list(_cells(cli))[:2] == ["说明", {"documents": "文档", "keywords": "关键词"}[table]]
    # the default stays the English contract
    plain = tmp_path / f"plain.{fmt}"
    assert run("export", "--table", table, "--out", str(plain), "--store", str(demo_store)).returncode == 0
    head = pd.read_csv(plain, encoding="utf-8-sig") if fmt == "csv" else pd.read_excel(plain)
    assert "department" in head.columns or "group" in head.columns


def test_users_add_refuses_a_department_the_store_does_not_know(demo_store, tmp_path):
    from analysis.query.documents import options

    path = tmp_path / "users.toml"
    args = ("users", "add", "wang", "--role", "dept_head", "--users", str(path), "--store", str(demo_store))
    out = run(*args, "--departments", "销售部", "销售", stdin="一个足够长的密码\n")
    known = options(demo_store)["department"]
    assert out.returncode == 2
    assert out.stderr.strip() == (f"错误：数据库中没有部门“销售”。已知的部门：{'、'.join(known)}"
                                  f"（数据库 {demo_store}；用 --store 指定另一个）")
    assert not path.exists()
    out = run(*args, "--departments", "销售部", stdin="一个足够长的密码\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"已添加用户 wang（dept_head，销售部）→ {path}"
