"""Files leave the dashboard only through the export page, each generated on click and audit-logged.

Two other ways out are closed here, once per server process (``app.py`` calls ``guard``):

- Streamlit's own "Download as CSV" in every table's toolbar (and copying cells to the clipboard)
  is neither logged nor neutralised (a cell ``=HYPERLINK(…)`` stays a live formula): the
  ``client.disableDataExport`` option removes it. It is also set in .streamlit/config.toml; setting
  it here covers a server started from another folder, whose config file is not read.
- A generated download stays in Streamlit's media store under a ``/media/<id>.csv`` address until
  a later run clears it, and anyone with the address could fetch it again without a session and
  without a log entry. A download is served for ``SERVE_WINDOW`` seconds after it is first fetched
  (the browser's own download may take more than one request) and then dropped: the address is a 404.
  A new click generates, logs and serves the file afresh.
"""
from __future__ import annotations

import os
import threading
import time

import streamlit as st

SERVE_WINDOW = 30.0
_clock = time.monotonic
_first_served: dict[tuple[int, str], float] = {}
_lock = threading.Lock()


def guard() -> None:
    st.set_option("client.disableDataExport", True)
    _serve_briefly()


def _serve_briefly() -> None:
    from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    get_original, load_original = MemoryMediaFileStorage.get_file, MemoryMediaFileStorage.load_and_get_id
    if getattr(get_original, "_yearend_guarded", False):
        return

    def get_file(self, filename: str):
        media_file = get_original(self, filename)
        if media_file.kind != MediaFileKind.DOWNLOADABLE:
            return media_file
        file_id = os.path.splitext(filename)[0]
        now = _clock()
        with _lock:
            first = _first_served.setdefault((id(self), file_id), now)
            if now - first > SERVE_WINDOW:
                del _first_served[(id(self), file_id)]
                self.delete_file(file_id)
                raise MediaFileStorageError(f"Download {file_id} has expired")
        return media_file

    def load_and_get_id(self, *args, **kwargs) -> str:
        file_id = load_original(self, *args, **kwargs)
        with _lock:  # generated again (a new click): its window starts when it is fetched
            _first_served.pop((id(self), file_id), None)
        return file_id

    get_file._yearend_guarded = True  # type: ignore[attr-defined]
    MemoryMediaFileStorage.get_file = get_file
    MemoryMediaFileStorage.load_and_get_id = load_and_get_id
