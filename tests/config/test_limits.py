"""Caps per voter and per client network, per hour and per day: 429 with Retry-After."""
import pytest
from django.test import Client

from arena.models import Battle
from tests.conftest import limits, notice_accept


def start(client, address="203.0.113.7", **headers):
    return client.post("/api/battles", {"prompt": "질문"}, content_type="application/json",
                       REMOTE_ADDR=address, **headers)


def test_a_voter_past_the_hourly_budget_gets_429_with_retry_after(entrants, settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["2/h", "100/d"], ["1000/h"])}
    client = notice_accept(Client())
    statuses = [start(client).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    refused = start(client)
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "분 뒤에 다시" in refused.json()["error"]["message"]
    assert Battle.objects.count() == 2


def test_the_daily_cap_holds_when_the_hourly_one_does_not(entrants, settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["100/h", "2/d"], ["1000/h"])}
    client = notice_accept(Client())
    assert [start(client).status_code for _ in range(3)] == [201, 201, 429]
    assert 0 < int(start(client)["Retry-After"]) <= 24 * 3600
    assert Battle.objects.count() == 2


def test_new_cookies_in_the_same_slash_24_share_the_network_budget(entrants, settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["100/h"], ["3/h"])}
    # Three "voters" (fresh sessions) from neighbouring addresses of one /24 ...
    statuses = [start(notice_accept(Client()), f"198.51.100.{n}").status_code for n in (1, 2, 3, 4)]
    assert statuses == [201, 201, 201, 429]
    # ... while another network is untouched.
    assert start(notice_accept(Client()), "198.51.101.1").status_code == 201


def test_ipv6_clients_are_counted_per_slash_64(entrants, settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["100/h"], ["1/h"])}
    assert start(notice_accept(Client()), "2001:db8:1:2::10").status_code == 201
    assert start(notice_accept(Client()), "2001:db8:1:2:ffff::1").status_code == 429
    assert start(notice_accept(Client()), "2001:db8:1:3::10").status_code == 201


def test_the_forwarded_header_counts_only_when_configured(entrants, settings, fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["100/h"], ["1/h"])}
    spoof = {"HTTP_X_FORWARDED_FOR": "192.0.2.1"}
    # Unconfigured, a client's own header is ignored: both requests are one network.
    settings.CLIENT_IP_HEADER = ""
    assert start(notice_accept(Client()), "10.0.0.5", **spoof).status_code == 201
    assert start(notice_accept(Client()), "10.0.0.5", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429
    # Behind our proxy, the rightmost entry (the one the proxy added) is the client.
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    forged = {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.50"}
    assert start(notice_accept(Client()), "10.0.0.1", **forged).status_code == 201
    assert start(notice_accept(Client()), "10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.2, 203.0.113.51").status_code == 429
    assert start(notice_accept(Client()), "10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.114.9").status_code == 201


def test_a_forged_header_from_loopback_changes_nothing_unless_configured(entrants, settings,
                                                                         fresh_cache):
    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["100/h"], ["2/h"])}
    # Given a client on loopback that has reached its network's cap
    assert [start(notice_accept(Client()), "127.0.0.1").status_code for _ in range(3)] == [201, 201, 429]
    # When it claims another address, with or without a header name configured elsewhere
    forged = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert start(notice_accept(Client()), "127.0.0.1", **forged).status_code == 429
    settings.CLIENT_IP_HEADER, settings.TRUSTED_PROXIES = "HTTP_X_FORWARDED_FOR", ["10.9.0.1"]
    # Then it is still itself: loopback is not the site's proxy
    assert start(notice_accept(Client()), "127.0.0.1", **forged).status_code == 429
    # Once loopback is named as the proxy, the address it forwards is the client
    settings.TRUSTED_PROXIES = ["127.0.0.1", "::1"]
    assert start(notice_accept(Client()), "127.0.0.1", **forged).status_code == 201


