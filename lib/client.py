"""Who sent a request: the one place the portal decides which address a request came from.

`X-Forwarded-For` is written by whoever sends the request, so it is only believed as far as
proxies of our own have written it. `TRUSTED_PROXY_COUNT` says how many there are in front of
the web processes (docker-compose.yml: one, Caddy). Each proxy appends the address it was
reached from, so with N trusted proxies the client is the Nth address from the right; anything
further left was sent by the client and may be forged. With 0 (the default, and right when
gunicorn is reached directly) the header is ignored and the socket's address is the client.

This is allauth's own rule (`ALLAUTH_TRUSTED_PROXY_COUNT`, which settings keep equal), written
here once so that sign-in throttling, sign-off evidence and the audit log agree, and so that a
header with fewer hops than configured falls back to the socket's address instead of failing
the request as allauth does.
"""

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as a normalised IPv4 or IPv6 string, or None if unknown."""
    if request is None:
        return None
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    forwarded = request.headers.get("X-Forwarded-For", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        if len(hops) >= proxies:
            address = _clean(hops[-proxies])
            if address is not None:
                return address
        # Our own proxies always append a valid address: this request did not come through
        # all of them. The address is not logged: it is personal data.
        logger.warning(
            "X-Forwarded-For has %d hop(s), fewer usable than TRUSTED_PROXY_COUNT=%d: "
            "using the connection's address",
            len(hops),
            proxies,
        )
    return _clean(request.META.get("REMOTE_ADDR", ""))


def _clean(value: str) -> str | None:
    """An address as the database's inet type takes it; some proxies add a port."""
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value.removeprefix("[").removesuffix("]")))
    except ValueError:
        pass
    host, colon, port = value.rpartition(":")  # "192.0.2.1:5100", "[2001:db8::1]:443"
    if colon and port.isdigit():
        try:
            return str(ipaddress.ip_address(host.removeprefix("[").removesuffix("]")))
        except ValueError:
            return None
    return None
