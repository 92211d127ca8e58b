"""Who is reading: the login gate the router runs before any page, and the reader's ``Access``.

Without a users file the dashboard is a single-user local mode (full access, this machine only).
With users, every page requires a login: a user name and a bcrypt-checked password from the users
file, or Streamlit's OIDC login (``st.login``) where an ``[auth]`` section is configured in
``.streamlit/secrets.toml`` and the identity's e-mail is listed in the users file. The login lasts
for the browser session (a reload asks again): nothing is kept in a cookie.

``access()`` is what ``ui/data/cache.py`` narrows every read with; when nobody is signed in it returns an
access that sees nothing, so a page that somehow runs outside the router still shows no data.
"""
from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from analysis.access import users
from analysis.access.scope import Access, for_user, full_access
from analysis.schema import ROLE_NAMES

K_USER = "_auth_user"  # the user name signed in with a password
K_ACCESS = "_access"  # the Access the router computed for this run
NO_ACCESS = Access(user="", name="", role="viewer", departments=(), min_group=1 << 30, mask=True)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_FAILURES, LOCKOUT_SECONDS = 5, 60


@st.cache_data(max_entries=4, show_spinner=False)
def _load(path: str, stamp: tuple) -> users.UsersConfig:
    """``stamp`` (mtime, size) is the cache key: an edit by ``users add`` is seen on the next run."""
    return users.load(Path(path))


def config() -> users.UsersConfig:
    path = users.users_path()
    try:
        st_ = path.stat()
    except FileNotFoundError:
        return users.UsersConfig()
    return _load(str(path), (st_.st_mtime_ns, st_.st_size))


def oidc_configured() -> bool:
    """An ``[auth]`` section in secrets.toml: Streamlit's OIDC login is available."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_email() -> str:
    if not oidc_configured():
        return ""  # st.user is only trusted where Streamlit's own login set it
    info = st.user
    return str(info.get("email") or "") if info.get("is_logged_in") else ""


def current() -> Access | None:
    """The reader of this session, or None when a login is required and nobody is signed in."""
    cfg = config()
    if not cfg.configured:
        return full_access()
    name = st.session_state.get(K_USER)
    if name in cfg.users:
        return for_user(cfg.users[name], cfg.policy)
    email = _oidc_email()
    user = users.by_email(cfg, email) if email else None
    return for_user(user, cfg.policy) if user else None


def access() -> Access:
    """The reader's access for data reads (the router sets it each run; nobody signed in sees nothing)."""
    acc = st.session_state.get(K_ACCESS)
    return acc if isinstance(acc, Access) else (current() or NO_ACCESS)


@st.cache_resource
def _failures() -> dict[str, list[float]]:
    """Failed password attempts per user name, shared by all sessions of this server."""
    return {}


def _locked(username: str) -> float:
    recent = [t for t in _failures().get(username, []) if time.time() - t < LOCKOUT_SECONDS]
    _failures()[username] = recent
    return LOCKOUT_SECONDS - (time.time() - recent[0]) if len(recent) >= MAX_FAILURES else 0.0


def _submit() -> None:
    username = st.session_state.get("login_user", "").strip()
    password = st.session_state.get("login_password", "")
    st.session_state["login_password"] = ""
    wait = _locked(username)
    if wait > 0:
        st.session_state["_login_error"] = f"连续输错密码次数过多，请 {wait:.0f} 秒后再试。"
        return
    user = users.authenticate(config(), username, password)
    if user is None:
        _failures().setdefault(username, []).append(time.time())
        st.session_state["_login_error"] = "用户名或密码不正确。"
        return
    _failures().pop(username, None)
    st.session_state.pop("_login_error", None)
    st.session_state[K_USER] = user.username


def login_page() -> None:
    st.title("登录")
    st.caption("年终工作总结属于员工人事资料，请使用 HR 分配的账号登录后查看。")
    email = _oidc_email()
    if email:
        st.error(f"单点登录账号 {email} 没有被授权访问本看板，请联系 HR 管理员在用户文件中登记该邮箱。")
        st.button("退出单点登录", key="oidc_logout", on_click=st.logout)
    elif oidc_configured():
        st.button("使用单位账号登录（单点登录）", key="oidc_login", on_click=st.login, type="primary")
        st.caption("或使用用户名和密码：")
    with st.form("login_form", enter_to_submit=True):
        st.text_input("用户名", key="login_user")
        st.text_input("密码", key="login_password", type="password")
        st.form_submit_button("登录", on_click=_submit, type="primary")
    if st.session_state.get("_login_error"):
        st.error(st.session_state["_login_error"], icon=":material/lock:")


def gate() -> Access:
    """Run before any page: the login page (and stop) when nobody is signed in, else the reader."""
    try:
        acc = current()
    except users.UsersFileError as exc:  # fail closed: a damaged users file never means "no users"
        st.error(f"{exc}。请修正该文件，或用 `python -m analysis users add` 重新创建用户。", icon=":material/error:")
        st.stop()
    if acc is None:
        st.session_state.pop(K_ACCESS, None)
        # every page's address shows the login form (not "page not found") and is kept, so the reader
        # lands on the page they asked for once signed in; the menu stays hidden
        from ui.state import PAGES

        login = [st.Page(login_page, title="登录", icon=":material/login:", url_path="login", default=True)]
        login += [st.Page(login_page, title="登录", url_path=Path(p.path).stem) for p in PAGES[1:]]
        st.navigation(login, position="hidden").run()
        st.stop()
    if acc.local and not _local_request_allowed():
        st.stop()
    st.session_state[K_ACCESS] = acc
    return acc


def _local_request_allowed() -> bool:
    """The single-user mode serves this machine only. ``server.address`` is 127.0.0.1 in
    .streamlit/config.toml; a server started elsewhere or bound to every interface still refuses a
    connection that comes from another machine."""
    address = st.get_option("server.address")
    if address and address not in LOOPBACK:
        st.error(f"没有配置用户，但服务监听在 {address}：局域网里的任何人都能看到全部年终总结。"
                 "请用 `python -m analysis users add` 创建用户后再对外提供服务，或用 `make run` 只在本机运行。",
                 icon=":material/gpp_bad:")
        return False
    ip = st.context.ip_address  # None for a connection from this machine
    if isinstance(ip, str) and ip:
        st.error("没有配置用户时只允许在本机访问本看板。请联系管理员创建账号。", icon=":material/gpp_bad:")
        return False
    return True


def sidebar(acc: Access) -> None:
    """Who is signed in and what they may see; the logout button."""
    side = st.sidebar
    if acc.local:
        side.caption(":material/lock: 本机单用户模式：没有配置用户，拥有全部权限，服务只在本机（127.0.0.1）"
                     "可以访问。要让同事登录查看，请用 `python -m analysis users add` 创建用户。")
        return
    scope = "、".join(acc.departments) if acc.departments is not None else "全部部门"
    side.markdown(f"**{acc.name}** · {ROLE_NAMES.get(acc.role, acc.role)}")
    notes = [f"可查看：{scope}"]
    if acc.restricted:
        notes.append(f"不足 {acc.min_group} 人的分组不显示统计")
    if acc.mask:
        notes.append("电话、身份证号、邮箱、银行卡号已隐藏")
    if not acc.may_read_text:
        notes.append("只显示汇总，不显示原文")
    side.caption("；".join(notes))
    if side.button("退出登录", key="logout", icon=":material/logout:"):
        st.session_state.pop(K_USER, None)
        st.session_state.pop(K_ACCESS, None)
        if _oidc_email():
            st.logout()
        st.rerun()
