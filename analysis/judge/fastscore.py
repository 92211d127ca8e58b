"""How the per-sentence scoring is computed fast; what it computes stays in ``sentiment`` and ``themes``.

The models read a sentence as a set of rows of a weight matrix (its words and character pairs).
Scoring a document used to rebuild, for every sentence, the feature strings (``"\\x01" + pair``) and
ask up to three dictionaries per feature. Here:

- ``Rows``: a word's row (or None) is worked out once per process and then is one dictionary look-up;
  the rows of a document's sentences are gathered with C-level ``map``, in exactly the order the
  reference code visits the features, so that sums over them are the same to the last bit;
- ``ordered_sums``: a batch's rows gathered with C-level look-ups and summed with one ``np.add.reduceat``.
  numpy does not promise the order of the additions inside one reduction, so a sum can differ from a
  Python loop's in the last bit (measured: up to 4e-15); what is stored — labels, and scores rounded to
  four decimals — is checked equal to the per-sentence reference, which is what "identical" means here;
- ``LiteralFilter``: which sentences can match a word-order expression at all, from the strings every
  match must contain, found for a whole document in one Aho–Corasick pass;
- ``pair_codes`` / ``PairRows``: the character pairs both models read (``sentiment.char_bigrams``) found for
  a whole document as numbers (two code points in one integer) from its UTF-32 bytes, and looked up in a
  sorted array of the known pairs, instead of slicing a two-character string per pair and hashing it into a
  dictionary (that was a third of the theme model's time and a third of the regression's);
- ``lexicon_counts_many``: the HowNet and DUTIR word counts of a document's sentences from one array of
  per-token bits, the two-word window before each word read by shifting that array.

Nothing here decides anything: every function is checked against the per-sentence reference
(``tests/test_pipeline.py``, ``tests/test_fastscore.py``).
"""
from __future__ import annotations

import functools
import itertools
import operator
import re
from collections.abc import Iterable, Sequence
from re import _constants as _c
from re import _parser

import numpy as np

from analysis.text.segment import Memo

Rows = Memo  # word → its row (or None), worked out once per process: ``Rows(resolve)``


def row_sets(token_lists: Sequence[Sequence[str]], words: Rows, pairs: PairRows) -> list[set[int]]:
    """Per token list, the set of rows of its words (``words``; None for no row) and of the character
    pairs of ``"".join(tokens)`` (``sentiment.char_bigrams``, looked up in ``pairs``), inserted words first,
    in order, as ``{row(f) for f in features}`` inserts them (the set's iteration order, hence the order of
    any sum over it, is the same). The pairs of all the lists are found and looked up in one numpy pass."""
    codes, items = pair_codes(["".join(tokens) for tokens in token_lists])
    rows = pairs.lookup(codes)
    found = rows >= 0
    rows, items = rows[found], items[found]  # a pair without a row adds nothing to the set
    bounds = np.searchsorted(items, np.arange(len(token_lists) + 1)).tolist()
    rows = rows.tolist()
    get_word = words.__getitem__
    # ``set(filter(...))`` inserts in the same order as the comprehension, without a Python-level step per row
    known = functools.partial(operator.is_not, None)
    return [set(itertools.chain(filter(known, map(get_word, tokens)), rows[a:b]))
            for tokens, a, b in zip(token_lists, bounds, bounds[1:])]


_HAN_FIRST, _HAN_LAST = 0x4E00, 0x9FFF
"""The Han range of ``sentiment.char_bigrams`` (its ``_NON_HAN``): pairs are taken inside runs of these."""
_HAN_SPAN = _HAN_LAST - _HAN_FIRST + 1
_ITEM_SHIFT = 29
"""A pair's code is below ``_HAN_SPAN ** 2`` < 2 ** 29: (text, pair) fits one int64 as ``text << 29 | code``."""


