"""Attack tests at the page level (issue 13, items 7 and 9).

7: values from documents that reach Markdown (titles, captions, messages) made browsers fetch outside
   addresses; every such value is now escaped. The store here is poisoned directly, as a store built
   before names were validated would be.
9: 原创性 crashed for every viewer with a traceback naming server paths; every page is opened as every
   role, on an empty and on a full store, and no page may show an exception.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analysis import build
from analysis.access import users
from tests.auth_helpers import APP, PEOPLE, disable_pages_discovery, sign_in, write_users
from ui.state import PAGES, STORE_ENV

IMAGE = "![](http://127.0.0.1:9/pixel.png)"
LINK = "[点我](https://example.invalid/x)"
HTML = "<img src=http://127.0.0.1:9/p.png>"
MARKDOWN_ELEMENTS = ("title", "subheader", "header", "markdown", "caption", "info", "warning", "error", "success")


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


def _markdown_texts(at: AppTest) -> list[str]:
    texts = []
    for kind in MARKDOWN_ELEMENTS:
        texts += [str(el.value) for el in at.get(kind)]
    texts += [str(el.value) for el in at.sidebar.get("caption")] + [str(el.value) for el in at.sidebar.get("markdown")]
    return texts


_ACTIVE = re.compile(r"(?<!\\)!\[|(?<!\\)\]\(|(?<!\\)<(?:img|a|iframe|script|video|audio|source|object|link)\b")
"""An image, a link or an HTML tag that Markdown would act on (a backslash before it makes it text)."""


def _assert_inert(texts: list[str]) -> None:
    for text in texts:
        assert not _ACTIVE.search(text), text


@pytest.fixture
def poisoned(demo_store, tmp_path, monkeypatch) -> tuple[Path, str]:
    """A copy of the demo store where one document's employee, team and file name carry Markdown."""
    path = tmp_path / "insights.duckdb"
    shutil.copy(demo_store, path)
    with duckdb.connect(str(path)) as con:
        doc_id = con.execute("SELECT doc_id FROM documents ORDER BY doc_id LIMIT 1").fetchone()[0]
        con.execute("UPDATE documents SET employee = ?, team = ?, role = ?, source_file = ? WHERE doc_id = ?",
                    [IMAGE, IMAGE, HTML, f"2024/{LINK}.txt", doc_id])
    monkeypatch.setenv(STORE_ENV, str(path))
    monkeypatch.setenv(users.USERS_ENV, str(tmp_path / "no-users.toml"))
    monkeypatch.setenv("YEAREND_AUDIT", str(tmp_path / "audit.jsonl"))
    return path, doc_id


def test_document_values_reach_markdown_escaped(poisoned):
    _, doc_id = poisoned
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.multiselect(key="f_team").set_value([IMAGE]).run()  # the sidebar's filter caption names the team
    at.text_input(key="f_search").input(IMAGE).run()  # and the search text
    at.text_input(key="f_search").input("").run()
    at.session_state["doc_id"] = doc_id
    at.switch_page("pages/documents.py").run()
    assert not at.exception, [e.message for e in at.exception]
    texts = _markdown_texts(at)
    _assert_inert(texts)
    # the values are still shown, as text
    assert any(r"\!\[\](http://127.0.0.1:9/pixel.png)" in t for t in at.subheader.values)
    caption = " ".join(texts)
    assert r"\<img src=http://127.0.0.1:9/p.png\>" in caption
    assert r"\[点我\](https://example.invalid/x)" in caption
    for page in ("pages/overview.py", "pages/originality.py", "pages/followthrough.py", "pages/keywords.py"):
        at.switch_page(page).run()
        assert not at.exception, [e.message for e in at.exception]
        _assert_inert(_markdown_texts(at))


def test_search_text_is_escaped_in_every_message(poisoned):
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="f_search").input(f"{IMAGE}:red[红字]$x$").run()
    assert not at.exception
    texts = _markdown_texts(at)
    assert any(r"含“\!\[\](http://127.0.0.1:9/pixel.png):red\[红字\]\$x\$”" in t for t in texts), texts
    _assert_inert(texts)


# ---------------------------------------------------------------- 9: every page, every role, empty and full


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("empty")
    (root / "corpus").mkdir()
    path = root / "insights.duckdb"
    build.build(root / "corpus", path, workers=1, progress=False)
    return path


def _open_every_page(at: AppTest, role: str) -> list[str]:
    opened = []
    for page in PAGES:
        if role not in page.roles:
            continue  # not in this reader's navigation: no address to open (tests/test_auth.py)
        at.switch_page(page.path).run()
        assert not at.exception, (page.path, [e.message for e in at.exception])
        shown = " ".join(_markdown_texts(at) + [str(e.value) for e in at.get("exception")])
        assert "Traceback" not in shown and "File \"/" not in shown, (page.path, shown)
        opened.append(page.path)
    return opened


@pytest.mark.parametrize("kind", ["empty", "full"])
@pytest.mark.parametrize("role", ["local", *PEOPLE])
def test_every_page_as_every_role_never_crashes(role, kind, demo_store, empty_store, tmp_path, monkeypatch):
    monkeypatch.setenv(STORE_ENV, str(demo_store if kind == "full" else empty_store))
    monkeypatch.setenv("YEAREND_AUDIT", str(tmp_path / "audit.jsonl"))
    if role == "local":
        monkeypatch.setenv(users.USERS_ENV, str(tmp_path / "no-users.toml"))
        at = AppTest.from_file(APP, default_timeout=60).run()
    else:
        monkeypatch.setenv(users.USERS_ENV, str(write_users(tmp_path / "users.toml")))
        at = sign_in(AppTest.from_file(APP, default_timeout=60).run(), role)
    assert not at.exception, [e.message for e in at.exception]
    role_name = "hr_admin" if role == "local" else PEOPLE[role][0]
    assert _open_every_page(at, role_name) == [p.path for p in PAGES if role_name in p.roles]
