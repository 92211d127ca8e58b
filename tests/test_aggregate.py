"""Which sentences count for a document's themes, and the document figures from judged sentences."""
from __future__ import annotations

import pytest

from analysis.insight.corrections import AMBIGUOUS, MISSING_SENTENCE, _locate, text_hash
from analysis.judge.aggregate import document_figures, substantive
from analysis.pipeline import analyse_text


@pytest.mark.parametrize("text, expected", [
    ("三、团队建设", False),                                   # a heading announces, it does not say
    ("（一）年度销售任务完成情况", False),
    ("做好本职工作，为公司的发展贡献自己的力量。", False),          # nothing but stock phrases
    ("各项工作圆满完成，再接再厉。", False),
    ("我和同事互相帮助，团队配合越来越默契。", True),
    ("今年共回款三百二十万元，应收账款比去年减少两成。", True),
    ("严格遵守公司各项规章制度，做好本职工作。", True),               # the rules are said, not only the phrase
])
def test_substantive(text, expected):
    assert substantive(text) is expected


def test_headings_and_stock_phrases_carry_no_theme_for_the_document():
    rows, _, _ = analyse_text("一、团队协作\n我和同事互相帮助，团队配合越来越默契。\n为公司的发展贡献自己的力量。\n")
    assert [(r["text"], r["themes"]) for r in rows][0] == ("一、团队协作", [])
    assert "团队协作" in rows[1]["themes"]
    assert rows[2]["themes"] == []


def test_document_figures_average_over_the_body():
    rows = [
        {"text_simplified": "二、存在的不足", "sentiment": 0.5, "label": "neu", "themes": []},
        {"text_simplified": "回款率达到百分之九十八。", "sentiment": 0.9, "label": "pos", "themes": ["货款回笼"]},
        {"text_simplified": "有两起投诉拖了一周才处理。", "sentiment": 0.1, "label": "neg", "themes": ["客户服务"]},
        {"text_simplified": "明年继续跟进意向客户和回款。", "sentiment": 0.5, "label": "neu",
         "themes": ["客户跟进", "货款回笼"]},
    ]
    got = document_figures(rows)
    assert (got["sentiment_mean"], got["pos_share"], got["neg_share"]) == (0.5, 0.3333, 0.3333)
    assert (got["货款回笼"], got["客户服务"], got["客户跟进"], got["团队协作"], got["themes_total"]) == (2, 1, 1, 0, 4)


def test_a_correction_finds_its_sentence_again_by_text_or_says_why_not():
    sentences = [{"idx": i, "text_simplified": t} for i, t in enumerate(["一、成绩", "回款率提高。", "客户满意。"])]
    moved = {"idx": 1, "text_hash": text_hash("客户满意。")}
    assert _locate(moved, sentences) == (sentences[2], "")
    assert _locate({"idx": 2, "text_hash": text_hash("客户满意。")}, sentences) == (sentences[2], "")
    assert _locate({"idx": 1, "text_hash": text_hash("已经删掉的一句。")}, sentences) == (None, MISSING_SENTENCE)
    twice = [*sentences, {"idx": 3, "text_simplified": "客户满意。"}]
    assert _locate({"idx": 0, "text_hash": text_hash("客户满意。")}, twice) == (None, AMBIGUOUS)


def test_a_short_line_read_as_polar_counts_in_the_body():
    """A line laid out like a heading but read as an achievement (w13) is part of the document's figures;
    neutral headings still are not."""
    rows = [{"text_simplified": t, "sentiment": s, "label": lab, "themes": []} for t, s, lab in [
        ("二、主要工作", 0.5, "neu"),
        ("项目验收一次通过", 0.9, "pos"),
        ("全年共走访客户六十余家。", 0.5, "neu"),
    ]]
    figures = document_figures(rows)
    assert figures["pos_share"] == 0.5 and figures["sentiment_mean"] == 0.7
