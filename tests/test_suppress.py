"""Minimum reporting group: small groups are suppressed, and no combination of filters reveals one
by difference (analysis.suppress through analysis.query)."""
from __future__ import annotations

import itertools
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis import query
from analysis.access.scope import Filters
from analysis.schema import DOCUMENT_COLUMNS, THEMES
from analysis.store import snapshot

K = 5
# (year, department, team, employees): the shapes the rule has to handle
SHAPES = [
    (2024, "销售部", "华东组", 5), (2024, "销售部", "华南组", 5), (2024, "销售部", "大客户组", 2),  # one small team
    (2023, "销售部", "华东组", 5), (2023, "销售部", "华南组", 5),  # every team large enough
    (2024, "客服部", "热线组", 5), (2024, "客服部", "售后组", 6),
    (2024, "生产部", "装配组", 5), (2024, "生产部", "质检组", 3), (2024, "生产部", "仓储组", 3),  # small ones add up
    (2024, "财务部", "核算组", 3),  # a department-year below k
]


def _rows() -> tuple[list[dict], list[dict]]:
    docs, sentences = [], []
    n = 0
    for year, dept, team, people in SHAPES:
        for i in range(people):
            n += 1
            doc_id = f"doc{n:03d}"
            row = {c: 0 for c in DOCUMENT_COLUMNS}
            row.update(doc_id=doc_id, employee=f"{dept}{team}员工{i + 1}", department=dept, team=team,
                       role="主管" if i == 0 else "专员", year=year, source_file=f"{year}/{dept}/{doc_id}.txt",
                       file_format="txt", encoding="utf-8", traditional=False, chars=1000 + n, sentences=1,
                       sentiment_mean=0.5, pos_share=0.5, neg_share=0.1, themes_total=1, analysis_version="t")
            row.update(copy_of="", copy_kind="", copy_similarity=None, follow_through=None)
            row["客户跟进"] = 1
            docs.append(row)
            text = "今年重点跟进了回款进度。" if i % 2 else "今年重点跟进了老客户。"
            sentences.append({"doc_id": doc_id, "idx": 0, "section": "成绩", "text": text, "text_simplified": text,
                              "sentiment": 0.6, "label": "pos", "themes": ["客户跟进"]})
    return docs, sentences


