"""Who is using the app, decided once per run in app.py before any page draws: sign-in, local use, or nothing.

- Sign-in configured (an [auth] section in .streamlit/secrets.toml): the person signs in with the organisation's
  OpenID Connect provider (st.login) and gets the roles an administrator gave their email address.
- No sign-in configured: only someone on this machine (the server bound to localhost and the browser asking for
  localhost) may use the app, as the local user with every role: the two-command demo.
- Anything else: no data at all, and a note on how to configure sign-in. The app never silently opens.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Literal

import streamlit as st

from analytics.access import PERMISSIONS, ROLE_TITLES, User, local_user, user_for
from pages.common import USER_KEY

LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
Outcome = Literal["signed_in", "sign_in", "local", "refuse"]


@dataclass(frozen=True)
class Decision:
    """What the gate decided, and why in words (for the page and the tests)."""

    outcome: Outcome
    reason: str


def host_name(host: str | None) -> str | None:
    """The name part of a Host header: 'localhost:8501' → 'localhost', '[::1]:8501' → '::1'."""
    if not host:
        return None
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host


def is_loopback(name: str | None) -> bool:
    """Whether a host name or address is this machine."""
    if name is None:
        return False
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def decide(auth_configured: bool, logged_in: bool, server_address: str | None, host: str | None,
           client_ip: str | None = None) -> Decision:
    """The gate's decision from plain values, so it can be tested without a server.

    `host` is the request's Host header and `client_ip` the browser's address; None means not known (AppTest has
    neither, and counts as this machine). Without sign-in the server must listen on localhost (or be unset, the
    default, which `./start.sh` sets to localhost), the browser must have asked for localhost, and, where known,
    the browser must be on this machine.
    """
    if auth_configured:
        if logged_in:
            return Decision("signed_in", "signed in")
        return Decision("sign_in", "sign-in is configured and no one has signed in")
    address_local = not server_address or is_loopback(host_name(server_address))
    host_local = host is None or is_loopback(host_name(host))
    ip_local = client_ip is None or is_loopback(client_ip)
    if address_local and host_local and ip_local:
        return Decision("local", "no sign-in configured, used on this machine only")
    where = host_name(host) or server_address or client_ip
    return Decision("refuse", f"no sign-in is configured and the app is being reached as {where}, not localhost")


def auth_configured() -> bool:
    """Whether .streamlit/secrets.toml (or the test's secrets) has an [auth] section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all  # noqa: BLE001
        return False


def request_host() -> str | None:
    """The Host header of the browser's request, or None where there is none (AppTest)."""
    try:
        host = st.context.headers.get("Host")
    except Exception:  # noqa: BLE001
        return None
    return host if isinstance(host, str) else None


def request_ip() -> str | None:
    """The browser's address, or None where Streamlit does not know it."""
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001
        return None
    return ip if isinstance(ip, str) and ip else None  # AppTest has no client: a mock, not an address


def server_address() -> str | None:
    """The address the server listens on (server.address), None when unset."""
    return st.get_option("server.address") or None


def current_decision() -> Decision:
    """The gate's decision for this run."""
    return decide(auth_configured(), bool(st.user.get("is_logged_in")), server_address(), request_host(),
                  request_ip())


def gate(con) -> User:
    """The person using the app, kept in st.session_state; otherwise draw why not and stop the run."""
    st.session_state.pop(USER_KEY, None)
    decision = current_decision()
    user = None
    if decision.outcome == "local":
        user = local_user()
    elif decision.outcome == "signed_in":
        user = user_for(con, signed_in_email())
    if user is None or not user.roles:
        hide_pages()
        st.title("Leadership Insight")
        why_not(decision, user)
        st.stop()
    st.session_state[USER_KEY] = user
    return user


def why_not(decision: Decision, user: User | None) -> None:
    """Say why the gate stops here: refused on this address, not signed in, or signed in with no role."""
    if decision.outcome == "refuse":
        st.error("This dashboard is not showing any data: sign-in is not configured, and without sign-in it only "
                 f"opens on the computer it runs on ({decision.reason}).")
        st.markdown("To use it from other computers, configure sign-in with your organisation's accounts: copy "
                    "`.streamlit/secrets.toml.example` to `.streamlit/secrets.toml`, fill in the `[auth]` section "
                    "(Microsoft Entra ID or any OpenID Connect provider), list the first administrator in "
                    "`data/administrators.txt`, and restart. Or open it at http://localhost:8501 on this computer.")
    elif user is None:
        st.markdown("Sign in with your work account to see your services.")
        st.button("Sign in", type="primary", on_click=st.login, icon=":material/login:")
    else:
        st.warning(f"You are signed in as {user.email or 'someone with no email address'}, but you have no role "
                   "in Leadership Insight yet, so there is nothing to show. Ask an administrator to give you a "
                   "role (and the services you look after).")
        st.button("Sign out", on_click=st.logout)


def signed_in_email() -> str:
    """The signed-in person's email: the email claim, else (Microsoft Entra ID without that optional claim)
    the preferred_username, which is their sign-in address."""
    for claim in ("email", "preferred_username"):
        value = st.user.get(claim)
        if isinstance(value, str) and "@" in value:
            return value
    return ""


def hide_pages() -> None:
    """List no pages on the screens that stop at the gate.

    Until a run reaches st.navigation, Streamlit treats the pages/ folder as old-style pages and would list every
    module in it; one hidden page that is never run turns that off."""
    st.navigation([st.Page("pages/home.py", default=True)], position="hidden")


def page_user() -> User:
    """The person app.py let in on this run (pages reached without app.py are sent through it first)."""
    user = st.session_state.get(USER_KEY)
    if user is None:
        st.switch_page("app.py")
    return user


def needs_role(action: str, what: str) -> str:
    """A sentence saying which role `what` needs."""
    roles = " or ".join(ROLE_TITLES[r] for r in sorted(PERMISSIONS[action], key=list(ROLE_TITLES).index))
    return f"{what} needs the {roles} role. Ask an administrator if you need it."


def require_permission(action: str, what: str) -> User:
    """Stop the page with a clear message unless the person may do `action`."""
    user = page_user()
    if not user.can(action):
        st.info(needs_role(action, what), icon=":material/lock:")
        st.stop()
    return user
