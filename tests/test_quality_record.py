"""The 方法与准确度 panel (issue 12, item 4): its figures are what ``python -m analysis evaluate`` computes,
recorded by ``evaluate FILE --record NAME`` in analysis/data/quality.json, never typed by hand."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.access import users
from analysis.judge import quality
from analysis.judge.evaluate import evaluate_file
from analysis.schema import ANALYSIS_VERSION
from tests.auth_helpers import disable_pages_discovery, sign_in, write_users
from ui.state import METHOD_PAGE, STORE_ENV
from ui.widgets import pct

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
HELD_OUT_FILE = ROOT / "tests" / "data" / "labelled_sentences.tsv"


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


@pytest.fixture(scope="module")
def measured() -> dict:
    return quality.entry(quality.HELD_OUT, HELD_OUT_FILE, evaluate_file(HELD_OUT_FILE))


def recorded() -> dict:
    return next(e for e in quality.load() if e["name"] == quality.HELD_OUT)


def test_recorded_held_out_figures_are_what_evaluate_computes(measured):
    """Fails when the models change without `python -m analysis evaluate --record 留出评测集`."""
    entry = recorded()
    assert {k: v for k, v in entry.items() if k != "measured"} == {k: v for k, v in measured.items()
                                                                   if k != "measured"}
    assert entry["analysis_version"] == ANALYSIS_VERSION
    assert entry["command"] == "python -m analysis evaluate tests/data/labelled_sentences.tsv --record 留出评测集"
    assert entry["sentences"] == 420
    assert set(entry["per_class"]) == {"pos", "neu", "neg"}


def test_per_class_precision_and_recall():
    got = quality.per_class({"pos->pos": 8, "pos->neu": 2, "neu->pos": 2, "neu->neu": 6, "neg->neg": 4})
    assert got == {"pos": {"precision": 0.8, "recall": 0.8, "support": 10},
                   "neu": {"precision": 0.75, "recall": 0.75, "support": 8},
                   "neg": {"precision": 1.0, "recall": 1.0, "support": 4}}


def test_evaluate_record_writes_and_updates_an_entry(tmp_path):
    target = tmp_path / "quality.json"
    target.write_text(json.dumps({"entries": [{"name": "别的评测", "sentences": 3}]}, ensure_ascii=False), "utf-8")
    labelled = tmp_path / "几句.tsv"
    labelled.write_text("label\tthemes\ttext\n"
                        "pos\t货款回笼\t今年的回款率达到了百分之九十八，没有一笔逾期。\n"
                        "neg\t客户服务\t客户投诉处理得不够及时，有两起投诉拖了一周。\n"
                        "neu\t\t二、存在的不足\n", encoding="utf-8")
    for _ in range(2):  # the second run replaces the entry rather than adding another
        out = subprocess.run([sys.executable, "-m", "analysis", "evaluate", str(labelled), "--record", "三句",
                              "--quality-file", str(target)], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-2000:]
        assert "已记录“三句”" in out.stdout
    entries = quality.load(target)
    assert [e["name"] for e in entries] == ["三句", "别的评测"]
    entry = entries[0]
    assert entry["file"] == "几句.tsv" and entry["sentences"] == 3
    # the command names the file as seen from the project (where it is run): it must lead back to it
    prefix, suffix = "python -m analysis evaluate ", " --record 三句"
    assert entry["command"].startswith(prefix) and entry["command"].endswith(suffix)
    assert (ROOT / entry["command"][len(prefix):-len(suffix)]).resolve() == labelled.resolve()
    expected = quality.entry("三句", labelled, evaluate_file(labelled))
    assert {k: entry[k] for k in ("accuracy", "polar_recall", "theme_micro_f1", "per_class")} == {
        k: expected[k] for k in ("accuracy", "polar_recall", "theme_micro_f1", "per_class")}


@pytest.mark.parametrize("username", [None, "hr", "xiaoshou", "guest"])
def test_method_page_shows_the_recorded_figures_to_every_role(username, demo_store, tmp_path, monkeypatch, measured):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    if username:
        monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml")))
    at = AppTest.from_file(APP, default_timeout=60).run()
    if username:
        sign_in(at, username)
    at.switch_page(METHOD_PAGE).run()
    assert not at.exception, [e.message for e in at.exception]
    assert [t.value for t in at.title] == ["方法与准确度"]
    # one row of four figures per recorded set; the held-out set's are what evaluate computes now
    figures = [m.value for m in at.metric]
    rows = [tuple(figures[i:i + 4]) for i in range(0, len(figures), 4)]
    assert [m.label for m in at.metric][:4] == ["情感三分类准确率", "正负句召回", "主题 micro-F1", "评测句数"]
    assert (pct(measured["accuracy"], 1), pct(measured["polar_recall"], 1),
            f"{measured['theme_micro_f1']:.3f}", "420") in rows
    assert len(rows) == len(quality.load())
    assert any(c.value == recorded()["command"] for c in at.code)
    text = " ".join(m.value for m in at.markdown)
    assert "已知的薄弱之处" in " ".join(s.value for s in at.subheader)
    assert "学习成长与团队协作的边界" in text


@pytest.mark.parametrize(("where", "shown"), [
    ("tests/data/labelled_sentences.tsv", "tests/data/labelled_sentences.tsv"),  # inside the project
    ("../labelled/dev.csv", "../labelled/dev.csv"),  # a folder beside the project
])
def test_a_recorded_file_is_named_as_seen_from_the_project(where, shown):
    assert quality._shown_path(ROOT / where) == shown
