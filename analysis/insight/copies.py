"""Copied summaries: near-duplicate search over character shingles with MinHash and LSH.

Year-end summaries are pasted from 范文 pages, from a colleague, or from the writer's own summary of
last year. Comparing every pair of documents is quadratic (5·10⁹ pairs for 100,000 summaries), so:

1. every document gets a MinHash signature of its character 5-gram shingles when it is analysed
   (``signature``: a pure function of the text, stored in the ``signatures`` table and reused by an
   incremental build like every other per-document figure);
2. the copy pass bands all documents' signatures (LSH on Jaccard, ``lsh_pairs``, in numpy) and takes
   as candidates the documents that agree with one on a whole band — except where the band is stock
   text (a MinHash value more than ``BUCKET_CAP`` documents share, or a bucket larger than that),
   which pairs each document only with the bucket's earliest few, so that stock phrases and 范文
   sentences do not make every summary a candidate of every other (docs/scale.md); a band made only
   of stock values must be shared twice, and each document keeps its best ``PER_DOCUMENT`` partners,
   so that the candidates grow about linearly with the corpus (docs/benchmarks.md); an incremental build
   looks only into the buckets of its new documents and of their partners (``lsh_pairs(rows=…)``); eligibility
   (who may copy from whom) and the signatures' containment estimate, less the stock part, then
   drop most candidates before any text is read; the template library, tens or
   hundreds of texts, is searched by estimated *containment* instead (a short summary pasted inside
   a long page of 范文 has a Jaccard of ~0.25 with the page, which Jaccard LSH would miss);
3. each candidate is verified exactly on the shingle sets, re-made from the stored text of the
   documents involved.

``MinHashLSHEnsemble`` answers containment queries for documents too, but measured here it held about
100 KB per indexed summary (it keeps up to eight LSH indexes per size partition, 350 band entries
per document) and spent most of its time partitioning by size: 10 GB for 100,000 summaries. Plain
LSH at Jaccard 0.4 uses 32 bands per document (see bench/copies.py for the figures).

Shingles are taken over a canonical text: digits and template placeholders become ``#`` and
punctuation and whitespace go, so a copy whose figures were changed (120万元 → 135万元) or whose
``20xx`` was filled in is still a copy. Metadata lines (姓名：… 部门：…) are left out: a copy carries
its copier's name.

A document is *copied* when at least ``COPY_THRESHOLD`` of its shingles occur in an earlier source:
a template of the library, the same employee's summary of an earlier year, or another employee's
summary of the same or an earlier year (same year: the two are flagged against each other, since
nothing tells who copied whom).
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np

from analysis.read.metadata import is_metadata_line
from analysis.read.normalize import PLACEHOLDER_RE, find_placeholders
from analysis.text.sections import is_heading, split_sentences

SHINGLE: Final = 5
NUM_PERM: Final = 128
SEED: Final = 1
SCHEME: Final = "affine32"
COPY_THRESHOLD: Final = 0.8
"""Share of a document's shingles found in its source for it to count as copied. On the demo corpus
the planted copies score ≥ 0.90 and no other pair above 0.69 (documents that draw on the same
stock phrases); measured again on the 10,000-document corpus in bench/copies.py."""
CANDIDATE_THRESHOLD: Final = 0.5
"""Verified containment from which the closest match is reported (below ``COPY_THRESHOLD`` it is
shown as the nearest document, not flagged)."""
MAX_VERIFIED: Final = 10
"""At most this many candidates per document, the most similar by the signatures' estimate, are
verified exactly: the closest source is among them, and verification stays linear in documents even
where many summaries share stock sentences."""
LSH_JACCARD: Final = 0.4
"""Jaccard threshold of the LSH index between documents. A copy with ≥ 0.8 containment of a source
up to twice its length has a Jaccard of at least 0.4 (0.8·|Q| / (2|Q|)); copies inside much longer
texts come from the template library, which is searched by containment (``_template_candidates``)."""

BANDS: Final = 32
"""LSH bands of ``NUM_PERM // BANDS`` rows: the banding datasketch's ``MinHashLSH`` chooses for
``LSH_JACCARD`` with 128 permutations (a test checks that both find the same candidates)."""
BUCKET_CAP: Final = 32
"""A band value (or a single MinHash value) shared by more documents than this is stock text, not a
sign of copying: see ``lsh_pairs`` and ``candidates``. A constant, so that candidate pairs grow
linearly with the corpus (a cap growing as √N would let them grow as N^1.5)."""
REPRESENTATIVES: Final = 4
"""Members of an over-full bucket every other member is still paired with (the earliest)."""
STOCK_BANDS: Final = 2
"""Bands made only of stock values two documents must share to be a candidate pair without any other
band: summaries of one department meet on one such band by chance, a copy on many (≥ 6 of the 32 for
every planted copy of bench/copies.py, 0.99 probability at Jaccard 0.67, a same-length copy at
``COPY_THRESHOLD``)."""
PER_DOCUMENT: Final = 16
"""Partners a document keeps from the index, those it shares most bands with: a bound of
``PER_DOCUMENT`` · N candidate pairs whatever the corpus (a copy shares more bands with its source
than any chance neighbour, and ``MAX_VERIFIED`` are verified)."""

KIND_OTHER, KIND_SELF, KIND_TEMPLATE = "他人", "本人往年", "范文"

_NUMBER = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")
_NOT_TEXT = re.compile(r"[^\w#]|_")
_HASHES = re.compile(r"#+")


def body_lines(texts: Iterable[str]) -> list[str]:
    """The sentences that carry content: metadata lines (姓名：…) name the writer, not the text."""
    return [t for t in texts if not (is_heading(t) and is_metadata_line(t))]


def canonical(texts: Iterable[str]) -> str:
    """The text shingles are taken from: figures and placeholders as ``#``, no punctuation or spaces."""
    text = "".join(body_lines(texts))
    if find_placeholders(text):
        text = PLACEHOLDER_RE.sub("#", text)
    text = _NUMBER.sub("#", text)
    text = _NOT_TEXT.sub("", text)
    return _HASHES.sub("#", text)


