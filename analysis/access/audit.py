"""The download audit log: one JSON line per file handed to a reader (who, when, which table and
filters, how many rows).

It is an append-only JSONL file beside the store (``audit.jsonl``, or ``$YEAREND_AUDIT``), not a table
inside the DuckDB snapshot: every build swaps the snapshot file for a new one, which would drop the
log, and the dashboard opens the snapshot read-only. Appends take an exclusive ``flock`` so lines from
two sessions or processes never interleave.

The log is tamper-evident: every entry carries ``prev``, the SHA-256 of the line before it (a fixed
value for the first), so deleting, editing or inserting a line breaks the chain at that point, and
``verify`` says where. The file is created readable by its owner only: it names who downloaded what.
Whoever can write the file can also rewrite the whole chain; the chain makes a quiet edit visible,
it is no substitute for shipping the log to a machine the dashboard's account cannot write.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import pandas as pd

from analysis.access.scope import Filters
from analysis.schema import AUDIT_COLUMNS

AUDIT_ENV = "YEAREND_AUDIT"
GENESIS = "0" * 64
"""``prev`` of the first entry."""


def audit_path(store_path: Path) -> Path:
    return Path(os.environ.get(AUDIT_ENV) or Path(store_path).with_name("audit.jsonl"))


def describe_filters(f: Filters) -> dict:
    """The filters as they were chosen, plus the scope they were narrowed to (the empty ones left out).
    The year range is one value, ``"2023-2024"`` (``"2024"`` for a single year), not two numbers."""
    out = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(f).items() if v not in ((), None, "", 0)}
    if f.years:
        out["years"] = year_range(f.years)
    return out


def year_range(years) -> str:
    a, b = years
    return str(a) if a == b else f"{a}-{b}"


FILTER_NAMES = {"departments": "部门", "teams": "班组", "years": "年份", "roles": "岗位", "search": "检索",
                "allowed_departments": "权限范围", "min_group": "最小报告人数", "doc_ids": "文档",
                "employees": "员工"}


def filters_text(value) -> str:
    """A logged ``filters`` entry in words: 年份：2023-2024；权限范围：销售部. Entries written before the
    range was one value (``[2023, 2024]``) read the same way."""
    if not isinstance(value, dict) or not value:
        return "全部"

    def words(key, v) -> str:
        if key == "years" and isinstance(v, list) and len(v) == 2:
            return year_range(v)
        if key == "employees" and isinstance(v, list):
            return "、".join("·".join(map(str, p)) if isinstance(p, list) else str(p) for p in v)
        return "、".join(map(str, v)) if isinstance(v, list) else str(v)

    return "；".join(f"{FILTER_NAMES.get(k, k)}：{words(k, v)}" for k, v in value.items())


def known_zone(tz) -> str | None:
    """``tz`` if it names an IANA time zone (the browser sends it; anything else is None)."""
    from zoneinfo import ZoneInfo

    try:
        return str(tz) if tz and ZoneInfo(str(tz)) else None
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return None


def local_time(stamp, tz: str | None = None) -> str:
    """A logged time (ISO 8601 with its offset) as ``2026-12-02 09:50:00`` in the time zone ``tz`` (the
    reader's browser, an IANA name), or the server's own when ``tz`` is unknown; unreadable stamps as
    they are."""
    from zoneinfo import ZoneInfo

    try:
        when = datetime.fromisoformat(str(stamp))
    except ValueError:
        return str(stamp)
    zone = ZoneInfo(tz) if known_zone(tz) else None
    if when.tzinfo is None:
        when = when.astimezone()  # written without an offset: the server's local time
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def line_hash(line: bytes) -> str:
    """The hash the next entry's ``prev`` carries: of the line's bytes without its newline."""
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def _last_line(fh) -> bytes:
    """The last complete line of a file opened for reading and appending (b"" for an empty file)."""
    end = fh.seek(0, os.SEEK_END)
    block, tail = 4096, b""
    pos = end
    while pos > 0:
        step = min(block, pos)
        pos -= step
        fh.seek(pos)
        tail = fh.read(step) + tail
        if tail.rstrip(b"\n").count(b"\n") >= 1:
            break
    return tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]


def record(path: Path, *, user: str, name: str, role: str, table: str, fmt: str, filters: Filters, rows: int,
           file_name: str, now: datetime | None = None) -> dict:
    """Append one entry, chained to the one before it, and return it."""
    entry = {
        "time": (now or datetime.now()).astimezone().isoformat(timespec="seconds"), "user": user, "name": name,
        "role": role, "table": table, "format": fmt, "filters": describe_filters(filters), "rows": int(rows),
        "file_name": file_name, "detail": "",
    }
    return _append(path, entry)


CORRECTIONS_TABLE = "句子纠正"


def record_change(path: Path, *, user: str, name: str, role: str, action: str, detail: str, rows: int = 1,
                  now: datetime | None = None) -> dict:
    """Append one HR edit of the data (a sentence correction or its undo): who, when, what."""
    entry = {
        "time": (now or datetime.now()).astimezone().isoformat(timespec="seconds"), "user": user, "name": name,
        "role": role, "table": CORRECTIONS_TABLE, "format": action, "filters": {}, "rows": int(rows),
        "file_name": "", "detail": detail,
    }
    return _append(path, entry)


def _append(path: Path, entry: dict) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    os.fchmod(fd, 0o600)  # a log created before this rule was world-readable
    with os.fdopen(fd, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            last = _last_line(fh)
            entry["prev"] = line_hash(last) if last else GENESIS
            fh.write((json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    return entry


def verify(path: Path) -> list[str]:
    """Where the chain is broken, one Chinese sentence per place (empty: intact).

    Entries written before the chain existed (no ``prev``) at the start of the file are accepted;
    an entry without ``prev`` after a chained one, or whose ``prev`` is not the hash of the line
    before it, is a break.
    """
    if not path.is_file():
        return []
    problems: list[str] = []
    previous: bytes | None = None
    chained = False
    for number, line in enumerate(path.read_bytes().split(b"\n"), start=1):
        if not line:
            continue
        try:
            prev = json.loads(line).get("prev")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            problems.append(f"第 {number} 行不是有效的日志记录")
            previous, chained = line, True
            continue
        if prev is None:
            if chained:
                problems.append(f"第 {number} 行没有链接到上一条记录（可能是后来插入的）")
        else:
            expected = line_hash(previous) if previous is not None else GENESIS
            if prev != expected:
                problems.append(f"第 {number} 行与上一条记录对不上（之前的记录被删除、修改或插入过）")
            chained = True
        previous = line
    return problems


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
