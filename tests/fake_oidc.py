"""A small but real OpenID Connect provider for the sign-in tests, served from a thread on 127.0.0.1.

It does what Streamlit's st.login (Authlib) needs of a provider such as Microsoft Entra ID: discovery, an
authorization endpoint (authorization code with PKCE S256 and a nonce), a token endpoint that authenticates the
client and returns an RS256-signed ID token, JWKS, userinfo and RP-initiated sign-out. Nobody types a password:
whoever the test put in `signing_in` is signed in at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote_plus, urlencode, urlsplit

from joserfc import jwt  # what Authlib itself verifies ID tokens with (authlib.jose is deprecated)
from joserfc.jwk import RSAKey

TOKEN_SECONDS = 3600
KEY_ID = "fake-oidc-key-1"


@dataclass(frozen=True)
class Person:
    """Someone with an account at the provider."""

    email: str
    name: str

    @property
    def subject(self) -> str:
        """A stable, opaque subject identifier, as real providers give."""
        return hashlib.sha256(self.email.lower().encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, headers and body."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class _Grant:
    """What an authorization code was issued for, checked again when it is exchanged."""

    person: Person
    redirect_uri: str
    nonce: str | None
    code_challenge: str
    scope: str


def _json(status: int, document: Mapping[str, object]) -> Reply:
    return Reply(status, {"Content-Type": "application/json", "Cache-Control": "no-store"},
                 json.dumps(document).encode())


def _error(status: int, error: str, description: str) -> Reply:
    return _json(status, {"error": error, "error_description": description})


def _redirect(location: str) -> Reply:
    return Reply(HTTPStatus.FOUND, {"Location": location})


def _with_query(uri: str, params: Mapping[str, str]) -> str:
    return f"{uri}{'&' if urlsplit(uri).query else '?'}{urlencode(params)}"


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _at_hash(access_token: str) -> str:
    # OIDC Core 3.1.3.6: the left half of the SHA-256 of the access token, base64url.
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


class FakeOidcProvider:
    """One client (id, secret, registered redirect URI) and whoever `signing_in` names at the moment."""

    def __init__(self, issuer: str, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.signing_in: Person | None = None
        self.events: list[str] = []  # which endpoints answered successfully, in order, for the tests to check
        self.key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig", "alg": "RS256"}, private=True)
        self._grants: dict[str, _Grant] = {}
        self._access_tokens: dict[str, Person] = {}
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, object]:
        """The discovery document (/.well-known/openid-configuration)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["iss", "aud", "sub", "iat", "exp", "nonce", "email", "email_verified", "name"],
            "grant_types_supported": ["authorization_code"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],  # so Streamlit turns PKCE on, and this provider insists
        }

    def answer(self, method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str],
               form: Mapping[str, str]) -> Reply:
        """Route one request to its endpoint."""
        routes = {
            ("GET", "/.well-known/openid-configuration"): lambda: self._discovery(),
            ("GET", "/authorize"): lambda: self._authorize(query),
            ("POST", "/token"): lambda: self._token(headers, form),
            ("GET", "/jwks"): lambda: self._jwks(),
            ("GET", "/userinfo"): lambda: self._userinfo(headers),
            ("GET", "/logout"): lambda: self._logout(query),
        }
        route = routes.get((method, path))
        if route is None:
            return _error(HTTPStatus.NOT_FOUND, "not_found", f"{method} {path}")
        return route()

    def _record(self, event: str) -> None:
        with self._lock:
            self.events.append(event)

    def _discovery(self) -> Reply:
        self._record("discovery")
        return _json(HTTPStatus.OK, self.metadata())

    def _jwks(self) -> Reply:
        self._record("jwks")
        return _json(HTTPStatus.OK, {"keys": [self.key.as_dict(private=False)]})

    def _authorize(self, query: Mapping[str, str]) -> Reply:
        # Never redirect to an address that is not registered: show the error here instead.
        if query.get("client_id") != self.client_id:
            return _error(HTTPStatus.BAD_REQUEST, "unauthorized_client", "unknown client_id")
        if query.get("redirect_uri") != self.redirect_uri:
            return _error(HTTPStatus.BAD_REQUEST, "invalid_request", "redirect_uri is not registered")
        back = {"state": query["state"]} if "state" in query else {}
        problem = self._authorize_problem(query)
        if problem:
            return _redirect(_with_query(self.redirect_uri, {"error": problem[0], "error_description": problem[1],
                                                             **back}))
        assert self.signing_in is not None  # _authorize_problem checked
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._grants[code] = _Grant(self.signing_in, self.redirect_uri, query.get("nonce"),
                                        query["code_challenge"], query["scope"])
        self._record("authorize")
        return _redirect(_with_query(self.redirect_uri, {"code": code, **back}))

    def _authorize_problem(self, query: Mapping[str, str]) -> tuple[str, str] | None:
        if query.get("response_type") != "code":
            return "unsupported_response_type", "only the authorization code flow is supported"
        if "openid" not in query.get("scope", "").split():
            return "invalid_scope", "the openid scope is required"
        if not query.get("state"):
            return "invalid_request", "state is required"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return "invalid_request", "PKCE with S256 is required"
        if self.signing_in is None:
            return "access_denied", "the test has not said who signs in"
        return None

    def _authenticated_client(self, headers: Mapping[str, str], form: Mapping[str, str]) -> bool:
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("basic "):  # client_secret_basic: each part form-encoded (RFC 6749 2.3.1)
            user_pass = base64.b64decode(authorization[6:]).decode()
            client_id, _, client_secret = user_pass.partition(":")
            client_id, client_secret = unquote_plus(client_id), unquote_plus(client_secret)
        else:  # client_secret_post
            client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(client_secret, self.client_secret)

    def _token(self, headers: Mapping[str, str], form: Mapping[str, str]) -> Reply:
        if not self._authenticated_client(headers, form):
            return _error(HTTPStatus.UNAUTHORIZED, "invalid_client", "wrong client_id or client_secret")
        if form.get("grant_type") != "authorization_code":
            return _error(HTTPStatus.BAD_REQUEST, "unsupported_grant_type", "only authorization_code")
        with self._lock:
            grant = self._grants.pop(form.get("code", ""), None)  # a code works once
        if grant is None:
            return _error(HTTPStatus.BAD_REQUEST, "invalid_grant", "unknown or already used code")
        if form.get("redirect_uri") != grant.redirect_uri:
            return _error(HTTPStatus.BAD_REQUEST, "invalid_grant", "redirect_uri differs from the authorize request")
        if _s256(form.get("code_verifier", "")) != grant.code_challenge:
            return _error(HTTPStatus.BAD_REQUEST, "invalid_grant", "code_verifier does not match the code_challenge")
        access_token = secrets.token_urlsafe(32)
        with self._lock:
            self._access_tokens[access_token] = grant.person
        self._record("token")
        return _json(HTTPStatus.OK, {"access_token": access_token, "token_type": "Bearer",
                                     "expires_in": TOKEN_SECONDS, "scope": grant.scope,
                                     "id_token": self.id_token(grant.person, grant.nonce, access_token)})

    def id_token(self, person: Person, nonce: str | None, access_token: str) -> str:
        """An RS256-signed ID token for `person`, for this provider's client."""
        now = int(time.time())
        claims: dict[str, object] = {"iss": self.issuer, "aud": self.client_id, "sub": person.subject,
                                     "email": person.email, "email_verified": True, "name": person.name,
                                     "iat": now, "exp": now + TOKEN_SECONDS, "at_hash": _at_hash(access_token)}
        if nonce is not None:
            claims["nonce"] = nonce
        return jwt.encode({"alg": "RS256", "kid": KEY_ID, "typ": "JWT"}, claims, self.key)

    def _userinfo(self, headers: Mapping[str, str]) -> Reply:
        authorization = headers.get("authorization", "")
        person = self._access_tokens.get(authorization[7:]) if authorization.lower().startswith("bearer ") else None
        if person is None:
            return _error(HTTPStatus.UNAUTHORIZED, "invalid_token", "unknown access token")
        self._record("userinfo")
        return _json(HTTPStatus.OK, {"sub": person.subject, "email": person.email, "email_verified": True,
                                     "name": person.name})

    def _logout(self, query: Mapping[str, str]) -> Reply:
        if query.get("client_id", self.client_id) != self.client_id:
            return _error(HTTPStatus.BAD_REQUEST, "invalid_request", "unknown client_id")
        hint = query.get("id_token_hint")
        if hint is not None:
            jwt.decode(hint, self.key)  # raises (so answers 500) unless this provider signed it
        self._record("logout")
        back = query.get("post_logout_redirect_uri")
        if back is None:
            return Reply(HTTPStatus.OK, {"Content-Type": "text/plain"}, b"Signed out.")
        if back != self.redirect_uri:
            return _error(HTTPStatus.BAD_REQUEST, "invalid_request", "post_logout_redirect_uri is not registered")
        return _redirect(_with_query(back, {"state": query["state"]}) if "state" in query else back)


