"""The fast scoring machinery (analysis/judge/fastscore.py) computes exactly what the plain code computes."""
from __future__ import annotations

import itertools

import pytest

from analysis.judge import fastscore, themes
from analysis.judge.sentiment import read_labelled
from analysis.paths import PROJECT_DIR
from analysis.text import segment
from tests.test_pipeline import _demo_sentences


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    texts = _demo_sentences(60) + [r["text"] for r in read_labelled(PROJECT_DIR / "tests/data/labelled_sentences.tsv")]
    assert len(texts) > 2000
    return texts


def test_rows_resolve_each_word_once():
    calls = []
    rows = fastscore.Rows(lambda w: calls.append(w) or (len(w) if w != "。" else None))
    assert [rows[w] for w in ["回款", "。", "回款", "回款率"]] == [2, None, 2, 3]
    assert calls == ["回款", "。", "回款率"]


def test_theme_rows_are_the_plain_feature_rows_in_the_same_order(sentences):
    learned = themes.default_learned()
    tokens = [segment.cut(t) for t in sentences]
    fresh = themes.Learned.__new__(themes.Learned)  # no remembered rows, as in a new process
    fresh.themes, fresh.bias, fresh.coef, fresh.rows, fresh._unknown = (
        learned.themes, learned.bias, learned.coef, learned.rows, {})
    plain = [{r for r in map(fresh._row, themes.learned_features(k)) if r is not None} for k in tokens]
    fast = learned._row_sets(tokens)
    # same members, and the same iteration order: the sums over them are then the same to the last bit
    assert [list(s) for s in fast] == [list(s) for s in plain]
    assert sum(map(len, fast)) > 20 * len(tokens)


def test_content_words_memo_equals_the_plain_test():
    tokens = list(itertools.chain.from_iterable(segment.cut(t) for t in _demo_sentences(20)))
    tokens += ["XX", "2024", "回款率", "的", "，", "GW", "3.5%"]
    stop = segment.stopwords()
    plain = [t for t in tokens if len(t) > 1 and t not in stop and segment._WORD_RE.search(t)
             and not segment._PLACEHOLDER_TOKEN.match(t) and not segment._NUMBER_WORD.match(t)]
    assert segment.content_words(tokens) == plain
    assert "回款率" in segment.content_words(["回款率", "的"]) and segment.content_words(["2024", "的"]) == []