def pair_code(pair: str) -> int | None:
    """The number ``pair_codes`` gives a pair of Han characters; None for anything else."""
    if len(pair) != 2 or not all(_HAN_FIRST <= ord(c) <= _HAN_LAST for c in pair):
        return None
    return (ord(pair[0]) - _HAN_FIRST) * _HAN_SPAN + ord(pair[1]) - _HAN_FIRST


def pair_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every adjacent pair of Han characters of every text (``sentiment.char_bigrams`` of each, in order),
    as (``pair_code`` of each pair, index of its text): one pass over the document's UTF-32 code points.
    Texts are joined with a newline, which is not Han, so no pair reaches from one text into the next."""
    joined = "\n".join(texts)
    # surrogatepass: a lone surrogate (from undecodable input) stays one code point, so positions line up
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    han = (points >= _HAN_FIRST) & (points <= _HAN_LAST)
    starts = np.flatnonzero(han[:-1] & han[1:])
    codes = (points[starts] - _HAN_FIRST) * _HAN_SPAN + (points[starts + 1] - _HAN_FIRST)
    ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
    return codes, np.searchsorted(ends, starts, side="right")


def first_pairs(codes: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each (text, pair) in ``pair_codes``' output, in order: each
    text's distinct pairs as ``dict.fromkeys(char_bigrams(text))`` keeps them."""
    _, first = np.unique((items << _ITEM_SHIFT) | codes, return_index=True)
    first.sort()
    return first


class PairRows:
    """A table character pair → row (``{"客户": 12, …}``), looked up for arrays of ``pair_code`` values."""

    def __init__(self, rows: dict[str, int]) -> None:
        # the two-character keys' code points in one array (``pair_code`` of each, without a Python step per key:
        # a model has ~40,000 pairs, and every worker built this table on its first document); keys that are not
        # Han pairs are never looked up by char_bigrams either
        two = [(key, row) for key, row in rows.items() if len(key) == 2]
        points = np.frombuffer("".join(k for k, _ in two).encode("utf-32-le", "surrogatepass"),
                               dtype=np.uint32).astype(np.int64).reshape(-1, 2)
        han = ((points >= _HAN_FIRST) & (points <= _HAN_LAST)).all(axis=1)
        codes = (points[han, 0] - _HAN_FIRST) * _HAN_SPAN + points[han, 1] - _HAN_FIRST
        order = np.argsort(codes, kind="stable")  # distinct pairs have distinct codes
        self.codes = codes[order]
        self.rows = np.fromiter((r for _, r in two), dtype=np.int64, count=len(two))[han][order]

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        """The row of every code, -1 for a pair without one."""
        if not len(self.codes) or not len(codes):
            return np.full(len(codes), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.codes, codes), len(self.codes) - 1)
        return np.where(self.codes[at] == codes, self.rows[at], -1)


def ordered_sums(matrix, key_lists: Sequence[Sequence[Iterable[str]]], indexes: Sequence[dict[str, int]]):
    """Per item ``n``, the sum of the ``matrix`` rows of its keys: ``key_lists[0][n]`` looked up in
    ``indexes[0]``, then ``key_lists[1][n]`` in ``indexes[1]``…, keys without a row skipped, added one
    after the other in that order (``np.add.reduceat``; equal to a loop's sum up to the last bit, see the
    module docstring). The look-ups run through C-level ``map`` over the whole batch, not a loop per item."""
    n = len(key_lists[0])
    return ordered_row_sums(matrix, [key_rows(keys, index) for keys, index in zip(key_lists, indexes)], n)


