"""Rate limits and caps on what one voter, and one client network, may do per hour and per day.

The counters are django-ratelimit's (a well-kept library): its fixed windows with a per-key
jitter, its cache keys, its address masks. A voter is the browser session; a network is the
client's IPv4 /24 or IPv6 /64 (RATELIMIT_IPV4_MASK / RATELIMIT_IPV6_MASK), so that clearing
cookies or hopping addresses within one network does not reset the budget.

What is ours is how they are counted: all the counters of one request in one Redis round trip
(a Lua script: SET NX with the window's expiry, else INCR, which is what django-ratelimit's
get_usage does with the cache's add and incr, two round trips per counter). A vote has four
counters (eight where a scope has both an hourly and a daily rate), and those round trips,
from a thread, were a large share of a vote's CPU in front of Django (docs/performance.md).
`alimits_check` is the same count on the event loop, for
voting.fast_vote; both land on the same keys, so Django's path and the fast path share every
budget.

The client address has one home, client_ip below (django-ratelimit's "ip" key calls it, through
RATELIMIT_IP_META_KEY, for Django's path, the fast vote path and the sign-in throttle alike): the
socket's peer, unless that peer is one of the site's own TRUSTED_PROXIES and CLIENT_IP_HEADER
names the header they set. uvicorn's own reading of X-Forwarded-For is off wherever the site
starts it (--no-proxy-headers): left on, it trusted that header from any local peer.
"""
import asyncio
import functools
import ipaddress
import time
import unicodedata
from dataclasses import dataclass

import redis.asyncio
from django.conf import settings
from django.core.cache import cache
from django_ratelimit import ALL
from django_ratelimit.core import _SIMPLE_KEYS, EXPIRATION_FUDGE, _get_window, _make_cache_key, _split_rate

from django.utils.translation import gettext as _

from core.errors import RateLimited

# Count one attempt on every key: a key that is not there starts at 1 and expires with its
# window (ARGV, seconds), one that is there is incremented. Atomic, so a key cannot expire
# between the two and be left without an expiry.
_COUNT = """
local counts = {}
for i, key in ipairs(KEYS) do
  if redis.call('SET', key, 1, 'NX', 'EX', ARGV[i]) then counts[i] = 1
  else counts[i] = redis.call('INCR', key) end
end
return counts
"""
# The counters as they stand, counting nothing (a missing key is 0).
_PEEK = """
local counts = {}
for i, key in ipairs(KEYS) do counts[i] = tonumber(redis.call('GET', key) or '0') end
return counts
"""


@functools.lru_cache(maxsize=8)
def _proxies(names: tuple[str, ...]) -> tuple[bool, tuple]:
    """TRUSTED_PROXIES as (whether any peer is the proxy, the proxies' networks)."""
    return "*" in names, tuple(ipaddress.ip_network(name, strict=False) for name in names if name != "*")


def _address(entry: str):
    """The address of one forwarded entry ("a.b.c.d", "a.b.c.d:port", "[v6]:port"), or None."""
    entry = entry.strip()
    if entry.startswith("["):
        entry = entry[1:].partition("]")[0]
    elif entry.count(":") == 1:
        entry = entry.partition(":")[0]
    try:
        return ipaddress.ip_address(entry)
    except ValueError:
        return None


def peer_is_trusted_proxy(peer: str) -> bool:
    """Return whether the socket's peer `peer` is one of TRUSTED_PROXIES."""
    address = _address(peer or "")
    if address is None or not settings.TRUSTED_PROXIES:
        return False
    any_peer, networks = _proxies(tuple(settings.TRUSTED_PROXIES))
    return any_peer or any(address in network for network in networks)


def client_ip(request) -> str:
    """Return the client's address: the socket's peer (REMOTE_ADDR), or, when that peer is one of
    TRUSTED_PROXIES, the rightmost entry of CLIENT_IP_HEADER that is not itself a trusted proxy.

    Each proxy appends the address it saw, so entries right of the first untrusted one were
    written by the site's proxies and entries left of it by whoever connected: a client's own
    header changes nothing. A garbled entry stops the walk at the last address a proxy vouched for.
    """
    peer = request.META.get("REMOTE_ADDR") or "0.0.0.0"
    header = settings.CLIENT_IP_HEADER
    if not header:
        return peer
    address = _address(peer)
    if address is None:
        return peer
    any_peer, networks = _proxies(tuple(settings.TRUSTED_PROXIES))
    if not (any_peer or any(address in network for network in networks)):
        return peer
    for entry in reversed(request.META.get(header, "").split(",")):
        forwarded = _address(entry)
        if forwarded is None:
            break
        address = forwarded
        if not any(address in network for network in networks):
            break
    return str(address)


