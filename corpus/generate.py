"""Deterministic generator of year-end work summaries (年终工作总结) for the demo and for benchmarks.

    python corpus/generate.py                       # the demo corpus, written next to this file
    python corpus/generate.py --out /tmp/c --docs 2000   # a scaled corpus of exactly 2,000 documents

Why a generator rather than hand-written files: the analysis has to be tested against known truth.
Every sentence comes from a tagged template in ``banks.py``, so the themes and tone planted in each
document are known exactly, and the patterns HR should discover (a rising theme, a sentiment dip,
copied summaries, left-in template placeholders, plans followed through or not) are recorded in
``planted.json``. Only ``random.Random(seed)`` drives choices, so two runs give byte-identical files.

Layout written under OUT: ``<year>/<department>/<employee>[_<team>].<ext>``, ``manifest.csv`` (UTF-8
with BOM) and ``planted.json``. Files listed in a previous ``manifest.csv`` are removed first; nothing
else in OUT is touched.
"""
from __future__ import annotations

import argparse
import copy
import csv
import datetime as dt
import difflib
import importlib.util
import io
import json
import re
import statistics
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

HERE = Path(__file__).resolve().parent


def _load_banks():
    """banks.py sits next to this file; import it whether we run as a script, a module or a path."""
    try:
        from . import banks as mod  # type: ignore[no-redef]  # imported as corpus.generate
        return mod
    except ImportError:
        pass
    spec = importlib.util.spec_from_file_location("corpus_banks", HERE / "banks.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("corpus_banks", mod)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


banks = _load_banks()
Template = banks.Template

YEARS: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
DEFAULT_SEED = 20251231
MANIFEST_COLUMNS: tuple[str, ...] = ("file", "employee", "department", "team", "role", "year")
PAYMENT = "货款回笼"
# The kinds of placeholder each planted placeholder document shows at least once.
PLACEHOLDER_KINDS: tuple[str, ...] = ("20xx年", "xx地市", "xxx万元", "**月份", "xx%", "xxx公司")

# Same notion of a placeholder as the analysis (analysis/read/normalize.py), kept local so the generator
# runs without the package.
PLACEHOLDER_RE = re.compile(
    r"(?:19|20)[xX×Ｘｘ*＊]{2}|(?<![A-Za-z])[xX×Ｘｘ]{2,}(?![A-Za-z])|[*＊]{2,}"
    r"|(?<![A-Za-z0-9])[xXＸｘ](?=[\u4e00-\u9fff%％])|某某|_{3,}|＿{2,}"
)

# Pattern a: how many 货款回笼 sentences a 销售部 summary carries, by year (drawn from these lists).
PAYMENT_PER_DOC: dict[int, tuple[int, ...]] = {
    2021: (0, 0, 1, 1, 1), 2022: (0, 1, 1, 1, 2), 2023: (2, 3, 3, 3, 4),
    2024: (4, 5, 5, 5, 6), 2025: (4, 5, 5, 6),
}
PAYMENT_SECTION_WEIGHTS = (("成绩", 0.45), ("不足", 0.25), ("计划", 0.30))
DIP_TEAM = ("生产部", "装配组")
DIP_YEAR, RECOVERY_YEAR = 2023, 2024

ROLES: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {
    ("销售部", "华东组"): ("销售经理", ("销售代表",)),
    ("销售部", "华南组"): ("销售经理", ("销售代表",)),
    ("销售部", "大客户组"): ("大客户经理", ("大客户经理",)),
    ("市场部", "品牌组"): ("品牌经理", ("市场专员",)),
    ("市场部", "渠道组"): ("渠道经理", ("渠道专员", "市场专员")),
    ("生产部", "装配组"): ("班组长", ("装配技术员", "装配技术员", "工艺工程师")),
    ("生产部", "质检组"): ("质量工程师", ("质检员",)),
    ("研发部", "产品组"): ("高级研发工程师", ("研发工程师",)),
    ("研发部", "测试组"): ("测试工程师", ("测试工程师",)),
    ("客服部", "售后组"): ("售后工程师", ("售后工程师",)),
    ("客服部", "热线组"): ("热线班长", ("客服专员",)),
    ("财务部", "应收组"): ("应收专员", ("应收专员",)),
    ("财务部", "核算组"): ("主办会计", ("会计",)),
}
HEAD_ROLE = "主管"

# Demo roster: members per team (plus one 主管 per department, who has no team).
DEMO_TEAM_SIZES: dict[str, dict[str, int]] = {
    "销售部": {"华东组": 5, "华南组": 5, "大客户组": 3},
    "市场部": {"品牌组": 4, "渠道组": 5},
    "生产部": {"装配组": 5, "质检组": 4},
    "研发部": {"产品组": 5, "测试组": 4},
    "客服部": {"售后组": 4, "热线组": 5},
    "财务部": {"应收组": 4, "核算组": 4},
}

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "晓志雨嘉子思文明海宇俊欣佳浩婷静磊婉睿楠涛琳鹏颖博倩凯敏晨悦立新春秋德远芳丽国华建军红梅云飞亮平东南安宁"

# Plan follow-through cases (pattern f): a plan in year N, reported done (or silently dropped) in N+1.
FOLLOW_CASES: tuple[dict, ...] = (
    {"department": "销售部", "team": "华南组", "plan_year": 2022, "done": True, "theme": "市场开拓",
     "target": "开拓西南市场", "keywords": ["西南市场", "成都", "重庆"],
     "plan": "明年准备把开拓西南市场作为重点，先在成都、重庆两地建立经销网点。",
     "followup": "按照年初的计划，今年成功开拓了西南市场，在成都、重庆两地各建立了一个经销网点。"},
    {"department": "销售部", "team": "大客户组", "plan_year": 2023, "done": False, "theme": "销售业绩",
     "target": "与金鼎电力签订年度框架采购协议", "keywords": ["金鼎电力", "框架采购协议"],
     "plan": "明年力争与金鼎电力签订年度框架采购协议，把这家客户发展成稳定的大客户。",
     "followup": None},
    {"department": "市场部", "team": "品牌组", "plan_year": 2021, "done": True, "theme": "市场开拓",
     "target": "完成公司官网和宣传画册改版", "keywords": ["官网", "画册"],
     "plan": "计划明年完成公司官网和宣传画册的全面改版，让品牌形象更加统一。",
     "followup": "今年牵头完成了公司官网和宣传画册的改版，新版官网上线后访问量明显增加。"},
    {"department": "生产部", "team": "质检组", "plan_year": 2022, "done": False, "theme": "质量与交付",
     "target": "推行来料检验扫码登记", "keywords": ["扫码登记"],
     "plan": "明年计划在来料检验环节推行扫码登记，让每一批物料的检验结果都能追溯。",
     "followup": None},
    {"department": "研发部", "team": "测试组", "plan_year": 2023, "done": True, "theme": "质量与交付",
     "target": "搭建自动化回归测试平台", "keywords": ["自动化回归测试平台"],
     "plan": "明年计划搭建自动化回归测试平台，把每个版本的回归测试时间缩短一半。",
     "followup": "今年搭建完成了自动化回归测试平台，每个版本的回归测试耗时缩短了一半以上。"},
    {"department": "客服部", "team": "热线组", "plan_year": 2024, "done": False, "theme": "客户服务",
     "target": "建立常见问题知识库", "keywords": ["知识库"],
     "plan": "明年打算牵头建立常见问题知识库，提高热线来电的一次解决率。",
     "followup": None},
    {"department": "财务部", "team": "核算组", "plan_year": 2022, "done": True, "theme": "学习成长",
     "target": "考取中级会计职称", "keywords": ["中级会计"],
     "plan": "明年准备报考中级会计职称，利用业余时间系统复习，争取一次通过。",
     "followup": "今年一次性通过了中级会计职称的全部考试科目，专业水平又上了一个台阶。"},
    {"department": "财务部", "team": "应收组", "plan_year": 2023, "done": False, "theme": "货款回笼",
     "target": "把应收账款平均账期压缩到六十天以内", "keywords": ["平均账期"],
     "plan": "明年的目标是把应收账款平均账期压缩到六十天以内。",
     "followup": None},
)
# Template copies across employees (pattern c) and self-copies (pattern d).
COPY_PAIRS: tuple[tuple[str, int], ...] = (("客服部", 2022), ("市场部", 2023), ("销售部", 2025))
SELF_COPIES: tuple[tuple[str, int], ...] = (("财务部", 2022), ("研发部", 2023))
PLACEHOLDER_DOCS: tuple[tuple[str, str | None, int], ...] = (
    ("销售部", None, 2021), ("市场部", None, 2022), ("客服部", None, 2024), ("生产部", "质检组", 2025),
)


# ------------------------------------------------------------------------------------------------
# Data model
# ------------------------------------------------------------------------------------------------

@dataclass
class Employee:
    name: str
    department: str
    team: str
    years: tuple[int, ...]
    roles: dict[int, str]
    join_year: int


@dataclass
class Sent:
    """One planted sentence: its template, slot values and where it sits."""

    tpl: Template
    values: dict[str, str]
    section: str          # 成绩 | 不足 | 计划 | 其他
    kind: str             # opening | cue | body | closing | planted
    themes: tuple[str, ...] | None = None  # overrides the template's themes (duty statements)

    @property
    def theme_keys(self) -> tuple[str, ...]:
        return self.tpl.themes if self.themes is None else self.themes


@dataclass
class Layout:
    title: str
    meta: int                    # -1: no metadata lines; else a style
    headings: bool
    numerals: int
    names: dict[str, str]
    intro: str | None
    lead_in: dict[str, bool]
    styles: dict[str, str]       # section -> "para" or an item style
    group_seed: int
    indent: bool
    blank: bool
    signature: int               # -1 none, 0 述职人, 1 bare name
    sign_day: int


@dataclass
class Doc:
    emp: Employee
    year: int
    role: str
    opening: list[Sent]
    sections: dict[str, list[Sent]]
    closing: list[Sent]
    layout: Layout
    placeholder: bool = False
    fmt: str = "txt"             # txt | docx | md
    encoding: str = "utf-8"      # utf-8 | utf-8-sig | gbk
    script: str = "simplified"   # simplified | traditional
    newline: str = "\n"
    text: str = ""               # rendered, Simplified, "\n" line ends (before conversion/encoding)
    blocks: list[tuple[str, str]] = field(default_factory=list)

    @property
    def file(self) -> str:
        stem = self.emp.name + (f"_{self.emp.team}" if self.emp.team else "")
        return f"{self.year}/{self.emp.department}/{stem}.{self.fmt}"

    def sentences(self) -> list[Sent]:
        out = list(self.opening)
        for sec in banks.BODY_SECTIONS:
            out.extend(self.sections[sec])
        out.extend(self.closing)
        return out


# ------------------------------------------------------------------------------------------------
# Roster
# ------------------------------------------------------------------------------------------------

def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


class _Names:
    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self) -> str:
        for _ in range(60):
            given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.8 else "")
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used and len(set(given)) == len(given):
                self.used.add(name)
                return name
        k = 2
        while f"{name}{k}" in self.used:
            k += 1
        self.used.add(f"{name}{k}")
        return f"{name}{k}"


