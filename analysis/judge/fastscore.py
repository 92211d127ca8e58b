"""How the per-sentence scoring is computed fast; what it computes stays in ``sentiment`` and ``themes``.

The models read a sentence as a set of rows of a weight matrix (its words and character pairs).
Scoring a document used to rebuild, for every sentence, the feature strings (``"\\x01" + pair``) and
ask up to three dictionaries per feature. Here:

- ``Rows``: a word's row (or None) is worked out once per process and then is one dictionary look-up;
  the rows of a document's sentences are gathered with C-level ``map``, in exactly the order the
  reference code visits the features, so that sums over them are the same to the last bit;
- ``ordered_sums``: a batch's rows gathered with C-level look-ups and summed with one ``np.add.reduceat``,
  in the order a loop over the keys adds them.

Nothing here decides anything: every function is checked against the per-sentence reference
(``tests/test_pipeline.py``, ``tests/test_fastscore.py``).
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

from analysis.text.segment import Memo

Rows = Memo  # word → its row (or None), worked out once per process: ``Rows(resolve)``


def row_sets(token_lists: Iterable[Sequence[str]], words: Rows, pairs: dict[str, int],
             pairs_of: Callable[[str], Sequence[str]]) -> list[set[int]]:
    """Per token list, the set of rows of its words (``words``; None for no row) and of the character
    pairs ``pairs_of("".join(tokens))`` (``pairs``), inserted words first, in order, as
    ``{row(f) for f in features}`` inserts them (the set's iteration order, hence the order of any
    sum over it, is the same)."""
    get_word, get_pair = words.__getitem__, pairs.get
    return [{r for r in itertools.chain(map(get_word, tokens), map(get_pair, pairs_of("".join(tokens))))
             if r is not None} for tokens in token_lists]


def ordered_sums(matrix, key_lists: Sequence[Sequence[Iterable[str]]], indexes: Sequence[dict[str, int]]):
    """Per item ``n``, the sum of the ``matrix`` rows of its keys: ``key_lists[0][n]`` looked up in
    ``indexes[0]``, then ``key_lists[1][n]`` in ``indexes[1]``…, keys without a row skipped, added one
    after the other in that order (``np.add.reduceat``) — the order a loop over the keys adds them, so the
    same floats. The look-ups run through C-level ``map`` over the whole batch, not a loop per item."""
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