def key_rows(keys: Sequence[Iterable[str]], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(row of every key of every item, -1 for none; the item of each), items in order: a part of
    ``ordered_row_sums``."""
    n = len(keys)
    sizes = np.fromiter(map(len, keys), dtype=np.int64, count=n)
    rows = np.fromiter(map(index.get, itertools.chain.from_iterable(keys), itertools.repeat(-1)),
                       dtype=np.int64, count=int(sizes.sum()))
    return rows, np.repeat(np.arange(n), sizes)


def ordered_row_sums(matrix, parts: Sequence[tuple[np.ndarray, np.ndarray]], n: int):
    """``ordered_sums`` of parts already looked up: per part (rows, -1 for none; items, ascending)."""
    rows, items = np.concatenate([r for r, _ in parts]), np.concatenate([i for _, i in parts])
    order = np.argsort(items, kind="stable")  # each item's keys together, lists in order, keys in order
    rows, items = rows[order], items[order]
    known = rows >= 0
    rows, items = rows[known], items[known]
    sums = np.zeros((n, matrix.shape[1]))
    if len(rows):
        starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
        sums[items[starts]] = np.add.reduceat(matrix[rows], starts, axis=0)
    return sums


def literal_alternation(words: Iterable[str]) -> str:
    """A regular expression matching exactly what ``"|".join(map(re.escape, sorted(set(words), key=len,
    reverse=True)))`` matches, written as a trie: ``完成|完善|完成了`` → ``完(?:成(?:了)?|善)``.

    At each position the longest word wins in both (the sorted alternation tries longer words first; the
    trie follows the text's characters as deep as they go and backs off one character at a time), so every
    search, match, fullmatch and finditer finds the same spans. The flat alternation tries every one of a
    few hundred words at each position where one could start; the trie tries only the words sharing the
    text's next characters, which made the cue and theme scans a third faster."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer word first, then the word ending here

    return emit(trie)


def required_literals(pattern: re.Pattern) -> list[list[frozenset[str]]] | None:
    """What every match of ``pattern`` must contain, read from its parsed form: alternatives (a top-level
    ``a|b`` of whole expressions), each a list of sets of which one string must occur, e.g.
    ``(?:拜访|走访)[^，]{0,10}(?:客户|门店)`` → ``[[{拜访, 走访}, {客户, 门店}]]``. Only parts that match
    literally count (a literal, a group of literal alternatives, a class of literal characters); lookarounds,
    repeats and case-insensitive parts require nothing. None: nothing is required (no filter)."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except re.error:
        return None
    items = list(parsed)
    if len(items) == 1 and items[0][0] is _c.BRANCH and _literal_set(items[0]) is None:
        alternatives = [_required_in(list(alt)) for alt in items[0][1][1]]
        return None if any(a is None for a in alternatives) else alternatives
    required = _required_in(items)
    return None if required is None else [required]


def _required_in(items: list) -> list[frozenset[str]] | None:
    sets, run = [], ""
    for item in [*items, (None, None)]:
        if item[0] is _c.LITERAL:
            run += chr(item[1])  # a run of literal characters is one required string
            continue
        if run:
            sets.append(frozenset([run]))
            run = ""
        found = _literal_set(item) if item[0] is not None else None
        if found is not None:
            sets.append(found)
    return sets or None


def _literal_set(item) -> frozenset[str] | None:
    """The strings one of which ``item`` (an element of a parsed expression) matches, if it matches only
    literal strings; else None."""
    op, av = item
    if op is _c.LITERAL:
        return frozenset([chr(av)])
    if op is _c.IN and av and all(o is _c.LITERAL for o, _ in av):
        return frozenset(chr(v) for _, v in av)
    if op is _c.BRANCH:
        words = []
        for alt in av[1]:
            if not len(alt) or not all(o is _c.LITERAL for o, _ in alt):
                return None
            words.append("".join(chr(v) for _, v in alt))
        return frozenset(words)
    if op is _c.SUBPATTERN and not av[1] and not av[2] and len(av[3]) == 1:  # a group without flags
        return _literal_set(av[3][0])
    return None


class LiteralFilter:
    """Which texts may hold a match of each of some expressions (``{key: pattern}``), from one
    Aho–Corasick pass over all the texts for the strings the expressions require (``required_literals``).

    A text without one of the required strings cannot match, so searching only the texts ``candidates``
    returns finds exactly the texts ``pattern.search`` finds in all of them: most word-order expressions
    (学…技术, 解决…问题) need two or three words of which most sentences hold none, and scanning a
    sentence for them costs microseconds at every possible first word."""

    def __init__(self, patterns: dict[str, re.Pattern]) -> None:
        import ahocorasick

        self.required = {key: required_literals(p) for key, p in patterns.items()}
        words = sorted({w for alts in self.required.values() if alts for sets in alts for s in sets for w in s})
        self.automaton = ahocorasick.Automaton()
        for n, word in enumerate(words):
            self.automaton.add_word(word, n)  # the word's column in ``candidates``' table of texts × words
        if len(self.automaton):
            self.automaton.make_automaton()
        column = {w: n for n, w in enumerate(words)}
        self.columns = {key: alts and [[[column[w] for w in s] for s in sets] for sets in alts]
                        for key, alts in self.required.items()}

    def candidates(self, texts: Sequence[str]) -> dict[str, set[int] | None]:
        """Per key, the indexes of the texts that hold every string required by one of its alternatives
        (None: the expression requires nothing, every text is a candidate). The hits are tabulated with
        numpy (texts × words), not one Python step per hit."""
        held = np.zeros((len(texts), len(self.automaton)), dtype=bool)
        if len(self.automaton):
            hits = np.fromiter(itertools.chain.from_iterable(self.automaton.iter("\n".join(texts))),
                               dtype=np.int64).reshape(-1, 2)
            ends = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1)
            held[np.searchsorted(ends, hits[:, 0], side="right"), hits[:, 1]] = True
        out: dict[str, set[int] | None] = {}
        for key, alternatives in self.columns.items():
            if alternatives is None:
                out[key] = None
                continue
            found = np.zeros(len(texts), dtype=bool)
            for sets in alternatives:  # one of the alternatives, each of its sets, any word of a set
                found |= np.logical_and.reduce([held[:, columns].any(axis=1) for columns in sets])
            out[key] = set(np.flatnonzero(found).tolist())
        return out


def lexicon_counts_many(token_lists: Sequence[Sequence[str]], flag_of: Memo, lexicons: Sequence[tuple[int, int]],
                        hedge: int, deny: int) -> list[tuple[int, ...]]:
    """Per token list, for each lexicon's (positive bit, negative bit) of ``lexicons``: how many of its tokens
    count positive and how many negative, as ``sentiment.lexicon_counts`` counts them — a word with the
    positive bit and not the negative one is +1, the reverse −1; it is not counted when one of the two
    tokens before it (in the same list) has the ``hedge`` bit, and counts for the other side when one has
    the ``deny`` bit. ``flag_of``: token → its bits. One array pass per document instead of a loop per
    sentence and lexicon."""
    n = len(token_lists)
    sizes = np.fromiter(map(len, token_lists), dtype=np.int64, count=n)
    total = int(sizes.sum())
    flags = np.fromiter(map(flag_of.__getitem__, itertools.chain.from_iterable(token_lists)), dtype=np.int64,
                        count=total)
    items = np.repeat(np.arange(n), sizes)
    place = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)  # position within its list
    hedged, denied = np.zeros(total, dtype=bool), np.zeros(total, dtype=bool)
    for back in (1, 2):  # the window tokens[i-2:i], not reaching into the list before
        reach = place[back:] >= back
        hedged[back:] |= ((flags[:-back] & hedge) != 0) & reach
        denied[back:] |= ((flags[:-back] & deny) != 0) & reach
    columns = []
    for pos_bit, neg_bit in lexicons:
        sign = ((flags & pos_bit) != 0).astype(np.int64) - ((flags & neg_bit) != 0)
        sign[hedged] = 0
        sign[denied] = -sign[denied]
        columns.append(np.bincount(items[sign > 0], minlength=n))
        columns.append(np.bincount(items[sign < 0], minlength=n))
    return list(zip(*(c.tolist() for c in columns)))
