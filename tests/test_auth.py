"""Login: the users file and its command, the login gate on every page, OIDC identities, lock-out,
and the secure default (no users: this machine only)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib

import pytest
from streamlit import config as st_config

from analysis.access import users
from tests.auth_helpers import PASSWORD, ROOT, disable_pages_discovery, sign_in, start, titles, write_users
from ui.state import PAGES, STORE_ENV


@pytest.fixture(autouse=True)
def _pages(monkeypatch):
    disable_pages_discovery(monkeypatch)


@pytest.fixture
def users_file(tmp_path, monkeypatch, demo_store):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv("YEAREND_AUDIT", str(tmp_path / "audit.jsonl"))
    path = write_users(tmp_path / "users.toml")
    monkeypatch.setenv(users.USERS_ENV, str(path))
    return path


# ---------------------------------------------------------------- the users file and its command


def test_users_file_holds_hashes_only(tmp_path):
    path = write_users(tmp_path / "users.toml")
    text = path.read_text("utf-8")
    assert PASSWORD not in text
    raw = tomllib.loads(text)
    assert raw["users"]["xiaoshou"]["role"] == "dept_head"
    assert raw["users"]["xiaoshou"]["departments"] == ["销售部"]
    assert raw["users"]["xiaoshou"]["name"] == "销售部周经理"
    assert raw["users"]["xiaoshou"]["password"].startswith("$2b$04$")
    assert raw["policy"] == {"min_group": 5, "mask": True}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_authenticate(tmp_path):
    config = users.load(write_users(tmp_path / "users.toml"))
    assert users.authenticate(config, "xiaoshou", PASSWORD).departments == ("销售部",)
    assert users.authenticate(config, " xiaoshou ", PASSWORD).username == "xiaoshou"
    assert users.authenticate(config, "xiaoshou", PASSWORD + "x") is None
    assert users.authenticate(config, "nobody", PASSWORD) is None
    assert users.by_email(config, "ZHOU@example.com").username == "xiaoshou"
    assert users.by_email(config, "") is None


@pytest.mark.parametrize("kwargs, message", [
    ({"username": "周经理", "password": PASSWORD, "role": "viewer"}, "用户名“周经理”无效"),
    ({"username": "a", "password": PASSWORD, "role": "boss"}, "角色“boss”无效"),
    ({"username": "a", "password": PASSWORD, "role": "dept_head"}, "至少要指定一个部门"),
    ({"username": "a", "password": "短密码", "role": "viewer"}, "密码太短"),
    ({"username": "a", "password": "长" * 25, "role": "viewer"}, "密码太长"),
    ({"username": "a", "password": None, "role": "viewer"}, "必须有 --email"),
    ({"username": "hr", "password": PASSWORD, "role": "viewer"}, "用户 hr 已存在"),
])
def test_add_user_refuses(tmp_path, kwargs, message):
    path = write_users(tmp_path / "users.toml")
    with pytest.raises(users.UsersFileError, match=message):
        users.add_user(path=path, rounds=4, **kwargs)


def test_oidc_only_user_has_no_password(tmp_path):
    path = write_users(tmp_path / "users.toml")
    users.add_user("sso", None, "viewer", email="sso@example.com", path=path)
    config = users.load(path)
    assert config.users["sso"].password_hash == ""
    assert users.authenticate(config, "sso", "") is None
    users.remove_user("sso", path)
    assert "sso" not in users.load(path).users


def test_broken_users_file_names_file_and_reason(tmp_path):
    path = tmp_path / "users.toml"
    path.write_text('[users.a]\nrole = "老板"\n', encoding="utf-8")
    with pytest.raises(users.UsersFileError, match=f"{path}.*角色“老板”无效"):
        users.load(path)


def _cli(*args, stdin: str = "", env_path=None):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "analysis", "users", *args], cwd=ROOT, input=stdin, text=True,
                          capture_output=True, timeout=60, env=env)


def test_cli_adds_user_with_password_from_stdin(tmp_path):
    path = tmp_path / "users.toml"
    out = _cli("add", "wang", "--role", "dept_head", "--departments", "客服部", "生产部", "--name", "王主任",
               "--users", str(path), stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"已添加用户 wang（dept_head，客服部、生产部）→ {path}"
    user = users.authenticate(users.load(path), "wang", PASSWORD)
    assert user.departments == ("客服部", "生产部") and user.name == "王主任"
    listed = _cli("list", "--users", str(path))
    assert listed.stdout.splitlines() == ["wang\t王主任\tdept_head\t客服部、生产部\t"]
    # the password is never an option
    assert _cli("add", "li", "--password", PASSWORD, "--users", str(path)).returncode == 2
    refused = _cli("add", "wang", "--role", "viewer", "--users", str(path), stdin=PASSWORD + "\n")
    assert refused.returncode == 2 and "已存在" in refused.stderr


def test_cli_address_is_localhost_until_users_exist(tmp_path):
    path = tmp_path / "users.toml"
    assert _cli("address", "--users", str(path)).stdout.strip() == "127.0.0.1"
    write_users(path)
    assert _cli("address", "--users", str(path)).stdout.strip() == "0.0.0.0"


def test_localhost_is_the_configured_default():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert config["server"]["address"] == "127.0.0.1"
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "--server.address $$($(BIN)/python -m analysis users address)" in makefile
    ignored = (ROOT / ".gitignore").read_text("utf-8").splitlines()
    assert "/.streamlit/users.toml" in ignored and "/.streamlit/secrets.toml" in ignored


# ---------------------------------------------------------------- the login gate


def _shows_no_data(at) -> None:
    assert titles(at) == ["登录"]
    assert not at.metric and not at.dataframe and not at.get("plotly_chart") and not at.get("image")
    assert not at.sidebar.multiselect  # no filters either: they would list the departments


@pytest.mark.parametrize("page", [p.path for p in PAGES], ids=[p.title for p in PAGES])
def test_every_page_refuses_an_unauthenticated_session(users_file, page):
    """A deep link to the page (switching before the first run, as opening its URL does) lands on the
    login page; once the router has run, the page is not even registered."""
    from streamlit.testing.v1 import AppTest

    from tests.auth_helpers import APP

    at = AppTest.from_file(APP, default_timeout=60).switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    _shows_no_data(at)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(page)


def test_wrong_password_then_right_one_then_logout(users_file):
    at = start()
    sign_in(at, "xiaoshou", "不对的密码123")
    _shows_no_data(at)
    assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    assert at.text_input(key="login_password").value == ""  # not kept in the form
    sign_in(at, "xiaoshou")
    assert titles(at) == ["总览"]
    assert at.multiselect(key="f_department").options == ["销售部"]
    assert "销售部周经理" in " ".join(m.value for m in at.sidebar.markdown)
    next(b for b in at.sidebar.button if b.label == "退出登录").click().run()
    _shows_no_data(at)


def test_unknown_user_gets_the_same_message(users_file):
    at = sign_in(start(), "nobody")
    assert [e.value for e in at.error] == ["用户名或密码不正确。"]


def test_lockout_after_repeated_failures(users_file):
    at = start()
    for _ in range(5):
        sign_in(at, "guest", "错误密码00000")
    sign_in(at, "guest")  # the right password, too late
    _shows_no_data(at)
    assert "连续输错密码次数过多" in at.error[0].value


def test_users_file_error_is_a_message_not_a_traceback(tmp_path, monkeypatch, demo_store):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    path = tmp_path / "users.toml"
    path.write_text("[users.a\n", encoding="utf-8")
    monkeypatch.setenv(users.USERS_ENV, str(path))
    at = start()
    assert not at.exception
    assert any(str(path) in e.value and "无法解析" in e.value for e in at.error)
    assert not at.metric and not at.dataframe


# ---------------------------------------------------------------- OIDC (st.login) without a provider

_AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "测试用的随机串",
                  "client_id": "yearend", "client_secret": "s", "server_metadata_url":
                  "https://idp.example.com/.well-known/openid-configuration"}}


def _oidc(email: str | None):
    from streamlit.testing.v1 import AppTest

    from tests.auth_helpers import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets = dict(_AUTH)
    at.user = {"is_logged_in": True, "email": email} if email else {}
    return at.run()


def test_oidc_identity_in_users_file_signs_in(users_file):
    at = _oidc("zhou@example.com")
    assert not at.exception
    assert titles(at) == ["总览"]
    assert at.multiselect(key="f_department").options == ["销售部"]


def test_oidc_identity_not_in_users_file_is_refused(users_file):
    at = _oidc("stranger@example.com")
    _shows_no_data(at)
    assert "stranger@example.com 没有被授权" in at.error[0].value


def test_oidc_login_button_only_where_configured(users_file):
    at = _oidc(None)
    assert [b.label for b in at.button][:1] == ["使用单位账号登录（单点登录）"]
    plain = start()
    assert "使用单位账号登录（单点登录）" not in [b.label for b in plain.button]


def test_identity_is_ignored_without_an_auth_section(users_file):
    from streamlit.testing.v1 import AppTest

    from tests.auth_helpers import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.user = {"is_logged_in": True, "email": "zhou@example.com"}
    _shows_no_data(at.run())


# ---------------------------------------------------------------- no users: single-user local mode


def test_local_mode_says_so(demo_store, monkeypatch, tmp_path):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(users.USERS_ENV, str(tmp_path / "none.toml"))
    at = start()
    assert titles(at) == ["总览"]
    assert any("本机单用户模式" in c.value and "127.0.0.1" in c.value for c in at.sidebar.caption)
    assert [p.title for p in PAGES if p.path == "pages/audit.py"] == ["审计日志"]


def test_local_mode_refuses_to_serve_every_interface(demo_store, monkeypatch, tmp_path):
    monkeypatch.setenv(STORE_ENV, str(demo_store))
    monkeypatch.setenv(users.USERS_ENV, str(tmp_path / "none.toml"))
    before = st_config.get_option("server.address")
    st_config.set_option("server.address", "0.0.0.0")
    try:
        at = start()
    finally:
        st_config.set_option("server.address", before)
    assert not at.exception
    assert "没有配置用户，但服务监听在 0.0.0.0" in at.error[0].value
    assert not at.metric and not at.dataframe
