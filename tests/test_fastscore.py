"""The fast scoring machinery (analysis/judge/fastscore.py) computes exactly what the plain code computes."""
from __future__ import annotations

import itertools

import numpy as np
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


def test_required_literals_of_word_order_patterns():
    import re

    assert fastscore.required_literals(re.compile("(?:拜访|走访)[^，。]{0,10}(?:客户|门店)")) == [
        [frozenset({"拜访", "走访"}), frozenset({"客户", "门店"})]]
    # a top-level alternative of whole expressions: either one's strings
    assert fastscore.required_literals(re.compile("完成情况|销售[^，]{0,4}[万单]")) == [
        [frozenset({"完成情况"})], [frozenset({"销售"}), frozenset({"万", "单"})]]
    # lookarounds, repeats and case-insensitive parts require nothing; a pattern of only those, no filter
    assert fastscore.required_literals(re.compile("学[^，]{0,12}(?<![A-Za-z])(?i:java|go)")) == [[frozenset({"学"})]]
    assert fastscore.required_literals(re.compile("(?i:bug)")) is None
    assert fastscore.required_literals(re.compile("bug", re.IGNORECASE)) is None
    assert fastscore.required_literals(re.compile("[0-9]+万")) == [[frozenset({"万"})]]


_WORD_ORDER_SENTENCES = [
    "上周拜访了三家老客户，确认了明年的续约意向。", "拜访", "客户拜访记录整理完了", "每月跟进重点线索",
    "跟踪了新商机", "和研发部的同事一起梳理需求。", "与质检班组共同排查异常", "同事和我一起加班",
    "下班后自学Python做数据分析", "学了一点GO", "修复了导出报表乱码的问题", "修复客户反馈的问题",
    "排查崩溃", "收回了拖欠半年的货款。", "回收资金", "全年完成销售额120万元", "完成了95%",
    "对产品卖点还一知半解", "完成情况：基本完成", "销售额突破300万", "今年没什么特别的。", "",
]


def test_literal_filter_finds_every_text_a_pattern_matches(sentences):
    """The themes' word-order patterns searched only in the texts ``LiteralFilter`` keeps find exactly
    what searching every text finds; so do the rule strengths of whole documents."""
    taxonomy = themes.default_taxonomy()
    patterns = {k: t.patterns for k, t in taxonomy.items() if t.patterns is not None}
    texts = _WORD_ORDER_SENTENCES + sentences
    keep = fastscore.LiteralFilter(patterns).candidates(texts)
    matched = 0
    for key, pattern in patterns.items():
        found = {i for i, t in enumerate(texts) if pattern.search(t)}
        assert keep[key] is None or found <= keep[key], key
        matched += len(found)
    assert matched > 100
    plain = [{k: t.strength(x) for k, t in taxonomy.items()} for x in texts]
    fast = [s for n in range(0, len(texts), 37) for s in themes.rule_strengths(texts[n:n + 37], taxonomy)]
    assert fast == plain
    strong = [{k for k, v in s.items() if v} for s in plain[:len(_WORD_ORDER_SENTENCES)]]
    assert strong[6] == {"团队协作", "质量与交付"} and strong[9] == {"产品知识", "学习成长"}
    assert plain[9]["学习成长"] == 3 and plain[7]["团队协作"] == 1 and strong[20] == strong[21] == set()
    # 修复…问题 about a customer: the pattern's look-ahead rules it out, though both words are there
    assert 11 in keep["质量与交付"] and not patterns["质量与交付"].search(texts[11])


def test_pair_codes_are_the_character_pairs_of_every_text(sentences):
    """``pair_codes`` finds exactly ``char_bigrams`` of each text, in order, across a document's texts joined:
    Han runs broken by letters, figures, spaces and punctuation, a lone surrogate, an empty text, and
    characters just outside the Han range (U+4DFF, U+A000) that pair with nothing."""
    from analysis.judge.sentiment import char_bigrams

    texts = ["客户回款率提升到95%，回款", "", "A客B户C", "回\ud800款", "\u4dff一丁\ua000", "一", "丁一 一丁丁一", *sentences]
    codes, items = fastscore.pair_codes(texts)
    got = [[] for _ in texts]
    for code, item in zip(codes.tolist(), items.tolist()):
        got[item].append(code)
    assert got == [[fastscore.pair_code(p) for p in char_bigrams(t)] for t in texts]
    assert got[:7] == [[fastscore.pair_code(p) for p in ("客户", "户回", "回款", "款率", "率提", "提升", "升到", "回款")],
                       [], [], [], [fastscore.pair_code("一丁")], [], [fastscore.pair_code(p) for p in
                                                                      ("丁一", "一丁", "丁丁", "丁一")]]
    first = fastscore.first_pairs(codes, items)
    distinct = [[] for _ in texts]
    for code, item in zip(codes[first].tolist(), items[first].tolist()):
        distinct[item].append(code)
    assert distinct == [[fastscore.pair_code(p) for p in dict.fromkeys(char_bigrams(t))] for t in texts]
    assert fastscore.pair_code("客户") is not None and fastscore.pair_code("AB") is None
    assert fastscore.pair_code("客") is None and fastscore.pair_code("\u4dff一") is None


