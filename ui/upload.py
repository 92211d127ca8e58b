"""The 语料管理 page's link to ``analysis.intake``: uploaded widgets → plain uploads, the preview kept
across reruns, and the writes (commit, re-tag, remove) on the store the dashboard reads.

A preview decodes every file (docx and pdf parsing, encoding detection), so it is computed once per
distinct upload — the files, the manifest, the form values and the store's data version — and kept
in the session; moving a slider elsewhere on the page does not read 500 files again.
"""
from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from analysis import intake
from analysis.intake import Upload
from analysis.read import ingest
from analysis.store import snapshot
from ui import data, state

K_PREVIEW = "up_preview"
K_RESULT = "up_result"
K_ROUND = "up_round"  # bumped after a commit so the uploaders start empty
K_MESSAGE = "up_message"


def limits() -> ingest.Limits:
    return ingest.Limits.from_env()


def round_key(name: str) -> str:
    """Widget key of an uploader for the current round (a new round clears it)."""
    return f"{name}_{st.session_state.get(K_ROUND, 0)}"


def next_round() -> None:
    st.session_state[K_ROUND] = st.session_state.get(K_ROUND, 0) + 1
    st.session_state.pop(K_PREVIEW, None)


def choices() -> dict[str, list]:
    """Departments, teams, roles and years already in the store: the form offers these first."""
    path = state.store_path()
    if not snapshot.exists(path):
        return {"department": [], "team": [], "role": [], "year": []}
    facets = data.facets()
    return {col: sorted({v for v in facets[col] if v not in ("", 0, None)}) for col in ("department", "team", "role",
                                                                                     "year")}


def preview(files: Sequence, manifest, form: dict) -> intake.Preview:
    """The preview of these uploaded files (``UploadedFile``s), computed once per distinct input."""
    path = state.store_path()
    key = (tuple((f.file_id, f.name, f.size) for f in files), manifest.file_id if manifest else None,
           tuple(sorted(form.items())), snapshot.data_version(path))
    kept = st.session_state.get(K_PREVIEW)
    if kept and kept[0] == key:
        return kept[1]
    uploads = [Upload(f.name, f.getvalue()) for f in files]
    pre = intake.preview(uploads, path, manifest=Upload(manifest.name, manifest.getvalue()) if manifest else None,
                         form=form, limits=limits())
    st.session_state[K_PREVIEW] = (key, pre)
    return pre


def commit(pre: intake.Preview, progress: intake.Progress) -> intake.CommitReport:
    return intake.commit(pre, state.store_path(), progress=progress)


def retag(doc_ids: list[str], changes: dict) -> int:
    return intake.retag(state.store_path(), doc_ids, changes)


def remove(doc_ids: list[str]) -> int:
    return intake.remove(state.store_path(), doc_ids)
