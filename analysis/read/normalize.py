"""Traditional→Simplified conversion and template placeholders.

Analysis runs on Simplified text so that one keyword list and one dictionary serve both scripts; the
original text is kept for display. Placeholders such as ``20xx`` or ``xxx万元`` are what a 范文 leaves
behind when pasted unedited: they are counted as a template signal and kept out of the tokens.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

PLACEHOLDER_RE = re.compile(
    r"(?:19|20)[xX×Ｘｘ*＊]{2}"                        # 20xx年
    r"|(?<![A-Za-z])[xX×Ｘｘ]{2,}(?![A-Za-z])"          # xx地市, xxx万元, XXX公司
    r"|[*＊]{2,}"                                        # **月份
    r"|(?<![A-Za-z0-9])[xXＸｘ](?=[\u4e00-\u9fff%％])"  # x个月, x%
    r"|某某"                                            # 某某公司
    r"|_{3,}|＿{2,}"                                     # fill-in blanks
)

# Variant characters OpenCC leaves as they are but that the keyword lists spell one way.
_VARIANTS = {
    "对帐": "对账", "帐款": "账款", "帐期": "账期", "帐目": "账目", "帐务": "账务", "坏帐": "坏账",
    "呆帐": "呆账", "转帐": "转账", "记帐": "记账", "帐户": "账户", "台帐": "台账", "应收帐": "应收账",
    "挂帐": "挂账", "销帐": "销账", "查帐": "查账", "帐单": "账单", "帐面": "账面",
}
_VARIANT_RE = re.compile("|".join(map(re.escape, _VARIANTS)))
_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _converter():
    import opencc  # the C++ wheel: ~40x faster than the pure-Python reimplementation

    return opencc.OpenCC("t2s")


@dataclass(frozen=True)
class Normalized:
    simplified: str
    traditional: bool
    placeholders: tuple[str, ...]


def to_simplified(text: str) -> str:
    """Simplified characters with the variant spellings the taxonomy expects."""
    out = _converter().convert(text)
    return _VARIANT_RE.sub(lambda m: _VARIANTS[m.group(0)], out)


# Every placeholder contains one of these: a plain character-class search rules most texts out faster
# than the placeholder expression with its look-arounds can.
_PLACEHOLDER_CHARS = re.compile(r"[xX×Ｘｘ*＊某_＿]")


def find_placeholders(text: str) -> list[str]:
    return PLACEHOLDER_RE.findall(text) if _PLACEHOLDER_CHARS.search(text) else []


def normalize(text: str) -> Normalized:
    """Simplify, detect whether the original was written in Traditional characters, find placeholders."""
    simplified = to_simplified(text)
    traditional = False
    if simplified != text and len(text) == len(simplified):
        changed = sum(1 for a, b in zip(text, simplified) if a != b)
        traditional = changed / (len(_CJK_RE.findall(text)) or 1) > 0.03
    return Normalized(simplified, traditional, tuple(find_placeholders(simplified)))
