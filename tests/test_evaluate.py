"""``python -m analysis evaluate`` on the two-annotator CSV format of the dev set and on the project's TSV.

The fixture (tests/data/two_annotators.csv) is written here; it holds a sentiment disagreement (row d2#0)
and theme disagreements (销售业绩 on d1#0, 客户服务 on d2#2), which must be left out of the scores.
"""
from pathlib import Path

import pytest

from analysis.judge.evaluate import evaluate_rows, format_report, read_any, read_two_annotator_csv
from analysis.judge.sentiment import Scored

DATA = Path(__file__).parent / "data"
CSV = DATA / "two_annotators.csv"


def test_reads_agreement_only():
    rows = read_two_annotator_csv(CSV)
    assert len(rows) == 6
    assert [r["label"] for r in rows] == ["pos", "neg", "neu", None, "neu", "neg"]
    assert rows[0]["themes"] == ["货款回笼"] and rows[0]["unscored_themes"] == ["销售业绩"]
    assert rows[2]["themes"] == ["产品知识", "学习成长"]
    assert rows[5]["themes"] == ["质量与交付"] and rows[5]["unscored_themes"] == ["客户服务"]
    assert read_any(CSV) == rows  # told apart from the TSV format by its header


class Fixed:
    """A stand-in sentiment model answering from a table, so the figures below are exact."""

    def __init__(self, answers: dict[str, str]):
        self.answers = answers

    def score(self, text, tokens, heading=None):
        return Scored(0.5, self.answers[text])


def test_exact_figures_with_disagreements_unscored():
    rows = read_two_annotator_csv(CSV)
    sentiment = {"全年回款860万元，回款率98%。": "pos", "对老客户的回访不够及时。": "neu",
                 "明年要多参加产品培训。": "neu", "感谢同事们的帮助,让我很快上手。": "neg",  # not scored
                 "二、工作中的不足": "neg", "发货总是延误，客户很有意见。": "neg"}
    themes = {"全年回款860万元，回款率98%。": ["货款回笼", "销售业绩"],  # 销售业绩 disputed: neither tp nor fp
              "对老客户的回访不够及时。": [], "明年要多参加产品培训。": ["学习成长", "客户服务"],
              "感谢同事们的帮助,让我很快上手。": ["团队协作"], "二、工作中的不足": [],
              "发货总是延误，客户很有意见。": ["质量与交付", "客户服务"]}  # 客户服务 disputed
    r = evaluate_rows(rows, model=Fixed(sentiment), themes_of=lambda simple, tokens: themes[simple])
    assert r["rows"] == 6 and r["sentences"] == 5
    assert r["accuracy"] == pytest.approx(3 / 5)  # pos✓ neg→neu ✗ neu✓ neu→neg ✗ neg✓
    assert r["polar_accuracy"] == pytest.approx(2 / 3)
    assert r["per_class"]["pos"] == {"precision": 1.0, "recall": 1.0, "support": 1}
    assert r["per_class"]["neg"] == {"precision": 0.5, "recall": 0.5, "support": 2}
    assert r["per_class"]["neu"] == {"precision": 0.5, "recall": 0.5, "support": 2}
    # gold pairs: 货款回笼, 客户跟进, 学习成长, 产品知识, 团队协作, 质量与交付 (6)
    # predicted and scored: 货款回笼✓ 学习成长✓ 客户服务✗(fp) 团队协作✓ 质量与交付✓ → tp 4, fp 1, fn 2
    assert r["micro_precision"] == pytest.approx(4 / 5)
    assert r["micro_recall"] == pytest.approx(4 / 6)
    assert r["micro_f1"] == pytest.approx(2 * 4 / (2 * 4 + 1 + 2))
    assert r["themes"]["客户服务"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert r["themes"]["销售业绩"]["support"] == 0
    assert r["themes"]["客户跟进"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    report = format_report(r)
    for needle in ("情感三分类准确率 60.0%", "正负句召回率", "pos       1.000  1.000", "主题 micro P 0.800 R 0.667 F1 0.727",
                   "货款回笼      1.000  1.000  1.000     1"):
        assert needle in report, needle


def test_command_reads_both_formats(capsys):
    from analysis.cli import main

    assert main(["evaluate", str(CSV)]) == 0
    out = capsys.readouterr().out
    assert "句子 6，情感计分 5" in out and "正负句召回率" in out and "主题 micro" in out
    assert main(["evaluate"]) == 0  # no argument: the project's held-out TSV
    assert "句子 420，情感计分 420" in capsys.readouterr().out
