"""主题管理 (HR admin): the store's taxonomy versions, a cached preview and suggestions, and saving a version
(re-scored in a new snapshot, recorded in the audit log). ``analysis.insight.taxonomy`` does the work."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from analysis.access import audit
from analysis.access.scope import Filters
from analysis.insight import taxonomy
from analysis.store import snapshot
from ui import auth
from ui.state import store_path


def _admin() -> None:
    if auth.access().restricted:
        raise PermissionError("只有 HR 管理员可以管理主题词表")


@st.cache_data(max_entries=8, show_spinner=False)
def _state(path: str, version: str) -> tuple[int, str, pd.DataFrame]:
    return taxonomy.read_state(path)


def state() -> tuple[int, str, pd.DataFrame]:
    """(active version, its TOML text, the saved versions, newest first)."""
    path = store_path()
    return _state(str(path), snapshot.data_version(path))


def themes() -> dict[str, dict]:
    """The active taxonomy's themes as plain dicts (any reader: pages list HR's added themes)."""
    return taxonomy.parse(state()[1])


@st.cache_data(max_entries=4, show_spinner=False)
def _sample(path: str, version: str) -> pd.DataFrame:
    with snapshot.read(path) as con:
        return taxonomy.sample(con)


@st.cache_data(max_entries=16, show_spinner="正在预览……")
def _preview(path: str, version: str, key: str, text: str) -> pd.DataFrame:
    return taxonomy.preview(_sample(path, version), key, text)


def preview(key: str, text: str) -> pd.DataFrame:
    """The sample sentences that would gain or lose theme ``key`` under ``text``."""
    _admin()
    path = store_path()
    return _preview(str(path), snapshot.data_version(path), key, text)


@st.cache_data(max_entries=4, show_spinner=False)
def _word_lists(path: str, version: str) -> tuple[list[list[str]], pd.DataFrame]:
    with snapshot.read(path) as con:
        frame = con.execute("SELECT w.doc_id, w.idx, w.words, s.text, d.department, d.year FROM sentence_words w "
                            "JOIN sentences s USING (doc_id, idx) JOIN documents d USING (doc_id)").df()
    return [list(w) for w in frame["words"]], frame


def suggestions(cues: tuple[str, ...], top: int = 15) -> pd.DataFrame:
    """Candidate words for a theme whose cue words are ``cues``, each with two example sentences."""
    _admin()
    path = store_path()
    lists, frame = _word_lists(str(path), snapshot.data_version(path))
    out = taxonomy.suggest(lists, set(cues), top=top)
    cue_set = set(cues)
    inside = [n for n, ws in enumerate(lists) if cue_set.intersection(ws)]  # the examples come from these

    def examples(word: str) -> list[str]:
        return [frame["text"].iat[n] for n in inside if word in lists[n]][:2]

    return out.assign(examples=out["word"].map(examples))


def save(text: str, note: str, progress: Callable[[float], None] | None = None) -> tuple[int, int]:
    """Save and re-score; recorded in the audit log as table ``taxonomy``."""
    _admin()
    acc = auth.access()
    path = store_path()
    version, changed = taxonomy.save_version(path, text, acc.user, note, progress=progress)
    audit.record(audit.audit_path(path), user=acc.user, name=acc.name, role=acc.role, table="taxonomy",
                 fmt="save", filters=Filters(), rows=changed, file_name=f"主题词表 v{version}：{note}")
    return version, changed
