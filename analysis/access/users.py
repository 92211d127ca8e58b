"""The dashboard's users: a TOML file with bcrypt-hashed passwords, roles and departments.

The file lives outside git (default ``.streamlit/users.toml``, or ``$YEAREND_USERS``) and is written
only by ``python -m analysis users add|remove`` so that no plain password is ever stored or typed on
a command line. Without the file, or with no user in it, the dashboard is a single-user local mode.

    [policy]
    min_group = 5          # minimum reporting group below hr_admin (analysis.access.suppress)
    mask = true            # mask phone / ID / e-mail / card numbers below hr_admin (analysis.access.mask)

    [users.zhou]
    name = "周主管"
    role = "dept_head"     # hr_admin | dept_head | viewer
    departments = ["销售部"]
    email = "zhou@example.com"   # optional: the identity Streamlit's OIDC login (st.login) reports
    password = "$2b$12$…"        # bcrypt; absent for a user who signs in through OIDC only
"""
from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

import bcrypt

from analysis.paths import PROJECT_DIR
from analysis.schema import DEFAULT_MIN_GROUP, ROLES

USERS_ENV = "YEAREND_USERS"
DEFAULT_USERS = PROJECT_DIR / ".streamlit" / "users.toml"
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_MAX_PASSWORD_BYTES = 72  # bcrypt ignores (5.x: refuses) anything longer
_MIN_PASSWORD_CHARS = 8
# Checked against when the user name is unknown, so a wrong name costs the same time as a wrong password.
_DUMMY_HASH = b"$2b$12$O3OuZFMV17Ol0SjH4lHRTu2t4KIhOP3p2Y7D3503n8is.PP.9vp3K"


class UsersFileError(ValueError):
    """The users file cannot be read or a user cannot be added; the message names the file and why."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    role: str
    departments: tuple[str, ...] = ()
    email: str = ""
    password_hash: str = field(default="", repr=False)


@dataclass(frozen=True)
class Policy:
    min_group: int = DEFAULT_MIN_GROUP
    mask: bool = True


@dataclass(frozen=True)
class UsersConfig:
    users: dict[str, User] = field(default_factory=dict)
    policy: Policy = Policy()

    @property
    def configured(self) -> bool:
        """Users exist, so every page requires a login (otherwise: single-user local mode)."""
        return bool(self.users)


def users_path() -> Path:
    return Path(os.environ.get(USERS_ENV) or DEFAULT_USERS)


def load(path: Path | None = None) -> UsersConfig:
    """The users file; an empty configuration when it does not exist."""
    path = path or users_path()
    if not path.is_file():
        return UsersConfig()
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsersFileError(f"用户文件 {path} 无法解析：{exc}") from exc
    policy_raw = raw.get("policy", {})
    try:
        policy = Policy(min_group=int(policy_raw.get("min_group", DEFAULT_MIN_GROUP)),
                        mask=bool(policy_raw.get("mask", True)))
    except (TypeError, ValueError) as exc:
        raise UsersFileError(f"用户文件 {path} 的 [policy] 有误：{exc}") from exc
    users = {}
    for username, entry in raw.get("users", {}).items():
        role = entry.get("role", "")
        if role not in ROLES:
            raise UsersFileError(f"用户文件 {path} 中用户 {username} 的角色“{role}”无效（可选：{'、'.join(ROLES)}）")
        users[username] = User(username=username, name=str(entry.get("name") or username), role=role,
                               departments=tuple(entry.get("departments", ())), email=str(entry.get("email", "")),
                               password_hash=str(entry.get("password", "")))
    return UsersConfig(users=users, policy=policy)


def _toml_string(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes; keep Chinese readable in the file
    return json.dumps(value, ensure_ascii=False)


def dumps(config: UsersConfig) -> str:
    lines = ["# 年终洞察看板的用户（由 python -m analysis users add/remove 维护；密码为 bcrypt 散列）", "",
             "[policy]", f"min_group = {config.policy.min_group}", f"mask = {str(config.policy.mask).lower()}"]
    for u in config.users.values():
        lines += ["", f"[users.{_toml_string(u.username)}]", f"name = {_toml_string(u.name)}",
                  f"role = {_toml_string(u.role)}",
                  f"departments = [{', '.join(_toml_string(d) for d in u.departments)}]"]
        if u.email:
            lines.append(f"email = {_toml_string(u.email)}")
        if u.password_hash:
            lines.append(f"password = {_toml_string(u.password_hash)}")
    return "\n".join(lines) + "\n"


def save(config: UsersConfig, path: Path | None = None) -> None:
    """Write the file aside and swap it in, readable by its owner only (it holds password hashes)."""
    path = path or users_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(dumps(config))
    os.replace(tmp, path)


def hash_password(password: str, rounds: int = 12) -> str:
    data = password.encode("utf-8")
    if len(password) < _MIN_PASSWORD_CHARS:
        raise UsersFileError(f"密码太短：至少 {_MIN_PASSWORD_CHARS} 个字符")
    if len(data) > _MAX_PASSWORD_BYTES:
        raise UsersFileError(f"密码太长：bcrypt 最多使用 {_MAX_PASSWORD_BYTES} 个字节（约 24 个汉字）")
    return bcrypt.hashpw(data, bcrypt.gensalt(rounds)).decode("ascii")


def add_user(username: str, password: str | None, role: str, departments: tuple[str, ...] = (), name: str = "",
             email: str = "", path: Path | None = None, replace_existing: bool = False,
             rounds: int = 12) -> User:
    """Add (or with ``replace_existing`` update) a user; ``password`` None means OIDC sign-in only."""
    config = load(path)
    if not USERNAME.match(username):
        raise UsersFileError(f"用户名“{username}”无效：只能用字母、数字、下划线、点和连字符（最多 64 个）")
    if role not in ROLES:
        raise UsersFileError(f"角色“{role}”无效（可选：{'、'.join(ROLES)}）")
    if role == "dept_head" and not departments:
        raise UsersFileError("部门负责人至少要指定一个部门（--departments）")
    if username in config.users and not replace_existing:
        raise UsersFileError(f"用户 {username} 已存在（要修改请加 --replace）")
    if password is None and not email:
        raise UsersFileError("没有密码的用户必须有 --email（通过 OIDC 单点登录）")
    user = User(username=username, name=name or username, role=role,
                departments=tuple(departments) if role == "dept_head" else (), email=email,
                password_hash=hash_password(password, rounds) if password is not None else "")
    save(replace(config, users={**config.users, username: user}), path)
    return user


def remove_user(username: str, path: Path | None = None) -> None:
    config = load(path)
    if username not in config.users:
        raise UsersFileError(f"没有用户 {username}")
    save(replace(config, users={k: v for k, v in config.users.items() if k != username}), path)


def authenticate(config: UsersConfig, username: str, password: str) -> User | None:
    """The user whose bcrypt hash matches, else None. Unknown names and OIDC-only users cost one
    bcrypt check too, so the answer time does not tell which names exist."""
    user = config.users.get(username.strip())
    stored = user.password_hash.encode("ascii") if user and user.password_hash else _DUMMY_HASH
    data = password.encode("utf-8")[:_MAX_PASSWORD_BYTES]
    try:
        ok = bcrypt.checkpw(data, stored)
    except ValueError:  # a damaged hash in the file
        ok = False
    return user if ok and user and user.password_hash else None


def by_email(config: UsersConfig, email: str) -> User | None:
    """The user an OIDC identity maps to (e-mail compared case-insensitively)."""
    wanted = email.strip().lower()
    return next((u for u in config.users.values() if wanted and u.email.lower() == wanted), None)