class _ProviderServer(ThreadingHTTPServer):
    daemon_threads = True
    provider: FakeOidcProvider


class _Handler(BaseHTTPRequestHandler):
    server: _ProviderServer

    def do_GET(self) -> None:
        """Answer a GET (discovery, authorize, JWKS, userinfo, sign-out)."""
        self._respond("GET", {})

    def do_POST(self) -> None:
        """Answer a form POST (the token endpoint)."""
        length = int(self.headers.get("Content-Length") or 0)
        self._respond("POST", _single_values(self.rfile.read(length).decode()))

    def _respond(self, method: str, form: Mapping[str, str]) -> None:
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            reply = self.server.provider.answer(method, url.path, _single_values(url.query), headers, form)
        except Exception as problem:  # noqa: BLE001 - an answer the test's log shows beats a dropped connection
            reply = _error(HTTPStatus.INTERNAL_SERVER_ERROR, "server_error", repr(problem))
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


def _single_values(encoded: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(encoded, keep_blank_values=True).items()}


@contextmanager
def running_provider(client_id: str, client_secret: str, redirect_uri: str) -> Iterator[FakeOidcProvider]:
    """Serve a FakeOidcProvider on 127.0.0.1 (a free port) from a thread; always stops it."""
    server = _ProviderServer(("127.0.0.1", 0), _Handler)
    provider = FakeOidcProvider(f"http://127.0.0.1:{server.server_port}", client_id, client_secret, redirect_uri)
    server.provider = provider
    thread = threading.Thread(target=server.serve_forever, name="fake-oidc-provider", daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