@pytest.fixture(scope="module")
def shaped(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("suppress") / "insights.duckdb"
    docs, sentences = _rows()
    with duckdb.connect(str(path)) as con:
        snapshot.create_tables(con)
        snapshot.insert_rows(con, "documents", docs)
        snapshot.insert_rows(con, "sentences", sentences)
    return path


def published(path: Path, f: Filters) -> set[str]:
    return set(query.documents(path, f)["doc_id"])


def test_cells(shaped):
    from analysis.access.suppress import cells_sql

    with snapshot.read(shaped) as con:
        cells = con.execute(f"SELECT d.year, d.department, d.team, c.kind, COUNT(*) FROM ({cells_sql(K)}) c "
                            "JOIN documents d USING (doc_id) GROUP BY ALL ORDER BY ALL").fetchall()
    assert cells == [
        (2023, "销售部", "华东组", "team", 5), (2023, "销售部", "华南组", "team", 5),
        (2024, "客服部", "售后组", "team", 6), (2024, "客服部", "热线组", "team", 5),
        (2024, "生产部", "仓储组", "rest", 3), (2024, "生产部", "装配组", "team", 5), (2024, "生产部", "质检组", "rest", 3),
        (2024, "财务部", "核算组", None, 3),
        (2024, "销售部", "华东组", "whole", 5), (2024, "销售部", "华南组", "whole", 5), (2024, "销售部", "大客户组", "whole", 2),
    ]


def test_department_total_minus_other_teams_reveals_nothing(shaped):
    """The differencing case: 销售部 2024 has 12 people; its two large teams have 5 each and 大客户组 2.
    The department figure is shown, but the two large teams are not (they would leave 大客户组 as the
    remainder), nor is any team row."""
    head = Filters(allowed_departments=("销售部",), min_group=K, years=(2024, 2024))
    total = query.overview(shaped, head)
    assert (total["documents"], total["employees"], total["chars"]) == (12, 12, sum(range(1001, 1013)))
    others = query.overview(shaped, Filters(allowed_departments=("销售部",), min_group=K, years=(2024, 2024),
                                            teams=("华东组", "华南组")))
    assert others["documents"] == 0 and others["chars"] == 0
    for team in ("华东组", "华南组", "大客户组"):
        assert query.overview(shaped, Filters(min_group=K, years=(2024, 2024), teams=(team,)))["documents"] == 0
    rows = query.groups(shaped, head, by=("department", "team", "year"))
    assert list(rows["team"]) == ["华东组", "华南组", "大客户组"]
    assert rows["suppressed"].all()
    assert rows[["documents", "employees", "chars", "sentiment_mean"]].isna().all().all()
    # HR admin sees every team
    full = query.groups(shaped, Filters(years=(2024, 2024), departments=("销售部",)), by=("department", "team", "year"))
    assert list(full["employees"]) == [5, 5, 2] and "suppressed" not in full.columns


def test_large_teams_are_shown_and_small_teams_only_together(shaped):
    rows = query.groups(shaped, Filters(min_group=K, departments=("生产部",)), by=("department", "team", "year"))
    shown = rows[~rows["suppressed"]]
    assert list(shown["team"]) == ["装配组"] and list(shown["employees"]) == [5]
    assert set(rows[rows["suppressed"]]["team"]) == {"质检组", "仓储组"}
    # the department total minus 装配组 is the two small teams together: 6 people, not fewer than k
    total = query.overview(shaped, Filters(min_group=K, departments=("生产部",)))
    assert total["employees"] - int(shown["employees"].sum()) == 6
    # a department-year below k feeds nothing at all
    assert query.overview(shaped, Filters(min_group=K, departments=("财务部",)))["documents"] == 0
    assert query.groups(shaped, Filters(min_group=K), by=("department",))["department"].tolist() == [
        "客服部", "生产部", "销售部"]


def test_role_and_search_filters_that_cut_a_group_show_nothing(shaped):
    f = Filters(min_group=K, departments=("客服部",))
    assert query.overview(shaped, f)["documents"] == 11
    assert query.overview(shaped, Filters(min_group=K, departments=("客服部",), roles=("专员",)))["documents"] == 0
    assert query.overview(shaped, Filters(min_group=K, departments=("客服部",), search="回款"))["documents"] == 0
    # without the rule the same filters do narrow to the sub-groups
    assert query.overview(shaped, Filters(departments=("客服部",), roles=("专员",)))["documents"] == 9


def test_no_two_filter_combinations_differ_by_a_small_group(shaped):
    """Every published population over team subsets × years × departments is a union of
    whole cells, so the difference of any two nested ones has at least k employees (or none)."""
    teams = sorted({t for _, d, t, _ in SHAPES if d in ("销售部", "生产部")})
    choices = []
    for dept in (None, "销售部", "生产部"):
        for n in range(0, 3):
            for combo in itertools.combinations(teams, n):
                for years in (None, (2023, 2023), (2024, 2024)):
                    choices.append(Filters(departments=(dept,) if dept else (), teams=combo, years=years,
                                           min_group=K))
    sets = {frozenset(published(shaped, f)) for f in choices}
    assert len(sets) > 5
    person = query.documents(shaped).set_index("doc_id")["employee"]
    for a, b in itertools.permutations(sets, 2):
        if b < a:
            assert person.loc[sorted(a - b)].nunique() >= K, sorted(a - b)


def test_other_queries_follow_the_rule(shaped):
    f = Filters(min_group=K, departments=("销售部",), years=(2024, 2024), teams=("华东组",))
    assert query.theme_totals(shaped, f)["documents"].sum() == 0
    assert query.evidence(shaped, f).empty
    assert query.keyword_counts(shaped, f, "回款").empty
    whole = Filters(min_group=K, departments=("销售部",), years=(2024, 2024))
    assert query.theme_totals(shaped, whole).set_index("theme").loc["客户跟进", "documents"] == 12
    with pytest.raises(ValueError):
        query.section_sentiment(shaped, whole, by=("team",))


def test_suppress_rows_blanks_figures_and_keeps_keys():
    from analysis.access.suppress import suppress_rows

    frame = pd.DataFrame({"team": ["甲组", "乙组"], "employees": [6, 3], "sentiment_mean": [0.6, 0.4],
                          f"{THEMES[0]}_覆盖率": [0.5, 1.0], "_whole": [True, True]})
    out = suppress_rows(frame, ("team",), K)
    assert list(out["team"]) == ["甲组", "乙组"]
    assert list(out["suppressed"]) == [False, True]
    assert out.loc[0, "sentiment_mean"] == 0.6 and pd.isna(out.loc[1, "sentiment_mean"])
    assert "_whole" not in out.columns