def account_identity(value: object) -> str:
    """Return the one spelling of a username or e-mail address that every throttle counts.

    Django's sign-in form strips the field and applies NFKC before it authenticates, so each
    respelling it folds together ("admin\t", " admin ", full-width letters) must land on one
    counter, or each would bring a fresh budget of guesses for the same account; case is folded
    too, so that no counter depends on how a user base compares names.
    """
    text = unicodedata.normalize("NFKC", str(value or "").strip()).strip()
    return text.casefold()[:254]


def identity_counters(action: str, identity: str) -> list[tuple]:
    """The sign-in's two counters for `action` ("login", "reset", ...): one per account
    identity (normalised by account_identity) and one per client network."""
    key = account_identity(identity)
    return [
        (f"{action}:username", lambda group, request: key, settings.LOGIN_LIMITS["username"]),
        (f"{action}:network", "ip", settings.LOGIN_LIMITS["network"]),
    ]


def _voter(group, request) -> str | None:
    # A client without a session yet is counted by its network alone: the caps are checked
    # before anything is written, so a refused first request creates no session (and no
    # counter of its own) for a flood to pile up; from its next request on it has a voter's.
    # A cookie that names no stored session is no voter either: loading the session makes
    # Django forget such a key, so that made-up cookies open no counters of their own. The
    # paths in front of Django have vouched for the key themselves (VOTER_VOUCHED).
    session = request.session
    if session.session_key and not getattr(request, VOTER_VOUCHED, False):
        session.keys()  # loads it
    return session.session_key or None


# Set on a request by an app in front of Django once it has found the session's key stored
# (arena.fast_start reads the session; voting.fast_vote finds the key owning the battle).
VOTER_VOUCHED = "arena_voter_vouched"


KEYS = {"voter": _voter, "network": "ip"}


@dataclass(frozen=True)
class _Counter:
    key: str  # the cache's own key (with its prefix), as django-ratelimit's get_usage uses it
    limit: int
    expiry: int  # seconds
    window: int  # when the window ends (a Unix time)
    scope: str = ""  # "voter" or "network", from the counter's group
    limit_period: int = 0  # the rate's period in seconds (3600 for "30/h")


def _counters(request, counters) -> list[_Counter]:
    """The keys of `(group, key, rate)` counters, as django-ratelimit's get_usage makes them
    (none while RATELIMIT_ENABLE is off, as get_usage then counts nothing; none for a key
    function that answers None: that scope does not apply to this request)."""
    if not getattr(settings, "RATELIMIT_ENABLE", True):
        return []
    made, make_key = [], cache.make_key  # the cache's proxy resolved once
    for group, key, rate in counters:
        limit, period = _split_rate(rate)
        value = key(group, request) if callable(key) else _KEYS[key](request)
        if value is None:
            continue
        window = _get_window(value, period)
        made.append(_Counter(
            make_key(_make_cache_key(group, window, rate, value, ALL)),
            limit, period + EXPIRATION_FUDGE, window, group.split(":")[1] if ":" in group else "", period,
        ))
    return made


@dataclass(frozen=True)
class _Peer:
    """A request that came straight from `address` (what django-ratelimit's "ip" key reads)."""
    address: str

    @property
    def META(self) -> dict:
        return {"REMOTE_ADDR": self.address}


def _network_key(address: str) -> str:
    """django-ratelimit's "ip" key of a client at `address` (its /24 or /64), remembered per
    address and masks: building it with ipaddress cost more than the rest of a vote's counters."""
    return _network_of(address, settings.RATELIMIT_IPV4_MASK, settings.RATELIMIT_IPV6_MASK)


@functools.lru_cache(maxsize=4096)
def _network_of(address: str, ipv4_mask: int, ipv6_mask: int) -> str:
    return _SIMPLE_KEYS["ip"](_Peer(address))


# django-ratelimit's named keys, its "ip" through the remembered network key above.
_KEYS = {**_SIMPLE_KEYS, "ip": lambda request: _network_key(client_ip(request))}


def _script_arguments(counters: list[_Counter]) -> list:
    """_COUNT's keys, then its arguments (each key's expiry)."""
    return [c.key for c in counters] + [c.expiry for c in counters]


def _wait(counters: list[_Counter], counts: list[int]) -> int | None:
    now = int(time.time())
    waits = [c.window - now for c, count in zip(counters, counts) if int(count) > c.limit]
    return max(waits) if waits else None


