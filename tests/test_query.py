"""The dashboard's read functions on a store built from the small corpus the tests write (conftest):
eleven summaries, three departments, two years, four with template placeholders."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis import query
from analysis.access.scope import Filters
from analysis.build import build
from analysis.schema import ANALYSIS_VERSION, SECTIONS, THEMES
from tests.conftest import write_small_corpus

SALES = Filters(departments=("销售部",))
NOBODY = Filters(departments=("不存在的部门",))


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    root = tmp_path_factory.mktemp("query")
    store = root / "insights.duckdb"
    report = build(write_small_corpus(root / "corpus"), store, workers=1, progress=False)
    assert report.summary() == "analysed 11, reused 0, failed 0"
    return store


def test_facets_and_store_info(small_store):
    facets = query.facets(small_store)
    assert set(facets["department"]) == {"销售部", "客服部", "生产部"}
    assert set(facets[facets["department"] == "生产部"]["team"]) == {"装配组", "质检组"}
    assert facets["documents"].sum() == 11
    info = query.store_info(small_store)
    assert (info["documents"], info["failures"], info["analysis_version"]) == (11, 0, ANALYSIS_VERSION)
    assert info["built_at"]


@pytest.mark.parametrize("filters, expected", [
    (Filters(), dict(documents=11, employees=7, departments=3, teams=6, years=2, year_min=2023, year_max=2024,
                     template_documents=4)),
    (SALES, dict(documents=5, employees=3, departments=1, teams=2, years=2, template_documents=2)),
    (Filters(departments=("生产部",), years=(2024, 2024)), dict(documents=2, employees=2, years=1, year_min=2024)),
    (Filters(search="交货准时率"), dict(documents=3, departments=1)),
])
def test_overview(small_store, filters, expected):
    got = query.overview(small_store, filters)
    assert {k: got[k] for k in expected} == expected
    docs = query.documents(small_store, filters)
    assert got["sentiment_mean"] == pytest.approx(docs["sentiment_mean"].mean())
    assert got["template_share"] == pytest.approx(expected["template_documents"] / expected["documents"]
                                                  if "template_documents" in expected else got["template_share"])


def test_overview_of_nothing(small_store):
    got = query.overview(small_store, NOBODY)
    assert got["documents"] == got["employees"] == 0
    assert got["sentiment_mean"] is None and got["template_share"] is None and got["year_min"] is None


def test_theme_totals_match_documents(small_store):
    totals = query.theme_totals(small_store, SALES).set_index("theme")
    docs = query.documents(small_store, SALES)
    assert list(totals.index) == sorted(THEMES, key=lambda t: (-(docs[t] > 0).mean(), -docs[t].sum(),
                                                               THEMES.index(t)))
    for t in THEMES:
        assert totals.loc[t, "sentences"] == docs[t].sum()
        assert totals.loc[t, "documents"] == (docs[t] > 0).sum()
        assert totals.loc[t, "document_share"] == pytest.approx((docs[t] > 0).mean())
        assert totals.loc[t, "per_1000_chars"] == pytest.approx(1000 * docs[t].sum() / docs["chars"].sum())
    assert totals.loc["货款回笼", "document_share"] == 1.0  # every sales summary talks about collecting payment


def test_theme_section_totals_add_up_to_theme_totals(small_store):
    split = query.theme_section_totals(small_store)
    assert set(split["section"]) <= set(SECTIONS)
    totals = query.theme_totals(small_store).set_index("theme")["sentences"]
    per_theme = split.groupby("theme")["sentences"].sum()
    for theme, n in per_theme.items():
        assert n == totals[theme]
    payment = split[(split["theme"] == "货款回笼") & (split["section"] == "计划")].iloc[0]
    assert payment["documents"] == 5 and payment["document_share"] == pytest.approx(5 / 11)


def test_year_changes(small_store):
    changes = query.year_changes(small_store).set_index("metric")
    assert set(changes["previous_year"]) == {2023} and set(changes["latest_year"]) == {2024}
    docs = changes.loc["文档数"]
    assert (docs["previous"], docs["latest"], docs["change"]) == (4, 7, 3)
    assert set(changes.index) >= {"员工数", "平均情感", "负面句占比", *THEMES}
    one_year = query.year_changes(small_store, Filters(years=(2024, 2024)))
    assert one_year.empty and list(one_year.columns)[:2] == ["kind", "metric"]
    # any two years chosen: the same pair as the default here; a year without documents gives nothing
    chosen = query.year_changes(small_store, pair=(2023, 2024)).set_index("metric")
    assert chosen.equals(changes)
    assert query.year_changes(small_store, pair=(2022, 2024)).empty


SHARED = (("department", "year"), ("year",), ("department",))


def test_groups_sets_answer_three_groupings_from_one_scan(small_store):
    """The overview's three groupings in one query: the documents and employees of each group, exactly."""
    by_dept_year, by_year, by_dept = query.groups_sets(small_store, Filters(), SHARED)
    assert [(r.department, r.year, r.documents, r.employees) for r in by_dept_year.itertuples()] == [
        ("客服部", 2023, 1, 1), ("客服部", 2024, 2, 2), ("生产部", 2023, 1, 1), ("生产部", 2024, 2, 2),
        ("销售部", 2023, 2, 2), ("销售部", 2024, 3, 3)]
    assert [(r.year, r.documents, r.employees) for r in by_year.itertuples()] == [(2023, 4, 4), (2024, 7, 7)]
    assert [(r.department, r.documents, r.employees) for r in by_dept.itertuples()] == [
        ("客服部", 3, 2), ("生产部", 3, 2), ("销售部", 5, 3)]  # 周明 and 吴芳 wrote in both years
    assert list(by_year.columns) == list(query.groups(small_store, by=("year",)).columns)


