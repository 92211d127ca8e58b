"""Every theme list comes from the store's active taxonomy (``analysis.query.taxonomy.theme_keys``, issue 15):
a theme HR adds on 主题管理 shows, once re-scored, wherever the ten do — the heat map's figures, the overview's
theme bars and year-on-year changes, the comparison, the documents table and the exports."""
from __future__ import annotations

import shutil

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analysis import query
from analysis.access.scope import Filters
from analysis.insight import taxonomy
from analysis.query import export
from analysis.schema import THEMES
from tests.auth_helpers import APP, disable_pages_discovery
from tests.test_pages import charts, values
from ui.state import STORE_ENV

NEW = "数字化转型"
DIGITAL = {"description": "数字化、线上办公", "strong": ["无纸化", "数字化转型", "线上协同平台"]}


@pytest.fixture(scope="module")
def store(demo_store, tmp_path_factory):
    path = tmp_path_factory.mktemp("theme_keys") / "insights.duckdb"
    shutil.copy(demo_store, path)
    assert query.theme_keys(path) == THEMES
    version, changed = taxonomy.save_version(path, taxonomy.with_theme(taxonomy.shipped_text(), NEW, DIGITAL),
                                             "hr", "新增数字化转型")
    assert version == 1 and changed > 0
    return path


def _truth(store, by: str = "department"):
    """Straight from the sentences: per group, the documents, those with a sentence carrying the theme, and
    those sentences."""
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute(
            f"SELECT d.{by} AS grp, COUNT(DISTINCT d.doc_id) AS docs, "
            f"COUNT(DISTINCT CASE WHEN list_contains(s.themes, '{NEW}') THEN d.doc_id END) AS with_theme, "
            f"COUNT(*) FILTER (WHERE list_contains(s.themes, '{NEW}')) AS sentences "
            f"FROM documents d JOIN sentences s USING (doc_id) GROUP BY 1 ORDER BY 1").df().set_index("grp")


def test_theme_keys_are_the_ten_then_the_added_one(store):
    assert query.theme_keys(store) == (*THEMES, NEW)


def test_heat_map_overview_and_comparison_figures_carry_the_added_theme(store):
    truth = _truth(store)
    per = query.groups(store, by=("department",)).set_index("department")
    assert per[f"{NEW}_覆盖率"].to_dict() == pytest.approx((truth["with_theme"] / truth["docs"]).to_dict())
    assert set(query.theme_lift(store)["theme"]) == {*THEMES, NEW}
    totals = query.theme_totals(store).set_index("theme")
    assert totals.loc[NEW, "documents"] == truth["with_theme"].sum() > 0
    assert totals.loc[NEW, "sentences"] == truth["sentences"].sum()
    changes = query.year_changes(store).set_index("metric")
    by_year = _truth(store, "year")
    assert changes.loc[NEW, "latest"] == pytest.approx(by_year.loc[2025, "with_theme"] / by_year.loc[2025, "docs"])
    compared = query.compare_themes(store, Filters(years=(2025, 2025)), Filters(years=(2023, 2023))).set_index("theme")
    assert compared.loc[NEW, "b_documents"] == by_year.loc[2023, "with_theme"] == 0
    assert compared.loc[NEW, "a_documents"] == by_year.loc[2025, "with_theme"] > 0


def test_documents_table_and_exports_have_a_column_for_it(store):
    docs = query.documents(store).set_index("doc_id")
    with duckdb.connect(str(store), read_only=True) as con:
        counts = dict(con.execute(f"SELECT doc_id, COUNT(*) FILTER (WHERE list_contains(themes, '{NEW}')) "
                                  "FROM sentences GROUP BY 1").fetchall())
    assert docs[NEW].to_dict() == {d: counts.get(d, 0) for d in docs.index}
    assert list(export.table(store, "documents").columns)[-1] == NEW
    assert f"{NEW}_覆盖率" in export.table(store, "groups").columns


def test_the_pages_show_it(store, monkeypatch):
    disable_pages_discovery(monkeypatch)
    monkeypatch.setenv(STORE_ENV, str(store))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    bars = next(s for k, s in charts(at).items() if k.endswith("overview_themes"))["data"][0]
    assert NEW in values(bars["y"])
    at.switch_page("pages/themes.py").run()
    assert not at.exception, [e.message for e in at.exception]
    heat = next(s for k, s in charts(at).items() if k.endswith("theme_heat"))["data"][0]
    assert values(heat["x"])[-1] == NEW and NEW in at.selectbox(key="theme_pick").options
    at.selectbox(key="theme_pick").set_value(NEW).run()
    assert not at.exception
    trend = next(s for k, s in charts(at).items() if k.endswith("theme_trend"))
    assert trend["data"]  # the added theme has its trend by year too


def test_hr_can_give_a_sentence_an_added_theme_and_it_counts(store, tmp_path):
    """A correction may assign a theme HR added; the theme's figures count the corrected sentence at once."""
    from analysis import edits
    from analysis.access.scope import full_access

    path = tmp_path / "insights.duckdb"
    shutil.copy(store, path)
    with duckdb.connect(str(path), read_only=True) as con:
        doc_id, idx = con.execute(
            f"SELECT doc_id, idx FROM sentences WHERE NOT list_contains(themes, '{NEW}') AND label = 'pos' "
            "ORDER BY doc_id, idx LIMIT 1").fetchone()
    before = query.theme_totals(path).set_index("theme").loc[NEW, "sentences"]

    saved = edits.correct(path, doc_id, idx, themes=["团队协作", NEW], actor=full_access())
    assert saved["themes"] == ["团队协作", NEW]  # fixed themes first, then the added ones, in taxonomy order
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT themes FROM sentences WHERE doc_id = ? AND idx = ?",
                           [doc_id, idx]).fetchone()[0] == ["团队协作", NEW]
    assert query.theme_totals(path).set_index("theme").loc[NEW, "sentences"] == before + 1

    with pytest.raises(ValueError, match="没有这些主题：元宇宙"):
        edits.correct(path, doc_id, idx, themes=["元宇宙"], actor=full_access())
