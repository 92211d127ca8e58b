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
  match must contain, found for a whole document in one Aho–Corasick pass.

Nothing here decides anything: every function is checked against the per-sentence reference
(``tests/test_pipeline.py``, ``tests/test_fastscore.py``).
"""
from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from re import _constants as _c
from re import _parser

from analysis.text.segment import Memo

Rows = Memo  # word → its row (or None), worked out once per process: ``Rows(resolve)``


def row_sets(token_lists: Iterable[Sequence[str]], words: Rows, pairs: dict[str, int],
             pairs_of: Callable[[str], Sequence[str]]) -> list[set[int]]:
    """Per token list, the set of rows of its words (``words``; None for no row) and of the character
    pairs ``pairs_of("".join(tokens))`` (``pairs``), inserted words first, in order, as
    ``{row(f) for f in features}`` inserts them (the set's iteration order, hence the order of any
    sum over it, is the same)."""
    get_word, get_pair = words.__getitem__, pairs.get
    # ``set(filter(...))`` inserts in the same order as the comprehension, without a Python-level step per row
    known = functools.partial(operator.is_not, None)
    return [set(filter(known, itertools.chain(map(get_word, tokens), map(get_pair, pairs_of("".join(tokens))))))
            for tokens in token_lists]


def ordered_sums(matrix, key_lists: Sequence[Sequence[Iterable[str]]], indexes: Sequence[dict[str, int]]):
    """Per item ``n``, the sum of the ``matrix`` rows of its keys: ``key_lists[0][n]`` looked up in
    ``indexes[0]``, then ``key_lists[1][n]`` in ``indexes[1]``…, keys without a row skipped, added one
    after the other in that order (``np.add.reduceat``; equal to a loop's sum up to the last bit, see the
    module docstring). The look-ups run through C-level ``map`` over the whole batch, not a loop per item."""
    import numpy as np

    n = len(key_lists[0])
    rows_parts, item_parts = [], []
    for keys, index in zip(key_lists, indexes):
        sizes = np.fromiter(map(len, keys), dtype=np.int64, count=n)
        rows_parts.append(np.fromiter(map(index.get, itertools.chain.from_iterable(keys), itertools.repeat(-1)),
                                      dtype=np.int64, count=int(sizes.sum())))
        item_parts.append(np.repeat(np.arange(n), sizes))
    rows, items = np.concatenate(rows_parts), np.concatenate(item_parts)
    order = np.argsort(items, kind="stable")  # each item's keys together, lists in order, keys in order
    rows, items = rows[order], items[order]
    known = rows >= 0
    rows, items = rows[known], items[known]
    sums = np.zeros((n, matrix.shape[1]))
    if len(rows):
        starts = np.flatnonzero(np.r_[True, items[1:] != items[:-1]])
        sums[items[starts]] = np.add.reduceat(matrix[rows], starts, axis=0)
    return sums


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
        self.automaton = ahocorasick.Automaton()
        for words in {w for alts in self.required.values() if alts for sets in alts for s in sets for w in s}:
            self.automaton.add_word(words, words)
        if len(self.automaton):
            self.automaton.make_automaton()

    def candidates(self, texts: Sequence[str]) -> dict[str, set[int] | None]:
        """Per key, the indexes of the texts that hold every string required by one of its alternatives
        (None: the expression requires nothing, every text is a candidate)."""
        hits: dict[str, set[int]] = {}
        if len(self.automaton):
            ends = list(itertools.accumulate(len(t) + 1 for t in texts))
            for end, word in self.automaton.iter("\n".join(texts)):
                hits.setdefault(word, set()).add(bisect.bisect_right(ends, end))
        out: dict[str, set[int] | None] = {}
        for key, alternatives in self.required.items():
            if alternatives is None:
                out[key] = None
                continue
            found: set[int] = set()
            for sets in alternatives:
                having = None
                for words in sets:
                    texts_with = set().union(*(hits.get(w, ()) for w in words))
                    having = texts_with if having is None else having & texts_with
                    if not having:
                        break
                found |= having
            out[key] = found
        return out
