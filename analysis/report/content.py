"""What a department's year report says, gathered from ``analysis.query`` for one reader.

Every figure comes from the same questions the pages ask, under the same scope: ``Access.scope`` narrows the
filters to the reader's departments, and the reporting minimum applies to *every* report, HR admin's too,
because a report leaves the dashboard (it is projected in a meeting and filed): no figure, word or
sentence of the report comes from a publication cell of fewer than ``min_group`` employees
(``analysis.access.suppress``). Sentences are quoted only for readers who may read text (not viewers),
masked for masked readers, and each at most once. A department head's report does not compare with the
whole company: the company's figures lie outside their scope on the dashboard too.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

import analysis.query as query
from analysis.access.mask import mask_text
from analysis.access.scope import Access, Filters
from analysis.query import alerts as query_alerts
from analysis.schema import FOLLOW_STATUSES, ROLE_NAMES, SECTIONS

# What counts as notable (the 提示 slide). Theme rates and sentiment shares that moved beyond chance and the
# unusual documents are the dashboard's alerts (``analysis.query.alerts``, one implementation); the changes
# below, of figures no proportion test fits, are absolute: sentiment score or share points.
SENTIMENT_SHIFT = 0.05
FOLLOW_SHIFT = 0.15
COPY_SHARE = 0.10
TOP_WORDS = 10
QUOTES = 5
VOICE_SECTIONS = ("不足", "计划")

# The held-out evaluation (README 质量; ``python -m analysis evaluate`` on tests/data/labelled_sentences.tsv).
ACCURACY = {"sentences": 420, "sentiment3": 0.852, "polar": 0.878, "themes_f1": 0.820}


class ReportError(ValueError):
    """A report that cannot be made for this reader and scope; the message is for the reader."""


@dataclass(frozen=True)
class Scope:
    department: str
    year: int
    team: str = ""

    @property
    def label(self) -> str:
        return " · ".join(p for p in (self.department, self.team, f"{self.year} 年") if p)

    def filters(self, year: int | None = None) -> Filters:
        y = self.year if year is None else year
        return Filters(departments=(self.department,), teams=(self.team,) if self.team else (), years=(y, y))


@dataclass
class Voice:
    """What people say in one section: its most common words and one sentence for each (each once)."""

    section: str
    words: pd.DataFrame
    """term, documents, document_share (``query.section_terms``)."""
    quotes: list[tuple[str, str]] = field(default_factory=list)
    """(word, sentence)."""


@dataclass
class Report:
    scope: Scope
    previous_year: int
    reader: str
    role: str
    generated_at: str
    data_version: str
    min_group: int
    masked: bool
    quotes: bool
    """Whether sentences are quoted (not for viewers)."""
    company: bool
    """Whether the whole company is compared (not for department heads)."""
    now: dict
    previous: dict | None
    """``query.overview`` of the scope this year and last year (None: no publishable documents)."""
    key_figures: pd.DataFrame
    """指标, 今年, 去年, 变化 (formatted)."""
    themes: pd.DataFrame
    """theme, now, previous, company: share of documents mentioning the theme (``query.theme_totals``)."""
    sentiment: pd.DataFrame
    """section, sentences, sentiment_mean, pos_share, neu_share, neg_share, previous_mean
    (``query.section_sentiment``)."""
    voices: list[Voice]
    originality: dict
    """now / previous: ``query.originality`` row (documents, copied_share, placeholder_share, ...)."""
    follow: pd.DataFrame
    """plan_year, next_year, plans, 落实, 部分落实, 未落实, rate (``query.follow_rates``)."""
    follow_examples: list[tuple[str, str, str]]
    """(status, plan sentence, next year's sentence or '')."""
    alerts: list[str]
    notes: list[str]
    """What the report leaves out, and why."""

    @property
    def title(self) -> str:
        team = f"·{self.scope.team}" if self.scope.team else ""
        return f"{self.scope.department}{team} {self.scope.year} 年度总结分析报告"

    @property
    def footer(self) -> str:
        return (f"{self.scope.label}（对比 {self.previous_year} 年） · 数据版本 {self.data_version} · "
                f"生成于 {self.generated_at[:10]} · 内部资料 注意保密")

    @property
    def file_stem(self) -> str:
        parts = ["年终洞察报告", self.scope.department, self.scope.team, str(self.scope.year)]
        stem = "_".join(p for p in parts if p)
        for ch in '\\/:*?"<>|':
            stem = stem.replace(ch, "")
        return stem


def _num(v) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{int(round(v)):,}"


def _pct(v) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.0%}"


