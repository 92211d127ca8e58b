"""Cost of the minimum-reporting-group rule on a large store: the same reads as HR admin and as a
department head (scope + publication cells), median of ``--repeat`` runs, no cache.

    .venv/bin/python bench/access.py STORE [--repeat 3]

STORE is any built store, e.g. the 10,000-document one ``bench/dashboard.py`` leaves in bench/out/.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis import query  # noqa: E402
from analysis.access.scope import Filters  # noqa: E402
from analysis.schema import DEFAULT_MIN_GROUP  # noqa: E402

READS = {
    "overview": lambda p, f: query.overview(p, f),
    "groups 部门×班组×年份": lambda p, f: query.groups(p, f),
    "theme_totals": lambda p, f: query.theme_totals(p, f),
    "section_sentiment": lambda p, f: query.section_sentiment(p, f),
    "keywords": lambda p, f: query.keywords(p, f),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    dept = query.options(args.store)["department"][0]
    readers = {"HR 管理员（全部）": Filters(),
               f"部门负责人（{dept}，≥{DEFAULT_MIN_GROUP} 人）": Filters(allowed_departments=(dept,),
                                                                  min_group=DEFAULT_MIN_GROUP),
               f"HR 管理员筛选 {dept}": Filters(departments=(dept,))}
    print(f"{'查询':<22}" + "".join(f"{r:>28}" for r in readers))
    for name, read in READS.items():
        cells = []
        for f in readers.values():
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                read(args.store, f)
                times.append(time.perf_counter() - t)
            cells.append(f"{statistics.median(times):.3f} s")
        print(f"{name:<22}" + "".join(f"{c:>28}" for c in cells))


if __name__ == "__main__":
    main()
