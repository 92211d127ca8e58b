"""The demo corpus meets its brief, and the analysis recovers every pattern planted in it
(corpus/planted.json, written by corpus/generate.py)."""
import json
from collections import Counter, defaultdict

import duckdb
import pytest

from analysis import query
from analysis.paths import DEFAULT_CORPUS
from analysis.text.sections import is_heading

PLANTED = json.loads((DEFAULT_CORPUS / "planted.json").read_text(encoding="utf-8"))


def test_corpus_brief(demo_store):
    docs = query.documents(demo_store)
    assert len(docs) == PLANTED["generator"]["documents"] >= 240
    assert docs["department"].nunique() >= 5
    assert sorted(docs["year"].unique()) == [2021, 2022, 2023, 2024, 2025]
    years_per_employee = docs.groupby("employee")["year"].nunique()
    assert (years_per_employee >= 3).sum() >= 40
    assert docs["chars"].between(600, 4000).all()
    assert set(docs["file_format"]) == {"txt", "md", "docx"}
    assert (docs["encoding"] == "gb18030").sum() >= 20
    assert docs["traditional"].sum() >= 10
    assert (docs["team"] != "").sum() > 200


def test_payment_collection_rises_in_sales(demo_store):
    groups = query.groups(demo_store, query.Filters(departments=("销售部",)), by=("year",)).set_index("year")
    rate = groups["货款回笼_千字"]
    assert rate[2022] < rate[2023] < rate[2024]
    docs = query.documents(demo_store, query.Filters(departments=("销售部",)))
    mean = docs.groupby("year")["货款回笼"].mean()
    assert mean[2022] < mean[2023] < mean[2024]


def test_assembly_team_sentiment_dips_in_2023(demo_store):
    docs = query.documents(demo_store, query.Filters(departments=("生产部",), teams=("装配组",)))
    mean = docs.groupby("year")["sentiment_mean"].mean()
    neg = docs.groupby("year")["neg_share"].mean()
    assert mean[2023] < mean[2022] and mean[2023] < mean[2024]
    assert neg[2023] > neg[2022] and neg[2023] > neg[2024]


def test_placeholder_documents_are_the_planted_ones(demo_store):
    docs = query.documents(demo_store)
    planted = {d["file"]: d["count"] for d in PLANTED["patterns"]["e_placeholders"]["documents"]}
    flagged = docs[docs["placeholders"] >= 5].set_index("source_file")["placeholders"]
    assert set(flagged.index) == set(planted)
    for file, count in planted.items():
        assert flagged[file] == count, file


def test_sections_agree_with_the_generator(demo_store):
    con = duckdb.connect(str(demo_store), read_only=True)
    rows = con.execute("SELECT d.source_file, s.section, s.text_simplified FROM sentences s "
                       "JOIN documents d USING (doc_id)").fetchall()
    con.close()
    ours: dict[str, Counter] = defaultdict(Counter)
    for file, section, text in rows:
        if not is_heading(text):
            ours[file][section] += 1
    agree = total = 0
    for file, info in PLANTED["documents"].items():
        for section, v in info["sections"].items():
            agree += min(v["sentences"], ours[file][section])
            total += v["sentences"]
    assert agree / total >= 0.90


@pytest.mark.parametrize("theme", ["客户跟进", "货款回笼", "产品知识"])
def test_theme_counts_track_the_generator(demo_store, theme):
    docs = query.documents(demo_store).set_index("source_file")
    gold = {f: info["themes"].get(theme, 0) for f, info in PLANTED["documents"].items()}
    mentioned = [f for f, n in gold.items() if n > 0]
    found = sum(1 for f in mentioned if docs.loc[f, theme] > 0)
    assert found / len(mentioned) >= 0.85