def _score(v) -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _change(now, prev, kind: str) -> str:
    if _missing(now) or _missing(prev):
        return "—"
    d = now - prev
    if kind == "pct":
        return f"{d * 100:+.0f} 个百分点"
    if kind == "score":
        return f"{d:+.2f}"
    return f"{round(d):+,}"


def data_version(store_path: Path) -> str:
    """The build the figures come from, as the footers name it: when it was built and with which analysis."""
    info = query.store_info(store_path)
    built = (info.get("built_at") or "未知")[:16].replace("T", " ")
    return f"{built}（分析版本 {info.get('analysis_version') or '未知'}）"


def gather(store_path: Path, access: Access, scope: Scope, min_group: int,
           now_time: datetime | None = None) -> Report:
    """The report of ``scope`` for ``access``; raises ``ReportError`` when there is nothing it may show."""
    if not scope.department or not scope.year:
        raise ReportError("请选择部门和年份")
    if access.departments is not None and scope.department not in access.departments:
        raise ReportError(f"“{scope.department}”不在您的权限范围内")
    k = max(int(min_group), int(access.min_group), 1)
    prev_year = scope.year - 1

    def figures(f: Filters) -> Filters:
        return replace(access.scope(f), min_group=k)

    # the whole publication cells of the three years the report reads, in one query: a cell lies in one
    # department-year, so it is wholly inside the three years' filters exactly when it is inside its year's
    span = replace(scope.filters(), years=(scope.year - 2, scope.year))
    cells = query.documents(store_path, figures(span))[["year", "team"]]
    pins: dict[Filters, Filters | None] = {}

    def pinned(f: Filters) -> Filters | None:
        """The documents of the whole publication cells inside ``f`` (one year of ``span``) as filters without
        the minimum, or None when there are none.

        Cells are unions of whole teams of a department-year, and ``f`` is one department-year (and maybe one
        team): those documents are exactly ``f``'s of the teams they hold. Filtering by those teams (not by the
        list of their doc_ids, as before) keeps every later question on whole grains (department × team × year ×
        role), so it reads the build's aggregate tables, and none of them works out the cells of the whole store
        again. A document without a team (NULL) cannot be named by a team filter: then the filters keep the
        minimum instead (the same documents, each question working out the cells)."""
        if f not in pins:
            docs = cells[cells["year"] == f.years[0]]
            teams = set(docs["team"])
            pins[f] = (None if docs.empty else figures(f) if any(not isinstance(t, str) for t in teams)
                       else replace(access.scope(f), teams=tuple(sorted(teams)), min_group=0))
        return pins[f]

    mask = access.mask
    this = pinned(scope.filters())
    last = pinned(scope.filters(prev_year))
    now = query.overview(store_path, this or figures(scope.filters()))
    # the same scope without the minimum: whether documents were left out, never how many
    everything = query.overview(store_path, replace(access.scope(scope.filters()), min_group=0))["documents"]
    if now["documents"] == 0:
        if everything == 0:
            raise ReportError(f"{scope.label}没有文档")
        raise ReportError(f"{scope.label}的人数不足 {k} 人（或只是一个小分组的一部分），为保护个人隐私不生成报告；"
                          "请改选整个部门或更大的班组")
    previous = query.overview(store_path, last) if last else None
    notes: list[str] = []
    if previous is None:
        notes.append(f"{prev_year} 年没有可比较的数据（没有文档，或人数不足 {k} 人），各项不与上一年比较")
    company = access.departments is None
    if not company:
        notes.append("全公司的数据不在部门负责人的权限范围内，主题不与全公司比较")
    quotes = access.may_read_text
    if not quotes:
        notes.append("只读账号的报告只含汇总数据，不引用原文句子")
    if now["documents"] < everything:
        notes.append(f"人数不足 {k} 人的小班组未单独统计，也没有计入（否则可由差值推算）")

    # themes: this year, last year, the whole company this year
    themes = query.theme_totals(store_path, this)[["theme", "document_share"]].rename(
        columns={"document_share": "now"})
    themes["previous"] = (themes["theme"].map(query.theme_totals(store_path, last).set_index("theme")["document_share"])
                          if previous else float("nan"))
    if company:
        whole = query.theme_totals(store_path, figures(Filters(years=(scope.year, scope.year))))
        themes["company"] = themes["theme"].map(whole.set_index("theme")["document_share"])
    else:
        themes["company"] = float("nan")
    themes = themes.reset_index(drop=True)

    sentiment = query.section_sentiment(store_path, this)
    sentiment = sentiment[sentiment["section"].isin(SECTIONS)].reset_index(drop=True)
    if previous:
        before = query.section_sentiment(store_path, last).set_index("section")["sentiment_mean"]
        sentiment["previous_mean"] = sentiment["section"].map(before)
    else:
        sentiment["previous_mean"] = float("nan")

    voices = _voices(store_path, this, quotes, mask)

    originality = {"now": _originality(store_path, this),
                   "previous": _originality(store_path, last) if previous else None}

    follow, examples = _follow(store_path, scope, pinned, quotes, mask)

    key = _key_figures(now, previous, originality, follow, scope)
    changes = _changes(store_path, this, last, scope) if last else []
    unusual = query_alerts.document_alerts(store_path, this, limit=None)  # the overview's unusual documents
    alerts = _alerts(changes, sentiment, previous, originality, follow, unusual, scope)

    mask_words = (lambda t: mask_text(t)) if mask else (lambda t: t)
    for v in voices:
        v.words["term"] = v.words["term"].map(mask_words)
    return Report(
        scope=scope, previous_year=prev_year, reader=access.name or access.user,
        role=ROLE_NAMES.get(access.role, access.role),
        generated_at=(now_time or datetime.now()).strftime("%Y-%m-%d %H:%M"), data_version=data_version(store_path),
        min_group=k, masked=mask, quotes=quotes, company=company, now=now, previous=previous, key_figures=key,
        themes=themes, sentiment=sentiment, voices=voices, originality=originality, follow=follow,
        follow_examples=examples, alerts=alerts, notes=notes,
    )


