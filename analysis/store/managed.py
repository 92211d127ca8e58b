"""HR's edits kept across builds: rows of the ``managed`` table (uploaded documents, re-tags, removals)
and the snapshot's ``meta`` stamp, written inside a snapshot that the caller holds open under the
write lock. Both the upload path (``analysis.intake``) and HR's edits of stored documents
(``analysis.edits``) write through these, so a folder build reads one shape of record.
"""
from __future__ import annotations

import time

from analysis.schema import ANALYSIS_VERSION, META_FIELDS
from analysis.store import snapshot

DEFAULT_WAIT = 600.0
"""Seconds an upload or an HR edit waits for the write lock (a folder build may hold it)."""


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def managed_row(doc_id: str, origin: str, original: str, source_file: str, meta: dict,
                 removed: bool = False) -> dict:
    return {"doc_id": doc_id, "origin": origin, "original": original, "source_file": source_file,
            "removed": removed, **{k: meta.get(k) or (0 if k == "year" else "") for k in META_FIELDS},
            "updated_at": now()}


def replace_managed(con, rows: list[dict]) -> None:
    if not rows:
        return
    ids = [r["doc_id"] for r in rows]
    con.execute(f"DELETE FROM managed WHERE doc_id IN ({', '.join('?' * len(ids))})", ids)
    snapshot.insert_rows(con, "managed", rows)


def touch_meta(con) -> None:
    """The sidebar's 'updated at'; a new store also records its analysis version."""
    con.execute("DELETE FROM meta WHERE key = 'built_at'")
    snapshot.insert_rows(con, "meta", [{"key": "built_at", "value": now()}])
    if not con.execute("SELECT COUNT(*) FROM meta WHERE key = 'analysis_version'").fetchall()[0][0]:
        snapshot.insert_rows(con, "meta", [{"key": "analysis_version", "value": ANALYSIS_VERSION}])


def set_meta(con, doc_id: str, meta: dict) -> None:
    sets = {k: meta[k] for k in META_FIELDS if k in meta}
    if sets:
        con.execute(f"UPDATE documents SET {', '.join(f'{k} = ?' for k in sets)} WHERE doc_id = ?",
                    [*sets.values(), doc_id])
