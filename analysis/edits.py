"""HR's edits of stored documents: re-tag and remove documents, correct a sentence's sentiment or
themes and undo a correction.

Each edit writes a new snapshot under the write lock (nothing half-written is ever read) and is kept
across builds: re-tags and removals in the ``managed`` table, corrections in the ``corrections`` table
that ``analysis.insight.passes`` re-applies after every build. Plain data in and out; the pages only
draw what these return and pass the signed-in reader as ``actor`` where the edit needs a role.
"""
from __future__ import annotations

from pathlib import Path

from analysis.insight import passes
from analysis.read.metadata import validate_meta
from analysis.schema import META_FIELDS
from analysis.store import managed, snapshot
from analysis.store.managed import DEFAULT_WAIT

# ---------------------------------------------------------------- re-tag and remove

def retag(store_path: Path | str, doc_ids: list[str], changes: dict, wait: float = DEFAULT_WAIT) -> int:
    """Set metadata fields of stored documents; returns how many were changed.

    Raises ``ValueError`` (Chinese message) for invalid values or nothing to change. Recorded in the
    ``managed`` table, so a later folder build keeps HR's metadata.
    """
    store_path = Path(store_path)
    meta, errors = validate_meta(changes)
    if errors:
        raise ValueError("；".join(errors))
    if not meta:
        raise ValueError("没有要修改的字段：请至少填写一项")
    with snapshot.write_lock(store_path, wait=wait):
        live = snapshot.live_documents(store_path)
        kept = snapshot.live_managed(store_path)
        ids = [d for d in dict.fromkeys(doc_ids) if d in live]
        if not ids:
            return 0
        with snapshot.new_snapshot(store_path) as con:
            snapshot.copy_live(con)
            rows = []
            for doc_id in ids:
                managed.set_meta(con, doc_id, meta)
                old = kept.get(doc_id) or {}
                full = {**{k: live[doc_id][k] for k in META_FIELDS}, **meta}
                rows.append(managed.managed_row(doc_id, old.get("origin", "folder"), old.get("original", ""),
                                                live[doc_id]["source_file"], full))
            managed.replace_managed(con, rows)
            passes.run(con)  # employee and year decide self-copies and plan follow-through
            managed.touch_meta(con)
        snapshot.clean_orphans(store_path)
    return len(ids)


def remove(store_path: Path | str, doc_ids: list[str], wait: float = DEFAULT_WAIT) -> int:
    """Remove stored documents everywhere (documents, sentences, terms); returns how many.

    The removal is recorded so a folder build does not bring a folder document back; an uploaded
    original is deleted once the new snapshot is live (HR removed it: no copy is kept).
    """
    store_path = Path(store_path)
    with snapshot.write_lock(store_path, wait=wait):
        live = snapshot.live_documents(store_path)
        kept = snapshot.live_managed(store_path)
        ids = [d for d in dict.fromkeys(doc_ids) if d in live]
        if not ids:
            return 0
        with snapshot.new_snapshot(store_path) as con:
            snapshot.copy_live(con, exclude_doc_ids=ids)
            managed.replace_managed(con, [
                managed.managed_row(d, (kept.get(d) or {}).get("origin", "folder"), "", live[d]["source_file"],
                                    live[d], removed=True) for d in ids])
            passes.run(con)  # a removed document can no longer be anybody's source
            managed.touch_meta(con)
        for d in ids:
            original = (kept.get(d) or {}).get("original")
            if original:
                (snapshot.originals_dir(store_path) / original).unlink(missing_ok=True)
        snapshot.clean_orphans(store_path)
    return len(ids)


# ---------------------------------------------------------------- corrections of sentence judgements

def _may_correct(actor) -> None:
    """Only an HR admin corrects the data; a department head sees corrections but makes none."""
    if actor is None or getattr(actor, "role", None) != "hr_admin":
        raise PermissionError("只有 HR 管理员可以纠正句子的情感或主题")


def _check_judgement(label: str | None, themes: list[str] | None,
                     known: tuple[str, ...]) -> tuple[str, list[str] | None]:
    """``known``: the store's themes, the ten fixed ones then HR's added ones (``query.taxonomy.theme_keys``),
    so a sentence can be given a theme HR added as well as a shipped one."""
    from analysis.schema import LABELS

    if label not in (None, "") and label not in LABELS:
        raise ValueError(f"情感只能是 {'、'.join(LABELS)}，不是“{label}”")
    if themes is not None:
        unknown = [t for t in themes if t not in known]
        if unknown:
            raise ValueError(f"没有这些主题：{'、'.join(unknown)}")
        themes = sorted(set(themes), key=list(known).index)
    if not label and themes is None:
        raise ValueError("没有要纠正的内容：请给出正确的情感或主题")
    return label or "", themes