def test_the_client_is_the_rightmost_address_no_trusted_proxy_added(settings):
    from config.limits import client_ip

    def address(peer, forwarded=None):
        headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return client_ip(RequestFactory().get("/", REMOTE_ADDR=peer, **headers))

    from django.test import RequestFactory

    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.TRUSTED_PROXIES = ["10.0.0.1", "172.16.0.0/12"]
    # Two hops of ours (the TLS proxy at 172.18.0.5, then 10.0.0.1): the address left of them
    assert address("10.0.0.1", "198.51.100.1, 203.0.113.9, 172.18.0.5") == "203.0.113.9"
    # Ports and brackets as some proxies write them
    assert address("10.0.0.1", "203.0.113.9:51234") == "203.0.113.9"
    assert address("10.0.0.1", "[2001:db8::7]:443") == "2001:db8::7"
    # No header, or a garbled one: the last address our proxies vouched for
    assert address("10.0.0.1") == "10.0.0.1"
    assert address("10.0.0.1", "203.0.113.9, nonsense, 172.18.0.5") == "172.18.0.5"
    # A peer that is not ours is the client, whatever it sends
    assert address("192.0.2.44", "203.0.113.9") == "192.0.2.44"
    # "*": any peer is the one proxy; only the entry it added counts
    settings.TRUSTED_PROXIES = ["*"]
    assert address("192.0.2.44", "10.0.0.1, 203.0.113.9") == "203.0.113.9"


def test_votes_are_capped_too(citizen, entrants, settings, fresh_cache):
    from tests.arena.test_api import battle_finish

    client = citizen
    settings.ARENA = {**settings.ARENA, "LIMITS": {
        "battle": {"voter": ["100/h"], "network": ["100/h"]},
        "vote": {"voter": ["1/h"], "network": ["100/h"]},
    }}
    ids = [start(client).json()["id"] for _ in range(2)]
    for battle_id in ids:
        battle_finish(battle_id)
    first = client.post(f"/api/battles/{ids[0]}/vote", {"choice": "a"},
                        content_type="application/json", REMOTE_ADDR="203.0.113.7")
    second = client.post(f"/api/battles/{ids[1]}/vote", {"choice": "a"},
                         content_type="application/json", REMOTE_ADDR="203.0.113.7")
    assert first.status_code == 200
    assert second.status_code == 429 and "Retry-After" in second


def test_the_cache_increments_a_counter_that_exists_and_refuses_one_that_does_not(fresh_cache):
    from django.core.cache import cache

    with pytest.raises(ValueError):
        cache.incr("counter-never-set")
    assert cache.get("counter-never-set") is None
    cache.add("counter", 1, 60)
    assert cache.incr("counter") == 2 and cache.incr("counter", 5) == 7 and cache.get("counter") == 7


def _request(session_key="voter-1", address="203.0.113.7"):
    from types import SimpleNamespace

    from django.test import RequestFactory

    from config.limits import VOTER_VOUCHED

    request = RequestFactory().post("/api/battles", REMOTE_ADDR=address)
    request.session = SimpleNamespace(session_key=session_key)
    setattr(request, VOTER_VOUCHED, True)  # a stored session's key, as the test stands for one
    return request


def test_the_counters_are_django_ratelimits_own_and_expire_with_their_window(settings, fresh_cache):
    from django.core.cache import cache
    from django_ratelimit.core import get_usage

    from config.limits import KEYS, limits_check

    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["5/h", "100/d"], ["50/h"])}
    request = _request()
    for _ in range(3):
        limits_check(request, action="vote")
    # django-ratelimit reads the same count under the same key, for every counter ...
    for group, scope, rate in [("vote:voter:5/h", "voter", "5/h"), ("vote:voter:100/d", "voter", "100/d"),
                               ("vote:network:50/h", "network", "50/h")]:
        usage = get_usage(request, group=group, key=KEYS[scope], rate=rate, increment=False)
        assert usage["count"] == 3 and not usage["should_limit"]
    # ... and every counter expires: none can lock a citizen out beyond its window.
    client = cache._cache.get_client(write=True)
    keys = client.keys(f"{settings.CACHES['default']['KEY_PREFIX']}:*rl:*")
    assert len(keys) == 3
    assert all(0 < client.ttl(key) <= 24 * 3600 + 5 for key in keys)


def test_the_event_loops_count_and_djangos_share_one_budget(settings, fresh_cache):
    import asyncio

    from core.errors import RateLimited
    from config.limits import alimits_check, limits_check

    settings.ARENA = {**settings.ARENA, "LIMITS": limits(["3/h"], ["100/h"])}
    request = _request()
    asyncio.run(alimits_check(request, action="vote"))
    limits_check(request, action="vote")
    asyncio.run(alimits_check(request, action="vote"))
    with pytest.raises(RateLimited) as refused:
        limits_check(request, action="vote")
    assert 0 < refused.value.retry_after <= 3600
    with pytest.raises(RateLimited):
        asyncio.run(alimits_check(request, action="vote"))
    # Another voter of another network is untouched.
    asyncio.run(alimits_check(_request("voter-2", "198.51.100.1"), action="vote"))