def _voices(store_path: Path, f: Filters, quotes: bool, mask: bool) -> list[Voice]:
    """Per section, the top words (``query.section_terms``) and, for readers who may read text, one sentence
    of the section for each word: the section's sentences are read once (``query.section_texts``) and matched
    on their simplified text, rather than asking ``section_term_evidence`` once per word."""
    used: set[str] = set()
    out = []
    for section in VOICE_SECTIONS:
        words = query.section_terms(store_path, f, section=section, top=TOP_WORDS)
        words = words[["term", "documents", "document_share"]].reset_index(drop=True)
        voice = Voice(section, words)
        if quotes and len(words):
            top = list(words["term"])
            texts = query.section_texts(store_path, f, section=section)["text"].tolist()
            simple = _simplified(texts)
            cores: dict[int, str] = {}  # a sentence's core and a core's key, each worked out once per section
            keys: dict[str, tuple] = {}
            for term in top:
                if len(voice.quotes) >= QUOTES:
                    break
                found = [i for i, s in enumerate(simple) if term in s]
                for i in found:
                    if i not in cores:
                        cores[i] = core(texts[i])
                best = _best((cores[i] for i in found), top, used, keys)
                if best:
                    used.add(best)
                    voice.quotes.append((term, mask_text(best) if mask else best))
        out.append(voice)
    return out


