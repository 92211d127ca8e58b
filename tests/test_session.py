"""The session cookie that keeps a reader signed in across a reload (analysis/access/session.py):
a token verifies for its user only while it is unaltered, unexpired, unrevoked and the user's
password is unchanged; the key beside the users file is owner-only."""
from __future__ import annotations

import stat

from analysis.access import session, users
from tests.auth_helpers import write_users

NOW = 1_800_000_000.0


def _setup(tmp_path):
    path = write_users(tmp_path / "users.toml")
    return path, users.load(path)


def test_a_token_verifies_for_its_user_until_it_expires(tmp_path, monkeypatch):
    monkeypatch.setenv(session.HOURS_ENV, "2")
    path, cfg = _setup(tmp_path)
    issued = session.issue(path, cfg, "xiaoshou", now=NOW)
    assert issued.expires == int(NOW) + 7200
    found = session.verify(path, cfg, issued.token, now=NOW + 7199)
    assert (found.username, found.sid, found.expires) == ("xiaoshou", issued.sid, issued.expires)
    assert session.verify(path, cfg, issued.token, now=NOW + 7200) is None
    assert stat.S_IMODE(session.key_path(path).stat().st_mode) == 0o600
    assert session.key_path(path).name == "users.session-key"


def test_an_altered_or_foreign_token_is_refused(tmp_path):
    path, cfg = _setup(tmp_path)
    token = session.issue(path, cfg, "guest", now=NOW).token
    payload, signature = token.split(".")
    hr_payload = session._b64(f"hr|{int(NOW) + 3600}|abc".encode())
    assert session.verify(path, cfg, f"{hr_payload}.{signature}", now=NOW) is None  # someone else's name
    assert session.verify(path, cfg, f"{payload}.{signature[:-2]}AA", now=NOW) is None
    for junk in ("", ".", "abc", "a.b.c", "%%%.@@@", "x" * 600):
        assert session.verify(path, cfg, junk, now=NOW) is None
    # another installation's key signs nothing here
    other_path, other_cfg = _setup(tmp_path / "other")
    other = session.issue(other_path, other_cfg, "guest", now=NOW).token
    assert session.verify(path, cfg, other, now=NOW) is None
    # deleting the key signs everyone out
    session.key_path(path).unlink()
    assert session.verify(path, cfg, token, now=NOW) is None


def test_sign_out_revokes_the_token_and_only_that_token(tmp_path):
    path, cfg = _setup(tmp_path)
    first = session.issue(path, cfg, "hr", now=NOW)
    second = session.issue(path, cfg, "hr", now=NOW)
    session.revoke(path, first, now=NOW)
    assert session.verify(path, cfg, first.token, now=NOW) is None
    assert session.verify(path, cfg, second.token, now=NOW).username == "hr"
    assert stat.S_IMODE(session.revoked_path(path).stat().st_mode) == 0o600
    # revoked ids are kept only while their token could still be used
    session.revoke(path, second, now=first.expires + 1)
    assert session.revoked_path(path).read_text("ascii").split() == [second.sid, str(second.expires)]


def test_a_new_password_or_a_removed_user_ends_the_session(tmp_path):
    path, cfg = _setup(tmp_path)
    token = session.issue(path, cfg, "xiaoshou", now=NOW).token
    users.add_user("xiaoshou", "另一个密码2025!", "dept_head", ("销售部",), path=path, replace_existing=True, rounds=4)
    assert session.verify(path, users.load(path), token, now=NOW) is None
    token = session.issue(path, users.load(path), "guest", now=NOW).token
    users.remove_user("guest", path=path)
    assert session.verify(path, users.load(path), token, now=NOW) is None