def _span(rng: Random, fixed: bool) -> tuple[int, ...]:
    if fixed:
        return YEARS
    r = rng.random()
    if r < 0.52:
        return YEARS
    if r < 0.77:
        return tuple(range(rng.choice((2022, 2023, 2024)), 2026))
    if r < 0.91:
        return tuple(range(2021, rng.choice((2023, 2024)) + 1))
    return (2022, 2023, 2024)


def _employee(names: _Names, rng: Random, dept: str, team: str, senior: bool, years: tuple[int, ...]) -> Employee:
    if team:
        senior_role, juniors = ROLES[(dept, team)]
        role = senior_role if senior else rng.choice(juniors)
    else:
        role = HEAD_ROLE
    join = years[0] if years[0] > YEARS[0] else rng.randint(2012, 2020)
    return Employee(names.new(), dept, team, years, {y: role for y in years}, join)


def demo_roster(rng: Random) -> list[Employee]:
    names = _Names(rng)
    out: list[Employee] = []
    for dept, teams in DEMO_TEAM_SIZES.items():
        out.append(_employee(names, rng, dept, "", True, YEARS))
        for team, size in teams.items():
            for i in range(size):
                fixed = i == 0 or (dept, team) == DIP_TEAM
                out.append(_employee(names, rng, dept, team, i == 0, _span(rng, fixed)))
    # Two promotions, so that role is a per-document attribute.
    for emp in out:
        if emp.team == "华东组" and emp.roles[emp.years[0]] == "销售代表" and 2024 in emp.years:
            emp.roles.update({y: "销售经理" for y in emp.years if y >= 2024})
            break
    for emp in out:
        if emp.team == "产品组" and emp.roles[emp.years[0]] == "研发工程师" and 2023 in emp.years:
            emp.roles.update({y: "高级研发工程师" for y in emp.years if y >= 2023})
            break
    return out


