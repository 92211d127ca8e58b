"""Sentence splitting and the section each sentence belongs to: 成绩 / 不足 / 计划 / 其他.

Year-end summaries follow a recognisable structure (achievements, then shortcomings, then plans),
announced either by numbered headings (``二、存在的不足``) or, in unstructured texts, by cue phrases at
the start of a paragraph (``不足之处主要有``, ``新的一年里``). The section matters because
self-criticism under 不足 is expected and must be read differently from complaints elsewhere.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from analysis.schema import Section

# Numbering that opens a heading: 一、 （一） (1) 1、 1. 第一，…
_NUMBERING = re.compile(
    r"^\s*(?:[（(]?[一二三四五六七八九十]{1,3}[)）、.．]|第[一二三四五六七八九十]+[部分点条、，,]?"
    r"|[（(]\d{1,2}[)）]|\d{1,2}[、.．](?!\d)|[①②③④⑤⑥⑦⑧⑨⑩])\s*"
)
_TOP_LEVEL = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}[、.．]|第[一二三四五六七八九十]+部分)")

# Heading cues, checked in this order: a heading such as 不足与改进计划 is about shortcomings first.
_HEADING_CUES: tuple[tuple[Section, re.Pattern], ...] = (
    ("不足", re.compile(r"不足|问题|差距|缺点|短板|教训|反思|剖析|欠缺|改进|待提高|待提升|需提高|需提升"
                        r"|失误|困难|薄弱|遗憾")),
    ("计划", re.compile(r"计划|打算|努力方向|展望|规划|设想|思路|目标|下一步|明年|来年|新的一年|今后"
                        r"|下年度|下一年")),
    ("成绩", re.compile(r"成绩|业绩|完成情况|回顾|主要工作|工作内容|工作情况|取得|收获|亮点|成果|成效"
                        r"|做法|经验|开展|完成")),
)

# Cue phrases that switch the section inside body text (used for paragraphs without a heading).
_BODY_CUES: tuple[tuple[Section, re.Pattern], ...] = (
    ("不足", re.compile(
        r"^.{0,12}(?:不足之处|存在(?:的|着)?(?:一些|以下|不少)?(?:问题|不足)|缺点和不足|不足主要|问题主要|也有不足|仍有不足)"
        r"|^.{0,20}(?:存在|还有|看到|认识到|意识到|谈谈)[^。]{0,12}(?:不足|问题|差距|缺点|需要改进|有待)"
        r"|^.{0,4}反思")),
    ("计划", re.compile(
        r"^.{0,8}(?:新的一年|明年|来年|下一年|今后|下一步|20\d\d年(?:我|的工作)?(?:将|要|计划|打算)|展望|接下来)"
        r"|^.{0,24}(?:打算|思路|目标|计划|安排)[^。]{0,4}(?:如下|以下)|^.{0,24}以下[^。]{0,6}(?:打算|目标|计划|安排)")),
    ("成绩", re.compile(
        r"^.{0,12}(?:回顾(?:这|过去|本|今)|这一年来|一年来|本年度|今年以来|过去的一年)"
        r"|^.{0,20}(?:主要工作|取得的成绩|取得了一些成绩|工作情况如下|做了以下)")),
)

_TITLE = re.compile(r"总结|述职|报告")
_SENT_END = re.compile(r"(?<=[。！？!?；;])|\n")
_CLOSERS = "”’」』）)"
_MAX_HEADING = 30


@dataclass(frozen=True)
class Sentence:
    text: str
    section: Section
    is_heading: bool


@lru_cache(maxsize=65536)
def is_heading(line: str) -> bool:
    """A short line that is numbered or carries no sentence-final punctuation.

    Remembered: the pipeline, the copy signature and the concreteness score each ask it of every
    sentence, and headings recur across a corpus."""
    s = line.strip()
    if not s or len(s) > _MAX_HEADING:
        return False
    if s[-1] in "。！？!?；;，,":
        return bool(_NUMBERING.match(s)) and len(s) <= 16 and s[-1] not in "。；;"
    return True


def heading_section(line: str) -> Section | None:
    body = _NUMBERING.sub("", line, count=1)
    for section, cue in _HEADING_CUES:
        if cue.search(body):
            return section
    return None


def split_sentences(paragraph: str) -> list[str]:
    """Split on sentence-final punctuation and semicolons, keeping closing quotes with their sentence."""
    out: list[str] = []
    for piece in _SENT_END.split(paragraph):
        piece = piece.strip()
        if not piece:
            continue
        while piece and piece[0] in _CLOSERS and out:
            out[-1] += piece[0]
            piece = piece[1:].strip()
        if piece:
            out.append(piece)
    return out


def split_document(text: str) -> list[Sentence]:
    """Sentences of a document with their sections, in reading order.

    Sub-headings (``（二）抓好展厅管理``) keep the current section; top-level headings without a cue
    (``一、区域情况分析``) reset it to 其他, since they start a part that is neither.
    """
    sentences: list[Sentence] = []
    section: Section = "其他"
    for raw in text.split("\n"):
        line = raw.strip().strip("\u3000")
        if not line:
            continue
        if is_heading(line):
            # a title such as 2021年工作总结及2022年工作计划 names the whole document, not a section
            cue = None if _TITLE.search(line) else heading_section(line)
            if cue is not None:
                section = cue
            elif _TOP_LEVEL.match(line):
                section = "其他"
            sentences.append(Sentence(line, section, True))
            continue
        for cue_section, cue in _BODY_CUES:
            if cue.search(line):
                section = cue_section
                break
        for s in split_sentences(line):
            sentences.append(Sentence(s, section, False))
    return sentences
