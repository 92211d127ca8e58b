"""Plan follow-through: did year N+1 report what the 计划 section of year N promised?

For an employee with summaries of two consecutive years, each plan sentence of year N is read for its
*targets*: its content words, less the words every plan uses (明年, 争取, 加强 … in
``data/genre.toml``). Rarer words weigh more, so 金鼎电力 or 知识库 outweighs 客户 — but rarer in the
*language*, not in this company's documents: a target's weight is its inverse frequency in jieba's
dictionary (the one the pipeline segments with; a word it lacks counts as rarest). A weight taken from
the store's own documents changed a 2023 verdict whenever 2025 summaries were uploaded, and dropping
words common in the store dropped the very subject of a sales plan (回款 in a 回款目标 plan). A verdict
depends only on the two summaries it compares.

Every sentence of year N+1 outside its own 计划 section is then scored by the share of the plan's
target weight it repeats, and the best one is the evidence:

- 落实 (carried out): the evidence repeats at least ``DONE`` of the weight and is reported as done —
  in 成绩 or the opening/closing, and not a negative sentence;
- 部分落实 (partly): it repeats at least ``PARTLY``, or it repeats more but as a shortcoming (不足, or
  a negative sentence such as 知识库还没有建成);
- 未落实 (not carried out): nothing in year N+1 comes close.

A document's ``follow_through`` is (落实 + ½ 部分落实) / its plans with targets; a group's rate is the
same over all its plans. Plans without targets (继续努力工作) are not counted either way.
"""
from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from collections.abc import Collection, Iterable
from functools import lru_cache
from typing import Final, NamedTuple

from analysis.paths import data_path

DONE: Final = 0.35
PARTLY: Final = 0.3
BASE: Final = 6.0
"""Subtracted from the dictionary's log inverse frequency (7.7 for 市场, 9.9 for 回款, 14.4 for 知识库,
17.9 for a word it lacks), so that ordinary words weigh several times less than names and terms."""
STATUS_DONE, STATUS_PARTLY, STATUS_NOT = "落实", "部分落实", "未落实"
CREDIT: Final = {STATUS_DONE: 1.0, STATUS_PARTLY: 0.5, STATUS_NOT: 0.0}


@lru_cache(maxsize=1)
def plan_words() -> frozenset[str]:
    data = tomllib.loads(data_path("genre.toml").read_text(encoding="utf-8"))
    return frozenset(data["follow_through"]["plan_words"])


class Sentence(NamedTuple):
    """A stored sentence as this pass reads it (a tuple: tens of thousands are made per build)."""

    idx: int
    section: str
    label: str
    words: Collection[str]


class Result(NamedTuple):
    doc_id: str
    idx: int
    next_doc_id: str
    status: str
    score: float
    evidence_idx: int | None
    targets: tuple[str, ...]
    shared: tuple[str, ...]


@lru_cache(maxsize=1)
def _background() -> tuple[dict[str, int], float]:
    from analysis.text.segment import tokenizer

    tok = tokenizer()
    return tok.FREQ, float(tok.total)


def weight_of(word: str) -> float:
    freq, total = _background()
    return max(math.log(total / max(freq.get(word) or 1, 1)) - BASE, 1.0)


def weights(words: Iterable[str]) -> dict[str, float]:
    """The weight of every word of ``words`` that may name a target: never a plan word, and the
    same whatever else the store holds."""
    stop = plan_words()
    return {w: weight_of(w) for w in set(words) if w not in stop}


def targets(words: Iterable[str], weight: dict[str, float]) -> tuple[str, ...]:
    """The plan's target words, the most specific first."""
    return tuple(sorted((w for w in set(words) if w in weight), key=lambda w: (-weight[w], w)))


def report_index(report: list[Sentence], words: set[str] | None = None) -> dict[str, list[int]]:
    """word → positions in ``report`` of the sentences outside its 计划 section that use it (only the
    ``words`` asked for, when given: the plans' targets are a small part of a report's vocabulary)."""
    index: dict[str, list[int]] = defaultdict(list)
    for n, s in enumerate(report):
        if s.section != "计划":
            for w in (s.words if words is None else words.intersection(s.words)):
                index[w].append(n)
    return index


def judge(doc_id: str, plan: Sentence, next_doc_id: str, report: list[Sentence],
          weight: dict[str, float], index: dict[str, list[int]] | None = None) -> Result | None:
    """One plan sentence against next year's report; None when the plan names no target.

    ``index`` is ``report_index(report)``, when the caller judges several plans against one report:
    only the sentences that share a target word are scored.
    """
    wanted = targets(plan.words, weight)
    if not wanted:
        return None
    if index is None:
        index = report_index(report)
    total = sum(weight[w] for w in wanted)
    got: dict[int, float] = {}
    for w in wanted:  # in this order, so every sum is the same float whichever way it is computed
        for n in index.get(w, ()):
            got[n] = got.get(n, 0) + weight[w]
    best, best_score = None, 0.0
    for n in sorted(got):  # the earliest of equally good sentences is the evidence
        if got[n] / total > best_score:
            best, best_score = report[n], got[n] / total
    if best is None or best_score < PARTLY:
        status = STATUS_NOT
    elif best_score >= DONE and best.section != "不足" and best.label != "neg":
        status = STATUS_DONE
    else:
        status = STATUS_PARTLY
    shared = tuple(w for w in wanted if best is not None and w in best.words) if status != STATUS_NOT else ()
    return Result(doc_id, plan.idx, next_doc_id, status, round(best_score, 4),
                  best.idx if best is not None and status != STATUS_NOT else None, wanted, shared)


def follow_through(docs: Iterable[tuple[str, str, str, int]], sentences: dict[str, list[Sentence]],
                   ) -> tuple[list[Result], dict[str, float]]:
    """Every plan of every (employee, year N) that has a summary of year N+1, and per plan document
    its follow-through rate. ``docs`` are (doc_id, employee, department, year); of two summaries of one
    person and year, the smaller doc_id is read (never the order the store returns them in)."""
    docs = sorted(docs, key=lambda d: d[0])
    by_person: dict[tuple[str, str, int], str] = {}
    for doc_id, employee, department, year in docs:
        if employee and year:
            by_person.setdefault((employee, department, int(year)), doc_id)
    pairs = [(doc_id, by_person[(employee, department, year + 1)])
             for (employee, department, year), doc_id in sorted(by_person.items())
             if (employee, department, year + 1) in by_person]
    return judge_pairs(pairs, sentences)


def judge_pairs(pairs: Iterable[tuple[str, str]], sentences: dict[str, list[Sentence]],
                ) -> tuple[list[Result], dict[str, float]]:
    """The plans of each (plan document, next year's document) pair judged, and each plan document's
    rate. A verdict depends on its two documents only (weights come from the dictionary, not from the
    store), so an incremental build judges just the pairs a new document is part of."""
    pairs = list(pairs)
    weight = weights(w for doc_id, _ in pairs for s in sentences.get(doc_id, []) if s.section == "计划"
                     for w in s.words)
    results: list[Result] = []
    per_doc: dict[str, list[float]] = defaultdict(list)
    for doc_id, next_id in pairs:
        report = sentences.get(next_id, [])
        plans = [s for s in sentences.get(doc_id, []) if s.section == "计划"]
        index = report_index(report, {w for plan in plans for w in plan.words if w in weight})
        for plan in plans:
            r = judge(doc_id, plan, next_id, report, weight, index)
            if r is not None:
                results.append(r)
                per_doc[doc_id].append(CREDIT[r.status])
    rates = {d: round(sum(v) / len(v), 4) for d, v in per_doc.items()}
    return results, rates
