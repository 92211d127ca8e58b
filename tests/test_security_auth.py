"""Attack tests for the login lockout (issue 13, item 2).

Before the fix the failure counter lived in a Streamlit resource cache that any browser could empty,
and it was checked before bcrypt ran and updated after: 100 guesses sent at once were all checked.
"""
from __future__ import annotations

import stat
import threading
import time
from types import SimpleNamespace

import pytest
import streamlit as st

from analysis.access import lockout, users
from analysis.access.scope import full_access
from tests.auth_helpers import PASSWORD, disable_pages_discovery, sign_in, start, write_users
from ui import auth
from ui.state import STORE_ENV


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


def _slow_check(calls: list, right: str = PASSWORD):
    """bcrypt stand-in that takes a while, so concurrent guesses really overlap, and counts its calls."""
    guard = threading.Lock()

    def check(username: str, password: str):
        with guard:
            calls.append(password)
        time.sleep(0.02)
        return SimpleNamespace(username=username) if password == right else None

    return check


def test_hundred_concurrent_guesses_check_only_five(tmp_path):
    lock = lockout.Lockout(tmp_path / "users.attempts.sqlite")
    calls: list[str] = []
    check = _slow_check(calls)
    start_together = threading.Barrier(100)
    results = []

    def guess(n: int) -> None:
        start_together.wait()
        results.append(lockout.sign_in(lock, check, "guest", f"错误密码{n:05d}", "203.0.113.7"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(100)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == lockout.MAX_USER_FAILURES  # counted before hashing: the rest never reach bcrypt
    messages = [msg for _, msg in results]
    assert messages.count("用户名或密码不正确。") == 5
    assert sum(m.startswith("连续输错密码次数过多，请") for m in messages) == 95
    user, message = lockout.sign_in(lock, check, "guest", PASSWORD, "203.0.113.7")  # the right one, too late
    assert user is None and message.startswith("连续输错密码次数过多")
    assert len(calls) == 5


def test_lock_is_on_disk_owner_only_and_survives_a_restart(tmp_path):
    path = tmp_path / "users.attempts.sqlite"
    first = lockout.Lockout(path)
    for _ in range(5):
        assert first.begin("guest", None, now=1000.0).attempt is not None
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    restarted = lockout.Lockout(path)  # a new server process reads the same file
    verdict = restarted.begin("guest", None, now=1010.0)
    assert verdict.attempt is None and verdict.wait == 50.0
    assert restarted.begin("guest", None, now=1061.0).attempt is not None  # the window has passed


def test_many_names_from_one_address_lock_the_address(tmp_path):
    lock = lockout.Lockout(tmp_path / "users.attempts.sqlite")
    for n in range(lockout.MAX_ADDRESS_FAILURES):
        assert lock.begin(f"user{n}", "198.51.100.9", now=2000.0 + n).attempt is not None
    refused = lock.begin("hr", "198.51.100.9", now=2030.0)
    assert refused.attempt is None and refused.wait == 870.0
    assert lock.begin("hr", "198.51.100.10", now=2030.0).attempt is not None  # another address is not locked


def test_success_forgets_the_users_count_not_the_addresss(tmp_path):
    lock = lockout.Lockout(tmp_path / "users.attempts.sqlite", max_address=6)
    for _ in range(4):
        lock.begin("guest", "192.0.2.1", now=100.0)
    ok = lock.begin("guest", "192.0.2.1", now=101.0)
    lock.succeeded(ok.attempt, "guest")
    assert lock.begin("guest", "192.0.2.1", now=102.0).attempt is not None  # the user's count is gone
    assert lock.begin("guest", "192.0.2.1", now=103.0).attempt is not None  # 4 + 2 failures from this address
    assert lock.begin("guest", "192.0.2.1", now=104.0).attempt is None  # the address reached 6


@pytest.fixture
def users_file(tmp_path, monkeypatch, demo_store):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv("YEAREND_AUDIT", str(tmp_path / "audit.jsonl"))
    path = write_users(tmp_path / "users.toml")
    monkeypatch.setenv(users.USERS_ENV, str(path))
    return path


def test_clearing_streamlits_caches_does_not_lift_the_lock(users_file):
    at = start()
    for _ in range(5):
        sign_in(at, "guest", "错误密码00000")
    st.cache_data.clear()  # what Streamlit's clear-cache message does on the server
    st.cache_resource.clear()
    at = sign_in(start(), "guest")  # a new browser session, the right password
    assert len(at.error) == 1 and at.error[0].value.startswith("连续输错密码次数过多")
    assert "登录" in [t.value for t in at.title]


def test_clear_cache_request_is_ignored_below_hr_admin():
    calls = []

    @st.cache_data
    def read(n: int) -> int:
        calls.append(n)
        return n

    from streamlit.runtime.app_session import AppSession

    original = AppSession._handle_clear_cache_request
    try:
        auth.guard_clear_cache()
        auth.guard_clear_cache()  # once per process, however often the router runs
        read(1)
        viewer = auth.NO_ACCESS
        for state in ({}, {auth.K_ACCESS: viewer}):
            AppSession._handle_clear_cache_request(SimpleNamespace(_session_state=dict(state)))
            read(1)
        assert calls == [1]  # still cached: the request did nothing
        admin = {auth.K_ACCESS: full_access("hr", "人事部林主管", local=False)}
        AppSession._handle_clear_cache_request(SimpleNamespace(_session_state=dict(admin)))
        read(1)
        assert calls == [1, 1]
    finally:
        AppSession._handle_clear_cache_request = original
        read.clear()



def test_an_unwritable_attempts_file_refuses_every_sign_in(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "users.attempts.sqlite").mkdir()  # not a file SQLite can open: nothing can be counted
    lock = lockout.Lockout(folder / "users.attempts.sqlite")
    calls: list[str] = []
    user, message = lockout.sign_in(lock, _slow_check(calls), "guest", PASSWORD, None)
    assert user is None and calls == []
    assert message == "暂时无法登录：登录记录文件 users.attempts.sqlite 无法写入，请联系管理员。"
