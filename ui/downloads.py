"""Files leave the dashboard only through the export page, each generated on click and audit-logged.

Two other ways out are closed here, once per server process (``app.py`` calls ``guard``):

- Streamlit's own "Download as CSV" in every table's toolbar (and copying cells to the clipboard)
  is neither logged nor neutralised (a cell ``=HYPERLINK(…)`` stays a live formula): the
  ``client.disableDataExport`` option removes it. It is also set in .streamlit/config.toml; setting
  it here covers a server started from another folder, whose config file is not read.
- A generated download stays in Streamlit's media store under a ``/media/<id>.csv`` address until
  a later run clears it, and anyone with the address could fetch it again without a session and
  without a log entry. Downloads are made one-shot: the stored file is dropped when it is served.
"""
from __future__ import annotations

import os

import streamlit as st


def guard() -> None:
    st.set_option("client.disableDataExport", True)
    _one_shot()


def _one_shot() -> None:
    from streamlit.runtime.media_file_storage import MediaFileKind
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    original = MemoryMediaFileStorage.get_file
    if getattr(original, "_yearend_one_shot", False):
        return

    def get_file(self, filename: str):
        media_file = original(self, filename)
        if media_file.kind == MediaFileKind.DOWNLOADABLE:
            self.delete_file(os.path.splitext(filename)[0])  # served once; the next request is a 404
        return media_file

    get_file._yearend_one_shot = True  # type: ignore[attr-defined]
    MemoryMediaFileStorage.get_file = get_file
