"""The client's address: the socket's peer, or what a trusted proxy says it forwarded.

`X-Forwarded-For` is only believed from the proxies in TRUSTED_PROXIES (addresses or
networks): anyone else could write any address there and slip past per-address limits. The
chain is read from the right, skipping trusted proxies; the first other address is the client.
"""

from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.requests import HTTPConnection

Network = IPv4Network | IPv6Network


def client_address(connection: HTTPConnection, trusted: list[Network]) -> str:
    peer = connection.client.host if connection.client else "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    forwarded = connection.headers.get("x-forwarded-for", "")
    for hop in reversed([part.strip() for part in forwarded.split(",") if part.strip()]):
        if not _is_trusted(hop, trusted):
            return hop
    return peer


def _is_trusted(address: str, trusted: list[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in trusted)
