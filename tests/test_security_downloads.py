"""Attack tests for files leaving the dashboard (issue 13, item 6).

Before the fix every table's toolbar offered Streamlit's own "Download as CSV" (not logged, formulas
left live), and a generated export stayed at its /media address for anyone to fetch again without a
session and without a log entry.
"""
from __future__ import annotations

import pytest
import streamlit as st
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from analysis.access import users
from tests.auth_helpers import APP, disable_pages_discovery
from ui import downloads
from ui.state import STORE_ENV


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


def test_table_toolbar_download_is_switched_off(demo_store, tmp_path, monkeypatch):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(users.USERS_ENV, str(tmp_path / "no-users.toml"))
    st.set_option("client.disableDataExport", False)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    at.switch_page("pages/documents.py").run()
    assert at.dataframe  # tables are shown ...
    assert st.get_option("client.disableDataExport") is True  # ... without their CSV download or copy


def test_a_generated_download_expires_after_it_is_fetched(monkeypatch):
    downloads.guard()
    now = [1000.0]
    monkeypatch.setattr(downloads, "_clock", lambda: now[0])
    storage = MemoryMediaFileStorage("/media")
    data = "员工,电话\n周明,=HYPERLINK(1)\n".encode()
    file_id = storage.load_and_get_id(data, "text/csv", MediaFileKind.DOWNLOADABLE, "文档.csv")
    assert storage.get_file(f"{file_id}.csv").filename == "文档.csv"  # the browser's download
    now[0] += 5
    assert storage.get_file(f"{file_id}.csv").content == data  # its second request, within the window
    now[0] += downloads.SERVE_WINDOW
    with pytest.raises(MediaFileStorageError):
        storage.get_file(f"{file_id}.csv")  # the same address later, from anywhere: gone
    with pytest.raises(MediaFileStorageError):
        storage.get_file(f"{file_id}.csv")
    # a new click makes the same file again: served again
    assert storage.load_and_get_id(data, "text/csv", MediaFileKind.DOWNLOADABLE, "文档.csv") == file_id
    assert storage.get_file(f"{file_id}.csv").content == data


def test_media_that_is_not_a_download_is_served_as_before():
    downloads.guard()
    storage = MemoryMediaFileStorage("/media")
    file_id = storage.load_and_get_id(b"\x89PNG....", "image/png", MediaFileKind.MEDIA)
    assert storage.get_file(f"{file_id}.png").content == b"\x89PNG...."
    assert storage.get_file(f"{file_id}.png").content == b"\x89PNG...."  # the word cloud reloads