def scaled_roster(rng: Random, n_docs: int) -> list[Employee]:
    names = _Names(rng)
    teams = [(d, t) for d, ts in banks.DEPARTMENTS.items() for t in ts]
    out: list[Employee] = []
    total = 0
    i = 0
    while total < n_docs:
        if i % 12 == 0:
            dept, team = list(banks.DEPARTMENTS)[(i // 12) % len(banks.DEPARTMENTS)], ""
        else:
            dept, team = teams[i % len(teams)]
        emp = _employee(names, rng, dept, team, rng.random() < 0.2, _span(rng, False))
        keep = emp.years[: n_docs - total]
        emp.years = keep
        emp.roles = {y: r for y, r in emp.roles.items() if y in keep}
        out.append(emp)
        total += len(keep)
        i += 1
    return out


# ------------------------------------------------------------------------------------------------
# Planning one document
# ------------------------------------------------------------------------------------------------

class Planner:
    def __init__(self, rng: Random, roster: list[Employee]) -> None:
        self.rng = rng
        self.colleagues: dict[tuple[str, int], list[str]] = {}
        for emp in roster:
            for y in emp.years:
                self.colleagues.setdefault((emp.department, y), []).append(emp.name)

    # -- slots --------------------------------------------------------------------------------
    def fill(self, tpl: Template, emp: Employee, year: int) -> dict[str, str]:
        values: dict[str, str] = {}
        for name in tpl.slots:
            if name in CTX_SLOTS:
                continue
            if name == "colleague":
                pool = [n for n in self.colleagues.get((emp.department, year), []) if n != emp.name]
                values[name] = self.rng.choice(pool) if pool else "老同事"
                continue
            for _ in range(8):
                v = banks.draw_slot(name, self.rng, emp.department, emp.team)
                base = name[:-1] if name.endswith("2") else name
                if not (name.endswith("2") and values.get(base) == v):
                    break
            values[name] = v
        return values

    # -- section content ---------------------------------------------------------------------
    def pool(self, emp: Employee, role: str, sec: str) -> list[tuple[Template, float]]:
        out: list[tuple[Template, float]] = []
        for tpl in banks.BANKS[emp.department][sec]:
            if not tpl.team:
                w = 1.0
            elif not emp.team:
                w = 0.6
            else:
                w = 2.5 if tpl.team == emp.team else 0.25
            out.append((tpl, w))
        out.extend((tpl, 0.45) for tpl in banks.COMMON[sec])
        if role in banks.MANAGER_ROLES:
            out.extend((tpl, 1.3) for tpl in banks.MANAGER[sec])
        return out

    def sample(self, weighted: list[tuple[Template, float]], k: int, exclude: set[str]) -> list[Template]:
        """Weighted sampling without replacement (Efraimidis-Spirakis keys), deterministic."""
        keyed = [(self.rng.random() ** (1.0 / w), i, t) for i, (t, w) in enumerate(weighted) if t.id not in exclude]
        keyed.sort(key=lambda x: (-x[0], x[1]))
        return [t for _, _, t in keyed[:k]]

    def counts(self, emp: Employee, year: int) -> dict[str, int]:
        r = self.rng.random()
        ri = self.rng.randint
        if r < 0.12:
            c = {"成绩": ri(5, 8), "不足": ri(3, 4), "计划": ri(3, 5)}
        elif r < 0.80:
            c = {"成绩": ri(10, 16), "不足": ri(5, 8), "计划": ri(6, 10)}
        elif r < 0.95:
            c = {"成绩": ri(18, 24), "不足": ri(9, 12), "计划": ri(10, 14)}
        else:
            c = {"成绩": ri(26, 32), "不足": ri(13, 16), "计划": ri(14, 18)}
        if (emp.department, emp.team) == DIP_TEAM:
            if year == DIP_YEAR:
                c["成绩"] = self.rng.randint(2, 4)
                c["不足"] = self.rng.randint(9, 12)
            elif year == RECOVERY_YEAR:
                c["成绩"] = max(c["成绩"], 6) + 3
                c["不足"] = self.rng.randint(2, 3)
        return c

    def plan(self, emp: Employee, year: int, scaled: bool = False) -> Doc:
        rng = self.rng
        role = emp.roles[year]
        counts = self.counts(emp, year)
        sections: dict[str, list[Sent]] = {}
        used: set[str] = set()
        payment_split = {sec: 0 for sec in banks.BODY_SECTIONS}
        if emp.department == "销售部":
            for _ in range(rng.choice(PAYMENT_PER_DOC[year])):
                secs = [s for s, _ in PAYMENT_SECTION_WEIGHTS]
                weights = [w for _, w in PAYMENT_SECTION_WEIGHTS]
                payment_split[rng.choices(secs, weights)[0]] += 1
        for sec in banks.BODY_SECTIONS:
            weighted = self.pool(emp, role, sec)
            if emp.department == "销售部":
                pay = [(t, w) for t, w in weighted if PAYMENT in t.themes]
                other = [(t, w) for t, w in weighted if PAYMENT not in t.themes]
                n_pay = payment_split[sec]
                chosen_pay = self.sample(pay, n_pay, used)
                chosen = self.sample(other, max(counts[sec] - n_pay, 1 if sec != "不足" else 0), used)
                for t in chosen_pay:
                    chosen.insert(rng.randint(0, len(chosen)), t)
            else:
                chosen = self.sample(weighted, counts[sec], used)
            # A plain statement of responsibilities reads best first.
            chosen.sort(key=lambda t: 0 if t.text.startswith("今年主要") else 1)
            used.update(t.id for t in chosen)
            for t in chosen:
                used.update(banks.CONFLICTING.get(t.id, ()))
            sections[sec] = [Sent(t, self.fill(t, emp, year), sec, "body") for t in chosen]

        openings = list(banks.OPENINGS)
        n_open = rng.choice((1, 1, 2, 2, 3))
        opening = []
        if (emp.department, emp.team) == DIP_TEAM and year == DIP_YEAR and rng.random() < 0.75:
            t = rng.choice(banks.OPENINGS_HARD)
            opening.append(Sent(t, self.fill(t, emp, year), "其他", "opening"))
            n_open = max(1, n_open - 1)
        for t in self.sample([(t, 1.0) for t in openings], n_open, set()):
            s = Sent(t, self.fill(t, emp, year), "其他", "opening")
            if "{duty}" in t.text:
                key = emp.team if emp.team in banks.DUTIES else (emp.department if emp.team else HEAD_ROLE)
                s.themes = banks.DUTY_THEMES.get(key, ())
            opening.append(s)
        # Self-introductions first, announcements of what follows (…总结如下) last.
        opening.sort(key=lambda s: _opening_rank(s.tpl.text))
        closing = [Sent(t, self.fill(t, emp, year), "其他", "closing")
                   for t in self.sample([(t, 1.0) for t in banks.CLOSINGS], rng.choice((1, 1, 2)), set())]
        doc = Doc(emp, year, role, opening, sections, closing, self.layout(year))
        if doc.layout.headings:
            for sec in banks.BODY_SECTIONS:
                if doc.layout.lead_in[sec]:
                    self.add_cue(doc, sec)
        else:
            for sec in banks.BODY_SECTIONS:
                self.add_cue(doc, sec)
        return doc

    def add_cue(self, doc: Doc, sec: str) -> None:
        t = self.rng.choice(banks.CUES[sec])
        doc.sections[sec].insert(0, Sent(t, {}, sec, "cue"))

    def layout(self, year: int) -> Layout:
        rng = self.rng
        headings = rng.random() >= 0.15
        names = {sec: rng.choice(banks.HEADING_NAMES[sec]) for sec in banks.BODY_SECTIONS}
        styles = {}
        for sec in banks.BODY_SECTIONS:
            styles[sec] = rng.choice(banks.ITEM_STYLES) if headings and rng.random() < 0.35 else "para"
        return Layout(
            title=rng.choice(banks.TITLES),
            meta=rng.choice((0, 0, 0, 1, 2)) if rng.random() < 0.35 else -1,
            headings=headings,
            numerals=rng.choice((0, 0, 0, 1, 2)),
            names=names,
            intro=rng.choice(banks.INTRO_HEADINGS) if headings and rng.random() < 0.15 else None,
            lead_in={sec: rng.random() < 0.2 for sec in banks.BODY_SECTIONS},
            styles=styles,
            group_seed=rng.randrange(1 << 30),
            indent=rng.random() < 0.4,
            blank=rng.random() < 0.5,
            signature=rng.choice((0, 1)) if rng.random() < 0.3 else -1,
            sign_day=rng.randint(15, 31),
        )

    # -- adjustments --------------------------------------------------------------------------
    def grow(self, doc: Doc, sec: str = "成绩") -> None:
        """Add one body sentence (used to reach the minimum length)."""
        used = {s.tpl.id for s in doc.sentences()}
        used |= {c for i in list(used) for c in banks.CONFLICTING.get(i, ())}
        weighted = self.pool(doc.emp, doc.role, sec)
        if doc.emp.department == "销售部":
            weighted = [(t, w) for t, w in weighted if PAYMENT not in t.themes]
        for t in self.sample(weighted, 1, used):
            doc.sections[sec].append(Sent(t, self.fill(t, doc.emp, doc.year), sec, "body"))

    def shrink(self, doc: Doc) -> None:
        for sec in ("成绩", "计划", "不足"):
            body = [i for i, s in enumerate(doc.sections[sec]) if s.kind == "body" and PAYMENT not in s.tpl.themes]
            if len(body) > 3:
                del doc.sections[sec][body[-1]]
                return


def _opening_rank(text: str) -> int:
    if text.startswith(("我于", "作为", "今年是我")):
        return 0
    if any(k in text for k in ("如下", "进行总结", "全面回顾", "简要汇报")):
        return 3 if "下面从" not in text else 2
    return 1


CTX_SLOTS = frozenset({"year", "next_year", "dept", "team_str", "role", "duty", "join_year", "tenure",
                       "name", "team_or_dept"})


# ------------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------------

def _ctx(doc: Doc) -> dict[str, str]:
    emp = doc.emp
    ctx = {
        "year": str(doc.year), "next_year": str(doc.year + 1), "dept": emp.department,
        "team_str": emp.team, "role": doc.role, "name": emp.name,
        "duty": banks.DUTIES.get(emp.team)
        or (banks.DUTIES[HEAD_ROLE] if not emp.team else banks.DUTIES[emp.department]),
        "join_year": str(emp.join_year), "tenure": _cn(doc.year - emp.join_year + 1),
        "team_or_dept": emp.team or emp.department,
    }
    if doc.placeholder:
        ctx.update({k: v for k, v in banks.PLACEHOLDER_FILL.items() if k in ctx})
    return ctx


def sentence_text(s: Sent, doc: Doc, ctx: dict[str, str] | None = None) -> str:
    values = dict(s.values)
    if doc.placeholder:
        values.update({k: v for k, v in banks.PLACEHOLDER_FILL.items() if k in values})
    values.update(ctx if ctx is not None else _ctx(doc))
    return s.tpl.text.format_map(values)


def _groups(n: int, rng: Random) -> list[int]:
    sizes = []
    while n > 0:
        k = min(n, rng.choice((1, 2, 2, 3, 3, 4)))
        sizes.append(k)
        n -= k
    return sizes


def _item_prefix(style: str, i: int) -> str:
    if style == "{c}":
        return banks.CIRCLED[i - 1] if i <= len(banks.CIRCLED) else f"{i}、"
    return style.format(i=i)


def render_blocks(doc: Doc) -> list[tuple[str, str]]:
    """The document as (kind, text) blocks; the same blocks feed .txt, .md and .docx."""
    lay = doc.layout
    ctx = _ctx(doc)
    emp = doc.emp
    rng = Random(lay.group_seed)
    blocks: list[tuple[str, str]] = [("title", lay.title.format_map(ctx))]
    if lay.meta == 0:
        blocks.append(("meta", f"部门：{emp.department}"))
        if emp.team:
            blocks.append(("meta", f"小组：{emp.team}"))
        blocks.append(("meta", f"姓名：{emp.name}"))
        blocks.append(("meta", f"岗位：{doc.role}"))
    elif lay.meta == 1:
        team = f"（{emp.team}）" if emp.team else ""
        blocks.append(("meta", f"姓名：{emp.name}　　部门：{emp.department}{team}"))
        blocks.append(("meta", f"岗位：{doc.role}"))
    elif lay.meta == 2:
        blocks.append(("meta", f"部门：{emp.department}　岗位：{doc.role}　姓名：{emp.name}"))

    numerals = banks.TOP_NUMERALS[lay.numerals]
    k = 0
    opening = "".join(sentence_text(s, doc, ctx) for s in doc.opening)
    if lay.headings and lay.intro:
        blocks.append(("heading", numerals[k] + lay.intro))
        k += 1
    blocks.append(("para", opening))
    for sec in banks.BODY_SECTIONS:
        sents = doc.sections[sec]
        if lay.headings:
            blocks.append(("heading", numerals[k] + lay.names[sec].format_map(ctx)))
            k += 1
        texts = [sentence_text(s, doc, ctx) for s in sents]
        if sents and sents[0].kind == "cue" and lay.headings:
            blocks.append(("para", texts.pop(0)))
        elif sents and sents[0].kind == "cue":
            # Without headings the cue opens the section's first paragraph.
            first = texts.pop(0)
            if texts:
                texts[0] = first + texts[0]
            else:
                texts = [first]
        style = lay.styles[sec]
        if style == "para":
            i = 0
            for size in _groups(len(texts), rng):
                blocks.append(("para", "".join(texts[i:i + size])))
                i += size
        else:
            for i, t in enumerate(texts, 1):
                blocks.append(("item", _item_prefix(style, i) + t))
    blocks.append(("para", "".join(sentence_text(s, doc, ctx) for s in doc.closing)))
    if lay.signature >= 0:
        blocks.append(("sign", ("述职人：" if lay.signature == 0 else "") + emp.name))
        blocks.append(("sign", f"{ctx['year']}年12月{lay.sign_day}日"))
    return blocks


def blocks_to_txt(blocks: list[tuple[str, str]], lay: Layout) -> str:
    lines: list[str] = []
    for kind, text in blocks:
        if kind in ("para", "item") and lay.indent:
            text = "　　" + text
        lines.append(text)
        if lay.blank:
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def blocks_to_md(blocks: list[tuple[str, str]]) -> str:
    lines: list[str] = []
    prev = ""
    for kind, text in blocks:
        if kind == "title":
            lines += [f"# {text}", ""]
        elif kind == "heading":
            lines += [f"## {text}", ""]
        elif kind == "item":
            m = re.match(r"^(\d+)[、.]|^（(\d+)）|^([①-⑩])", text)
            body = text[m.end():] if m else text
            num = next((g for g in m.groups() if g), "") if m else ""
            n = str(banks.CIRCLED.index(num) + 1) if num in banks.CIRCLED else num or "1"
            if prev != "item" and lines and lines[-1] != "":
                lines.append("")
            lines.append(f"{n}. {body}")
        else:
            if prev == "item":
                lines.append("")
            lines += [text, ""]
        prev = kind
    return "\n".join(lines).rstrip("\n") + "\n"


def render(doc: Doc) -> None:
    doc.blocks = render_blocks(doc)
    doc.text = blocks_to_txt(doc.blocks, doc.layout)


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------

_FIXED_ZIP_TIME = (2025, 12, 31, 0, 0, 0)


def _docx_bytes(doc: Doc, paragraphs: list[tuple[str, str]]) -> bytes:
    import docx  # python-docx, only needed for the demo corpus
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    d = docx.Document()
    stamp = dt.datetime(doc.year, 12, 28, 9, 0, 0)
    cp = d.core_properties
    cp.author = doc.emp.name
    cp.last_modified_by = doc.emp.name
    cp.title = paragraphs[0][1]
    cp.created = stamp
    cp.modified = stamp
    cp.last_printed = stamp
    cp.revision = 1
    for kind, text in paragraphs:
        p = d.add_paragraph()
        run = p.add_run(text)
        if kind == "title":
            run.bold = True
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "heading":
            run.bold = True
        elif kind == "sign":
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    raw = io.BytesIO()
    d.save(raw)
    # python-docx stamps zip entries with the current time: rewrite them with a fixed one.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as zin, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zi = zipfile.ZipInfo(info.filename, _FIXED_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, zin.read(info.filename))
    return out.getvalue()


_S2T = None


def _to_traditional(text: str) -> str:
    global _S2T
    if _S2T is None:
        import opencc

        try:
            _S2T = opencc.OpenCC("s2t")
        except Exception:  # older wheels want the file name
            _S2T = opencc.OpenCC("s2t.json")
    return _S2T.convert(text)


def file_text(doc: Doc) -> str:
    """The document's text as it is stored in its file (Traditional where so planted)."""
    if doc.fmt == "md":
        text = blocks_to_md(doc.blocks)
    elif doc.fmt == "docx":
        text = "\n".join(t for _, t in doc.blocks)
    else:
        text = doc.text
    return _to_traditional(text) if doc.script == "traditional" else text


def file_bytes(doc: Doc) -> bytes:
    text = file_text(doc)
    if doc.fmt == "docx":
        paragraphs = [(k, _to_traditional(t) if doc.script == "traditional" else t) for k, t in doc.blocks]
        return _docx_bytes(doc, paragraphs)
    if doc.newline != "\n":
        text = text.replace("\n", doc.newline)
    if doc.encoding == "gbk":
        try:
            return text.encode("gbk")
        except UnicodeEncodeError as exc:  # a bank line outside GBK: fix the bank, never the output
            raise ValueError(f"{doc.file}: not encodable in GBK: {exc}") from exc
    if doc.encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    return text.encode("utf-8")


def _remove_previous(out_dir: Path) -> None:
    """Delete the files a previous run listed in its manifest, and only those."""
    manifest = out_dir / "manifest.csv"
    if not manifest.exists():
        return
    root = out_dir.resolve()
    dirs: set[Path] = set()
    with manifest.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            rel = (row.get("file") or "").strip()
            if not re.match(r"^\d{4}/[^/]+/[^/]+\.(?:txt|md|docx)$", rel):
                continue
            path = (out_dir / rel).resolve()
            if root not in path.parents:
                continue
            if path.is_file():
                path.unlink()
            dirs.add(path.parent)
            dirs.add(path.parent.parent)
    for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        try:
            d.rmdir()  # only if now empty
        except OSError:
            pass


# ------------------------------------------------------------------------------------------------
# Similarity checks
# ------------------------------------------------------------------------------------------------

def _grams(text: str, n: int = 5) -> set[str]:
    t = re.sub(r"\s+", "", text)
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def jaccard(a: str, b: str) -> float:
    ga, gb = _grams(a), _grams(b)
    return len(ga & gb) / len(ga | gb) if ga or gb else 0.0


def char_ratio(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def near_copy_report(docs: list[Doc], planted: set[frozenset[str]]) -> dict:
    """Max 5-gram Jaccard over all same-department pairs, planted pairs apart."""
    by_dept: dict[str, list[tuple[str, set[str]]]] = {}
    for d in docs:
        by_dept.setdefault(d.emp.department, []).append((d.file, _grams(d.text)))
    best = (0.0, "", "")
    for items in by_dept.values():
        for i in range(len(items)):
            fa, ga = items[i]
            for j in range(i + 1, len(items)):
                fb, gb = items[j]
                if frozenset((fa, fb)) in planted:
                    continue
                inter = len(ga & gb)
                if inter == 0:
                    continue
                jac = inter / (len(ga) + len(gb) - inter)
                if jac > best[0]:
                    best = (jac, fa, fb)
    return {"unplanted_max_jaccard5": round(best[0], 4), "unplanted_max_pair": [best[1], best[2]],
            "threshold": 0.5, "scope": "all pairs of documents in the same department"}


# ------------------------------------------------------------------------------------------------
# Planted patterns
# ------------------------------------------------------------------------------------------------

def _compact_len(doc: Doc) -> int:
    """Length of the leanest rendering (.docx paragraphs joined by newlines); other formats are longer."""
    return sum(len(t) + 1 for _, t in doc.blocks) - 1


def _length_ok(planner: Planner, doc: Doc) -> None:
    render(doc)
    guard = 0
    while _compact_len(doc) < 630 and guard < 20:
        planner.grow(doc, "成绩" if guard % 3 != 2 else "计划")
        render(doc)
        guard += 1
    while len(doc.text) > 3900 and guard < 60:
        planner.shrink(doc)
        render(doc)
        guard += 1


def _near_copy(
    planner: Planner, src: Doc, emp: Employee, year: int, n_replace: int, n_renumber: int
) -> tuple[Doc, dict]:
    """A copy of src for emp/year with a few sentences swapped and a few numbers changed."""
    rng = planner.rng
    doc = copy.deepcopy(src)
    doc.emp, doc.year, doc.role = emp, year, emp.roles[year]
    doc.placeholder = False
    used = {s.tpl.id for s in doc.sentences()}
    used |= {c for i in list(used) for c in banks.CONFLICTING.get(i, ())}
    body = [(sec, i) for sec in banks.BODY_SECTIONS for i, s in enumerate(doc.sections[sec])
            if s.kind == "body" and PAYMENT not in s.tpl.themes]
    replaced = []
    for sec, i in rng.sample(body, len(body)):
        if len(replaced) == n_replace:
            break
        weighted = [(t, w) for t, w in planner.pool(emp, doc.role, sec) if PAYMENT not in t.themes
                    and t.tone == doc.sections[sec][i].tpl.tone]
        new = planner.sample(weighted, 1, used)
        if new:
            used.add(new[0].id)
            doc.sections[sec][i] = Sent(new[0], planner.fill(new[0], emp, year), sec, "body")
            replaced.append((sec, i))
    is_number = lambda k: k in banks.NUMERIC or k in ("rate", "qty", "low_rate")  # noqa: E731
    numeric = [s for sec in banks.BODY_SECTIONS for j, s in enumerate(doc.sections[sec])
               if (sec, j) not in replaced and any(is_number(k) for k in s.values)]
    renumbered = 0
    for s in rng.sample(numeric, min(n_renumber, len(numeric))):
        for k in list(s.values):
            if is_number(k):
                s.values[k] = banks.draw_slot(k, rng, emp.department, emp.team)
        renumbered += 1
    for s in doc.sentences():
        if s.values.get("colleague") == emp.name:
            s.values["colleague"] = src.emp.name
    render(doc)
    return doc, {"sentences_replaced": len(replaced), "sentences_renumbered": renumbered}


def _payment_sentences(doc: Doc) -> int:
    return sum(1 for s in doc.sentences() if PAYMENT in s.theme_keys)


def doc_stats(doc: Doc) -> dict:
    secs = {}
    for sec in ("其他", *banks.BODY_SECTIONS):
        sents = doc.opening + doc.closing if sec == "其他" else doc.sections[sec]
        c = Counter(s.tpl.tone for s in sents)
        secs[sec] = {"sentences": len(sents), "pos": c["pos"], "neu": c["neu"], "neg": c["neg"]}
    themes = Counter(t for s in doc.sentences() for t in s.theme_keys)
    by_sec = {sec: dict(sorted(Counter(t for s in doc.sections[sec] for t in s.theme_keys).items()))
              for sec in banks.BODY_SECTIONS}
    return {
        "employee": doc.emp.name, "department": doc.emp.department, "team": doc.emp.team,
        "role": doc.role, "year": doc.year, "format": doc.fmt,
        "encoding": None if doc.fmt == "docx" else doc.encoding, "script": doc.script,
        "newline": None if doc.fmt == "docx" else "crlf" if doc.newline == "\r\n" else "lf",
        "headings": doc.layout.headings, "chars": len(file_text(doc)),
        "sentences": len(doc.sentences()), "sections": secs,
        "themes": {t: themes[t] for t in banks.THEMES if themes[t]},
        "themes_by_section": by_sec,
        "placeholders": len(PLACEHOLDER_RE.findall(doc.text)),
    }


def _pick(rng: Random, cands: list[Employee], taken: set[str]) -> Employee:
    free = [e for e in cands if e.name not in taken]
    if not free:
        raise RuntimeError("roster too small for the planted patterns")
    emp = rng.choice(free)
    taken.add(emp.name)
    return emp


def _plant_patterns(planner: Planner, roster: list[Employee], docs: dict[tuple[str, int], Doc]) -> dict:
    rng = planner.rng
    taken: set[str] = set()
    by = lambda dept, team=None, years=(): [  # noqa: E731
        e for e in roster if e.department == dept and (team is None or e.team == team)
        and all(y in e.years for y in years) and (e.department, e.team) != DIP_TEAM]

    # f. plan follow-through
    follow = []
    for case in FOLLOW_CASES:
        y0, y1 = case["plan_year"], case["plan_year"] + 1
        emp = _pick(rng, by(case["department"], case["team"], (y0, y1)), taken)
        plan_doc, next_doc = docs[(emp.name, y0)], docs[(emp.name, y1)]
        themes = (case["theme"],)
        tpl = Template(f"计划兑现/{case['target']}/计划", case["plan"], themes, "neu", "", ())
        plans = plan_doc.sections["计划"]
        start = 1 if plans and plans[0].kind == "cue" else 0
        plans.insert(rng.randint(start, min(start + 2, len(plans))), Sent(tpl, {}, "计划", "planted"))
        follow_sentence = None
        if case["done"]:
            tpl2 = Template(f"计划兑现/{case['target']}/完成", case["followup"], themes, "pos", "", ())
            body = next_doc.sections["成绩"]
            start = 1 if body and body[0].kind == "cue" else 0
            body.insert(start + rng.randint(0, 1), Sent(tpl2, {}, "成绩", "planted"))
            follow_sentence = case["followup"]
        follow.append({
            "employee": emp.name, "department": emp.department, "team": emp.team, "theme": case["theme"],
            "target": case["target"], "keywords": case["keywords"], "plan_year": y0,
            "plan_file": None, "plan_sentence": case["plan"], "followup_year": y1, "followup_file": None,
            "followed_through": case["done"], "followup_sentence": follow_sentence,
            "_docs": (plan_doc, next_doc),
        })

    # c. copies across employees (same department, same year)
    copies = []
    for dept, year in COPY_PAIRS:
        a = _pick(rng, [e for e in by(dept, None, (year,)) if len(docs[(e.name, year)].sentences()) >= 16], taken)
        b = _pick(rng, by(dept, None, (year,)), taken)
        src = docs[(a.name, year)]
        render(src)
        dup, info = _near_copy(planner, src, b, year, 2, 2)
        docs[(b.name, year)] = dup
        copies.append({"department": dept, "year": year, "source_employee": a.name, "copy_employee": b.name,
                       **info, "_docs": (src, dup)})

    # d. self-copies (year N+1 copies year N)
    selfs = []
    for dept, year in SELF_COPIES:
        emp = _pick(rng, [e for e in by(dept, None, (year, year + 1))
                          if len(docs[(e.name, year)].sentences()) >= 16], taken)
        src = docs[(emp.name, year)]
        render(src)
        dup, info = _near_copy(planner, src, emp, year + 1, 2, 3)
        docs[(emp.name, year + 1)] = dup
        selfs.append({"employee": emp.name, "department": dept, "source_year": year, "copy_year": year + 1,
                      **info, "_docs": (src, dup)})

    # e. placeholder-laden documents
    holders = []
    for dept, team, year in PLACEHOLDER_DOCS:
        emp = _pick(rng, by(dept, team, (year,)), taken)
        doc = docs[(emp.name, year)]
        doc.placeholder = True
        render(doc)
        body = doc.sections["成绩"]
        start = 1 if body and body[0].kind == "cue" else 0
        for t in rng.sample(banks.PLACEHOLDER_EXTRAS, 3):
            body.insert(rng.randint(start, len(body)), Sent(t, planner.fill(t, emp, year), "成绩", "body"))
        render(doc)
        for t in banks.PLACEHOLDER_EXTRAS:
            if all(k in doc.text for k in PLACEHOLDER_KINDS) and len(PLACEHOLDER_RE.findall(doc.text)) >= 7:
                break
            if t not in [s.tpl for s in body]:
                body.insert(rng.randint(start, len(body)), Sent(t, planner.fill(t, emp, year), "成绩", "body"))
                render(doc)
        holders.append({"employee": emp.name, "department": dept, "year": year, "_doc": doc})

    return {"follow": follow, "copies": copies, "selfs": selfs, "holders": holders}


def _assign_formats(rng: Random, docs: list[Doc], scaled: bool) -> None:
    if scaled:
        return
    n = len(docs)
    order = list(range(n))
    rng.shuffle(order)
    quota = [("gbk", round(n * 0.10)), ("docx", round(n * 0.12)), ("md", round(n * 0.03)),
             ("trad", round(n * 0.05)), ("bom", 3), ("crlf", 6)]
    pos = 0
    for kind, k in quota:
        for idx in order[pos:pos + k]:
            d = docs[idx]
            if kind == "gbk":
                d.encoding, d.newline = "gbk", "\r\n"
            elif kind == "docx":
                d.fmt = "docx"
            elif kind == "md":
                d.fmt = "md"
            elif kind == "trad":
                d.script = "traditional"
            elif kind == "bom":
                d.encoding = "utf-8-sig"
            elif kind == "crlf":
                d.newline = "\r\n"
        pos += k


# ------------------------------------------------------------------------------------------------
# Entry points
# ------------------------------------------------------------------------------------------------

def build_documents(n_docs: int | None = None, seed: int = DEFAULT_SEED) -> tuple[list[Doc], dict]:
    """Plan and render every document in memory; returns the documents and the planted record."""
    rng = Random(seed)
    scaled = n_docs is not None
    if scaled and n_docs < 1:
        raise ValueError("n_docs must be positive")
    roster = scaled_roster(rng, n_docs) if scaled else demo_roster(rng)
    planner = Planner(rng, roster)
    docs: dict[tuple[str, int], Doc] = {}
    for emp in roster:
        for y in emp.years:
            doc = planner.plan(emp, y, scaled)
            _length_ok(planner, doc)
            docs[(emp.name, y)] = doc
    planted = None if scaled else _plant_patterns(planner, roster, docs)
    ordered = sorted(docs.values(), key=lambda d: (d.year, d.emp.department, d.emp.name))
    for d in ordered:
        render(d)
        if _compact_len(d) < 610 or len(d.text) > 3950:
            _length_ok(planner, d)
    _assign_formats(rng, ordered, scaled)
    ordered.sort(key=lambda d: d.file)
    record = _planted_record(ordered, planted, seed, n_docs)
    return ordered, record


def _planted_record(docs: list[Doc], planted: dict | None, seed: int, n_docs: int | None) -> dict:
    rec: dict = {
        "schema": "yearend-insight/planted@1",
        "generator": {"seed": seed, "mode": "scaled" if n_docs is not None else "demo",
                      "documents": len(docs), "script": "corpus/generate.py"},
        "counts": {
            "by_format": dict(sorted(Counter(
                ("txt-traditional" if d.script == "traditional" else
                 "txt-gbk" if d.encoding == "gbk" else
                 "txt-utf8-bom" if d.encoding == "utf-8-sig" else d.fmt if d.fmt != "txt" else "txt-utf8")
                for d in docs).items())),
            "by_department": dict(sorted(Counter(d.emp.department for d in docs).items())),
            "by_year": {str(k): v for k, v in sorted(Counter(d.year for d in docs).items())},
            "employees": len({d.emp.name for d in docs}),
        },
        "patterns": {},
    }
    pats = rec["patterns"]

    # a. 货款回笼 in 销售部 by year
    years = {}
    for y in YEARS:
        ds = [d for d in docs if d.emp.department == "销售部" and d.year == y]
        if not ds:
            continue
        pay = sum(_payment_sentences(d) for d in ds)
        tot = sum(len(d.sentences()) for d in ds)
        years[str(y)] = {"documents": len(ds), "theme_sentences": pay, "sentences": tot,
                         "mean_per_document": round(pay / len(ds), 3), "share_of_sentences": round(pay / tot, 4),
                         "share_of_documents": round(sum(1 for d in ds if _payment_sentences(d)) / len(ds), 3)}
    pats["a_payment_collection_trend"] = {
        "department": "销售部", "theme": PAYMENT, "rising_years": [2022, 2023, 2024], "by_year": years,
        "expect": "share_of_sentences and mean_per_document rise strictly 2022 < 2023 < 2024",
    }

    # b. 装配组 sentiment dip
    years = {}
    for y in YEARS:
        ds = [d for d in docs if (d.emp.department, d.emp.team) == DIP_TEAM and d.year == y]
        if not ds:
            continue
        c = Counter(s.tpl.tone for d in ds for s in d.sentences())
        n = sum(c.values())
        sec = {s: sum(len(d.sections[s]) for d in ds) for s in banks.BODY_SECTIONS}
        years[str(y)] = {"documents": len(ds), "sentences": n, "pos": c["pos"], "neu": c["neu"], "neg": c["neg"],
                         "pos_share": round(c["pos"] / n, 4), "neg_share": round(c["neg"] / n, 4),
                         "mean_tone": round((c["pos"] + 0.5 * c["neu"]) / n, 4), "section_sentences": sec,
                         "files": [d.file for d in ds]}
    pats["b_assembly_sentiment_dip"] = {
        "department": DIP_TEAM[0], "team": DIP_TEAM[1], "dip_year": DIP_YEAR, "recovery_year": RECOVERY_YEAR,
        "by_year": years, "tone_score": "pos=1, neu=0.5, neg=0",
        "expect": "mean_tone and pos_share lowest in 2023 (neg_share highest), back up in 2024",
    }
    planted_pairs: set[frozenset[str]] = set()
    if planted is not None:
        pairs = []
        for c in planted["copies"]:
            src, dup = c.pop("_docs")
            pairs.append({**c, "source_file": src.file, "copy_file": dup.file,
                          "char_ratio": round(char_ratio(src.text, dup.text), 4),
                          "jaccard5": round(jaccard(src.text, dup.text), 4)})
            planted_pairs.add(frozenset((src.file, dup.file)))
        pats["c_template_copies"] = {
            "pairs": pairs, "expect": "each copy_file is flagged as a near-copy of its source_file"}
        pairs = []
        for c in planted["selfs"]:
            src, dup = c.pop("_docs")
            pairs.append({**c, "source_file": src.file, "copy_file": dup.file,
                          "char_ratio": round(char_ratio(src.text, dup.text), 4),
                          "jaccard5": round(jaccard(src.text, dup.text), 4)})
            planted_pairs.add(frozenset((src.file, dup.file)))
        pats["d_self_copies"] = {
            "pairs": pairs,
            "expect": "copy_file (year N+1) is a near-copy of the same employee's source_file (year N)"}
        items = []
        for h in planted["holders"]:
            d = h.pop("_doc")
            found = PLACEHOLDER_RE.findall(d.text)
            items.append({**h, "file": d.file, "count": len(found), "placeholders": dict(Counter(found)),
                          "kinds": {k: d.text.count(k) for k in PLACEHOLDER_KINDS}})
        others = sum(len(PLACEHOLDER_RE.findall(d.text)) for d in docs if not d.placeholder)
        pats["e_placeholders"] = {"documents": items, "placeholders_in_other_documents": others,
                                  "regex": PLACEHOLDER_RE.pattern}
        cases = []
        for f in planted["follow"]:
            pd_, nd = f.pop("_docs")
            f["plan_file"], f["followup_file"] = pd_.file, nd.file
            for kw in f["keywords"]:
                holders = [d.file for d in docs if kw in d.text]
                allowed = {pd_.file} | ({nd.file} if f["followed_through"] else set())
                if not set(holders) <= allowed or pd_.file not in holders:
                    raise AssertionError(f"keyword {kw} leaks: {holders}")
            cases.append(f)
        pats["f_plan_follow_through"] = {
            "cases": cases,
            "expect": "followed_through cases: the plan_file's 计划 names the target and the followup_file's 成绩 "
                      "reports it done; the others' followup_file never mentions any keyword",
        }
        rec["near_copies"] = near_copy_report(docs, planted_pairs)
        rec["near_copies"]["planted_min_jaccard5"] = min(
            p["jaccard5"] for k in ("c_template_copies", "d_self_copies") for p in pats[k]["pairs"])
        rec["near_copies"]["planted_min_char_ratio"] = min(
            p["char_ratio"] for k in ("c_template_copies", "d_self_copies") for p in pats[k]["pairs"])
    lengths = [len(file_text(d)) for d in docs]
    rec["lengths"] = {"min": min(lengths), "median": statistics.median(lengths), "max": max(lengths)}
    rec["documents"] = {d.file: doc_stats(d) for d in docs}
    return rec


def _dump_record(record: dict) -> str:
    """Indented JSON, with one line per document so that diffs stay readable."""
    head = json.dumps({k: v for k, v in record.items() if k != "documents"}, ensure_ascii=False, indent=1)
    lines = [f"  {json.dumps(f, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
             for f, v in record["documents"].items()]
    return head[:-2] + ',\n "documents": {\n' + ",\n".join(lines) + "\n }\n}\n"


def generate_corpus(out_dir: Path, n_docs: int | None = None, seed: int = DEFAULT_SEED) -> list[dict]:
    """Write the corpus under out_dir and return the manifest rows.

    n_docs None: the demo corpus (formats mixed, patterns a-f planted). An integer: a scaled corpus of
    exactly n_docs UTF-8 .txt documents for benchmarks (patterns a and b only).
    """
    out_dir = Path(out_dir)
    docs, record = build_documents(n_docs, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous(out_dir)
    rows = []
    for d in docs:
        path = out_dir / d.file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(file_bytes(d))
        rows.append({"file": d.file, "employee": d.emp.name, "department": d.emp.department,
                     "team": d.emp.team, "role": d.role, "year": d.year})
    with (out_dir / "manifest.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    (out_dir / "planted.json").write_text(_dump_record(record), encoding="utf-8")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="生成演示用年终工作总结语料（确定性）")
    ap.add_argument("--out", type=Path, default=HERE, help="输出目录（默认：本文件所在目录）")
    ap.add_argument("--docs", type=int, default=None, help="生成指定数量的文档（基准测试用，仅 UTF-8 .txt）")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rows = generate_corpus(args.out, args.docs, args.seed)
    elapsed = time.perf_counter() - t0
    record = json.loads((args.out / "planted.json").read_text(encoding="utf-8"))
    c = record["counts"]
    print(f"wrote {len(rows)} documents to {args.out} in {elapsed:.2f}s")
    print("by format:", c["by_format"])
    print("by department:", c["by_department"])
    print("by year:", c["by_year"], "employees:", c["employees"])
    print("chars min/median/max:", record["lengths"])
    lengths = record["lengths"]
    if lengths["min"] < 600 or lengths["max"] > 4000:
        print("ERROR: a document is outside 600-4000 characters")
        return 1
    if "near_copies" in record:
        nc = record["near_copies"]
        print(f"max 5-gram Jaccard of unplanted same-department pairs: {nc['unplanted_max_jaccard5']} "
              f"(threshold 0.5); planted pairs min Jaccard {nc['planted_min_jaccard5']}, "
              f"min char ratio {nc['planted_min_char_ratio']}")
        if nc["unplanted_max_jaccard5"] >= 0.5:
            print("ERROR: unplanted near-copies", nc["unplanted_max_pair"])
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
