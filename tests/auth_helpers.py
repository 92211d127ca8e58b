"""Shared by the access tests: a users file with one user per role, and AppTest sign-in helpers."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from analysis.access import users

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PASSWORD = "年终总结2024!"  # 8 characters, within bcrypt's 72 bytes
# user name → (role, departments, display name, e-mail)
PEOPLE = {
    "hr": ("hr_admin", (), "人事部林主管", "hr@example.com"),
    "xiaoshou": ("dept_head", ("销售部",), "销售部周经理", "zhou@example.com"),
    "guest": ("viewer", (), "财务分析员", "guest@example.com"),
}


def write_users(path: Path, min_group: int | None = None, mask: bool | None = None) -> Path:
    """One user per role, hashed with few bcrypt rounds so the tests stay fast."""
    for name, (role, departments, display, email) in PEOPLE.items():
        users.add_user(name, PASSWORD, role, departments, name=display, email=email, path=path, rounds=4)
    if min_group is not None or mask is not None:
        config = users.load(path)
        policy = users.Policy(min_group=config.policy.min_group if min_group is None else min_group,
                              mask=config.policy.mask if mask is None else mask)
        users.save(users.UsersConfig(users=config.users, policy=policy), path)
    return path


def start() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def sign_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_user").input(username)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def disable_pages_discovery(monkeypatch) -> None:
    """As in tests/test_pages.py: run pages the way a running server does after its first request."""
    from streamlit.runtime.pages_manager import PagesManager

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