@pytest.mark.parametrize("filters", [Filters(), SALES, Filters(years=(2024, 2024)), Filters(search="交货准时率"),
                                     Filters(min_group=2), Filters(departments=("销售部", "生产部"), min_group=2)])
def test_groups_sets_equal_one_groups_call_per_grouping(small_store, filters):
    sets = (*SHARED, ("department", "team"), ("department", "year"))  # a grouping asked twice is answered twice
    if filters.min_group:
        sets = sets[:3]  # a team cuts publication cells: only groups may blank such rows, one grouping at a time
    got = query.groups_sets(small_store, filters, sets)
    assert len(got) == len(sets)
    docs = query.documents(small_store, filters)
    for by, frame in zip(sets, got):
        pd.testing.assert_frame_equal(frame, query.groups(small_store, filters, by=by))  # same values and types
        if filters.min_group:
            continue
        # and the figures are those of the documents themselves
        expected = docs.groupby(list(by)).agg(documents=("doc_id", "size"), employees=("employee", "nunique"),
                                              chars=("chars", "sum")).reset_index()
        assert frame[[*by, "documents", "employees", "chars"]].values.tolist() == expected.values.tolist()
        for theme in THEMES:
            share = docs.assign(m=docs[theme] > 0).groupby(list(by))["m"].mean().tolist()
            assert frame[f"{theme}_覆盖率"].tolist() == pytest.approx(share)


def test_section_sentiment(small_store):
    frame = query.section_sentiment(small_store)
    assert list(frame["section"]) == [s for s in SECTIONS if s in set(frame["section"])]
    assert frame["sentences"].sum() == query.overview(small_store)["sentences"]
    shares = frame[["pos_share", "neu_share", "neg_share"]].sum(axis=1)
    assert shares.tolist() == pytest.approx([1.0] * len(frame))
    by_section = frame.set_index("section")
    # shortcomings read more negative than achievements: the reason to report per section
    assert by_section.loc["不足", "sentiment_mean"] < by_section.loc["成绩", "sentiment_mean"]
    per_dept = query.section_sentiment(small_store, by=("department",))
    assert per_dept.groupby("department")["sentences"].sum().sum() == frame["sentences"].sum()
    assert query.section_sentiment(small_store, NOBODY).empty


@pytest.mark.parametrize("term, simplified", [("回款", "回款"), ("對賬", "对账"), ("客户", "客户")])
def test_keyword_hits_cut_the_sentence_around_the_term(small_store, term, simplified):
    hits = query.keyword_hits(small_store, SALES, term, width=200)
    assert len(hits) > 0
    assert set(hits["match"]) == {simplified}
    for row in hits.itertuples():
        assert row.left + row.match + row.right == row.text
        assert row.department == "销售部"
    assert hits["year"].is_monotonic_decreasing


def test_keyword_hits_shorten_long_context(small_store):
    hits = query.keyword_hits(small_store, Filters(), "回款率", width=4)
    row = hits.iloc[0]
    assert row["match"] == "回款率" and row["left"].startswith("…") and len(row["left"]) == 5


def test_keyword_counts(small_store):
    counts = query.keyword_counts(small_store, Filters(), "客户")
    hits = query.keyword_hits(small_store, Filters(), "客户", limit=10_000)
    assert counts["sentences"].sum() == len(hits)
    assert counts["occurrences"].sum() == sum(t.count("客户") for t in hits["text"])
    assert counts["occurrences"].sum() > counts["sentences"].sum()  # 拜访重点客户…意向客户 counts twice
    sales_2024 = counts[(counts["department"] == "销售部") & (counts["year"] == 2024)].iloc[0]
    assert (sales_2024["documents"], sales_2024["group_documents"]) == (3, 3)
    assert sales_2024["document_share"] == 1.0


@pytest.mark.parametrize("term", ["", "   ", "%回款%", "_", "不会出现的词"])
def test_keyword_search_is_literal_and_empty_safe(small_store, term):
    assert query.keyword_counts(small_store, Filters(), term).empty
    assert query.keyword_hits(small_store, Filters(), term).empty


