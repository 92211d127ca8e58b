"""Workplace sentiment: mild self-criticism is negative, plans and headings neutral, results positive."""
import pytest

from analysis.judge.sentiment import cues, default_model, looks_like_heading
from analysis.read.normalize import to_simplified
from analysis.text.segment import cut


def label(text: str) -> str:
    s = to_simplified(text)
    return default_model().score(s, cut(s)).label


@pytest.mark.parametrize("sentence, expected", [
    ("全年完成销售额860万元，完成年度任务的108%。", "pos"),
    ("在领导和同事的帮助下，我较好地完成了上级下达的各项任务。", "pos"),
    ("感谢领导一年来的关心和支持。", "pos"),
    ("全年客户投诉比去年减少了一半。", "pos"),
    ("对部分老客户的回访不够及时，导致两笔订单流失。", "neg"),
    ("应收账款催收力度不够，个别客户账期偏长。", "neg"),
    ("由于经验少，跟进不够及时，今后要把客户分类做好记录。", "neg"),
    ("明年要多和客户沟通，加强回款管理。", "neu"),
    ("二、工作中存在的不足", "neu"),
    ("我负责华东区域的渠道维护工作。", "neu"),
])
def test_labels(sentence, expected):
    assert label(sentence) == expected


def test_negated_achievement_is_negative():
    c = cues("今年没有完成销售目标")
    assert c.neg > 0 and c.pos == 0


def test_contrast_clause_dominates():
    c = cues("虽然取得了一些成绩，但回款进度仍然不够理想")
    assert c.neg > c.pos


def test_scores_are_probabilities_and_ordered():
    model = default_model()
    good, bad = "超额完成了全年回款任务。", "回款严重滞后，多笔货款逾期。"
    g = model.score(good, cut(good)).sentiment
    b = model.score(bad, cut(bad)).sentiment
    assert 0.0 <= b < 0.5 < g <= 1.0


@pytest.mark.parametrize("text, heading", [
    ("一、主要工作成绩", True), ("工作中的不足", True),
    ("今年我负责华东区域的客户开发与维护，全年新增意向客户三十五家。", False),
])
def test_headings(text, heading):
    assert looks_like_heading(text) is heading


@pytest.mark.parametrize("sentence, label", [
    ("全年共签订合同43份，合同总额2160万元。", "pos"),  # a result with its figure is an achievement
    ("我负责华东区域经销商的日常管理。", "neu"),  # a duty, no result
    ("明年计划新开发客户20家。", "neu"),  # a target is a plan, not a result
])
def test_results_with_figures(sentence, label):
    from analysis.judge.sentiment import default_model
    from analysis.text.segment import cut

    assert default_model().score(sentence, cut(sentence)).label == label
