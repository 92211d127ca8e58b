"""Password guessing limits: failed sign-ins per user name and per client address, kept on disk.

The counter lived in a Streamlit resource cache, which any browser can empty with Streamlit's
clear-cache message, and it was read before bcrypt ran and written after, so a hundred guesses sent
at once all passed the check. Here every attempt is *counted before the password is checked*, in
one SQLite transaction (``BEGIN IMMEDIATE`` takes the database's write lock, so two sessions, two
threads or two server processes cannot both see "4 failures" and both go on), and a success removes
its user's count afterwards. The file sits beside the users file, owner-only, so a restart or a
cleared cache does not forget anything.

Limits: ``MAX_USER_FAILURES`` within ``USER_WINDOW`` seconds lock a user name, ``MAX_ADDRESS_FAILURES``
within ``ADDRESS_WINDOW`` lock a client address (guessing across many names). Behind a reverse
proxy every client may arrive from the proxy's address; see the README (安全) for what that changes.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

MAX_USER_FAILURES, USER_WINDOW = 5, 60.0
MAX_ADDRESS_FAILURES, ADDRESS_WINDOW = 20, 900.0
LOCAL_ADDRESS = "本机"
"""The key for connections from this machine (Streamlit reports no address for them)."""

_threads = threading.Lock()


def attempts_path(users_file: Path) -> Path:
    """``users.toml`` → ``users.attempts.sqlite`` in the same folder."""
    return users_file.with_name(users_file.stem + ".attempts.sqlite")


@dataclass(frozen=True)
class Verdict:
    attempt: int | None
    """The counted attempt (None: refused without checking the password)."""
    wait: float = 0.0
    """Seconds until the lock lifts, when refused."""


class Lockout:
    def __init__(self, path: Path, max_user: int = MAX_USER_FAILURES, user_window: float = USER_WINDOW,
                 max_address: int = MAX_ADDRESS_FAILURES, address_window: float = ADDRESS_WINDOW) -> None:
        self.path = Path(path)
        self.max_user, self.user_window = max_user, user_window
        self.max_address, self.address_window = max_address, address_window

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))  # owner-only before SQLite opens it
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("CREATE TABLE IF NOT EXISTS attempts (id INTEGER PRIMARY KEY, username TEXT NOT NULL, "
                    "address TEXT NOT NULL, at REAL NOT NULL)")
        return con

    def begin(self, username: str, address: str | None, now: float | None = None) -> Verdict:
        """Count an attempt for ``username`` from ``address``, or refuse it when either is locked."""
        now = time.time() if now is None else now
        address = address or LOCAL_ADDRESS
        with _threads:
            con = self._connect()
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("DELETE FROM attempts WHERE at < ?", [now - max(self.user_window, self.address_window)])
                waits = []
                for column, value, limit, window in (("username", username, self.max_user, self.user_window),
                                                     ("address", address, self.max_address, self.address_window)):
                    n, oldest = con.execute(
                        f"SELECT COUNT(*), MIN(at) FROM (SELECT at FROM attempts WHERE {column} = ? AND at >= ? "
                        "ORDER BY at DESC LIMIT ?)", [value, now - window, limit]).fetchone()
                    if n >= limit:
                        waits.append(oldest + window - now)
                if waits:
                    con.execute("COMMIT")
                    return Verdict(None, max(max(waits), 1.0))
                cur = con.execute("INSERT INTO attempts (username, address, at) VALUES (?, ?, ?)",
                                  [username, address, now])
                con.execute("COMMIT")
                return Verdict(cur.lastrowid)
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise
            finally:
                con.close()

    def succeeded(self, attempt: int, username: str) -> None:
        """The password was right: the user name's failures are forgotten (the address's are not: one
        valid account must not reset a guesser's count for every other name)."""
        with _threads:
            con = self._connect()
            try:
                con.execute("BEGIN IMMEDIATE")
                con.execute("DELETE FROM attempts WHERE id = ?", [attempt])
                con.execute("UPDATE attempts SET username = '' WHERE username = ?", [username])
                con.execute("COMMIT")
            finally:
                con.close()


def sign_in(lock: Lockout, check, username: str, password: str, address: str | None):
    """``check(username, password)`` (bcrypt) run only for an attempt the lock has counted first.

    Returns (user or None, Chinese error message or "")."""
    try:
        verdict = lock.begin(username, address)
    except (sqlite3.Error, OSError):  # fail closed: no count, no password check
        return None, f"暂时无法登录：登录记录文件 {lock.path.name} 无法写入，请联系管理员。"
    if verdict.attempt is None:
        return None, f"连续输错密码次数过多，请 {verdict.wait:.0f} 秒后再试。"
    user = check(username, password)
    if user is None:
        return None, "用户名或密码不正确。"
    lock.succeeded(verdict.attempt, username)
    return user, ""
