"""The client's IP address, for the audit log and the per-IP login lockout.

Behind nginx every request comes from the proxy, so when REMOTE_ADDR is one of ZUGONG_TRUSTED_PROXIES the
address is read from X-Forwarded-For, right to left: each trusted proxy appended the address it saw, so
the first untrusted address from the right is the client. Anything left of it was written by the client
and may be forged."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_LENGTH = 64  # AuditEvent.ip, LoginFailure.ip, LoginLock.key


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(e) for e in entries)  # settings.py has checked them


def _parse(raw: str) -> IPAddress | None:
    try:
        addr = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    # An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d; compare it as IPv4.
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def _trusted(addr: IPAddress) -> bool:
    return any(addr in net for net in _networks(tuple(settings.ZUGONG_TRUSTED_PROXIES)))


def client_ip(request) -> str:
    """REMOTE_ADDR, or, from a trusted proxy, the right-most untrusted X-Forwarded-For address. A malformed
    entry stops the walk at the last good address; with nothing usable, REMOTE_ADDR."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "")
    addr = _parse(remote)
    if addr is None or not _trusted(addr):
        return remote[:MAX_LENGTH]
    found = remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        hop = _parse(entry)
        if hop is None:
            break
        found = str(hop)
        if not _trusted(hop):
            break
    return found[:MAX_LENGTH]
