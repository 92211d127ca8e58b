"""Where copy detection's band pairs come from: by bucket kind and size, and how many bands each pair meets on.

    .venv/bin/python bench/copies_pairs.py --docs 10000 --cache /tmp/copies

Reads the corpus ``bench/copies.py --unique --seed-page DIR --cache DIR`` cached (run that first) and
enumerates the pairs banding yields before any rule but the over-full cap (``lsh_pairs`` without the
stock rules): each bucket is classed by its band's MinHash values (none, some or all stock: shared by
more than ``BUCKET_CAP`` documents at that permutation) and size; for each class, the pairs it yields,
how many of them meet on that one band only, and how many are planted copy/source pairs.
Prints a table; nothing here is used by the tests.
"""
from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.insight import copies  # noqa: E402

KINDS = ("no stock value", "some values stock", "all values stock")
SIZES = ("2–5", "6–32", "> 32")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--plant", type=int, default=100)
    ap.add_argument("--cache", required=True)
    args = ap.parse_args()
    data = pickle.loads((Path(args.cache) / f"copies-{args.docs}-{args.plant}-1-1.pkl").read_bytes())
    docs = sorted((d for d in data["sources"] if d.size > 0), key=lambda d: d.key)
    signatures, n = copies._hashvalues(docs), len(docs)
    year = np.array([d.year or 0 for d in docs])
    row = {d.key: i for i, d in enumerate(docs)}
    planted = np.array(sorted(min(row[a], row[b]) * n + max(row[a], row[b])
                              for a, b in data["planted"].items() if a in row and b in row))
    stock = copies._stock(signatures)
    rows = copies.NUM_PERM // copies.BANDS
    found: dict[tuple[int, int], list[np.ndarray]] = {}
    every = []
    for b in range(copies.BANDS):
        order, starts, sizes = copies._band_groups(signatures, b, np.argsort(year, kind="stable"))
        values = stock[order[starts], b * rows:(b + 1) * rows]
        kind = np.where(~values.any(axis=1), 0, np.where(values.all(axis=1), 2, 1))
        size = np.where(sizes <= 5, 0, np.where(sizes <= copies.BUCKET_CAP, 1, 2))
        for k in range(3):
            for z in range(3):
                m = (kind == k) & (size == z)
                if k == 0 and z < 2:
                    left, right = copies._pairs_within(order, starts[m], sizes[m])
                else:
                    left, right = copies._pairs_with_first(order, starts[m], sizes[m], copies.REPRESENTATIVES)
                lo, hi = np.minimum(left, right), np.maximum(left, right)
                code = lo[lo != hi] * n + hi[lo != hi]
                found.setdefault((k, z), []).append(code)
                every.append(code * copies.BANDS + b)
    met = np.unique(np.concatenate(every)) // copies.BANDS
    starts = np.flatnonzero(np.r_[True, met[1:] != met[:-1]])
    pairs, bands = met[starts], np.diff(np.r_[starts, len(met)])
    print(f"{n} documents, {len(planted)} planted pairs; bucket kind, size: pairs (one band only; planted)")
    for (k, z), codes in sorted(found.items()):
        unique = np.unique(np.concatenate(codes))
        if len(unique):
            once = int((bands[np.searchsorted(pairs, unique)] == 1).sum())
            print(f"  {KINDS[k]}, {SIZES[z]}: {len(unique):,} ({once:,}; {int(np.isin(planted, unique).sum())})")
    print(f"  all pairs, each once: {len(pairs):,} ({int((bands == 1).sum()):,}; {int(np.isin(planted, pairs).sum())})")
    counts = dict(zip(*np.unique(np.minimum(bands, 6), return_counts=True)))
    print("pairs by bands met on (6 = 6 or more):", {int(k): int(v) for k, v in counts.items()},
          "; fewest bands of a planted pair:", int(bands[np.searchsorted(pairs, planted)].min()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
