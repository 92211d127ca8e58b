"""Concreteness: does a summary report checkable facts, or stock phrases (套话)?

HR reads hundreds of summaries that all 认真负责、取得了一定的成绩. What tells a real year apart is what
can be checked: figures with their units (签单 12 家, 回款 95%), named periods (三月份, 第二季度) and
outcomes (签订, 上线, 考取). The score is deliberately simple so that it can be explained line by line:

    score = 100 × (concrete sentences − sentences that are only 套话) / body sentences   (0 … 100)

A *concrete* sentence names at least one figure with a unit, a named period or an outcome. A sentence
with a template placeholder (xxx万元) is not concrete: the blank is exactly the fact that is missing.
Headings and metadata lines are not body sentences. Every point of the score comes with its reasons
(``explain``): the sentence, the kind of evidence and the words matched. The vocabularies live in
``data/genre.toml`` for HR to edit.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from analysis.paths import data_path
from analysis.read.normalize import PLACEHOLDER_RE, find_placeholders
from analysis.text.sections import is_heading

FIGURE, PERIOD, OUTCOME, GENERIC, PLACEHOLDER = "数字", "时间", "成果", "套话", "占位符"
REASON_KINDS = (FIGURE, PERIOD, OUTCOME, GENERIC, PLACEHOLDER)

_CN_NUM = "零〇一二三四五六七八九十两百千万几"
_CN_START = "一二三四五六七八九十两几"
_MONTH = re.compile(
    r"(?:(?<![0-9])(?:1[0-2]|0?[1-9])|十[一二]?|[一二三四五六七八九])月(?:份|底|初|中旬|上旬|下旬)?"
    r"|Q[1-4](?![0-9])"
)


@dataclass(frozen=True)
class Vocabulary:
    figure: re.Pattern
    period: re.Pattern
    outcome: re.Pattern
    generic: re.Pattern


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    data = tomllib.loads(data_path("genre.toml").read_text(encoding="utf-8"))["concreteness"]
    # a number, then a unit: 120万元, 3.5%, 十二家, 两个客户 (a lone 一 is an article, not a figure: 一个台阶)
    number = rf"(?:[0-9]+(?:[.．][0-9]+)?|(?!一(?![{_CN_NUM}]))[{_CN_START}][{_CN_NUM}]{{0,5}})[多余]?"
    figure = re.compile(rf"{number}\s*(?:{_alternation(data['units'])})")
    period = re.compile(rf"{_MONTH.pattern}|{_alternation(data['periods'])}")
    return Vocabulary(figure, period, re.compile(_alternation(data["outcomes"])),
                      re.compile(_alternation(data["generic"])))


def sentence_evidence(text: str) -> list[tuple[str, str]]:
    """(kind, matched words) found in one sentence of Simplified text.

    套话 are found first and blanked out, so 取得了一定的成绩 is not also read as an outcome.
    """
    return list(_evidence(text))


@lru_cache(maxsize=65536)
def _evidence(text: str) -> tuple[tuple[str, str], ...]:
    """``sentence_evidence``, remembered: headings and stock phrases recur across a corpus."""
    v = vocabulary()
    found: list[tuple[str, str]] = []
    blanks = find_placeholders(text)  # (a character-class scan rules out most sentences first)
    if blanks:
        found.append((PLACEHOLDER, "、".join(dict.fromkeys(blanks))))
        text = PLACEHOLDER_RE.sub("□", text)
    generic = [m.group(0) for m in v.generic.finditer(text)]
    rest = v.generic.sub("□", text)
    for kind, pattern in ((FIGURE, v.figure), (PERIOD, v.period), (OUTCOME, v.outcome)):
        hits = [m.group(0) for m in pattern.finditer(rest)]
        if hits:
            found.append((kind, "、".join(dict.fromkeys(hits))))
    if generic:
        found.append((GENERIC, "、".join(dict.fromkeys(generic))))
    return tuple(found)


def _is_concrete(kinds: set[str]) -> bool:
    return PLACEHOLDER not in kinds and bool(kinds & {FIGURE, PERIOD, OUTCOME})


@dataclass(frozen=True)
class Explanation:
    score: float | None
    body: int
    concrete: int
    generic_only: int
    reasons: list[dict]   # {"idx", "text", "kind", "words", "counts"}: one row per kind per sentence


def explain(sentences: Iterable[tuple[int, str]]) -> Explanation:
    """The score of one document and every reason behind it, from (idx, simplified text) pairs."""
    body = concrete = generic_only = 0
    reasons: list[dict] = []
    for idx, text in sentences:
        if is_heading(text):
            continue
        body += 1
        evidence = _evidence(text)
        kinds = {k for k, _ in evidence}
        is_concrete = _is_concrete(kinds)
        if is_concrete:
            concrete += 1
        elif GENERIC in kinds:
            generic_only += 1
        verdict = "具体" if is_concrete else "套话" if GENERIC in kinds else "其他"
        for kind, words in evidence:
            reasons.append({"idx": idx, "text": text, "kind": kind, "words": words, "verdict": verdict})
    score = round(100.0 * max(concrete - generic_only, 0) / body, 1) if body else None
    return Explanation(score, body, concrete, generic_only, reasons)


def score(sentences: Iterable[tuple[int, str]]) -> float | None:
    return explain(sentences).score
