"""Masking of personal data in sentences and exported cells: phone numbers, ID-card numbers, e-mail
addresses and bank card numbers.

A year-end summary often carries a customer's mobile number, the writer's own ID number for an
expense claim or a card number for a reimbursement. Analysts below HR admin need the sentences, not
those numbers, so every string that leaves the data layer for them passes through ``mask_text``.

Each kind is replaced by a bracketed word rather than by stars: the reader still sees that a number
was there and what kind it was, and no digit of it survives (``138****5678`` keeps seven). Chinese
text has no spaces around numbers, so the patterns are delimited by "no digit (or letter) next to it"
instead of word boundaries. Over-masking a long order number as a card number is the safe error.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Final

import numpy as np
import pandas as pd

MASKS: Final = {
    "email": "[邮箱]",
    "id_card": "[身份证号]",
    "bank_card": "[银行卡号]",
    "mobile": "[手机号]",
    "landline": "[电话]",
}

_SEP = r"[ .\-]"
"""One separator between digit groups: space, dot or hyphen (full-width ones become these under NFKC)."""

# Order matters: an ID-card number is 18 digits and would otherwise read as a bank card, and a card
# number contains runs that look like phone numbers. The patterns run on the NFKC form of the text
# (full-width digits, ＠, （ ） and ideographic spaces become ASCII), and the match is replaced in the
# original text (``_normalised`` keeps where each character came from).
_DOMAIN_LABEL = r"[A-Za-z0-9\u4e00-\u9fff](?:[A-Za-z0-9\u4e00-\u9fff-]*[A-Za-z0-9\u4e00-\u9fff])?"
_BIRTH = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_PATTERNS: Final = (
    # ASCII local part (Chinese text runs straight into it, so no CJK there); ASCII or Chinese domains
    ("email", re.compile(rf"[A-Za-z0-9][A-Za-z0-9._%+-]*@{_DOMAIN_LABEL}(?:\.{_DOMAIN_LABEL})*"
                         r"\.(?:[A-Za-z]{2,}|[\u4e00-\u9fff]{2,})")),
    # 18 digits: 6-digit region, birth date 18xx–20xx, 3-digit sequence, check digit or X; optionally
    # written 6-8-4 with spaces or hyphens. 15 digits: the first-generation number (yymmdd, no check digit)
    ("id_card", re.compile(rf"(?<![0-9A-Za-z])[1-9]\d{{5}}{_SEP}?(?:18|19|20)\d{{2}}{_BIRTH}{_SEP}?\d{{3}}[0-9Xx]"
                           rf"(?![0-9A-Za-z])|(?<![0-9A-Za-z])[1-9]\d{{5}}{_SEP}?\d{{2}}{_BIRTH}{_SEP}?\d{{3}}"
                           r"(?![0-9A-Za-z])")),
    # 16 to 19 digits, together or in groups of four separated by spaces, dots or hyphens
    ("bank_card", re.compile(rf"(?<!\d)\d{{4}}(?:{_SEP}?\d{{4}}){{3}}(?:{_SEP}?\d{{1,3}})?(?!\d)")),
    # 11-digit mainland mobile, optionally +86 / 0086, with one separator anywhere between digits
    # (138 1234 5678, 138.1234.5678, 138 123 45678) or the first three in brackets: (138)12345678
    ("mobile", re.compile(rf"(?<![\d+])(?:(?:\+|00)?86{_SEP}?)?(?:1[3-9]\d|\(1[3-9]\d\))(?:{_SEP}?\d){{8}}(?!\d)")),
    # area code 0xx or 0xxx (optionally in brackets), 7–8 digits, optional extension
    ("landline", re.compile(rf"(?:\(0\d{{2,3}}\){_SEP}?|(?<!\d)0\d{{2,3}}{_SEP}?)\d{{3,4}}{_SEP}?\d{{4}}"
                            r"(?:(?:-|转|分机)\d{1,6})?(?!\d)")),
)


_UNSTABLE = re.compile(r"[^\x00-\x7f\u4e00-\u9fff\u3001-\u3035\u303b-\u303f]+")
"""Runs of characters NFKC may change (full-width forms, ideographic space, circled digits, …); ASCII,
CJK ideographs and CJK punctuation are left as they are, which is most of a summary."""


def _normalised(text: str) -> tuple[str, list[int]]:
    """The NFKC form of ``text`` and, for each of its characters, the index of the original character
    it came from (NFKC may turn one character into several: ⑬ → 13)."""
    out: list[str] = []
    origin: list[int] = []
    pos = 0
    for m in _UNSTABLE.finditer(text):
        out.append(text[pos:m.start()])
        origin.extend(range(pos, m.start()))
        for i in range(m.start(), m.end()):
            n = unicodedata.normalize("NFKC", text[i])
            out.append(n)
            origin.extend([i] * len(n))
        pos = m.end()
    out.append(text[pos:])
    origin.extend(range(pos, len(text)))
    return "".join(out), origin


_CANDIDATE = re.compile(r"[\d@\uff20\u2460-\u24ff\u2776-\u2793\u3251-\u325f\u32b1-\u32bf]")
"""Text without a digit of any script (incl. circled ones) or an at sign holds nothing to mask."""


def _matches(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) in the original text of everything to mask, kind by kind in ``_PATTERNS``
    order. The text is normalised once; each match is blanked out (same length, no digit or letter)
    before the next kind is looked for, as if it had been replaced by its bracketed word."""
    norm, origin = _normalised(text)
    found = []
    for kind, pattern in _PATTERNS:
        spans = [(m.start(), m.end()) for m in pattern.finditer(norm) if m.end() > m.start()]
        for a, b in spans:
            found.append((kind, origin[a], origin[b - 1] + 1))
        if spans:
            chars = list(norm)
            for a, b in spans:
                chars[a:b] = "\x00" * (b - a)
            norm = "".join(chars)
    return found


