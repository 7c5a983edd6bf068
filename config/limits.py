"""Rate limits and caps on what one voter, and one client network, may do per hour and per day.

Counted in Redis by django-ratelimit (the cache backend), a well-kept library, rather than by
counters of our own. A voter is the browser session; a network is the client's IPv4 /24 or IPv6
/64 (django-ratelimit masks the address with RATELIMIT_IPV4_MASK / RATELIMIT_IPV6_MASK), so
that clearing cookies or hopping addresses within one network does not reset the budget.

The client address is REMOTE_ADDR unless CLIENT_IP_HEADER names a header that the site's own
reverse proxy sets (e.g. HTTP_X_FORWARDED_FOR); then the rightmost entry, the one that proxy
added, is used. Never configure a header that clients can set directly.
"""
import ipaddress

from django.conf import settings
from django_ratelimit.core import get_usage

from arena.exceptions import RateLimited


def client_ip(request) -> str:
    """Return the client's address as the trusted proxy (or the socket) saw it."""
    header = settings.CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get(header, "")
        candidate = forwarded.split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass  # A missing or garbled header falls back to the socket's address.
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


def _voter(group, request) -> str:
    # Called after the session exists (the API creates it before checking limits).
    return request.session.session_key or "no-session"


KEYS = {"voter": _voter, "network": "ip"}


def limits_wait(request, counters) -> int | None:
    """Count one attempt on every `(group, key, rate)` counter; return the seconds until the
    tightest exhausted window resets, or None while every counter is within its rate."""
    waits = []
    for group, key, rate in counters:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
        if usage and usage["should_limit"]:
            waits.append(usage["time_left"])
    return max(waits) if waits else None


def limits_check(request, *, action: str) -> None:
    """Count one `action` ("battle" or "vote") for this voter and network; raise RateLimited
    (with the seconds until the tightest exhausted window resets) once any limit is passed.

    Every attempt counts, refused ones included, as django-ratelimit counts them.
    """
    wait = limits_wait(request, [
        (f"{action}:{scope}:{rate}", KEYS[scope], rate)
        for scope, rates in settings.ARENA["LIMITS"][action].items() for rate in rates
    ])
    if wait is not None:
        raise RateLimited(retry_after=wait)
