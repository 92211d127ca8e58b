"""Two groups side by side: theme rates with a test of their difference, and the words each group
uses more than the other.

Each side is a ``Filters`` of its own (department, team, year range, role, in any combination), so the
reader's scope and the minimum reporting group apply to each side exactly as on any other page: a side
whose figures are suppressed has no documents here, and a difference is only given where both sides
have figures.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from analysis.access.scope import Filters
from analysis.query.keywords import log_odds
from analysis.query.sql import fetch
from analysis.query.taxonomy import theme_keys
from analysis.query.themes import theme_totals

ALPHA = 0.05
"""A difference is called significant below this p-value."""
SMALL_EXPECTED = 5
"""Below this expected count in any cell of the 2×2 table the normal approximation is poor: Fisher's test."""


class Test(NamedTuple):
    p_value: float | None
    method: str  # "z" (two-proportion z-test) or "fisher" (Fisher's exact test); "" when not testable
    z: float | None = None


def proportion_test(x1: int, n1: int, x2: int, n2: int) -> Test:
    """Whether x1/n1 and x2/n2 differ: a two-sided two-proportion z-test with the pooled proportion,
    or Fisher's exact test when an expected cell count is below ``SMALL_EXPECTED``."""
    if n1 <= 0 or n2 <= 0:
        return Test(None, "")
    pooled = (x1 + x2) / (n1 + n2)
    expected = (n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled))
    if min(expected) < SMALL_EXPECTED:
        from scipy.stats import fisher_exact

        _, p = fisher_exact([[x1, n1 - x1], [x2, n2 - x2]], alternative="two-sided")
        return Test(float(min(p, 1.0)), "fisher")
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return Test(1.0, "z", 0.0)
    z = (x1 / n1 - x2 / n2) / se
    p = math.erfc(abs(z) / math.sqrt(2))  # two-sided: 2 × (1 − Φ(|z|))
    return Test(p, "z", z)


def compare_themes(store_path: Path, a: Filters, b: Filters) -> pd.DataFrame:
    """Per theme: documents mentioning it and documents in each group, both shares, their difference
    (a − b), the test's p-value and method, and whether the difference is significant."""
    rows = []
    ta, tb = theme_totals(store_path, a).set_index("theme"), theme_totals(store_path, b).set_index("theme")
    na, nb = _documents(store_path, a), _documents(store_path, b)
    for theme in theme_keys(store_path):
        xa = int(ta.loc[theme, "documents"]) if theme in ta.index else 0
        xb = int(tb.loc[theme, "documents"]) if theme in tb.index else 0
        test = proportion_test(xa, na, xb, nb)
        share_a = xa / na if na else None
        share_b = xb / nb if nb else None
        rows.append({
            "theme": theme, "a_documents": xa, "a_total": na, "a_share": share_a,
            "b_documents": xb, "b_total": nb, "b_share": share_b,
            "difference": share_a - share_b if na and nb else None,
            "p_value": test.p_value, "method": test.method,
            "significant": bool(test.p_value is not None and test.p_value < ALPHA),
        })
    return pd.DataFrame(rows)


def _documents(store_path: Path, f: Filters) -> int:
    where, params = f.where()
    return int(fetch(store_path, f"SELECT COUNT(*) AS n FROM documents d WHERE {where}", params)["n"].iloc[0])


def distinctive_terms(store_path: Path, a: Filters, b: Filters, top: int = 20, min_count: int = 3) -> pd.DataFrame:
    """The words of each group against the other (weighted log-odds with an informative Dirichlet
    prior, as ``keywords``): ``group`` is "a" or "b". A document in both groups counts on both sides."""
    frames = []
    for name, f in (("a", a), ("b", b)):
        where, params = f.where()
        frames.append(fetch(store_path, f"SELECT '{name}' AS grp, t.term, SUM(t.n) AS n, COUNT(*) AS docs "
                                        f"FROM documents d JOIN terms t ON t.doc_id = d.doc_id WHERE {where} "
                                        "GROUP BY 1, 2", params))
    counts = pd.concat(frames, ignore_index=True)
    n_docs = _documents(store_path, a) + _documents(store_path, b)
    return log_odds(counts, n_docs, top=top, min_count=min_count)