def correct(store_path: Path | str, doc_id: str, idx: int, *, label: str | None = None,
            themes: list[str] | None = None, actor=None, wait: float = DEFAULT_WAIT) -> dict:
    """Record HR's judgement of one sentence and write a snapshot with it applied everywhere.

    ``label``: pos/neu/neg or None to keep the sentiment; ``themes``: the sentence's right themes (an empty
    list: none) or None to keep them. ``actor`` is the ``analysis.access.scope.Access`` of the person
    correcting: only an hr_admin may (``PermissionError`` otherwise). The correction replaces an earlier
    one of the same sentence, survives rebuilds (``analysis.insight.corrections``) and is written to the
    audit log. Returns the stored correction.
    """
    from analysis.access import audit
    from analysis.insight import corrections
    from analysis.query.taxonomy import theme_keys

    _may_correct(actor)
    store_path = Path(store_path)
    label, themes = _check_judgement(label, themes, theme_keys(store_path))
    with snapshot.write_lock(store_path, wait=wait):
        with snapshot.read(store_path) as con:
            found = con.execute(
                "SELECT s.text_simplified, s.sentiment, s.label, s.themes, d.analysis_version FROM sentences s "
                "JOIN documents d ON d.doc_id = s.doc_id WHERE s.doc_id = ? AND s.idx = ?", [doc_id, idx]).fetchone()
            if found is None:
                raise ValueError("库中没有这句话（文档可能已被移除或重新分析），请刷新页面后再试")
            text, sentiment, current_label, current_themes, version = found
            key = corrections.text_hash(text)
            earlier = con.execute(
                "SELECT model_sentiment, model_label, model_themes, model_version FROM corrections "
                "WHERE doc_id = ? AND idx = ? AND text_hash = ?", [doc_id, idx, key]).fetchone()
        model = earlier or (sentiment, current_label, list(current_themes or []), version)
        same_label = (label or model[1]) == model[1]
        same_themes = themes is None or set(themes) == set(model[2] or [])
        if earlier is None and same_label and same_themes:
            raise ValueError("与模型的判断相同，无需纠正")
        row = {"doc_id": doc_id, "idx": idx, "text_hash": key, "text": text, "label": label, "themes": themes,
               "model_sentiment": model[0], "model_label": model[1], "model_themes": list(model[2] or []),
               "model_version": model[3], "user": actor.user, "name": actor.name, "created_at": managed.now(),
               "status": ""}
        with snapshot.new_snapshot(store_path) as con:
            snapshot.copy_live(con)
            con.execute("DELETE FROM corrections WHERE doc_id = ? AND idx = ? AND text_hash = ?", [doc_id, idx, key])
            snapshot.insert_rows(con, "corrections", [row])
            passes.run(con)  # applies every correction, then copies and follow-through (labels changed)
            managed.touch_meta(con)
    before = corrections.describe(model[1], list(model[2] or []))
    audit.record_change(audit.audit_path(store_path), user=actor.user, name=actor.name, role=actor.role,
                        action="纠正", detail=f"{doc_id} 第 {idx} 句“{text}”：{before} → "
                                           f"{corrections.describe(label or None, themes)}")
    return row


def undo_correction(store_path: Path | str, doc_id: str, idx: int, text_hash: str, *, actor=None,
                    wait: float = DEFAULT_WAIT) -> bool:
    """Withdraw a correction: the sentence gets the model's judgement back, in a new snapshot.

    Only an hr_admin may; recorded in the audit log. False if there was no such correction."""
    from analysis.access import audit
    from analysis.insight import corrections

    _may_correct(actor)
    store_path = Path(store_path)
    with snapshot.write_lock(store_path, wait=wait):
        with snapshot.read(store_path) as con:
            found = [c for c in corrections.rows(con)
                     if (c["doc_id"], c["idx"], c["text_hash"]) == (doc_id, idx, text_hash)]
        if not found:
            return False
        c = found[0]
        with snapshot.new_snapshot(store_path) as con:
            snapshot.copy_live(con)
            con.execute("DELETE FROM corrections WHERE doc_id = ? AND idx = ? AND text_hash = ?",
                        [doc_id, idx, text_hash])
            corrections.restore(con, c)
            passes.run(con)
            managed.touch_meta(con)
    audit.record_change(audit.audit_path(store_path), user=actor.user, name=actor.name, role=actor.role,
                        action="撤销纠正", detail=f"{doc_id} 第 {c['idx']} 句“{c['text']}”：恢复模型判断 "
                                             f"{corrections.describe(c['model_label'], list(c['model_themes'] or []))}")
    return True
