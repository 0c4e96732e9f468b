"""Who is on the other end: the client's address, and whether it reached us over HTTPS —
the socket's own facts, or what a trusted proxy says it forwarded.

`X-Forwarded-For` is only believed from the proxies in TRUSTED_PROXIES (addresses or
networks): anyone else could write any address there and slip past per-address limits. The
chain is read from the right, skipping trusted proxies; the first other address is the client.
"""

from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.requests import HTTPConnection

Network = IPv4Network | IPv6Network


def client_address(connection: HTTPConnection, trusted: list[Network]) -> str:
    peer = connection.client.host if connection.client else "unknown"
    if not trusted or not is_trusted(peer, trusted):
        return peer
    forwarded = connection.headers.get("x-forwarded-for", "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not is_trusted(hop, trusted):
            return hop
    return peer


def is_https(connection: HTTPConnection, trusted: list[Network]) -> bool:
    """Served over HTTPS: by this server itself, or by a trusted proxy in front of it."""
    if connection.url.scheme in ("https", "wss"):
        return True
    peer = connection.client.host if connection.client else ""
    forwarded = connection.headers.get("x-forwarded-proto", "")
    return bool(trusted) and is_trusted(peer, trusted) and forwarded.lower() == "https"


def is_trusted(address: str, trusted: list[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)