def _simplified(texts: list[str]) -> list[str]:
    """``to_simplified`` of each text, in one call: OpenCC converts a line at a time (no phrase of its dictionaries
    nor of the variant list spans a line break), so the lines of the joined texts convert as the texts do alone,
    without a call per sentence (0.4 CPU s for the 27,000 sentences of a department-year's section)."""
    from analysis.read.normalize import to_simplified

    if any("\n" in t for t in texts):
        return [to_simplified(t) for t in texts]
    return to_simplified("\n".join(texts)).split("\n") if texts else []


_ENUMERATOR = re.compile(r"^\s*(?:[（(]?[0-9一二三四五六七八九十]{1,3}[）)、.．]|[①-⑳⑴-⒇])\s*")


def core(sentence: str) -> str:
    """The sentence without its list number (（5）, 5、, 2., ⑨, 一、): the same sentence in two lists is one."""
    return _ENUMERATOR.sub("", sentence).strip()


def _representative(sentences: list[str], words: list[str], used: set[str]) -> str | None:
    """The sentence that speaks for most of the section's top words, of a readable length, not quoted yet."""
    return _best((core(x) for x in sentences), words, used, {})


def _best(cores, words: list[str], used: set[str], keys: dict[str, tuple]) -> str | None:
    """``_representative`` over sentences already cut to their ``core``, with ``keys`` remembering each core's
    score (the same top words throughout a section): the first of the best, as ``_representative`` picks."""
    best, best_key = None, None
    for s in dict.fromkeys(cores):
        if s in used:
            continue
        key = keys.get(s)
        if key is None:
            n = len(s)
            key = keys[s] = (sum(w in s for w in words), 8 <= n <= 70, -abs(n - 35))
        if best_key is None or key > best_key:
            best, best_key = s, key
    return best


def _originality(store_path: Path, f: Filters) -> dict | None:
    frame = query.originality(store_path, f, by=("department",))
    return None if frame.empty else {k: (v.item() if hasattr(v, "item") else v) for k, v in frame.iloc[0].items()}


def _follow(store_path: Path, scope: Scope, pinned, quotes: bool, mask: bool):
    """Plans of the two years before (Y-2 → Y-1, Y-1 → Y): how many the next summary reports."""
    rows = []
    plans = {}
    for plan_year in (scope.year - 2, scope.year - 1):
        plans[plan_year] = pinned(scope.filters(plan_year))
        if plans[plan_year] is None:
            continue
        frame = query.follow_rates(store_path, plans[plan_year], by=("department",))
        if len(frame) and frame["plans"].iloc[0] > 0:
            r = frame.iloc[0]
            rows.append({"plan_year": plan_year, "next_year": plan_year + 1, "plans": int(r["plans"]),
                         **{s: int(r[s]) for s in FOLLOW_STATUSES}, "rate": float(r["rate"])})
    follow = pd.DataFrame(rows, columns=["plan_year", "next_year", "plans", *FOLLOW_STATUSES, "rate"])
    examples = []
    if quotes and len(follow) and follow["plan_year"].iloc[-1] == scope.year - 1:
        f = plans[scope.year - 1]
        seen: set[str] = set()
        for status in ("落实", "未落实"):
            # the first pairs of the status (of the scope's first 100,000), more only when their plans repeat
            limit, done = 50, 0
            while True:
                pairs = query.follow_examples(store_path, f, status=status, limit=limit)
                for r in pairs.iloc[done:].itertuples():
                    plan = core(r.plan_text)
                    if plan in seen:
                        continue
                    seen.add(plan)
                    evidence = r.evidence_text if isinstance(r.evidence_text, str) and status != "未落实" else ""
                    evidence = core(evidence)
                    examples.append((status, mask_text(plan) if mask else plan,
                                     mask_text(evidence) if mask else evidence))
                    if sum(e[0] == status for e in examples) >= 2:
                        break
                if sum(e[0] == status for e in examples) >= 2 or len(pairs) < limit:
                    break
                done, limit = len(pairs), limit * 4
    return follow, examples


def _follow_rate(follow: pd.DataFrame, plan_year: int):
    row = follow[follow["plan_year"] == plan_year]
    return float(row["rate"].iloc[0]) if len(row) else None