_BASE = np.uint64(0x100000001B3)  # an odd multiplier for the polynomial hash of a shingle


def shingles(canon: str) -> np.ndarray:
    """The set of character ``SHINGLE``-grams of a canonical text, as sorted unique 32-bit hashes.

    Hashed with numpy in one pass (a polynomial over the code points) rather than one Python hash
    call per shingle: that keeps the signature to a fraction of a millisecond per summary, which
    matters because every document of every build pays it. Hash collisions among a document's
    thousand shingles are vanishingly rare at 32 bits and would only nudge a similarity figure.
    """
    if not canon:
        return np.empty(0, dtype=np.uint32)
    points = np.frombuffer(canon.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = max(len(points) - SHINGLE + 1, 1)
    h = np.zeros(n, dtype=np.uint64)
    for k in range(min(SHINGLE, len(points))):
        h = h * _BASE + points[k:k + n]
    folded = (h ^ (h >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return sorted_unique(folded.astype(np.uint32))


def _minhash_class():
    """datasketch's MinHash, imported without the indexes (and scipy) that workers never use."""
    from analysis.imports import submodule

    return submodule("datasketch.minhash").MinHash


@lru_cache(maxsize=1)
def _permutations():
    return _minhash_class()(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


_FMIX32 = tuple(map(np.uint32, (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)))
"""MurmurHash3's 32-bit finalizer: the ``affine32`` scheme mixes every input hash with it before permuting."""


def signature(hashes: np.ndarray) -> bytes:
    """The MinHash of a shingle set as raw uint32 bytes (512 bytes with 128 permutations): datasketch's
    ``MinHash(scheme="affine32", hashfunc=identity).update_batch(hashes)`` (the shingles are hashes already),
    computed on the array directly. datasketch takes a list and calls the hash function once per shingle,
    half the cost of a document's signature; ``tests/test_copies.py`` checks the two agree."""
    a, b = _permutations()
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hashes.astype(np.uint32)
    hv ^= hv >> s1
    hv *= m1
    hv ^= hv >> s2
    hv *= m2
    hv ^= hv >> s3
    values = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    if len(hv):
        permuted = np.multiply.outer(a, hv)  # a permutation per row: the minimum is a contiguous reduction
        permuted += b[:, None]
        values = np.minimum(values, permuted.min(axis=1))
    return values.tobytes()


def overlap(mine: np.ndarray, theirs: np.ndarray) -> tuple[float, float]:
    """(containment of ``mine`` in ``theirs``, Jaccard) of two shingle sets from ``shingles``."""
    if not len(mine) or not len(theirs):
        return 0.0, 0.0
    common = np.intersect1d(mine, theirs, assume_unique=True).size
    return common / len(mine), common / (len(mine) + len(theirs) - common)


def _eligible(q: Source, x: Source) -> str | None:
    """The kind of copy ``q`` would be of ``x``, or None when ``x`` cannot be its source."""
    if x.template:
        return KIND_TEMPLATE
    unknown = not q.year or not x.year
    if q.employee and q.employee == x.employee and q.department == x.department:
        return KIND_SELF if not unknown and x.year < q.year else None
    return KIND_OTHER if unknown or x.year <= q.year else None


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` (the distinct values, ascending) by a sort and a comparison of neighbours.

    The installed numpy's (2.4) ``unique`` finds the distinct values of an integer array with a hash table, then sorts
    them: 8 times slower than this on a summary's 2,000 shingles, 70 times on the 4 million pair codes of a 100,000-
    summary corpus."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _hashvalues(sources: list[Source]) -> np.ndarray:
    if not sources:
        return np.empty((0, NUM_PERM), dtype=np.uint32)
    return np.frombuffer(b"".join(s.minhash for s in sources), dtype=np.uint32).reshape(len(sources), -1)


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _band_keys(signatures: np.ndarray, b: int) -> np.ndarray:
    """One 64-bit key per row for band ``b``: its values packed in pairs and mixed. Two different bands
    share a key with odds of 2⁻⁶⁴ per pair (10⁻⁹ over all pairs of 100,000 documents), and a shared key
    only makes a candidate, which the signatures and the exact shingle sets then judge."""
    rows = signatures.shape[1] // BANDS
    band = signatures[:, b * rows:(b + 1) * rows].astype(np.uint64)
    key = np.zeros(len(band), dtype=np.uint64)
    for r in range(0, rows, 2):
        pair = band[:, r] << np.uint64(32)
        if r + 1 < rows:
            pair |= band[:, r + 1]
        key = (key ^ pair) * _MIX
        key ^= key >> np.uint64(29)
    return key


def _band_groups(signatures: np.ndarray, b: int, by_tiebreak: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by band ``b`` (then by the order ``by_tiebreak``, the rows stably sorted by their tiebreak, then
    row), and the starts and sizes of the runs of rows equal on the whole band that hold more than one row.

    ``by_tiebreak`` is sorted once for all bands; a stable sort of each band's keys in that order then gives what
    ``np.lexsort((tiebreak, key))`` gives, a fifth faster at 100,000 rows."""
    key = _band_keys(signatures, b)
    if by_tiebreak is None:
        return _runs(key, np.argsort(key, kind="stable"))
    return _runs(key, by_tiebreak[np.argsort(key[by_tiebreak], kind="stable")])


def _runs(key: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``order`` (rows sorted by ``key``) and the starts and sizes of its runs of equal keys longer than one row."""
    ordered = key[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    keep = sizes > 1
    return order, starts[keep], sizes[keep]


def _pairs_within(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows (earlier in ``order``, later) inside each run, vectorised."""
    if not len(starts):
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    pos = np.repeat(starts, sizes) + (np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes))
    ends = np.repeat(starts + sizes, sizes)
    after = ends - pos - 1                      # later members of the same run
    left = np.repeat(pos, after)
    step = np.arange(after.sum()) - np.repeat(np.cumsum(after) - after, after)
    return order[left].astype(np.int64), order[left + 1 + step].astype(np.int64)


def _pairs_with_first(order: np.ndarray, starts: np.ndarray, sizes: np.ndarray, first: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Every row of each run paired with the run's ``first`` rows (itself included), vectorised."""
    within = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    group_start = np.repeat(starts, sizes)
    reps = np.repeat(np.minimum(sizes, first), sizes)
    left = np.repeat(group_start + within, reps)
    step = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    return order[left].astype(np.int64), order[np.repeat(group_start, reps) + step].astype(np.int64)


def lsh_pairs(signatures: np.ndarray, cap: int | None = None, tiebreak: np.ndarray | None = None,
              stats: dict | None = None, stock: np.ndarray | None = None, rows: np.ndarray | None = None
              ) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows (i < j) equal on at least one whole band, each once: the candidates banded LSH
    finds at ``LSH_JACCARD``, generated with numpy.

    A band value shared by more than ``cap`` rows (default ``BUCKET_CAP``) is stock
    text — a phrase or a 范文 sentence many summaries use, whose shingles are the minima of all of them —
    not a sign that they copied one another: such an over-full bucket links each member only to its
    first ``REPRESENTATIVES`` rows in ``tiebreak`` order (the earliest years, so an eligible source of
    the others when they are copies of one text). That keeps the pairs linear in documents
    (≤ rows · bands · (cap + representatives)) where unbounded buckets made them grow as N².

    ``stock`` (from ``_stock``: which MinHash values are shared by more than ``BUCKET_CAP`` documents)
    marks more buckets as stock text: those whose band holds a stock value, however few documents
    fell into them; they too pair each member with the first ``REPRESENTATIVES`` only. And a band whose
    values are *all* stock is a combination of stock phrases: summaries of one department meet on one
    or two such bands by chance, ever more pairs of them as the department grows (this made the
    pairs grow as N^1.5–1.7), while a copy agrees with its source on many bands. So with ``stock``, a
    pair is returned when it meets in a bucket whose band holds a value that is not stock, or on at
    least ``STOCK_BANDS`` all-stock bands; and each row keeps at most ``PER_DOCUMENT`` partners, those
    it shares most bands with (``_top_partners``).

    ``rows`` (a boolean mask): only the pairs that involve one of these rows, exactly those of all rows that do,
    in time that grows with these rows and the buckets they fall in rather than with all rows (an incremental
    build's new documents, ``_band_members``). As a pair stays when it is among the best of either of its rows,
    the partners' own pairs are found too, to rank them as among all rows. ``stats`` then counts only the
    buckets and pairs looked at.
    """
    cap = BUCKET_CAP if cap is None else cap
    if rows is None:
        by_tiebreak = None if tiebreak is None else np.argsort(tiebreak, kind="stable")
        left, right, shared = _banded(signatures, cap, by_tiebreak, stats, stock)
    else:
        keys = [_band_keys(signatures, b) for b in range(BANDS)]
        left, right, shared = _banded(signatures, cap, tiebreak, stats if stock is None else None, stock, rows, keys)
        if stock is not None and len(left):
            wider = rows.copy()
            wider[left] = wider[right] = True
            left, right, shared = _banded(signatures, cap, tiebreak, stats, stock, wider, keys)
    if stock is not None:
        left, right = _top_partners(left, right, shared, tiebreak, PER_DOCUMENT)
    if rows is not None:
        involved = rows[left] | rows[right]
        left, right = left[involved], right[involved]
    return left, right


def _banded(signatures: np.ndarray, cap: int, order_by: np.ndarray | None, stats: dict | None,
            stock: np.ndarray | None, rows: np.ndarray | None = None, keys: list[np.ndarray] | None = None
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``lsh_pairs`` before the best partners are chosen: the pairs (i < j) and, with ``stock``, the number of
    bands they share, of the pairs that stay (``STOCK_BANDS``). ``order_by``: the rows sorted by tiebreak, or
    with ``rows`` the tiebreak itself; ``keys``: each band's keys, worked out once for both calls."""
    n = len(signatures)
    rows_per_band = signatures.shape[1] // BANDS
    # each pair kept as one integer from the start, (lo·n + hi), with the band and ``strong`` in its low bits when
    # ``stock`` is given: at 100,000 summaries the 12 M (pair, band) entries held as four arrays, then concatenated,
    # then as lo, hi and code, were most of the copy pass's 730 MB
    codes: list[np.ndarray] = []
    for b in range(BANDS):
        if rows is None:
            order, starts, sizes = _band_groups(signatures, b, order_by)
        else:
            order, starts, sizes = _band_members(keys[b], rows, order_by)
        small = sizes <= cap
        all_stock = np.zeros(len(starts), dtype=bool)
        if stock is not None:
            values = stock[order[starts], b * rows_per_band:(b + 1) * rows_per_band]
            small &= ~values.any(axis=1)
            all_stock = values.all(axis=1)
        parts = [(_pairs_within(order, starts[small], sizes[small]), True)]
        for mask, strong in ((~small & ~all_stock, True), (~small & all_stock, False)):
            parts.append((_pairs_with_first(order, starts[mask], sizes[mask], REPRESENTATIVES), strong))
        for (left, right), strong in parts:
            if rows is not None:
                involved = rows[left] | rows[right]
                left, right = left[involved], right[involved]
            lo, hi = np.minimum(left, right), np.maximum(left, right)
            distinct = lo != hi
            code = lo[distinct] * n + hi[distinct]
            codes.append(code if stock is None else (code * BANDS + b) * 2 + int(strong))
            del left, right, lo, hi, code
        if stats is not None:
            stats["overfull_buckets"] = stats.get("overfull_buckets", 0) + int((~small).sum())
    code = np.concatenate(codes) if codes else np.empty(0, dtype=np.int64)
    del codes
    if stock is None:
        code = sorted_unique(code)
        return code // n, code % n, None
    # one entry per pair and band, then per pair: how many bands, and whether any was not all stock. A pair meets in
    # one bucket per band (two rows share at most one key there), and a bucket is strong or not as a whole, so the
    # copies of a (pair, band) entry agree on ``strong``: it rides in the lowest bit, and a plain sort removes the
    # copies (a stable sort for ``return_index`` took twice as long)
    code.sort()  # in place: ``sorted_unique`` would sort a copy
    code_band = code[np.r_[True, code[1:] != code[:-1]]] if len(code) else code
    del code
    code, strong = code_band // (2 * BANDS), (code_band & 1).astype(bool)
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]]) if len(code) else np.empty(0, dtype=np.int64)
    shared = np.diff(np.r_[starts, len(code)])
    strong = np.logical_or.reduceat(strong, starts) if len(code) else strong
    code = code[starts]
    if stats is not None:
        stats["band_pairs"] = stats.get("band_pairs", 0) + len(code)
    keep = strong | (shared >= STOCK_BANDS)
    code, shared = code[keep], shared[keep]
    return code // n, code % n, shared


def _band_members(key: np.ndarray, rows: np.ndarray, tiebreak: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_band_groups`` for the buckets that hold one of ``rows`` only: all the rows of those buckets, in the same
    order (key, then tiebreak, then row), and the starts and sizes of the buckets. The members are found by a hash
    table of the rows' keys (``pandas.Series.isin``), not by sorting every row's key."""
    import pandas as pd

    members = np.flatnonzero(pd.Series(key, copy=False).isin(sorted_unique(key[rows])).to_numpy())
    if tiebreak is not None:
        members = members[np.argsort(tiebreak[members], kind="stable")]
    return _runs(key, members[np.argsort(key[members], kind="stable")])


def _top_partners(left: np.ndarray, right: np.ndarray, shared: np.ndarray, tiebreak: np.ndarray | None,
                  k: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs that are among the ``k`` best of one of their two rows: most bands shared first, then
    the partner earliest in ``tiebreak`` order (the likelier source), then row order."""
    if not len(left):
        return left, right
    early = np.zeros(int(max(left.max(), right.max())) + 1, dtype=np.int64) if tiebreak is None \
        else np.asarray(tiebreak, dtype=np.int64)
    me, partner = np.r_[left, right], np.r_[right, left]
    order = np.lexsort((partner, early[partner], -np.r_[shared, shared], me))
    ranked = me[order]
    rank = np.empty(len(me), dtype=np.int64)
    rank[order] = np.arange(len(me)) - np.searchsorted(ranked, ranked)
    best = rank < k
    keep = best[:len(left)] | best[len(left):]
    return left[keep], right[keep]


def lsh_neighbours(signatures: np.ndarray, cap: int | None = None) -> list[set[int]]:
    """For each row of a signature matrix (one document per row), the other rows it is paired with
    by ``lsh_pairs``: with buckets under the cap, the candidates datasketch's ``MinHashLSH`` finds."""
    left, right = lsh_pairs(signatures, len(signatures) if cap is None else cap)
    out: list[set[int]] = [set() for _ in range(len(signatures))]
    for i, j in zip(left.tolist(), right.tolist()):
        out[i].add(j)
        out[j].add(i)
    return out


def template_lines(text: str) -> list[str]:
    """A 范文 as the lines a document would have (Simplified), so both are shingled alike."""
    from analysis.read.normalize import to_simplified

    out: list[str] = []
    for line in to_simplified(text).split("\n"):
        line = line.strip().strip("\u3000")
        if line:
            out.extend([line] if is_heading(line) else split_sentences(line))
    return out


@dataclass(frozen=True)
class Source:
    """One indexed text: a stored document, or a template of the library (``template`` = its name)."""

    key: str
    minhash: bytes
    size: int
    employee: str = ""
    department: str = ""
    year: int = 0
    template: str = ""


@dataclass(frozen=True)
class Match:
    doc_id: str
    copy_of: str          # the source's doc_id, or the template's name
    kind: str             # 他人 | 本人往年 | 范文
    similarity: float     # share of the document's shingles found in the source (containment)
    jaccard: float

    @property
    def copied(self) -> bool:
        return self.similarity >= COPY_THRESHOLD


def _template_candidates(docs: list[Source], templates: list[Source]) -> tuple[np.ndarray, np.ndarray]:
    """(document row, template number) pairs where the document may be contained in the template,
    from the signatures alone.

    Templates are few (a library of tens or hundreds), so every document is compared with every
    template, vectorised: the MinHash estimate of Jaccard J and the two sizes give the containment
    J·(|Q| + |T|) / (|Q|·(1 + J)). A page of four 范文 holds each of them with a Jaccard of ~0.25, which
    Jaccard LSH would miss; containment does not. The margin allows for the estimate's error.
    """
    rows, cols = [], []
    if templates and docs:
        tpl = _hashvalues(templates)
        tpl_size = np.array([t.size for t in templates], dtype=np.float64)
        for start in range(0, len(docs), 2048):
            chunk = docs[start:start + 2048]
            sig = _hashvalues(chunk)
            jac = (sig[:, None, :] == tpl[None, :, :]).mean(axis=2)
            size = np.array([d.size for d in chunk], dtype=np.float64)[:, None]
            contained = jac * (size + tpl_size[None, :]) / (size * (1.0 + jac))
            i, j = np.nonzero(contained >= CANDIDATE_THRESHOLD - 0.15)
            rows.append(i + start)
            cols.append(j)
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64)


def _codes(values: list[str]) -> np.ndarray:
    """Integer codes of strings, equal for equal strings, -1 for the empty string (an unknown employee matches
    nobody). Codes are compared, never ordered: a hash table (``pandas.factorize``) numbers them instead of a sort."""
    import pandas as pd

    strings = np.array(values, dtype=object)
    codes = pd.factorize(strings)[0].astype(np.int64)
    codes[strings == ""] = -1
    return codes


def _directed_kinds(q: np.ndarray, x: np.ndarray, employee: np.ndarray, department: np.ndarray,
                    year: np.ndarray) -> np.ndarray:
    """``_eligible`` for arrays of document pairs: 0 none, 1 他人, 2 本人往年."""
    unknown = (year[q] == 0) | (year[x] == 0)
    same = (employee[q] >= 0) & (employee[q] == employee[x]) & (department[q] == department[x])
    self_kind = np.where(~unknown & (year[x] < year[q]), 2, 0)
    other_kind = np.where(unknown | (year[x] <= year[q]), 1, 0)
    return np.where(same, self_kind, other_kind)


def candidates(docs: list[Source], templates: list[Source], stats: dict | None = None,
               queries: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(query row, source, kind code) of the pairs to verify exactly, best estimate first per query.

    Sources are rows of ``docs`` or ``len(docs) + t`` for template ``t``; kinds 1 他人, 2 本人往年,
    3 范文. ``docs`` must be in key order. With ``queries`` (a boolean mask over ``docs``), only pairs
    that involve one of those documents are kept (an incremental build: the rest are known).
    """
    stats = {} if stats is None else stats
    n = len(docs)
    signatures = _hashvalues(docs)
    year = np.array([d.year or 0 for d in docs], dtype=np.int64)
    employee = _codes([d.employee for d in docs])
    department = _codes([d.department for d in docs])
    size = np.array([d.size for d in docs] + [t.size for t in templates], dtype=np.float64)
    stock = _stock(signatures)
    left, right = lsh_pairs(signatures, tiebreak=year, stats=stats, stock=stock, rows=queries)
    stats["bucket_pairs"] = stats.get("bucket_pairs", 0) + len(left)
    # both directions, then the eligibility rule: only an earlier (or same-year) text can be a source
    q, x = np.r_[left, right], np.r_[right, left]
    kind = _directed_kinds(q, x, employee, department, year)
    q, x, kind = q[kind > 0], x[kind > 0], kind[kind > 0]
    if queries is None:
        tq, tt = _template_candidates(docs, templates)
    else:  # each document against every template: only the queried ones need it
        queried = np.flatnonzero(queries)
        tq, tt = _template_candidates([docs[i] for i in queried], templates)
        tq = queried[tq]
    stats["index_pairs"] = stats.get("index_pairs", 0) + len(q) + len(tq)
    # LSH's S-curve lets through pairs well below the threshold; the signatures' own estimate of
    # containment drops those before any text is fetched for exact verification. Stock text inflates
    # that estimate for every pair of summaries using it, so a pair is kept when its estimate is near
    # the copy threshold, or when the part of the two texts that is *not* stock (minima shared by
    # at most ``BUCKET_CAP`` documents) is contained enough: a document-frequency cut-off on the
    # signatures, without the shingle sets.
    raw = np.empty(len(q), dtype=np.float64)
    rare = np.empty(len(q), dtype=np.float64)
    for start in range(0, len(q), 1 << 16):
        part = slice(start, start + (1 << 16))
        qs, xs = q[part], x[part]
        agree = signatures[qs] == signatures[xs]
        raw[part] = _containment(agree.mean(axis=1), size[qs], size[xs])
        mine, theirs = ~stock[qs], ~stock[xs]
        both = mine & theirs
        jac = (agree & both).sum(axis=1) / np.maximum(both.sum(axis=1), 1)
        rare[part] = _containment(jac, size[qs] * mine.mean(axis=1), size[xs] * theirs.mean(axis=1))
    keep = (raw >= COPY_THRESHOLD - 0.15) | (rare >= CANDIDATE_THRESHOLD - 0.15)
    q, x, kind, contained = q[keep], x[keep], kind[keep], raw[keep]
    if len(tq):
        tpl = _hashvalues(templates)
        estimate = _containment((signatures[tq] == tpl[tt]).mean(axis=1), size[tq], size[tt + n])
        keep = estimate >= CANDIDATE_THRESHOLD - 0.15
        q, x = np.r_[q, tq[keep]], np.r_[x, tt[keep] + n]
        kind, contained = np.r_[kind, np.full(int(keep.sum()), 3)], np.r_[contained, estimate[keep]]
    order = np.lexsort((x, -contained, q))      # per query: best estimate first, then key order
    q, x, kind = q[order], x[order], kind[order]
    rank = np.arange(len(q)) - np.searchsorted(q, q)  # position within the query's run
    keep = rank < MAX_VERIFIED
    stats["verified_pairs"] = stats.get("verified_pairs", 0) + int(keep.sum())
    return q[keep], x[keep], kind[keep]


def _containment(jaccard: np.ndarray, mine: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Containment of a set of size ``mine`` in one of size ``theirs`` with the given Jaccard:
    J·(|Q| + |T|) / (|Q|·(1 + J)); 0 for an empty set."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = jaccard * (mine + theirs) / (mine * (1.0 + jaccard))
    return np.where(mine > 0, out, 0.0)


def _stock(signatures: np.ndarray) -> np.ndarray:
    """Per document and permutation: whether its minimum is shared by more than ``BUCKET_CAP``
    documents (the minimum of a shingle many documents contain, a stock phrase)."""
    import pandas as pd

    out = np.empty(signatures.shape, dtype=bool)
    columns = np.empty(signatures.shape[::-1], dtype=signatures.dtype)
    for start in range(0, len(signatures), 2048):  # transposed in blocks that stay in cache: 5 times faster
        columns[:, start:start + 2048] = signatures[start:start + 2048].T
    for p, column in enumerate(columns):
        # each value's number of documents from a hash table, not a sort: 0.3 s instead of 0.85 s at 100,000
        codes = pd.factorize(column)[0]
        out[:, p] = np.bincount(codes)[codes] > BUCKET_CAP
    return out


_KINDS = {1: KIND_OTHER, 2: KIND_SELF, 3: KIND_TEMPLATE}


VERIFY_PAIRS = 5_000
"""Candidate pairs verified per call of ``shingles_of``: at 100,000 summaries, reading back every candidate's
text at once (to recompute its shingle set) held 2.3 GB in the build's process."""


def find_copies(docs: list[Source], templates: list[Source],
                shingles_of: Callable[[list[str]], dict[str, np.ndarray]], stats: dict | None = None,
                new: Collection[str] | None = None) -> list[Match]:
    """The closest verified source of every document that has one above ``CANDIDATE_THRESHOLD``.

    ``shingles_of(keys)`` returns the exact shingle sets of the given sources (documents by doc_id,
    templates by key); it is called for the documents that have candidates, once per ``VERIFY_PAIRS``
    pairs, so that a large corpus's texts are never read back all at once. ``stats``, if given,
    receives the number of pairs from the index (``bucket_pairs``), the eligible ones (``index_pairs``)
    and the pairs verified exactly (``verified_pairs``), for benchmarks. With ``new`` (doc_ids), only
    pairs involving one of those documents are verified: the matches returned are the best *among
    those pairs*, which an incremental build merges with the matches it already stored.
    """
    return verify(*pairs_to_verify(docs, templates, stats, new), shingles_of)


def pairs_to_verify(docs: list[Source], templates: list[Source], stats: dict | None = None,
                    new: Collection[str] | None = None
                    ) -> tuple[list[Source], list[Source], np.ndarray, np.ndarray, np.ndarray]:
    """``find_copies``' first half, from the signatures alone (numpy, no store): the documents in key order, every
    source (documents, then templates) and the pairs to verify (query row, source, kind code) of ``candidates``."""
    stats = {} if stats is None else stats
    # in key order, so that equally close sources are always reported the same way
    docs = sorted((d for d in docs if d.size > 0), key=lambda d: d.key)
    templates = [t for t in templates if t.size > 0]
    if not docs:
        empty = np.empty(0, dtype=np.int64)
        return docs, templates, empty, empty, empty
    queries = None if new is None else np.array([d.key in new for d in docs], dtype=bool)
    q, x, kind = candidates(docs, templates, stats, queries)
    return docs, [*docs, *templates], q, x, kind


def verify(docs: list[Source], sources: list[Source], q: np.ndarray, x: np.ndarray, kind: np.ndarray,
           shingles_of: Callable[[list[str]], dict[str, np.ndarray]]) -> list[Match]:
    """``find_copies``' second half: the pairs of ``pairs_to_verify`` judged on the exact shingle sets."""
    best: dict[str, Match] = {}
    # in runs of pairs, in order: the exact sets of at most twice VERIFY_PAIRS texts are in memory at once
    for start in range(0, len(q), VERIFY_PAIRS):
        cq, cx, ck = (a[start:start + VERIFY_PAIRS].tolist() for a in (q, x, kind))
        exact = shingles_of(sorted({docs[i].key for i in cq} | {sources[i].key for i in cx}))
        for qi, xi, k in zip(cq, cx, ck):
            doc_id, source = docs[qi].key, sources[xi]
            mine, theirs = exact.get(doc_id), exact.get(source.key)
            if mine is None or theirs is None or not len(mine):
                continue
            contained, jac = overlap(mine, theirs)
            if not contained:
                continue
            m = Match(doc_id, source.template or source.key, _KINDS[k], round(contained, 4), round(jac, 4))
            if doc_id not in best or (m.similarity, m.jaccard) > (best[doc_id].similarity, best[doc_id].jaccard):
                best[doc_id] = m
        del exact
    return [m for m in best.values() if m.similarity >= CANDIDATE_THRESHOLD]


# ------------------------------------------------------------------ passages, on demand


def _sentence_key(text: str) -> str:
    return canonical([text])


def aligned_sentences(left: list[str], right: list[str], min_ratio: float = 0.6) -> list[tuple[int, int, float]]:
    """Pairs (i, j, ratio): sentence i of ``left`` reappears as sentence j of ``right``, side by side.

    Sentences are compared on their canonical form (figures as ``#``), so a renumbered sentence still
    lines up with ratio 1.0; a reworded one is paired in order with its own difflib ratio when that is
    at least ``min_ratio``. Computed only for the two documents on screen (quadratic in sentences,
    which is nothing for two summaries).
    """
    lk = [_sentence_key(t) for t in left]
    rk = [_sentence_key(t) for t in right]
    pairs: list[tuple[int, int, float]] = []
    matcher = difflib.SequenceMatcher(None, lk, rk, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.extend((i1 + k, j1 + k, 1.0) for k in range(i2 - i1) if lk[i1 + k])
        elif tag == "replace":
            for i, j in zip(range(i1, i2), range(j1, j2)):
                if lk[i] and rk[j]:
                    r = difflib.SequenceMatcher(None, lk[i], rk[j], autojunk=False).ratio()
                    if r >= min_ratio:
                        pairs.append((i, j, round(r, 3)))
    return pairs
