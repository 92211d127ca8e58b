"""Who is reading: the login gate the router runs before any page, and the reader's ``Access``.

Without a users file the dashboard is a single-user local mode (full access, this machine only).
With users, every page requires a login: a user name and a bcrypt-checked password from the users
file, or Streamlit's OIDC login (``st.login``) where an ``[auth]`` section is configured in
``.streamlit/secrets.toml`` and the identity's e-mail is listed in the users file. A password login
survives a page reload: the browser keeps a signed, expiring session cookie (``analysis.access.session``;
set by a small script, read back from ``st.context.cookies`` when the next session connects); signing
out revokes the token and deletes the cookie.

``access()`` is what ``ui/data/cache.py`` narrows every read with; when nobody is signed in it returns an
access that sees nothing, so a page that somehow runs outside the router still shows no data.
"""
from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from analysis.access import lockout, session, users
from analysis.access.scope import Access, for_user, full_access
from analysis.schema import ROLE_NAMES
from ui.markdown import md

K_USER = "_auth_user"  # the user name signed in with a password
K_ACCESS = "_access"  # the Access the router computed for this run
K_SESSION = "_auth_session"  # the session.Session of a password login (its token is the cookie)
K_FORGET = "_auth_forget"  # the signed-out token: the cookie this session connected with no longer counts
NO_ACCESS = Access(user="", name="", role="viewer", departments=(), min_group=1 << 30, mask=True)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


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
    resumed = _resume(cfg)
    if resumed is not None:
        return for_user(cfg.users[resumed.username], cfg.policy)
    email = _oidc_email()
    user = users.by_email(cfg, email) if email else None
    return for_user(user, cfg.policy) if user else None


def _cookie() -> str:
    try:
        return str(st.context.cookies.get(session.COOKIE) or "")
    except Exception:  # outside a browser session (AppTest)
        return ""


def _resume(cfg: users.UsersConfig) -> session.Session | None:
    """A reload: the session cookie this browser connected with, if it is still good."""
    token = _cookie()
    if not token or token == st.session_state.get(K_FORGET):
        return None
    found = session.verify(users.users_path(), cfg, token)
    if found is not None:
        st.session_state[K_USER] = found.username
        st.session_state[K_SESSION] = found
    return found


def _cookie_script(value: str, max_age: int) -> None:
    """Set (or with max_age 0 delete) the session cookie in this browser. Streamlit has no API for
    setting a cookie; ``st.html`` with ``unsafe_allow_javascript`` runs this fixed script, whose only
    variable part is the token (base64url and a dot, checked here)."""
    if value and not all(c.isalnum() or c in "-_." for c in value):
        return
    st.html(
        "<script>document.cookie = '" + session.COOKIE + "=" + value + "; Max-Age=" + str(int(max_age))
        + "; Path=/; SameSite=Strict' + (location.protocol === 'https:' ? '; Secure' : '');</script>",
        unsafe_allow_javascript=True,
    )


def access() -> Access:
    """The reader's access for data reads (the router sets it each run; nobody signed in sees nothing)."""
    acc = st.session_state.get(K_ACCESS)
    return acc if isinstance(acc, Access) else (current() or NO_ACCESS)


def _lockout() -> lockout.Lockout:
    """Failed attempts live in a file beside the users file, not in a Streamlit cache: any browser
    can empty those caches with Streamlit's clear-cache message, and a restart would forget them."""
    return lockout.Lockout(lockout.attempts_path(users.users_path()))


def client_address() -> str | None:
    """The address the connection comes from (None from this machine). Behind a reverse proxy this is
    the proxy's address unless the proxy forwards the client's: see the README (安全)."""
    try:
        ip = st.context.ip_address
    except Exception:  # outside a browser session (AppTest)
        return None
    return ip if isinstance(ip, str) and ip else None


def _submit() -> None:
    username = st.session_state.get("login_user", "").strip()
    password = st.session_state.get("login_password", "")
    st.session_state["login_password"] = ""
    user, error = lockout.sign_in(_lockout(), lambda n, p: users.authenticate(config(), n, p), username, password,
                                  client_address())
    if user is None:
        st.session_state["_login_error"] = error
        return
    st.session_state.pop("_login_error", None)
    st.session_state[K_USER] = user.username
    st.session_state[K_SESSION] = session.issue(users.users_path(), config(), user.username)


def guard_clear_cache() -> None:
    """Make Streamlit's clear-cache request (a message any connected browser can send, menu or not)
    do nothing unless an HR admin sends it: it empties every cache of every user at once (a cheap
    denial of service) and, before the lockout moved to a file, reset the password lockout.

    Streamlit has no option for this, so ``AppSession``'s handler is wrapped, once per process."""
    from streamlit.runtime.app_session import AppSession

    original = AppSession._handle_clear_cache_request
    if getattr(original, "_yearend_guarded", False):
        return

    def guarded(self) -> None:
        acc = None
        try:
            acc = self._session_state[K_ACCESS] if K_ACCESS in self._session_state else None
        except Exception:
            acc = None
        if isinstance(acc, Access) and not acc.restricted:
            original(self)

    guarded._yearend_guarded = True  # type: ignore[attr-defined]
    AppSession._handle_clear_cache_request = guarded


def login_page() -> None:
    st.title("登录")
    st.caption("年终工作总结属于员工人事资料，请使用 HR 分配的账号登录后查看。")
    email = _oidc_email()
    if email:
        st.error(f"单点登录账号 {md(email)} 没有被授权访问本看板，请联系 HR 管理员在用户文件中登记该邮箱。")
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
    if st.session_state.get(K_FORGET):  # signed out: the browser forgets the cookie too
        _cookie_script("", 0)


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
    scope = "、".join(map(md, acc.departments)) if acc.departments is not None else "全部部门"
    side.markdown(f"**{md(acc.name)}** · {ROLE_NAMES.get(acc.role, acc.role)}")
    notes = [f"可查看：{scope}"]
    if acc.restricted:
        notes.append(f"不足 {acc.min_group} 人的分组不显示统计")
    if acc.mask:
        notes.append("电话、身份证号、邮箱、银行卡号已隐藏")
    if not acc.may_read_text:
        notes.append("只显示汇总，不显示原文")
    side.caption("；".join(notes))
    current_session = st.session_state.get(K_SESSION)
    if isinstance(current_session, session.Session) and _cookie() != current_session.token:
        with side:  # until this browser connects with the cookie (after a reload it is already there)
            _cookie_script(current_session.token, current_session.expires - int(time.time()))
    if side.button("退出登录", key="logout", icon=":material/logout:"):
        if isinstance(current_session, session.Session):
            session.revoke(users.users_path(), current_session)
        st.session_state[K_FORGET] = _cookie() or True
        st.session_state.pop(K_SESSION, None)
        st.session_state.pop(K_USER, None)
        st.session_state.pop(K_ACCESS, None)
        if _oidc_email():
            st.logout()
        st.rerun()
