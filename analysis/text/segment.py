"""Word segmentation: jieba's cut, computed by jieba-rs (``rjieba``), with jieba itself as the reference.

``cut`` runs a private ``rjieba.Jieba`` (jieba's dictionary as jieba-rs ships it, plus our user
dictionary), about 25 times faster than ``jieba.lcut`` and token for token the same: tests cut the demo
corpus and every labelled sentence with both (tests/test_segment.py). The user dictionary keeps domain
terms whole (意向客户, 货款回笼, 回款率); stopwords and placeholders are dropped from the tokens used for
keywords, but kept for sentiment, where 不 and 没有 matter.

Where the two libraries disagree, jieba's cut is the one kept, deliberately, so that every stored token,
keyword, trained weight and score stays what it was:

- ASCII: jieba-rs keeps a run such as ``GW-100``, ``x-ray`` or ``abc_def`` whole; jieba cuts it into
  letter/digit runs (with a decimal part and ``%``: ``95.5%``) and the symbols between them (``GW``, ``-``,
  ``100``). ``cut`` re-splits such runs jieba's way, except dictionary words (``C++``, ``AT&T``). So a
  product code is counted as its letters (``GW``), as it always was; keeping codes whole would be a
  change of keywords and sentiment features, to be made on purpose with a new ``ANALYSIS_VERSION``.
- Han characters outside jieba's range U+4E00–U+9FD5 (extension A/B…, compatibility ideographs, the
  newest unified ones): jieba-rs reads them as Han, jieba as symbols. A sentence containing one is cut
  by jieba itself (``tokenizer``), which stays the reference and the frequency table that
  ``analysis.insight.followthrough`` weighs words with.
"""
from __future__ import annotations

import hashlib
import itertools
import logging
import marshal
import os
import re
import sys
from collections.abc import Callable
from functools import lru_cache

import jieba
import rjieba

from analysis.paths import CACHE_DIR, data_path, write_cache

jieba.setLogLevel(logging.WARNING)