def _key_figures(now: dict, prev: dict | None, orig: dict, follow: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    p = prev or {}
    o_now, o_prev = orig["now"] or {}, orig["previous"] or {}

    def avg_chars(d):
        return d["chars"] / d["documents"] if d.get("documents") else None

    rows = [
        ("文档数", now["documents"], p.get("documents"), "num"),
        ("员工数", now["employees"], p.get("employees"), "num"),
        ("平均字数", avg_chars(now), avg_chars(p), "num"),
        ("平均情感（0–1）", now["sentiment_mean"], p.get("sentiment_mean"), "score"),
        ("负面句占比", now["neg_share"], p.get("neg_share"), "pct"),
        ("含范文占位符的文档占比", o_now.get("placeholder_share"), o_prev.get("placeholder_share"), "pct"),
        ("疑似抄袭的文档占比", o_now.get("copied_share"), o_prev.get("copied_share"), "pct"),
        ("平均具体度（0–100）", o_now.get("concreteness_mean"), o_prev.get("concreteness_mean"), "num"),
        ("上一年计划的落实率", _follow_rate(follow, scope.year - 1), _follow_rate(follow, scope.year - 2), "pct"),
    ]
    fmt = {"num": _num, "pct": _pct, "score": _score}
    return pd.DataFrame([{"指标": name, "今年": fmt[kind](a), "去年": fmt[kind](b), "变化": _change(a, b, kind)}
                         for name, a, b, kind in rows])


def _changes(store_path: Path, this: Filters, last: Filters, scope: Scope) -> list[str]:
    """The scope's theme rates and sentiment shares that moved beyond chance since last year: the
    dashboard's group alerts (``query.alerts``: the same test, false discovery rate and size floor)."""
    now = query_alerts.change_counts(store_path, this)  # one row: the scope's year
    before = query_alerts.change_counts(store_path, last)
    if now.empty or before.empty:
        return []
    tested = pd.DataFrame(query_alerts.tested_changes(before.iloc[0].to_dict(), now.iloc[0].to_dict(),
                                                      query.theme_keys(store_path)))
    tested = query_alerts.adjust(tested)
    tested = tested[tested["alert"]].sort_values("q_value")
    rows = tested.assign(department=scope.department, team=scope.team, previous_year=scope.year - 1,
                         year=scope.year).to_dict("records")
    return [query_alerts.describe(r) for r in rows]


def _alerts(changes, sentiment, prev, orig, follow, unusual, scope) -> list[str]:
    out = list(changes)
    py = scope.year - 1
    if prev:
        for r in sentiment.itertuples():
            if not _missing(r.previous_mean) and abs(r.sentiment_mean - r.previous_mean) >= SENTIMENT_SHIFT:
                verb = "升至" if r.sentiment_mean > r.previous_mean else "降至"
                out.append(f"“{r.section}”段落的平均情感从 {_score(r.previous_mean)} {verb} {_score(r.sentiment_mean)}")
    o = orig["now"] or {}
    if (o.get("copied_share") or 0) >= COPY_SHARE:
        out.append(f"{_pct(o['copied_share'])} 的总结疑似抄袭（同事、本人往年或范文），见“原创性”页")
    rates = follow.set_index("plan_year")["rate"] if len(follow) else pd.Series(dtype=float)
    if py in rates and py - 1 in rates and abs(rates[py] - rates[py - 1]) >= FOLLOW_SHIFT:
        out.append(f"上一年计划的落实率从 {_pct(rates[py - 1])} 变为 {_pct(rates[py])}")
    if len(unusual):
        short, negative, heavy = (int(unusual[c].sum()) for c in ("short", "negative", "placeholder"))
        if short:
            out.append(f"{short} 篇总结不足同年字数中位数（{float(unusual['median_chars'].iloc[0]):,.0f} 字）的一半")
        if negative:
            out.append(f"{negative} 篇总结的负面句占比达 {query_alerts.NEGATIVE_DOC:.0%} 以上")
        if heavy:
            out.append(f"{heavy} 篇总结留有 {query_alerts.PLACEHOLDER_DOC} 处以上未替换的范文占位符")
    return out
