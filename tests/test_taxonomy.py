"""主题管理 (issue 15): HR's taxonomy versions, preview, suggestions and re-scoring — a theme added in the
browser shows on the pages and in the export, survives a rebuild, and restoring an older version brings the
old figures back exactly."""
from __future__ import annotations

import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analysis import query
from analysis.access import audit
from analysis.access.scope import Filters
from analysis.build import build
from analysis.insight import taxonomy
from analysis.paths import DEFAULT_CORPUS
from analysis.query import export
from analysis.schema import THEMES
from tests.auth_helpers import APP, disable_pages_discovery
from ui.state import STORE_ENV

DIGITAL = {"description": "数字化、线上办公", "strong": ["无纸化", "数字化转型", "线上协同平台"]}


def test_required_themes_cannot_be_removed_or_lost():
    text = taxonomy.shipped_text()
    with pytest.raises(taxonomy.TaxonomyError, match="必需主题"):
        taxonomy.without_theme(text, "货款回笼")
    broken = text.replace('["货款回笼"]', '["货款"]')
    with pytest.raises(taxonomy.TaxonomyError, match="货款回笼"):
        taxonomy.parse(broken)
    with pytest.raises(taxonomy.TaxonomyError, match="至少需要"):
        taxonomy.with_theme(text, "空主题", {"description": "没有词"})
    with pytest.raises(taxonomy.TaxonomyError, match="无效"):
        taxonomy.with_theme(text, "坏模式", {"patterns": ["(未闭合"]})


def test_with_theme_round_trips_and_keeps_the_ten():
    text = taxonomy.with_theme(taxonomy.shipped_text(), "数字化转型", {**DIGITAL, "strong": ["无纸化", "无纸化", " "]})
    parsed = taxonomy.parse(text)
    assert list(parsed)[:10] == list(THEMES) and parsed["数字化转型"]["strong"] == ["无纸化"]
    # the compiled rules of the ten are those of the shipped file
    shipped = taxonomy.compile_text(taxonomy.shipped_text())
    again = taxonomy.compile_text(text)
    assert all(shipped[k].strong.pattern == again[k].strong.pattern for k in THEMES)
    assert taxonomy.parse(taxonomy.without_theme(text, "数字化转型")).keys() == set(THEMES)


@pytest.mark.parametrize(("text", "themes"), [
    ("牵头把部门的纸质台账迁移到线上协同平台，实现了无纸化办公。", ["数字化转型"]),
    ("全年回款率达到95%，应收账款明显下降。", ["货款回笼"]),
])
def test_added_theme_is_assigned_by_its_rules(text, themes):
    compiled = taxonomy.compile_text(taxonomy.with_theme(taxonomy.shipped_text(), "数字化转型", DIGITAL))
    assert [t for t in taxonomy.assign_texts([text], compiled)[0] if t in themes] == themes


def test_suggest_scores_words_that_keep_company_with_the_cues():
    lists = [["回款", "对账", "客户"], ["回款", "对账"], ["对账", "账目"], ["培训", "客户"], ["培训", "学习"]] * 2
    out = taxonomy.suggest(lists, {"回款"}, min_count=2)
    # 对账: in all 4 回款 sentences, in 6 of 10 overall → 4 × log2(1 / 0.6)
    assert out.iloc[0]["word"] == "对账" and out.iloc[0]["score"] == pytest.approx(4 * 0.737, abs=1e-3)
    assert "培训" not in set(out["word"])


@pytest.fixture
def store(demo_store, tmp_path):
    path = tmp_path / "store" / "insights.duckdb"
    path.parent.mkdir()
    shutil.copy(demo_store, path)
    return path


def _documents(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT * EXCLUDE (copy_of, copy_kind, copy_similarity, follow_through) FROM documents "
                           "ORDER BY doc_id").df()


def test_rescoring_with_the_shipped_taxonomy_changes_nothing(store):
    with duckdb.connect(str(store)) as con:
        before = con.execute("SELECT doc_id, idx, themes FROM sentences ORDER BY 1, 2").fetchall()
        assert taxonomy.rescore(con, taxonomy.compile_text(taxonomy.shipped_text())) == 0
        assert con.execute("SELECT doc_id, idx, themes FROM sentences ORDER BY 1, 2").fetchall() == before