def limits_wait(request, counters) -> int | None:
    """Count one attempt on every `(group, key, rate)` counter; return the seconds until the
    tightest exhausted window resets, or None while every counter is within its rate."""
    made = _counters(request, counters)
    if not made:
        return None
    return _wait(made, cache.eval(_COUNT, len(made), _script_arguments(made)))


def _action_counters(action: str) -> list[tuple]:
    return [(f"{action}:{scope}:{rate}", KEYS[scope], rate)
            for scope, rates in settings.ARENA["LIMITS"][action].items() for rate in rates]


# Where an app in front of Django notes, in the request's ASGI scope, the count it made of an
# action: {action: seconds to wait, or None}. Django's path, answering the same request after
# it, takes that count rather than counting the attempt a second time.
COUNTED = "arena.limits_counted"


def limits_check(request, *, action: str) -> None:
    """Count one `action` ("battle", "vote" or "reasons") for this voter and network; raise RateLimited
    (with the seconds until the tightest exhausted window resets) once any limit is passed. A
    refused battle says which limit it met and when to come back.

    Every attempt counts, refused ones included, as django-ratelimit counts them, and once: a
    request the path in front of Django counted (COUNTED) is not counted again.
    """
    made = _counters(request, _action_counters(action))
    if not made:
        return
    counted = (getattr(request, "scope", None) or {}).get(COUNTED, {})
    if action in counted:
        if counted[action] is None:
            return
        # Counted in front of Django already: read the counters to say which cap was met.
        wait, counts = counted[action], cache.eval(_PEEK, len(made), [c.key for c in made])
    else:
        counts = cache.eval(_COUNT, len(made), _script_arguments(made))
        wait = _wait(made, counts)
        if wait is None:
            return
    over = [c for c, count in zip(made, counts) if int(count or 0) > c.limit]
    if action != "battle" or not over:
        raise RateLimited(retry_after=wait)
    met = max(over, key=lambda c: c.window)
    raise RateLimited(battle_limit_message(met, wait), retry_after=wait)


def battle_limit_message(counter: _Counter, wait: int) -> str:
    """Say which cap on starting battles a citizen met, and when they may start again."""
    per = {3600: _("한 시간에"), 86400: _("하루에")}.get(counter.limit_period) or (
        _("%(minutes)s분에") % {"minutes": max(1, counter.limit_period // 60)})
    minutes = max(1, -(-wait // 60))
    later = (_("%(minutes)s분 뒤에") % {"minutes": minutes} if minutes <= 90
             else _("약 %(hours)s시간 뒤에") % {"hours": round(minutes / 60)})
    values = {"per": per, "limit": counter.limit, "later": later}
    if counter.scope == "network":
        return _("같은 네트워크(와이파이, 회사망 등)에서 %(per)s 시작할 수 있는 대결 %(limit)s번을 모두 썼습니다. "
                 "%(later)s 다시 시도해 주세요.") % values
    return _("한 사람이 %(per)s 시작할 수 있는 대결 %(limit)s번을 모두 썼습니다. %(later)s 다시 시도해 주세요. "
             "그동안 순위표를 둘러볼 수 있습니다.") % values


_clients: dict[asyncio.AbstractEventLoop, redis.asyncio.Redis] = {}
# A Redis that stops answering fails the count after this long (the fast path then hands the
# vote to Django, which meets the same fault and answers it).
REDIS_TIMEOUT_SECONDS = 5.0


def cache_redis() -> redis.asyncio.Redis:
    """Return the running loop's asyncio client to the cache's Redis (one per loop: a uvicorn
    process has one; tests, several).

    Its own client per loop, not the loop's outbox (arena.outbox): the outbox sends one
    pipeline at a time, and a vote's count then waited behind other votes' (docs/performance.md).
    """
    loop = asyncio.get_running_loop()
    if loop not in _clients:
        _clients[loop] = redis.asyncio.Redis.from_url(
            settings.CACHES["default"]["LOCATION"],
            socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
    return _clients[loop]


async def alimits_check(request, *, action: str) -> None:
    """`limits_check` on the event loop: the same keys and script, without a thread. The count
    is noted in the request's scope (COUNTED), for Django's path if the request goes on to it.
    """
    made = _counters(request, _action_counters(action))
    if not made:
        return
    counts = await cache_redis().eval(_COUNT, len(made), *_script_arguments(made))
    wait = _wait(made, counts)
    if getattr(request, "scope", None) is not None:
        request.scope.setdefault(COUNTED, {})[action] = wait
    if wait is not None:
        raise RateLimited(retry_after=wait)
