import pytest

from analysis.segment import content_words, cut


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
