"""The no-sign-in gate, from plain values: the connection's peer decides, proxies and foreign pages are refused,
and the Host header plays no part."""

from __future__ import annotations

import pytest

from pages.access_gate import decide, host_name, is_loopback, origin_host

PORT = 8501


def local(address: str | None = "127.0.0.1", peer: str | None = "127.0.0.1", headers=None) -> str:
    """The outcome without sign-in configured."""
    return decide(False, False, address, peer, headers).outcome


# The peer address --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("peer", [
    "127.0.0.1",
    "127.8.9.10",  # anywhere in 127.0.0.0/8
    "::1",
    "::ffff:127.0.0.1",  # 127.0.0.1 on a dual-stack socket (Streamlit's default bind, '::')
    "::FFFF:127.0.0.1",
    "0:0:0:0:0:ffff:7f00:1",  # the same, written out
    "0:0:0:0:0:0:0:1",
    None,  # no browser connection at all (AppTest)
])
def test_a_loopback_peer_gets_in(peer):
    assert local(peer=peer) == "local"


@pytest.mark.parametrize("peer", [
    "10.1.2.3", "192.168.1.30", "203.0.113.9",
    "::ffff:10.1.2.3",  # another computer on a dual-stack socket
    "::ffff:203.0.113.9",
    "2001:db8::1", "fe80::1",
    "0.0.0.0", "::",  # unspecified, not loopback
    "",  # a connection whose peer could not be read
    "localhost.example.org", "not an address",
])
def test_any_other_peer_is_refused(peer):
    decision = decide(False, False, "127.0.0.1", peer, {"Host": f"localhost:{PORT}"})
    assert decision.outcome == "refuse" and "not this computer" in decision.reason


def test_is_loopback_knows_the_mapped_form_that_ipaddress_does_not():
    import ipaddress
    assert not ipaddress.ip_address("::ffff:127.0.0.1").is_loopback
    assert is_loopback("::ffff:127.0.0.1") and is_loopback("localhost") and is_loopback("127.255.255.254")
    assert not is_loopback("::ffff:128.0.0.1") and not is_loopback(None) and not is_loopback("")


# The Host header plays no part -------------------------------------------------------------------------------

@pytest.mark.parametrize("host", [None, f"localhost:{PORT}", f"127.0.0.1:{PORT}", f"[::1]:{PORT}",
                                  "insight.example.org", "192.168.1.20:8501", "evil.example:80"])
def test_host_neither_opens_nor_closes_the_gate(host):
    headers = {} if host is None else {"Host": host}
    assert local(peer="::ffff:127.0.0.1", headers=headers) == "local"
    assert local(peer="10.1.2.3", headers=headers) == "refuse"


# Proxies -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, value", [
    ("X-Forwarded-For", "10.1.2.3"),
    ("X-Forwarded-For", "127.0.0.1"),  # even one that claims this machine
    ("x-forwarded-host", "insight.example.org"),
    ("X-Forwarded-Proto", "https"),
    ("X-Real-IP", "10.1.2.3"),
    ("Forwarded", "for=10.1.2.3;proto=https"),
    ("Via", "1.1 nginx"),
    ("VIA", ""),  # present, even empty
])
def test_any_forwarding_header_means_a_proxy_and_is_refused(name, value):
    for peer in ("127.0.0.1", "::ffff:127.0.0.1", "::1"):
        decision = decide(False, False, "127.0.0.1", peer, {"Host": f"localhost:{PORT}", name: value})
        assert decision.outcome == "refuse" and "proxy" in decision.reason and name.lower() in decision.reason


def test_headers_may_come_as_pairs_with_repeats():
    pairs = [("Host", f"localhost:{PORT}"), ("Origin", f"http://localhost:{PORT}"),
             ("Origin", "https://insight.example.org")]
    assert local(headers=pairs) == "refuse"
    assert local(headers=[("Host", f"localhost:{PORT}"), ("Forwarded", "for=10.1.2.3")]) == "refuse"


# The browser's Origin ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("origin", [f"http://localhost:{PORT}", f"http://127.0.0.1:{PORT}", f"http://[::1]:{PORT}",
                                    "https://LOCALHOST", f"http://127.1.2.3:{PORT}"])
def test_an_origin_on_this_machine_gets_in(origin):
    assert local(headers={"Host": f"localhost:{PORT}", "Origin": origin}) == "local"


@pytest.mark.parametrize("origin", [
    "https://insight.example.org",  # a same-machine proxy that rewrites Host (nginx's default) to 127.0.0.1
    "http://192.168.1.20:8501",
    "http://localhost.example.org",
    "null",  # a sandboxed or file: page
    "",
    "not a url",
])
def test_an_origin_naming_another_host_is_refused(origin):
    decision = decide(False, False, "127.0.0.1", "127.0.0.1", {"Host": f"127.0.0.1:{PORT}", "Origin": origin})
    assert decision.outcome == "refuse" and "browser's page" in decision.reason


def test_origin_host():
    assert origin_host("https://insight.example.org") == "insight.example.org"
    assert origin_host("http://[::1]:8501") == "::1" and origin_host("null") is None


# The server's own address ------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", [None, "", "localhost", "127.0.0.1", "::1", "[::1]"])
def test_the_server_may_listen_on_localhost_or_the_default(address):
    assert local(address=address) == "local"


@pytest.mark.parametrize("address", ["0.0.0.0", "::", "192.168.1.20", "insight.example.org",
                                     "unix:///tmp/insight.sock"])
def test_a_server_listening_beyond_localhost_is_refused_even_to_a_local_peer(address):
    decision = decide(False, False, address, "127.0.0.1", {"Origin": f"http://localhost:{PORT}"})
    assert decision.outcome == "refuse" and "listens on" in decision.reason


# With sign-in configured, none of this applies ----------------------------------------------------------------

def test_with_sign_in_configured_everyone_signs_in_even_on_this_machine():
    assert decide(True, False, "localhost", "127.0.0.1", {"Origin": f"http://localhost:{PORT}"}).outcome == "sign_in"
    assert decide(True, False, None, None).outcome == "sign_in"
    proxied = {"X-Forwarded-For": "10.1.2.3", "Origin": "https://insight.example.org"}
    assert decide(True, True, "0.0.0.0", "10.1.2.3", proxied).outcome == "signed_in"
    assert host_name("[::1]:8501") == "::1" and host_name("LocalHost:80") == "localhost"
