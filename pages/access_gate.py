"""Who is using the app, decided once per run in app.py before any page draws: sign-in, local use, or nothing.

- Sign-in configured (an [auth] section in .streamlit/secrets.toml): the person signs in with the organisation's
  OpenID Connect provider (st.login) and gets the roles an administrator gave their email address.
- No sign-in configured: only a browser on this machine, connected straight to the server, may use the app, as
  the local user with every role: the two-command demo. That is decided by the connection's peer address
  (loopback), never by the Host header; any sign of a proxy in front, or a browser page served from another
  name (its Origin), refuses.
- Anything else: no data at all, and a note on how to configure sign-in. The app never silently opens.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analytics.access import PERMISSIONS, ROLE_TITLES, User, local_user, user_for
from analytics.safe_output import plain_markdown
from pages.common import USER_KEY

LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Headers a proxy adds. Any of them on the browser's connection means someone else's request is being relayed.
FORWARDING_HEADERS = ("x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "forwarded", "via")
Outcome = Literal["signed_in", "sign_in", "local", "refuse"]
Headers = Mapping[str, str] | Iterable[tuple[str, str]]


@dataclass(frozen=True)
class Decision:
    """What the gate decided, and why in words (for the page and the tests)."""

    outcome: Outcome
    reason: str


def host_name(host: str | None) -> str | None:
    """The name part of a host[:port]: 'localhost:8501' → 'localhost', '[::1]:8501' → '::1'."""
    if not host:
        return None
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host


def is_loopback(name: str | None) -> bool:
    """Whether a host name or address is this machine: localhost, 127.0.0.0/8, ::1, or ::ffff:127.x.x.x (an IPv4
    loopback address as a dual-stack socket reports it; ipaddress calls that form not loopback)."""
    if name is None:
        return False
    name = name.strip().lower()
    if name in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])  # no zone index on a loopback address
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def header_pairs(headers: Headers | None) -> list[tuple[str, str]]:
    """Headers as (lower-case name, value) pairs, every repeat kept."""
    if headers is None:
        return []
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(name).lower(), str(value)) for name, value in pairs]


def origin_host(origin: str) -> str | None:
    """The host an Origin header names ('http://localhost:8501' → 'localhost'); None for 'null' or nonsense."""
    try:
        return urlsplit(origin.strip()).hostname
    except ValueError:
        return None


def decide(auth_configured: bool, logged_in: bool, server_address: str | None, peer: str | None,
           headers: Headers | None = None) -> Decision:
    """The gate's decision from plain values, so it can be tested without a server.

    `peer` is the address at the other end of the browser's connection (its socket peer), "" when a connection's
    peer is not known, and None only where there is no browser connection at all (AppTest), which counts as this
    machine. `headers` are the connection's request headers. Without sign-in, the server must listen on localhost
    (or be left unset, Streamlit's default), the peer must be a loopback address, no proxy header may be present,
    and the browser's Origin, where it sends one, must name this machine. The Host header plays no part: a browser
    elsewhere can send any Host, and a proxy on this machine rewrites it.
    """
    if auth_configured:
        if logged_in:
            return Decision("signed_in", "signed in")
        return Decision("sign_in", "sign-in is configured and no one has signed in")
    refuse = "no sign-in is configured and "
    if server_address and not is_loopback(host_name(server_address)):
        return Decision("refuse", refuse + f"the server listens on {server_address}, not only on localhost")
    pairs = header_pairs(headers)
    proxied = sorted({name for name, _ in pairs if name in FORWARDING_HEADERS})
    if proxied:
        return Decision("refuse", refuse + f"the request came through a proxy, which sent {', '.join(proxied)}")
    for origin in (value for name, value in pairs if name == "origin"):
        if not is_loopback(origin_host(origin)):
            return Decision("refuse", refuse + f"the browser's page is at {origin.strip() or 'an unnamed origin'}, "
                            "not localhost")
    if peer is not None and not is_loopback(peer):
        return Decision("refuse", refuse + f"the browser connects from {peer or 'an unknown address'}, not this "
                        "computer")
    return Decision("local", "no sign-in configured, used on this machine only")


def auth_configured() -> bool:
    """Whether .streamlit/secrets.toml (or the test's secrets) has an [auth] section."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all  # noqa: BLE001
        return False


def connection() -> tuple[str | None, list[tuple[str, str]]]:
    """The browser connection's peer address and request headers (those of the websocket handshake, Origin among
    them), read from the session's client context rather than st.context.ip_address, which shows 127.0.0.1 and
    ::1 as None (and so cannot tell them from no connection).

    Streamlit serves through uvicorn, which replaces a loopback peer with the X-Forwarded-For address; the header
    stays in the headers, and decide() refuses on it. The peer is "" when it cannot be read, and None only under
    AppTest, whose runtime is a mock with no browser connection."""
    ctx = get_script_run_ctx()
    client = runtime.get_instance().get_client(ctx.session_id) if ctx is not None and runtime.exists() else None
    context = getattr(client, "client_context", None)
    mock = sys.modules.get("unittest.mock")  # loaded under AppTest; importing it costs every start 65 ms
    if mock is not None and isinstance(context, mock.NonCallableMock):
        return None, []
    if context is None:
        return "", []
    peer = context.remote_ip
    return (peer if isinstance(peer, str) else ""), header_pairs(list(context.headers))


def server_address() -> str | None:
    """The address the server listens on (server.address), None when unset."""
    return st.get_option("server.address") or None


def current_decision() -> Decision:
    """The gate's decision for this run."""
    peer, headers = connection()
    return decide(auth_configured(), bool(st.user.get("is_logged_in")), server_address(), peer, headers)


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
                 f"opens on the computer it runs on ({plain_markdown(decision.reason)}).")
        st.markdown("To use it from other computers, configure sign-in with your organisation's accounts: copy "
                    "`.streamlit/secrets.toml.example` to `.streamlit/secrets.toml`, fill in the `[auth]` section "
                    "(Microsoft Entra ID or any OpenID Connect provider), list the first administrator in "
                    "`data/administrators.txt`, and restart. Or open it at http://localhost:8501 on this computer.")
    elif user is None:
        st.markdown("Sign in with your work account to see your services.")
        st.button("Sign in", type="primary", on_click=st.login, icon=":material/login:")
    else:
        who = plain_markdown(user.email or "someone with no email address")
        st.warning(f"You are signed in as {who}, but you have no role "
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
