import pytest

from analysis.text.segment import content_words, cut


@pytest.mark.parametrize("sentence, tokens", [
    ("对于浅意向客户，自己的跟进可能不够及时",
     ["对于", "浅", "意向客户", "，", "自己", "的", "跟进", "可能", "不够及时"]),
    ("及时将开票资料寄到财务处，做好货款回笼",
     ["及时", "将", "开票资料", "寄", "到", "财务处", "，", "做好", "货款回笼"]),
    ("今年回款率达到95%，应收账款下降了三成",
     ["今年", "回款率", "达到", "95%", "，", "应收账款", "下降", "了", "三成"]),
    ("加强售后服务，提高客户满意度", ["加强", "售后服务", "，", "提高", "客户满意度"]),
])
def test_domain_terms_stay_whole(sentence, tokens):
    assert cut(sentence) == tokens


def test_content_words_drop_stopwords_numbers_and_placeholders():
    tokens = cut("20xx年我完成了xxx万元的销售额，回款率达到95%")
    assert content_words(tokens) == ["销售额", "回款率", "达到"]


def test_own_tokenizer_does_not_touch_global_jieba():
    import jieba

    assert "意向客户" not in jieba.lcut("对于浅意向客户的跟进")


def test_chinese_number_words_are_not_keywords():
    assert content_words(cut("全年检验来料两千余批，拦截不合格批次四十一批")) == ["检验", "来料", "拦截", "合格", "批次"]


SENTENCES = ["对于浅意向客户，自己的跟进可能不够及时", "今年回款率达到95%，应收账款下降了三成",
             "加强售后服务，提高客户满意度", "华东区的经销商大会上，我讲解了新款变频器的技术参数"]


def test_the_cached_tokenizer_cuts_exactly_as_jieba_with_the_user_dictionary(tmp_path, monkeypatch):
    import jieba

    from analysis.paths import data_path
    from analysis.text import segment

    plain = jieba.Tokenizer()
    plain.load_userdict(str(data_path("userdict.txt")))
    monkeypatch.setattr(segment, "CACHE_DIR", tmp_path)
    segment.tokenizer.cache_clear()
    try:
        built = segment.tokenizer()  # no cache yet: built jieba's way, then saved
        (cache,) = tmp_path.glob("jieba-*.marshal")
        segment.tokenizer.cache_clear()
        loaded = segment.tokenizer()
        assert loaded is not built
        assert loaded.FREQ == plain.FREQ and loaded.total == plain.total
        for sentence in SENTENCES:
            assert loaded.lcut(sentence) == built.lcut(sentence) == plain.lcut(sentence)
        assert loaded.lcut(SENTENCES[0])[2] == "意向客户"

        cache.write_bytes(b"\x00damaged")  # a damaged cache is rebuilt, not trusted
        segment.tokenizer.cache_clear()
        assert segment.tokenizer().lcut(SENTENCES[1]) == plain.lcut(SENTENCES[1])
        assert cache.stat().st_size > 1_000_000
    finally:
        segment.tokenizer.cache_clear()


def _reference_sentences() -> list[str]:
    """Every sentence the pipeline cuts in the demo corpus, and every written labelled sentence."""
    from analysis.judge.sentiment import TRAIN_GLOB, read_labelled
    from analysis.judge.themes import theme_training_rows
    from analysis.paths import DATA_DIR, DEFAULT_CORPUS, PROJECT_DIR
    from analysis.read import decode, ingest, normalize
    from analysis.text import sections

    out = []
    for item in ingest.iter_corpus(DEFAULT_CORPUS):
        if not isinstance(item, ingest.FileFailure):
            simplified = normalize.normalize(decode.read_bytes(item[0], item[1])[0]).simplified
            out.extend(s.text for s in sections.split_document(simplified))
    for path in [*sorted(DATA_DIR.glob(TRAIN_GLOB)), *sorted((PROJECT_DIR / "tests" / "data").glob("*.tsv"))]:
        out.extend(normalize.to_simplified(r["text"]) for r in read_labelled(path))
    out.extend(normalize.to_simplified(r["text"]) for r in theme_training_rows())  # themes-only files
    return out


def test_jieba_rs_cuts_the_corpus_and_labelled_sentences_exactly_as_jieba():
    from analysis.text import segment

    sentences = _reference_sentences()
    assert len(sentences) > 15_000
    reference = segment.tokenizer()
    differing = [s for s in sentences if segment.lcut(s) != reference.lcut(s)]
    assert differing == []
    assert any("GW-100" in s for s in sentences)  # the corpus holds the ASCII codes the policy is about