def test_pair_rows_look_up_as_the_dictionary_does():
    table = {"客户": 7, "回款": 3, "AB": 9, "\u9fff\u4e00": 5}
    rows = fastscore.PairRows(table)
    codes = [fastscore.pair_code(p) for p in ("回款", "客户", "户回", "\u9fff\u4e00", "款款")]
    assert rows.lookup(np.array(codes, dtype=np.int64)).tolist() == [3, 7, -1, 5, -1]
    assert fastscore.PairRows({}).lookup(np.array(codes, dtype=np.int64)).tolist() == [-1] * 5
    assert rows.lookup(np.array([], dtype=np.int64)).tolist() == []


def test_lexicon_counts_of_a_document_are_the_per_sentence_counts(sentences):
    """HowNet and DUTIR counts of many token lists at once equal ``lexicon_counts`` of each: a negator or a
    hedge within the two tokens before a word, never reaching back into the previous list."""
    from analysis.judge import sentiment

    lists = [sentiment.features(segment.cut(t)) for t in sentences]
    lists += [["谈不上", "什么", "低落"], ["不", "满意"], ["不", "很", "满意"], ["不", "很", "好", "满意"], [],
              ["不"], ["满意"], ["不", "。", "满意"], ["谈不上"], ["低落"]]
    plain = [sentiment.lexicon_counts(t) + sentiment.lexicon_counts(t, sentiment.dutir()) for t in lists]
    assert [c for n in range(0, len(lists), 29) for c in sentiment.lexicon_counts_many(lists[n:n + 29])] == plain
    assert sentiment.lexicon_counts_many(lists[-10:]) == plain[-10:]
    assert sentiment.lexicon_counts_many([]) == []
    assert sum(1 for c in plain if any(c)) > 1000
    # the list before does not reach: 不 ends one list, 满意 opens the next
    assert sentiment.lexicon_counts_many([["不"], ["满意"]])[1] == sentiment.lexicon_counts_many([["满意"]])[0]


def _lexicon_word_lists() -> dict[str, list[str]]:
    import tomllib

    from analysis.paths import data_path

    raw = tomllib.loads(data_path("sentiment_lexicon.toml").read_text(encoding="utf-8"))
    lists = {f"{part}.{key}": words for part, table in raw.items() if isinstance(table, dict)
             for key, words in table.items() if isinstance(words, list) and key not in ("patterns",)}
    for name, spec in tomllib.loads(data_path("themes.toml").read_text(encoding="utf-8")).items():
        lists.update({f"{name}.{key}": spec[key] for key in ("strong", "weak", "context", "exclude") if spec.get(key)})
    return lists


def test_literal_alternation_matches_as_the_sorted_alternation(sentences):
    """The trie finds the same spans as the longest-first alternation it replaces, on real sentences and on
    strings made of the words and their prefixes run together (where a shorter word must give way)."""
    import random
    import re

    rnd = random.Random(18)
    for name, words in [*_lexicon_word_lists().items(), ("edge", ["a", "ab", "abc", "abd", "b", "bcd", "x.y"])]:
        plain = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
        trie = re.compile(fastscore.literal_alternation(words))
        pieces = [w[:k] for w in set(words) for k in range(1, len(w) + 1)]
        texts = [*sentences[:500], *("".join(rnd.choices(pieces, k=rnd.randint(1, 6))) for _ in range(3000))]
        for text in texts:
            assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)], name
            assert bool(trie.fullmatch(text)) == bool(plain.fullmatch(text)), name
            found, expected = trie.match(text), plain.match(text)
            assert (found and found.span()) == (expected and expected.span()), name