_WORD_RE = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_PLACEHOLDER_TOKEN = re.compile(r"^(?:[xX×*＊_＿]+|\d*[xX]+\d*)$")
_NUMBER_WORD = re.compile(r"^[零〇一二三四五六七八九十百千万亿两余多几半第]+[批个家次人台件份项条名位年月天]?$")
_JIEBA_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg.re_skip: how jieba cuts an ASCII run
_OUTSIDE_JIEBA_HAN = re.compile("[\u3400-\u4dbf\u9fd6-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
"""Characters jieba-rs reads as Han and jieba does not (jieba's Han range is U+4E00–U+9FD5)."""
_ASCII_SYMBOL = re.compile(r"[!-/:-@\[-`{-~]")


@lru_cache(maxsize=1)
def fast() -> rjieba.Jieba:
    """jieba-rs with jieba's dictionary (built into the binding) and the user dictionary, added as jieba's
    ``load_userdict`` adds it (word, frequency, tag). Loads in about 0.5 s, once per process."""
    tok = rjieba.Jieba()
    for line in data_path("userdict.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            tok.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)
    return tok


def lcut(text: str) -> list[str]:
    """Exactly ``tokenizer().lcut(text)`` (jieba with the user dictionary, whitespace included), computed
    by jieba-rs; see the module docstring for the two cases handled jieba's way."""
    if _OUTSIDE_JIEBA_HAN.search(text):
        return tokenizer().lcut(text)
    fast_cut = fast()
    if not _ASCII_SYMBOL.search(text):
        return fast_cut.cut(text)  # no ASCII symbol: no run for jieba to cut otherwise
    out: list[str] = []
    for t in fast_cut.cut(text):
        if len(t) > 1 and t.isascii() and not _JIEBA_SKIP.fullmatch(t) and not fast_cut.has_word(t):
            out.extend(x for x in _JIEBA_SKIP.split(t) if x)
        else:
            out.append(t)
    return out


@lru_cache(maxsize=1)
def tokenizer() -> jieba.Tokenizer:
    """The reference: jieba's own tokenizer with the user dictionary, its prefix dictionary loaded from ``data/cache/``.

    jieba keeps its prefix dictionary (500,000 entries) in a cache file it reads with
    ``marshal.load`` on the open file, which fetches every value through a Python-level read:
    0.46 s, paid by every build before its workers start. The same data read in one piece and
    unmarshalled from bytes takes 0.15 s. The cached state is everything ``cut`` reads (``FREQ`` and
    ``total``, the user dictionary applied), keyed by the jieba version and the user dictionary; a
    missing or damaged cache means building the tokenizer jieba's way once more.
    """
    path = CACHE_DIR / f"jieba-{_cache_key()}.marshal"
    tok = jieba.Tokenizer()
    try:
        tok.FREQ, tok.total = marshal.loads(path.read_bytes())
        tok.initialized = True
        return tok
    except (OSError, EOFError, ValueError, TypeError):
        pass
    tok.initialize()
    tok.load_userdict(str(data_path("userdict.txt")))
    write_cache(path, marshal.dumps((tok.FREQ, tok.total)))
    return tok


def _cache_key() -> str:
    h = hashlib.sha256(f"{jieba.__version__}\n{jieba.DEFAULT_DICT_NAME}\n".encode())
    h.update(data_path("userdict.txt").read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    lines = data_path("stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def cut(text: str) -> list[str]:
    """All tokens except whitespace, in order (what sentiment reads). ``filter`` tests the tokens in C: a
    comprehension's Python step per token was as slow as the cut itself."""
    return list(filter(str.strip, lcut(text)))


def content_words(tokens: list[str]) -> list[str]:
    """Tokens worth counting as keywords: no stopwords, punctuation, numbers or placeholders."""
    return list(itertools.compress(tokens, map(_content.__getitem__, tokens)))


def _is_content(t: str) -> bool:
    return bool(len(t) > 1 and t not in stopwords() and _WORD_RE.search(t) and not _PLACEHOLDER_TOKEN.match(t)
                and not _NUMBER_WORD.match(t))


TOKEN_MEMO_ENV = "YEAREND_TOKEN_MEMO_MB"
TOKEN_MEMO_BYTES = int(float(os.environ.get(TOKEN_MEMO_ENV, 16)) * 2**20)
"""Bytes each ``Memo`` (token → a fact about it) may hold (``Memo.entry_bytes``); 0 remembers nothing. A budget
in bytes, not in tokens: on a corpus whose numbers, codes and names are new tokens every document, each memo
of a worker fills whatever the count (500,000 tokens were ~65 MB per memo, three memos per worker)."""
_MEMO_ENTRY = 40
"""What a memo entry costs beyond its key string: its slot in the dict's hash table and entry array (26–38
bytes per entry by tracemalloc over 1,000–300,000 keys, depending on how full the table is). Values are
shared objects (booleans, None, a vocabulary's row numbers), not counted."""


class Memo(dict):
    """key → ``resolve(key)``, worked out on the first look-up of each key and remembered (speed only) within
    ``limit`` bytes (default ``TOKEN_MEMO_BYTES``): a key that would pass it empties the memo first, so a
    corpus of unique tokens cannot grow it without end; one larger than the whole budget is not remembered."""

    def __init__(self, resolve: Callable[[str], object], limit: int | None = None) -> None:
        super().__init__()
        self.resolve = resolve
        self.limit = TOKEN_MEMO_BYTES if limit is None else limit
        self.size = 0
        """``entry_bytes`` summed over the keys held."""

    @staticmethod
    def entry_bytes(key: str) -> int:
        return _MEMO_ENTRY + sys.getsizeof(key)

    def __missing__(self, key: str):
        value = self.resolve(key)
        size = self.entry_bytes(key)
        if size <= self.limit:
            if self.size + size > self.limit:
                self.clear()
            self[key] = value
            self.size += size
        return value

    def clear(self) -> None:
        super().clear()
        self.size = 0


_content = Memo(_is_content)
