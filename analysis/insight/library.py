"""The 范文 library: templates HR adds so that summaries pasted from them are flagged.

Templates live in the store's ``templates`` table, which every build carries over into its new
snapshot (a rebuild of the corpus folder does not lose them). Adding or removing one changes which
documents are copies, so it writes a new snapshot like a build does: under ``snapshot.write_lock``, a
copy of the live snapshot with the library changed and the copy pass re-run, swapped in atomically.
The live file is never written in place, so the dashboard can keep reading while this runs.
"""
from __future__ import annotations

import time
from pathlib import Path

import pandas as pd

from analysis.insight import aggregates, copies, passes
from analysis.read import decode
from analysis.schema import ANALYSIS_VERSION
from analysis.store import snapshot

MIN_CHARS = 30


class LibraryError(ValueError):
    """A template that cannot be added, or a store that cannot take one; the message says why."""


def template_from_file(name: str, data: bytes) -> str:
    """The text of an uploaded 范文 file (.txt .md .docx .pdf, any encoding the build reads)."""
    try:
        text, _fmt, _enc = decode.read_bytes(name, data)
    except decode.IngestError as exc:
        raise LibraryError(f"{name}：{exc}") from exc
    return text


def _check(name: str, text: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise LibraryError("请给范文起一个名字")
    if len(name) > 80:
        raise LibraryError(f"范文名称太长（{len(name)} 个字符，最多 80 个）")
    body = copies.canonical(copies.template_lines(text))
    if len(body) < MIN_CHARS:
        raise LibraryError(f"范文“{name}”的正文太短（去掉标点和数字后只有 {len(body)} 个字，至少需要 {MIN_CHARS} 个）")
    return name


def _rewrite(store_path: Path, change) -> int:
    """Copy the live snapshot, apply ``change(con)`` to its templates, re-run the copy pass, swap in."""
    store_path = Path(store_path)
    if not store_path.exists():
        raise LibraryError(f"找不到数据库 {store_path}：请先运行 python -m analysis build")
    with snapshot.read(store_path) as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'analysis_version'").fetchone()
    if not row or row[0] != ANALYSIS_VERSION:
        raise LibraryError("数据库由旧版本的分析生成，请先运行 python -m analysis build 重新分析，再添加范文")
    with snapshot.write_lock(store_path), snapshot.new_snapshot(store_path) as con:
        snapshot.copy_live(con)
        change(con)
        copied = passes.update_copies(con)
        aggregates.update(con)  # derived tables are not carried from the live snapshot
        con.execute("DELETE FROM meta WHERE key = 'templates_changed_at'")
        snapshot.insert_rows(con, "meta", [{"key": "templates_changed_at",
                                            "value": time.strftime("%Y-%m-%d %H:%M:%S")}])
    return copied


def add_template(store_path: Path, name: str, text: str, source: str = "") -> int:
    """Add (or replace) a template; returns how many documents are copies afterwards."""
    name = _check(name, text)

    def change(con) -> None:
        con.execute("DELETE FROM templates WHERE name = ?", [name])
        snapshot.insert_rows(con, "templates", [{"name": name, "text": text, "source": source,
                                              "added_at": time.strftime("%Y-%m-%d %H:%M:%S")}])

    return _rewrite(store_path, change)


def remove_template(store_path: Path, name: str) -> int:
    if name not in set(templates(store_path)["name"]):
        raise LibraryError(f"范文库中没有“{name}”")
    return _rewrite(store_path, lambda con: con.execute("DELETE FROM templates WHERE name = ?", [name]))


def templates(store_path: Path) -> pd.DataFrame:
    """The library, with how many documents were copied from each template."""
    with snapshot.read(store_path) as con:
        return con.execute(
            "SELECT t.name, t.source, t.added_at, length(t.text) AS chars, "
            "COUNT(d.doc_id) FILTER (WHERE d.copy_kind = '范文') AS copied_documents "
            "FROM templates t LEFT JOIN documents d ON d.copy_of = t.name GROUP BY ALL ORDER BY t.added_at, t.name"
        ).df()