def mask_text(text: str) -> str:
    """``text`` with every phone, ID-card, e-mail and bank card number replaced by its kind."""
    if not text or not _CANDIDATE.search(text):
        return text
    for kind, a, b in sorted(_matches(text), key=lambda m: m[1], reverse=True):
        text = text[:a] + MASKS[kind] + text[b:]
    return text


def find(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) of the personal data in ``text``, in the order ``mask_text`` replaces them."""
    return [(kind, text[a:b]) for kind, a, b in _matches(text)] if text else []


IDENTIFIERS: Final = ("doc_id", "copy_of", "next_doc_id")
"""Columns and keys holding content hashes: their hex digits can look like a card number, and they must
stay intact for the drill-down. (``copy_of`` may name a 范文, which is no personal data.)"""


def mask_frame(frame: pd.DataFrame, keep: tuple[str, ...] = IDENTIFIERS) -> pd.DataFrame:
    """Every text cell masked (strings inside list cells too), except the columns in ``keep``."""
    out = frame.copy()
    for col in out.columns:
        if col in keep:
            continue
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: mask_value(v, keep))
    return out


def mask_value(value, keep: tuple[str, ...] = IDENTIFIERS):
    """Any value a read returns, masked all the way down: a table, a string, a dict (its values, but
    not those under ``keep``), a list or tuple of them, an array of strings. Structural, so that a read
    returning a (summary, table) pair or a dict of figures cannot slip past the mask."""
    if isinstance(value, pd.DataFrame):
        return mask_frame(value, keep)
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: v if k in keep else mask_value(v, keep) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_value(v, keep) for v in value)
    if isinstance(value, pd.Series):
        return value.map(lambda v: mask_value(v, keep))
    if isinstance(value, np.ndarray) and value.dtype == object:  # list columns come back from DuckDB as arrays
        return np.array([mask_value(v, keep) for v in value], dtype=object)
    return value
