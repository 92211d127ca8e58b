"""Staying signed in across a page reload: a signed, expiring session token kept in a browser cookie.

A token is ``<payload>.<signature>``: the payload (base64url) says who and until when and carries a
random id; the signature is an HMAC-SHA256 over the payload and a fingerprint of the user's current
password hash, with a key kept beside the users file (``users.session-key``, owner-only, made on first
use). So a token

- cannot be made or altered without the key (the signature is compared in constant time);
- expires (``YEAREND_SESSION_HOURS``, default 8: a working day);
- stops working when the user is removed or their password changes (the fingerprint differs);
- stops working when its holder signs out: the id goes into ``users.sessions-revoked`` (owner-only,
  pruned of expired ids), so a copied cookie is useless after sign-out even if the browser kept it.

Deleting the key file signs everyone out. Nothing here knows about Streamlit (ui/auth.py sets and
reads the cookie).
"""
from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from analysis.access.users import UsersConfig

COOKIE = "yearend_session"
HOURS_ENV = "YEAREND_SESSION_HOURS"
DEFAULT_HOURS = 8.0


def lifetime_seconds() -> int:
    try:
        hours = float(os.environ.get(HOURS_ENV, DEFAULT_HOURS))
    except ValueError:
        hours = DEFAULT_HOURS
    return max(60, int(hours * 3600))


def key_path(users_file: Path) -> Path:
    """``users.toml`` → ``users.session-key`` in the same folder."""
    return users_file.with_name(users_file.stem + ".session-key")


def revoked_path(users_file: Path) -> Path:
    return users_file.with_name(users_file.stem + ".sessions-revoked")


def _key(users_file: Path) -> bytes:
    path = key_path(users_file)
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return bytes.fromhex(path.read_text("ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text("ascii").strip())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode("utf-8")).hexdigest()[:32]


def _sign(key: bytes, payload: str, password_hash: str) -> str:
    return _b64(hmac.new(key, f"{payload}|{_fingerprint(password_hash)}".encode("ascii"), hashlib.sha256).digest())


@dataclass(frozen=True)
class Session:
    username: str
    expires: int
    """Unix time after which the token is refused."""
    sid: str
    token: str


def issue(users_file: Path, config: UsersConfig, username: str, now: float | None = None) -> Session:
    """A new token for a user who has just signed in with their password."""
    user = config.users[username]
    expires = int((time.time() if now is None else now) + lifetime_seconds())
    sid = secrets.token_hex(12)
    payload = _b64(f"{username}|{expires}|{sid}".encode())
    token = f"{payload}.{_sign(_key(users_file), payload, user.password_hash)}"
    return Session(username, expires, sid, token)


def verify(users_file: Path, config: UsersConfig, token: str, now: float | None = None) -> Session | None:
    """The session a cookie stands for, or None (malformed, forged, expired, revoked, user gone or
    password changed)."""
    if not token or len(token) > 512 or token.count(".") != 1:
        return None
    payload, signature = token.split(".")
    try:
        username, expires_text, sid = _unb64(payload).decode("utf-8").split("|")
        expires = int(expires_text)
    except ValueError:  # bad base64 (binascii.Error is a ValueError), bad UTF-8, wrong shape
        return None
    user = config.users.get(username)
    if user is None or not user.password_hash or not key_path(users_file).exists():
        return None
    if not hmac.compare_digest(signature, _sign(_key(users_file), payload, user.password_hash)):
        return None
    if expires <= (time.time() if now is None else now) or sid in _revoked(users_file):
        return None
    return Session(username, expires, sid, token)


def _revoked(users_file: Path) -> set[str]:
    try:
        lines = revoked_path(users_file).read_text("ascii").split()
    except FileNotFoundError:
        return set()
    return set(lines[0::2])


def revoke(users_file: Path, session: Session, now: float | None = None) -> None:
    """Sign-out: the token is refused from now on. Expired ids are dropped from the file on the way
    (read, prune and rewrite under a file lock, so two sign-outs at once both count)."""
    now = time.time() if now is None else now
    fd = os.open(revoked_path(users_file), os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="ascii") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        words = f.read().split()
        kept = [(s, e) for s, e in zip(words[0::2], words[1::2]) if e.isdigit() and int(e) > now]
        kept.append((session.sid, str(session.expires)))
        f.seek(0)
        f.truncate()
        f.write("".join(f"{s} {e}\n" for s, e in kept))
