"""The download audit log: one JSON line per file handed to a reader (who, when, which table and
filters, how many rows).

It is an append-only JSONL file beside the store (``audit.jsonl``, or ``$YEAREND_AUDIT``), not a table
inside the DuckDB snapshot: every build swaps the snapshot file for a new one, which would drop the
log, and the dashboard opens the snapshot read-only. Appends take an exclusive ``flock`` so lines from
two sessions or processes never interleave.
"""
from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import pandas as pd

from analysis.access.scope import Filters
from analysis.schema import AUDIT_COLUMNS

AUDIT_ENV = "YEAREND_AUDIT"


def audit_path(store_path: Path) -> Path:
    return Path(os.environ.get(AUDIT_ENV) or Path(store_path).with_name("audit.jsonl"))


def describe_filters(f: Filters) -> dict:
    """The filters as they were chosen, plus the scope they were narrowed to (the empty ones left out)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(f).items() if v not in ((), None, "", 0)}


def record(path: Path, *, user: str, name: str, role: str, table: str, fmt: str, filters: Filters, rows: int,
           file_name: str, now: datetime | None = None) -> dict:
    """Append one entry and return it."""
    entry = {
        "time": (now or datetime.now()).astimezone().isoformat(timespec="seconds"), "user": user, "name": name,
        "role": role, "table": table, "format": fmt, "filters": describe_filters(filters), "rows": int(rows),
        "file_name": file_name,
    }
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return entry


def read(path: Path) -> pd.DataFrame:
    """Every entry, newest first (a line cut short by a crash is skipped, not fatal)."""
    rows = []
    if path.is_file():
        for line in path.read_text("utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    frame = pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))
    return frame.iloc[::-1].reset_index(drop=True)