def _log_odds_one_group_at_a_time(counts: pd.DataFrame, n_docs: int, top: int, min_count: int) -> pd.DataFrame:
    """``keywords.log_odds`` as it was written before it ranked every group at once: the reference."""
    import numpy as np

    term_total, term_docs = counts.groupby("term")["n"].sum(), counts.groupby("term")["docs"].sum()
    prior, all_n, out = term_total / term_total.sum() * 1000.0, term_total.sum(), []
    for grp, g in counts.groupby("grp"):
        g = g.set_index("term")
        y_i = g["n"]
        n_i, y_j, a = y_i.sum(), term_total.loc[y_i.index] - y_i, prior.loc[y_i.index]
        delta = (np.log((y_i + a) / (n_i + 1000.0 - y_i - a))
                 - np.log((y_j + a) / (all_n - n_i + 1000.0 - y_j - a)))
        z = delta / np.sqrt(1.0 / (y_i + a) + 1.0 / (y_j + a))
        idf = np.log(n_docs / term_docs.loc[y_i.index]) + 1.0
        frame = pd.DataFrame({"group": grp, "term": y_i.index, "count": y_i.values, "documents": g["docs"].values,
                              "tfidf": (y_i * idf).round(2).values, "log_odds_z": z.round(3).values})
        out.append(frame[frame["count"] >= min_count].sort_values("log_odds_z", ascending=False, kind="stable")
                   .head(top))
    return pd.concat(out, ignore_index=True)


@pytest.mark.parametrize("by", ["department", "year", "team"])
@pytest.mark.parametrize("top, min_count", [(20, 3), (5, 1), (3, 10**6)])
def test_log_odds_of_every_group_at_once_are_those_of_one_group_at_a_time(small_store, by, top, min_count):
    """Ranked row by row over all groups, the distinctive words are exactly those ranked one group at a time,
    in the same order and types, a group without a name (NULL) counted in the totals but not ranked."""
    import sys

    from analysis.query.sql import fetch

    log_odds = sys.modules["analysis.query.keywords"].log_odds
    counts = fetch(small_store, f"SELECT d.{by} AS grp, t.term, SUM(t.n) AS n, COUNT(*) AS docs FROM documents d "
                                "JOIN terms t ON t.doc_id = d.doc_id GROUP BY 1, 2", []).sort_values(
        ["grp", "term"], ignore_index=True)
    assert len(counts) > 100
    expected = _log_odds_one_group_at_a_time(counts, 11, top, min_count)
    pd.testing.assert_frame_equal(log_odds(counts, 11, top, min_count), expected, check_exact=True)
    assert expected.empty == (min_count > 100)
    nameless = counts.assign(grp=counts["grp"].where(counts.index % 7 != 0, None))
    pd.testing.assert_frame_equal(log_odds(nameless, 11, top, min_count),
                                  _log_odds_one_group_at_a_time(nameless, 11, top, min_count), check_exact=True)


def test_documents_read_through_arrow_are_the_frame_duckdb_gives(small_store):
    """``documents`` reads its 100,000 rows through Arrow (``sql.fetch_wide``): the same frame, types included, as
    DuckDB's own ``.df()`` — with NULL integers and booleans (nullable types), and for no rows at all."""
    from analysis.query import sql
    from analysis.store import snapshot

    for f in (Filters(), SALES, NOBODY):
        where, params = f.where()
        query_sql = f"SELECT * FROM documents d WHERE {where} ORDER BY d.year DESC, d.department, d.employee"
        pd.testing.assert_frame_equal(sql.fetch_wide(small_store, query_sql, params),
                                      sql.fetch(small_store, query_sql, params), check_exact=True)
    nulls = ("SELECT doc_id, CASE WHEN chars % 2 = 0 THEN year END AS year, CASE WHEN chars % 2 = 0 THEN traditional "
             "END AS traditional, CASE WHEN chars % 2 = 0 THEN employee END AS employee, "
             "CASE WHEN chars % 2 = 0 THEN concreteness END AS concreteness FROM documents ORDER BY doc_id")
    with snapshot.read(small_store) as con:
        assert 0 < con.execute(f"SELECT COUNT(*) FROM ({nulls}) WHERE year IS NULL").fetchone()[0] < 11
    wide = sql.fetch_wide(small_store, nulls, [])
    pd.testing.assert_frame_equal(wide, sql.fetch(small_store, nulls, []), check_exact=True)
    assert str(wide["year"].dtype) == "Int32" and str(wide["traditional"].dtype) == "boolean"
    assert query.documents(small_store, NOBODY).empty


@pytest.mark.parametrize("ranges, most, expected", [
    ([], 16, []),
    ([(10, 19), (0, 9)], 16, [(0, 19)]),  # adjacent: one stretch
    ([(0, 9), (100, 109), (1000, 1009)], 16, [(0, 9), (100, 109), (1000, 1009)]),
    ([(0, 9), (100, 109), (1000, 1009)], 2, [(0, 109), (1000, 1009)]),  # cut at the widest gap only
    ([(0, 9), (100, 109), (1000, 1009)], 1, [(0, 1009)]),
    ([(0, 100), (5, 10), (50, 60), (300, 310)], 16, [(0, 100), (300, 310)]),  # nested: no row read twice
    ([(0, 100), (90, 120), (500, 510)], 16, [(0, 120), (500, 510)]),  # overlapping
])
def test_stretches_of_rows_are_disjoint_and_at_most_so_many(ranges, most, expected):
    import sys

    assert sys.modules["analysis.query.keywords"]._stretches(ranges, most) == expected
