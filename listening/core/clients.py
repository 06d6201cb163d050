"""Who is on the other end of a connection: the client address the public form's limits count.

X-Forwarded-For is written by whoever sent the request, so it is believed only when the direct peer is one of the
configured TRUSTED_PROXIES; then the address is the right-most entry that is not itself a trusted proxy (the one
the proxy saw). Anything unreadable counts as the direct peer. (uvicorn, under Streamlit, itself applies the header
for a loopback peer listed in FORWARDED_ALLOW_IPS, default 127.0.0.1: a proxy on the same machine works either
way; a remote proxy needs TRUSTED_PROXIES.)
"""

from __future__ import annotations

import ipaddress

UNKNOWN = "unknown"


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def _trusted(address, networks: list[str]) -> bool:
    return address is not None and any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def client_address(peer: str | None, forwarded_for: str | None, *, trusted_proxies: list[str]) -> str:
    """The client's address as a plain string ("unknown" when the peer gave none)."""
    direct = _address(peer)
    if direct is None:
        return UNKNOWN
    if not forwarded_for or not _trusted(direct, trusted_proxies):
        return str(direct)
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:
            return str(direct)  # a hop we cannot read: do not guess past it
        if not _trusted(address, trusted_proxies):
            return str(address)
    return str(direct)