def test_save_rebuild_and_restore(store, tmp_path):
    original = _documents(store)
    original_themes = query.theme_sections(store)
    text = taxonomy.with_theme(taxonomy.shipped_text(), "数字化转型", DIGITAL)
    seen = []
    version, changed = taxonomy.save_version(store, text, "hr", "新增数字化转型", progress=seen.append)
    assert version == 1 and changed >= 40 and seen[-1] == 1.0
    exported = export.table(store, "themes")
    assert exported.loc[exported["theme"] == "数字化转型", "sentences"].sum() == changed
    evidence = query.evidence(store, Filters(), theme="数字化转型", limit=500)
    assert len(evidence) == changed and evidence["text"].str.contains("无纸化|数字化转型|线上协同平台").all()
    # only themes were re-scored; the ten's counts did not move (the new theme is not one of them)
    pd_after = _documents(store)
    assert pd_after.equals(original)

    # a rebuild of a changed corpus keeps the version and scores new documents with it
    corpus = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS, corpus)
    changed_file = next(p for p in sorted((corpus / "2023" / "研发部").glob("*.txt")))
    changed_file.write_text(changed_file.read_text(encoding="utf-8") + "\n明年要推进部门无纸化办公。\n",
                            encoding="utf-8")
    report = build(corpus, store, workers=1, progress=False)
    assert report.analysed == 1
    with duckdb.connect(str(store), read_only=True) as con:
        assert taxonomy.active_text(con) == (1, text)
    rebuilt = query.evidence(store, Filters(), theme="数字化转型", limit=500)
    assert len(rebuilt) == changed + 1
    assert "明年要推进部门无纸化办公。" in set(rebuilt["text"])

    # restoring the shipped taxonomy brings the old figures back
    version, _ = taxonomy.save_version(store, taxonomy.shipped_text(), "hr", "恢复出厂词表")
    assert version == 2
    assert query.evidence(store, Filters(), theme="数字化转型").empty
    assert set(query.theme_sections(store)["theme"]) == set(original_themes["theme"])
    with duckdb.connect(str(store), read_only=True) as con:
        assert [r[0] for r in con.execute("SELECT version FROM taxonomies ORDER BY 1").fetchall()] == [1, 2]


def test_restore_gives_back_a_changed_required_theme(store):
    before = _documents(store)
    narrower = taxonomy.with_theme(taxonomy.shipped_text(), "货款回笼", {"description": "只算回款", "strong": ["回款"]})
    taxonomy.save_version(store, narrower, "hr", "只留回款")
    after = _documents(store)
    assert after["货款回笼"].sum() < before["货款回笼"].sum()
    taxonomy.save_version(store, taxonomy.shipped_text(), "hr", "恢复")
    assert _documents(store).equals(before)


# ------------------------------------------------------------------------------------------ in the browser
@pytest.fixture
def browser(store, tmp_path, monkeypatch):
    disable_pages_discovery(monkeypatch)
    monkeypatch.setenv(STORE_ENV, str(store))
    monkeypatch.setenv("YEAREND_AUDIT", str(tmp_path / "audit.jsonl"))
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/taxonomy.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_theme_added_in_the_browser_reaches_every_page_and_the_export(browser, store, tmp_path):
    at = browser
    at.text_input(key="tx_name").input("数字化转型").run()
    at.text_area(key="tx_strong").input("无纸化、数字化转型").run()
    assert not at.exception
    assert any("会获得“数字化转型”" in c.value for c in at.caption)
    accept = [b for b in at.button if b.key == "tx_accept_线上"] or [b for b in at.button if b.key.startswith("tx_accept_")]
    word = accept[0].key.removeprefix("tx_accept_")
    accept[0].click().run()
    assert word in at.text_area(key="tx_strong").value
    at.text_input(key="tx_note").input("新增数字化转型").run()
    at.button(key="tx_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("已保存为第 1 版" in s.value for s in at.success)
    entry = audit.read(tmp_path / "audit.jsonl").iloc[0]
    assert entry["table"] == "taxonomy" and "新增数字化转型" in entry["file_name"]

    at.switch_page("pages/themes.py").run()
    at.selectbox(key="theme_pick").set_value("数字化转型").run()
    assert not at.exception
    evidence = query.evidence(store, Filters(), theme="数字化转型", limit=200, distinct=True)
    shown = next(df.value for df in at.dataframe if df.proto.id.endswith("theme_ev_table"))
    assert len(shown) == len(evidence) > 0  # each distinct sentence once, with its occurrences
    assert shown["出现次数"].sum() == evidence["occurrences"].sum() == len(
        query.evidence(store, Filters(), theme="数字化转型", limit=1000))
    at.switch_page("pages/export.py").run()
    at.radio(key="export_table").set_value("themes").run()
    assert not at.exception
    assert "数字化转型" in set(export.table(store, "themes")["theme"])

    # restore the shipped taxonomy from the history
    at.switch_page("pages/taxonomy.py").run()
    at.selectbox(key="tx_restore_pick").set_value(0).run()
    at.button(key="tx_restore").click().run()
    assert not at.exception
    assert query.evidence(store, Filters(), theme="数字化转型").empty
