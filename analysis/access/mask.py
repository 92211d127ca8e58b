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
from typing import Final

import pandas as pd

MASKS: Final = {
    "email": "[邮箱]",
    "id_card": "[身份证号]",
    "bank_card": "[银行卡号]",
    "mobile": "[手机号]",
    "landline": "[电话]",
}

# Order matters: an ID-card number is 18 digits and would otherwise read as a bank card, and a card
# number contains runs that look like phone numbers.
_PATTERNS: Final = (
    ("email", re.compile(r"[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                         r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}")),
    # 6-digit region, birth date 18xx–20xx with a valid month and day, 3-digit sequence, check digit or X
    ("id_card", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                           r"(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])")),
    # 16 to 19 digits, written together or in groups of four separated by spaces or hyphens
    ("bank_card", re.compile(r"(?<!\d)\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?(?!\d)")),
    # 11-digit mainland mobile, optionally +86 / 0086, optionally grouped 3-4-4
    ("mobile", re.compile(r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")),
    # area code 0xx or 0xxx (optionally in ASCII or full-width brackets), 7–8 digits, optional extension
    ("landline", re.compile(r"(?:[(（]0\d{2,3}[)）][ -]?|(?<!\d)0\d{2,3}[ -]?)\d{3,4}[ -]?\d{4}"
                            r"(?:(?:-|转|分机)\d{1,6})?(?!\d)")),
)


def mask_text(text: str) -> str:
    """``text`` with every phone, ID-card, e-mail and bank card number replaced by its kind."""
    if not text:
        return text
    for kind, pattern in _PATTERNS:
        text = pattern.sub(MASKS[kind], text)
    return text


def find(text: str) -> list[tuple[str, str]]:
    """(kind, matched text) of the personal data in ``text``, in the order ``mask_text`` replaces them."""
    found = []
    for kind, pattern in _PATTERNS:
        found += [(kind, m.group()) for m in pattern.finditer(text)]
        text = pattern.sub(MASKS[kind], text)
    return found


def mask_frame(frame: pd.DataFrame, keep: tuple[str, ...] = ("doc_id",)) -> pd.DataFrame:
    """Every text cell masked, except the columns in ``keep`` (identifiers such as the content hash,
    whose hex digits could look like a card number and must stay intact for the drill-down)."""
    out = frame.copy()
    for col in out.columns:
        if col in keep:
            continue
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: mask_text(v) if isinstance(v, str) else v)
    return out