@pytest.mark.parametrize("sentence, tokens", [
    # ASCII runs are cut jieba's way: letter/digit runs and the symbols between them (jieba-rs: GW-100 whole)
    ("熟练掌握了GW-100网关的调试", ["熟练掌握", "了", "GW", "-", "100", "网关", "的", "调试"]),
    ("完成率96.5%，x-ray检测", ["完成率", "96.5%", "，", "x", "-", "ray", "检测"]),
    ("稿子阅读量破了10万+...", ["稿子", "阅读", "量", "破", "了", "10", "万", "+..."]),
    # a dictionary word with symbols stays whole, as in jieba
    ("学习C++和AT&T的资料", ["学习", "C++", "和", "AT&T", "的", "资料"]),
    # 㐀 (extension A) is Han to jieba-rs, a symbol to jieba: the sentence goes to jieba itself
    ("㐀字客户回款", ["㐀", "字", "客户", "回款"]),
])
def test_where_jieba_rs_differs_jiebas_cut_is_kept(sentence, tokens):
    from analysis.text import segment

    assert segment.lcut(sentence) == segment.tokenizer().lcut(sentence) == tokens


def test_jieba_rs_knows_every_word_of_jiebas_dictionary_and_the_user_dictionary():
    import os

    import jieba

    from analysis.paths import data_path
    from analysis.text import segment

    fast = segment.fast()
    with open(os.path.join(os.path.dirname(jieba.__file__), jieba.DEFAULT_DICT_NAME), encoding="utf-8") as fh:
        words = [line.split()[0] for line in fh if line.strip()]
    words += [line.split()[0] for line in data_path("userdict.txt").read_text(encoding="utf-8").splitlines()
              if line.strip()]
    assert len(words) > 349_000
    assert [w for w in words if not fast.has_word(w)] == []


def test_a_token_memo_stays_within_its_byte_budget_and_starts_over_when_a_token_would_pass_it():
    """``Memo`` remembers ``resolve(key)`` within ``limit`` bytes (``entry_bytes``: the key string and its dict
    slot): the token that would pass the budget empties it first, a token larger than the budget is never
    remembered, and every look-up returns what ``resolve`` returns."""
    from analysis.text.segment import Memo

    calls: list[str] = []

    def resolve(token: str) -> bool:
        calls.append(token)
        return len(token) > 1

    words = ["客户", "回款", "及时", "了"]
    sizes = [Memo.entry_bytes(w) for w in words]
    assert sizes == [40 + 78, 40 + 78, 40 + 78, 40 + 76]
    memo = Memo(resolve, limit=sum(sizes[:3]))
    assert [memo[w] for w in ["客户", "回款", "及时", "客户"]] == [True, True, True, True]
    assert list(memo) == ["客户", "回款", "及时"] and memo.size == sum(sizes[:3]) and calls == words[:3]
    assert memo["了"] is False  # would pass the budget: starts over
    assert list(memo) == ["了"] and memo.size == sizes[3]
    long = "集团公司年度经营目标责任书" * 10
    assert memo[long] is True and long not in memo and memo.size == sizes[3]
    assert memo["客户"] is True and list(memo) == ["了", "客户"] and calls == [*words, long, "客户"]
    memo.clear()
    assert memo == {} and memo.size == 0


def test_the_token_memos_budget_is_read_from_the_environment_in_megabytes():
    import os
    import subprocess
    import sys

    from analysis.judge import sentiment
    from analysis.text import segment

    assert segment.TOKEN_MEMO_ENV == "YEAREND_TOKEN_MEMO_MB" and segment.TOKEN_MEMO_BYTES == 16 * 2**20
    assert segment._content.limit == segment.TOKEN_MEMO_BYTES
    assert sentiment.features(["客户", "，", "回款"]) == ["客户", "回款"]
    assert isinstance(sentiment._is_punct, segment.Memo) and sentiment._is_punct.limit == segment.TOKEN_MEMO_BYTES
    out = subprocess.run([sys.executable, "-c", "from analysis.text import segment; print(segment.TOKEN_MEMO_BYTES, "
                          "segment.Memo(str).limit)"], env={**os.environ, segment.TOKEN_MEMO_ENV: "1.5"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(3 * 2**19)] * 2
