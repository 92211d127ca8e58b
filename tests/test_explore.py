"""探索 (issue 15): the co-occurrence network, correspondence analysis, collocates and topics — exact figures on
a small hand-computed Chinese corpus, and the demo corpus's planted patterns found again."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from analysis import query
from analysis.access.scope import Filters
from analysis.insight import explore
from analysis.paths import DEFAULT_CORPUS

# five sentences' content words; frequencies 回款 3, 客户 3, 应收 2, 拜访 2, 对账 1, 回访 1
SMALL = [["回款", "应收", "对账"], ["回款", "应收"], ["回款", "客户"], ["客户", "拜访"], ["客户", "拜访", "回访"]]


def test_jaccard_edges_exact():
    edges = explore.cooccurrence(SMALL, min_freq=2, top_edges=60)
    got = [(r.source, r.target, r.cooccurrences, r.jaccard, r.source_freq, r.target_freq)
           for r in edges.itertuples()]
    # |A∩B| / |A∪B| over sentences: 回款–应收 2/(3+2−2), 客户–拜访 2/(3+2−2), 回款–客户 1/(3+3−1)
    assert got == [("回款", "应收", 2, round(2 / 3, 6), 3, 2), ("客户", "拜访", 2, round(2 / 3, 6), 3, 2),
                   ("回款", "客户", 1, 0.2, 3, 3)]
    # words below the minimum frequency take no part
    assert "对账" not in set(edges["source"]) | set(edges["target"])


def test_top_edges_and_threshold():
    assert len(explore.cooccurrence(SMALL, min_freq=2, top_edges=2)) == 2
    strong = explore.cooccurrence(SMALL, min_freq=2, threshold=0.5)
    assert sorted(zip(strong["source"], strong["target"])) == [("回款", "应收"), ("客户", "拜访")]
    assert explore.cooccurrence(SMALL, min_freq=4).empty


def test_communities_split_at_the_weak_bridge():
    edges = explore.cooccurrence(SMALL, min_freq=2)
    community = explore.communities(edges)
    assert community == {"回款": 0, "应收": 0, "客户": 1, "拜访": 1}
    node_table = explore.nodes(edges)
    assert dict(zip(node_table["word"], node_table["freq"])) == {"回款": 3, "应收": 2, "客户": 3, "拜访": 2}


def test_collocates_exact():
    out = explore.collocates(SMALL, "回款", min_count=1).set_index("collocate")
    assert out.loc["应收", "cooccurrences"] == 2
    assert out.loc["应收", "jaccard"] == pytest.approx(2 / 3, abs=1e-4)
    assert out.loc["应收", "pmi"] == pytest.approx(math.log2(2 * 5 / (3 * 2)), abs=1e-4)
    assert out.loc["客户", "jaccard"] == pytest.approx(1 / 5, abs=1e-4)
    assert out.index[0] == "应收"


def test_correspondence_reproduces_the_inertia():
    counts = pd.DataFrame({"销售部": [30, 2, 5], "财务部": [3, 25, 6], "研发部": [2, 4, 28]},
                          index=["签单", "凭证", "测试"])
    ca = explore.correspondence(counts)
    p = counts.to_numpy() / counts.to_numpy().sum()
    r, c = p.sum(axis=1), p.sum(axis=0)
    total = (((p - np.outer(r, c)) ** 2) / np.outer(r, c)).sum()  # chi-square / n
    # with three groups two axes hold all the inertia: mass-weighted squared coordinates add up to it
    assert sum(ca.inertia) == pytest.approx(1.0)
    assert (ca.rows["mass"] * (ca.rows["x"] ** 2 + ca.rows["y"] ** 2)).sum() == pytest.approx(total)
    assert (ca.columns["mass"] * (ca.columns["x"] ** 2 + ca.columns["y"] ** 2)).sum() == pytest.approx(total)
    words = ca.rows.set_index("label")[["x", "y"]]
    groups = ca.columns.set_index("label")[["x", "y"]]
    nearest = {w: ((groups - words.loc[w]) ** 2).sum(axis=1).idxmin() for w in words.index}
    assert nearest == {"签单": "销售部", "凭证": "财务部", "测试": "研发部"}


def test_chi_square_keeps_the_uneven_words():
    counts = pd.DataFrame({"a": [10, 10, 20], "b": [10, 10, 0]}, index=["均匀", "也均匀", "偏"])
    assert list(explore.chi_square_words(counts, top=1).index) == ["偏"]


def test_topics_are_deterministic():
    groups = [["回款", "应收", "对账"], ["测试", "版本", "缺陷"], ["培训", "学习", "课程"]]
    docs = {f"d{i:02d}": groups[i % 3] * (1 + i % 4) + groups[(i + 1) % 3][: i % 2] for i in range(30)}
    a, b = explore.fit_topics(docs, k=3), explore.fit_topics(docs, k=3)
    assert a == b and len(a.words) == 3
    assert all(abs(sum(s) - 1) < 1e-5 for s in a.documents.values())
    assert explore.sentence_topic(["回款", "应收", "客户"], a.words)[0] >= 0
    assert explore.sentence_topic(["客户"], a.words) == (-1, 0)


def test_projection_on_a_stored_model_is_exact_nnls_whatever_the_batch():
    """What an incremental build does with new documents (``passes.update_topics`` reusing the model):
    each document's shares are the non-negative least-squares fit of its TF-IDF row on the topics,
    the same projected alone or with others."""
    from scipy.optimize import nnls
    from sklearn.feature_extraction.text import TfidfTransformer

    groups = [["回款", "应收", "对账", "开票"], ["测试", "版本", "缺陷", "上线"], ["培训", "学习", "课程", "考核"]]
    docs = {f"d{i:02d}": groups[i % 3] * (1 + i % 4) + groups[(i + 1) % 3][: i % 3] + ["客户"] * (i % 5)
            for i in range(40)}
    found = explore.fit_topics(docs, k=3)
    vocab = found.model.vocab
    counts = np.array([[docs[d].count(w) for w in vocab] for d in sorted(docs)], dtype=float)
    together = explore.project(found.model, counts)
    alone = np.vstack([explore.project(found.model, counts[i:i + 1]) for i in range(len(counts))])
    assert (together == alone).all()
    x = TfidfTransformer(sublinear_tf=True).fit_transform(counts).toarray()  # fitted on all 40, as the model
    for i, row in enumerate(x):
        w = nnls(found.model.components.T, row)[0]
        assert np.abs(together[i] - w / w.sum()).max() < 1e-6
    # the factorisation's own weights of these documents name the same strongest topic
    fitted = np.array([found.documents[d] for d in sorted(docs)])
    assert (fitted.argmax(axis=1) == together.argmax(axis=1)).all()
    assert np.abs(fitted - together).max() < 0.05


# ------------------------------------------------------------------------------------- the demo corpus
PLANTED = json.loads((DEFAULT_CORPUS / "planted.json").read_text(encoding="utf-8"))
EMERGING = PLANTED["patterns"].get("g_emerging_topic")
needs_demo = pytest.mark.skipif(EMERGING is None, reason="the demo corpus has no planted emerging topic")


def _community_of(edges: pd.DataFrame, word: str) -> set[str]:
    com = explore.communities(edges)
    return {w for w, c in com.items() if c == com[word]}


@needs_demo
def test_network_puts_payment_words_together(demo_store):
    edges = query.cooccurrence(demo_store, Filters(departments=("财务部",)))
    assert len(edges) == 60
    assert {"回款", "核销", "认领"} <= _community_of(edges, "回款")
    assert {"对账", "账目"} <= _community_of(edges, "对账")


@needs_demo
def test_network_finds_the_planted_topic(demo_store):
    edges = query.cooccurrence(demo_store, Filters(), min_freq=10, threshold=0.25, max_words=2000)
    assert {"台账", "无纸化", "纸质", "平台"} <= _community_of(edges, "台账")


@needs_demo
def test_network_lift_marks_the_chosen_department(demo_store):
    edges = query.cooccurrence(demo_store, Filters(), highlight="研发部", min_freq=10, top_edges=200)
    lift = dict(zip(edges["source"], edges["source_lift"])) | dict(zip(edges["target"], edges["target_lift"]))
    assert lift["测试"] > 1 and lift["版本"] > 1
    assert lift.get("培训", 0) < 1


@needs_demo
@pytest.mark.parametrize(("word", "department"), [
    ("应收账款", "财务部"), ("凭证", "财务部"), ("测试用例", "研发部"), ("经销商", "市场部"),
    ("装配", "生产部"), ("热线", "客服部"), ("报价", "销售部"),
])
def test_correspondence_places_department_words_near_their_department(demo_store, word, department):
    ca = query.correspondence(demo_store, Filters(), by="department", top=60)
    groups = ca[ca["kind"] == "group"].set_index("label")[["x", "y"]]
    words = ca[ca["kind"] == "word"].set_index("label")[["x", "y"]]
    assert len(words) == 60 and set(groups.index) == {"销售部", "市场部", "生产部", "研发部", "客服部", "财务部"}
    assert ((groups - words.loc[word]) ** 2).sum(axis=1).idxmin() == department


@needs_demo
def test_emerging_topic_is_found_and_not_covered_by_the_themes(demo_store):
    topics = query.topics(demo_store)
    keywords = set(EMERGING["keywords"]) | {"台账", "无纸化", "数字化", "看板", "协同", "平台", "纸质"}
    hits = topics[topics["words"].map(lambda w: len(keywords.intersection(w[:8])) >= 4)]
    assert len(hits) == 1, topics[["label", "words"]]
    topic = hits.iloc[0]
    assert topic["covered"] <= 0.05 and topic["sentences"] >= EMERGING["sentences"] * 0.9
    # the fixed themes cover most of the other topics
    assert topics.drop(hits.index)["covered"].median() >= 0.7
    by_year = query.topic_shares(demo_store, by="year").query("topic == @topic.topic").set_index("group")["share"]
    assert min(by_year[2024], by_year[2025]) > 5 * max(by_year[2021], by_year[2022], by_year[2023])
    by_dept = query.topic_shares(demo_store, by="department").query("topic == @topic.topic").set_index("group")
    assert by_dept.loc["销售部", "share"] < 0.01
    sentences = query.topic_sentences(demo_store, Filters(), int(topic["topic"]), limit=10)
    assert len(sentences) == 10 and all(len(t) == 0 for t in sentences["themes"])
    assert set(sentences["year"]) <= set(EMERGING["years"])


@needs_demo
def test_word_trend_and_sentences(demo_store):
    trend = query.word_trend(demo_store, Filters(), "台账")
    assert set(trend.loc[trend["sentences"] > 0, "department"]) >= {"财务部"}
    sentences = query.word_sentences(demo_store, Filters(departments=("财务部",)), "回款", "核销")
    assert len(sentences) > 0 and sentences["text"].str.contains("回款").all()
    assert set(sentences["department"]) == {"财务部"}


def test_stored_default_network_is_the_live_one(demo_store):
    from analysis.store import snapshot

    stored = query.cooccurrence(demo_store, Filters())
    with snapshot.read(demo_store) as con:
        live = explore.network(con)
    assert stored.astype(str).to_dict("records") == live.astype(str).to_dict("records")
    assert len(stored) == 60


def test_viewer_scope_reaches_the_network(demo_store):
    """Below hr_admin the network is computed from the publication cells only, like every figure."""
    everything = query.cooccurrence(demo_store, Filters())
    nothing = query.cooccurrence(demo_store, Filters(min_group=10_000))
    assert len(everything) > 0 and nothing.empty
