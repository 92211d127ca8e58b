"""Named saved views per user ("我的视图"): the address of a view (its page and query parameters),
kept in one small JSON file beside the store so they survive restarts.

A view holds only what the address holds — filters and choices, never data — so opening one is the
same as following a link: the reader's own access applies. Every change rewrites the whole file
beside itself and renames it over the old one (under a lock), so a crash or two sessions saving at
once never leave half a file.
"""
from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path

MAX_VIEWS = 50
"""Per user; the oldest go first."""


def views_path(store_path: Path) -> Path:
    return Path(store_path).parent / "views.json"


def load(path: Path) -> dict[str, dict[str, dict]]:
    """user → view name → {"page": str, "params": {name: [values]}}; an unreadable file is empty."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def of_user(path: Path, user: str) -> dict[str, dict]:
    views = load(path).get(user, {})
    return views if isinstance(views, dict) else {}


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def save(path: Path, user: str, name: str, page: str, params: dict[str, list[str]]) -> None:
    """Add or replace the view ``name`` of ``user``."""
    name = name.strip()
    if not name:
        raise ValueError("请给视图起个名字")
    path = Path(path)
    with _locked(path):
        data = load(path)
        mine = {k: v for k, v in data.get(user, {}).items() if k != name}
        mine[name] = {"page": page, "params": {k: [str(x) for x in v] for k, v in params.items()}}
        data[user] = dict(list(mine.items())[-MAX_VIEWS:])
        _write(path, data)


def delete(path: Path, user: str, name: str) -> None:
    path = Path(path)
    with _locked(path):
        data = load(path)
        if name in data.get(user, {}):
            del data[user][name]
            _write(path, data)
