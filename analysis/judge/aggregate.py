"""From one document's judged sentences to its figures: which sentences count, and the document's
sentiment shares and theme counts.

Two places need exactly the same arithmetic: the pipeline, when it analyses a document, and an HR
correction (``analysis.insight.corrections``), which changes one sentence's judgement and must move the
document's figures with it. Both call ``document_figures`` so a corrected document reads as if the model
had judged that sentence the way HR did.

A theme counts for a document only through *substantive* sentences (issue 12): a heading (一、客户跟进情况)
announces a topic without saying anything about it, and a sentence made of stock phrases
(做好本职工作，为公司的发展贡献自己的力量) would otherwise put 学习成长 or 团队协作 into nearly every summary.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from analysis.judge.concreteness import vocabulary
from analysis.schema import THEMES
from analysis.text.sections import is_heading

MIN_SUBSTANCE = 6
"""Chinese characters a sentence must keep once its stock phrases (genre.toml's 套话) are taken out."""
_SUBSTANCE = re.compile(rf"[\u4e00-\u9fff](?:[^\u4e00-\u9fff]*[\u4e00-\u9fff]){{{MIN_SUBSTANCE - 1}}}")
"""``MIN_SUBSTANCE`` Chinese characters, anything between them: found without listing every character."""


def substantive(text: str) -> bool:
    """Whether a sentence (Simplified) can carry a theme for its document: not a heading, and more than
    stock phrases."""
    if is_heading(text):
        return False
    return _SUBSTANCE.search(vocabulary().generic.sub("", text)) is not None


def document_figures(sentences: Iterable[dict]) -> dict:
    """sentiment_mean, pos_share, neg_share, one count per theme and themes_total from sentence rows
    (``text_simplified``, ``sentiment``, ``label``, ``themes``), as the documents table stores them.

    Sentiment is averaged over the body (headings are neutral by definition and would dilute it); a line
    laid out like a heading but read as positive or negative (项目验收一次通过) is a sentence of the body. The
    theme counts read the rows' themes, which the pipeline has already emptied for non-substantive
    sentences."""
    rows = list(sentences)
    body = [r for r in rows if r["label"] != "neu" or not is_heading(r["text_simplified"])] or rows
    labels = Counter(r["label"] for r in body)
    counts = Counter(t for r in rows for t in (r["themes"] if r["themes"] is not None else ()))
    n = len(body) or 1
    return {
        "sentiment_mean": round(sum(r["sentiment"] for r in body) / n, 4),
        "pos_share": round(labels["pos"] / n, 4),
        "neg_share": round(labels["neg"] / n, 4),
        **{t: counts.get(t, 0) for t in THEMES},
        "themes_total": sum(counts.get(t, 0) for t in THEMES),
    }
