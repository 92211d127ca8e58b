"""The 员工 and 对比 pages (issue 14): a person is a (department, name) filter, not a text search;
the comparison's test against hand-computed values; both pages as every role (AppTest)."""
from __future__ import annotations

import math

import pytest

from analysis import query
from analysis.access import audit, users
from analysis.access.scope import Filters
from analysis.query.compare import proportion_test
from tests.auth_helpers import disable_pages_discovery, sign_in, start, titles, write_users
from ui.state import STORE_ENV

OWN = "销售部"


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


# ---------------------------------------------------------------- the test of a difference, by hand
def test_two_proportion_z_test_matches_the_hand_computation():
    # 45/100 against 30/100: pooled p = 0.375, se = sqrt(0.375·0.625·(1/100 + 1/100)) = 0.0684653,
    # z = 0.15 / se = 2.19089, two-sided p = 2·(1 − Φ(2.19089)) = 0.028460
    test = proportion_test(45, 100, 30, 100)
    assert test.method == "z"
    assert test.z == pytest.approx(2.19089, abs=1e-5)
    assert test.p_value == pytest.approx(0.028460, abs=1e-5)


def test_small_counts_use_fishers_exact_test():
    # 1/5 against 4/5: P(k) = C(5,k)²/252; tables at least as extreme as k = 1: k = 0, 1, 4, 5 → 52/252
    test = proportion_test(1, 5, 4, 5)
    assert test.method == "fisher"
    assert test.p_value == pytest.approx(52 / 252)


def test_no_documents_no_test():
    assert proportion_test(0, 0, 3, 10).p_value is None


# ---------------------------------------------------------------- the employee filter
def _person_store(tmp_path):
    from analysis.build import build
    from tests.conftest import write_small_corpus

    corpus = write_small_corpus(tmp_path / "corpus")
    # another 周明 in another department, and a colleague whose summary mentions 周明
    extra = {
        corpus / "2024" / "客服部" / "周明_热线组.txt": "2024年度个人工作总结\n一、主要工作成绩\n今年接听热线来电三千个。\n",
        corpus / "2024" / "销售部" / "钱多_华东组.txt": "2024年度个人工作总结\n一、主要工作成绩\n我向周明学习了客户拜访的方法。\n",
    }
    for path, text in extra.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    store = tmp_path / "store" / "insights.duckdb"
    build(corpus, store, workers=1, progress=False)
    return store


def test_a_person_is_their_department_and_name_not_a_text_search(tmp_path):
    store = _person_store(tmp_path)
    mine = query.documents(store, Filters(employees=(("销售部", "周明"),)))
    assert set(mine["employee"]) == {"周明"} and set(mine["department"]) == {"销售部"}
    assert sorted(mine["year"]) == [2023, 2024]  # every year of their own
    by_search = query.documents(store, Filters(search="周明"))
    assert "钱多" in set(by_search["employee"])  # what a name search used to return
    other = query.documents(store, Filters(employees=(("客服部", "周明"),)))
    assert list(other["department"]) == ["客服部"]
    people = query.people(store, Filters(), search="周明")
    assert set(zip(people["department"], people["employee"])) == {("销售部", "周明"), ("客服部", "周明")}


# ---------------------------------------------------------------- pages as every role
def test_person_page_as_hr_admin(env):
    at = sign_in(start(), "hr")
    at.switch_page("pages/person.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert titles(at) == ["员工"]
    key = at.selectbox(key="person_emp").value
    dept, _, name = key.partition("|")
    docs = query.documents(env, Filters(employees=((dept, name),)))
    assert [m.value for m in at.metric if m.label == "总结篇数"] == [f"{len(docs):,}"]
    assert at.query_params["emp"] == [key] or at.query_params["emp"] == key


def test_person_page_as_department_head_lists_own_department_only(env):
    at = sign_in(start(), "xiaoshou")
    at.switch_page("pages/person.py").run()
    assert not at.exception, [e.message for e in at.exception]
    options = at.selectbox(key="person_emp").options
    assert options and all(o.split(" · ")[1].startswith(OWN) for o in options)


def test_person_page_hidden_from_viewers(env):
    at = sign_in(start(), "guest")
    with pytest.raises(ValueError, match="Known pages"):
        at.switch_page("pages/person.py")


def test_person_page_small_groups_do_not_hide_own_documents(tmp_path, monkeypatch, demo_store):
    """A department head with a reporting minimum above any team still reads a person's own years."""
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml", min_group=10_000)))
    at = sign_in(start(), "xiaoshou")
    at.switch_page("pages/person.py").run()
    assert not at.exception, [e.message for e in at.exception]
    key = at.selectbox(key="person_emp").value
    dept, _, name = key.partition("|")
    docs = query.documents(demo_store, Filters(employees=((dept, name),)))
    assert [m.value for m in at.metric if m.label == "总结篇数"] == [f"{len(docs):,}"]


@pytest.mark.parametrize("who", ["hr", "xiaoshou", "guest"])
def test_compare_page_as_every_role(env, who):
    at = sign_in(start(), who)
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert titles(at) == ["对比"]
    everyone = set(query.options(env)["department"])
    offered = set(at.multiselect(key="cmp_a_dept").options)
    assert offered == ({OWN} if who == "xiaoshou" else everyone)


def test_compare_page_shows_the_test_of_each_theme(env):
    at = sign_in(start(), "hr")
    at.switch_page("pages/compare.py").run()
    at.multiselect(key="cmp_a_dept").set_value([OWN]).run()
    at.multiselect(key="cmp_b_dept").set_value([OWN]).run()
    assert not at.exception, [e.message for e in at.exception]
    years = sorted(query.options(env)["year"])
    a = Filters(departments=(OWN,), years=(years[-2], years[-2]))
    b = Filters(departments=(OWN,), years=(years[-1], years[-1]))
    expected = query.compare_themes(env, a, b).set_index("theme")
    table = next(df.value for df in at.dataframe if "p 值" in df.value.columns).set_index("主题")
    for theme, row in expected.iterrows():
        if row["p_value"] is None or math.isnan(row["p_value"]):
            continue
        assert table.loc[theme, "p 值"] == pytest.approx(row["p_value"])
        assert f"/{row['a_total']}）" in table.loc[theme, "甲组"]


def test_a_clicked_difference_lists_both_groups_sentences(env):
    at = sign_in(start(), "hr")
    at.switch_page("pages/compare.py").run()
    at.session_state["cmp_drill"] = ("theme", "客户跟进")  # what a click on the theme bars stores
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    for side in ("a", "b"):
        shown = next(df.value for df in at.dataframe if df.proto.id.endswith(f"cmp_ev_{side}_table"))
        assert len(shown) and shown["句子"].is_unique
    at.session_state["cmp_drill"] = ("term", "客户")
    at.run()
    assert not at.exception, [e.message for e in at.exception]


def test_compare_suppresses_a_side_below_the_reporting_minimum(tmp_path, monkeypatch, demo_store):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(audit.AUDIT_ENV, str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml", min_group=10_000)))
    at = sign_in(start(), "xiaoshou")
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("最小报告人数" in i.value for i in at.info)
    assert not any("p 值" in df.value.columns for df in at.dataframe)
