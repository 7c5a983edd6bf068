"""Concurrent votes on the real stack: votes/s, latency per vote, errors, and votes lost.

Start the stack first, with the same DATABASE_URL and REDIS_URL (CONN_MAX_AGE=0: under ASGI
every request runs in its own thread, and persistent connections pile up, one per thread):

    CONN_MAX_AGE=0 DATABASE_URL=... REDIS_URL=... .venv/bin/python benchmarks/stack.py \
        --port 8300 --mock-port 8400
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kai_benchvotes REDIS_URL=redis://127.0.0.1:6379/3 \
        .venv/bin/python benchmarks/votes.py --url http://127.0.0.1:8300 \
        --mock-url http://127.0.0.1:8400 --concurrency 200 500 --runs 3 [--in-flight 30]

Each run prepares N votable battles, one per client, as citizens do it in a browser: every
client has its own session (GET / for the csrftoken cookie, then POST /api/battles with the
page's headers). The mock teams answer fast (--ttft-ms, --tokens-per-second) and the script
waits, in PostgreSQL, until both sides of every battle are done. Preparing is not timed.

Then all N clients vote at once (or at most --in-flight of them at a time), as
static/arena/battle.js does it: POST /api/battles/{id}/vote with {"choice": ...},
Content-Type: application/json, X-CSRFToken from the cookie, the site's Origin and the session
cookie (votes need no proof of work). Each vote goes out on a new connection, written to a raw
socket, and the answer closes it: the client shares the stack's two cores, and httpx cost about
4 ms of CPU per vote there (a fifth of the site's own), the raw socket about 1 ms. Per run:
- votes/s = acknowledged (2xx) votes / wall time from the release of the votes to the last answer;
- p50/p99 of each vote's latency (POST to its answer), and the errors by status;
- lost = acknowledged votes minus the Vote rows of those battles in PostgreSQL (recounted after
  the run); a vote recorded although its client saw no 2xx is counted separately.

The load client runs on the same cores as the stack: the CPU seconds that this script and each
stack process used during the votes are printed beside the load average.
Prints each run and the median over runs.
"""
import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import httpx

import procs  # benchmarks/procs.py
from procs import collector_paused, cpu_seconds, mock_pace, percentile, raw_post, stack_pids  # benchmarks/procs.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PERSONAS = ["hyperclova", "exaone", "ax", "solar", "varco"]
CHOICES = ["a", "b", "tie", "both_bad"]


def django_setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def battles_pending(battle_ids: list[str]) -> int:
    """Return how many of the battles still have a side that is not done (or errored)."""
    from arena.models import Response

    finished = {Response.Status.DONE, Response.Status.ERROR}
    return (Response.objects.filter(turn__battle_id__in=battle_ids)
            .exclude(status__in=finished).values("turn__battle_id").distinct().count())


def battles_failed(battle_ids: list[str]) -> set[str]:
    from arena.models import Response

    return {str(b) for b in Response.objects.filter(
        turn__battle_id__in=battle_ids, status=Response.Status.ERROR
    ).values_list("turn__battle_id", flat=True)}


def votes_recorded(battle_ids: list[str]) -> set[str]:
    from voting.models import Vote

    return {str(b) for b in Vote.objects.filter(battle_id__in=battle_ids)
            .values_list("battle_id", flat=True)}


def stack_configuration(pids: dict[str, int]) -> dict[str, str]:
    """Each stack process's command line and CONN_MAX_AGE, and PostgreSQL's connection caps."""
    from django.db import connection

    out = procs.stack_configuration(pids)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections'), datconnlimit "
                       "FROM pg_database WHERE datname = current_database()")
        max_connections, database_limit = cursor.fetchone()
    out["postgres"] = (f"max_connections {max_connections}, this database's connection limit "
                       f"{'none' if database_limit < 0 else database_limit}")
    return out


class Citizen:
    """One browser: its own cookie jar and connection, its battle, its vote."""

    def __init__(self, url: str, timeout: float):
        self.client = httpx.AsyncClient(base_url=url, timeout=timeout,
                                        limits=httpx.Limits(max_connections=1))
        self.origin = url
        self.battle_id: str | None = None

    async def battle_start(self, prompt: str) -> None:
        await self.client.get("/")
        self.client.headers.update({"X-CSRFToken": self.client.cookies["csrftoken"],
                                    "Origin": self.origin})
        await self.client.post("/api/notice", json={"accept": True})  # docs/api.md
        response = await self.client.post("/api/battles", json={"prompt": prompt})
        if response.status_code != 201:
            raise RuntimeError(f"POST /api/battles: HTTP {response.status_code}: "
                               f"{response.text[:200]}")
        self.battle_id = response.json()["id"]

    async def vote(self, choice: str, release: asyncio.Event, gate: asyncio.Semaphore) -> dict:
        """Send the vote with the page's headers, over a raw socket (procs.raw_post)."""
        body = json.dumps({"choice": choice}).encode()
        headers = {
            "X-CSRFToken": self.client.cookies["csrftoken"], "Origin": self.origin,
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.client.cookies.items()),
        }
        address = urlsplit(self.origin)
        await release.wait()
        async with gate:
            started = time.perf_counter()
            try:
                status, answer = await raw_post(address.hostname, address.port or 80,
                                                f"/api/battles/{self.battle_id}/vote", body,
                                                headers)
                detail = answer[:200].decode(errors="replace") if status >= 300 else ""
            except (OSError, ValueError, IndexError) as error:
                status, detail = type(error).__name__, str(error)[:200]
        return {"status": status, "ms": (time.perf_counter() - started) * 1000,
                "end": time.perf_counter(), "detail": detail}


async def prepare(url: str, n: int, parallel: int, timeout: float, ready_timeout: float,
                  run_tag: str) -> list[Citizen]:
    citizens = [Citizen(url, timeout) for _ in range(n)]
    gate = asyncio.Semaphore(parallel)

    async def start(i: int, citizen: Citizen) -> None:
        async with gate:
            await citizen.battle_start(f"투표 벤치마크 {run_tag}-{i}: 서울 여행지를 추천해 줘")

    await asyncio.gather(*(start(i, c) for i, c in enumerate(citizens)))
    ids = [c.battle_id for c in citizens]
    deadline = time.monotonic() + ready_timeout
    while (pending := await asyncio.to_thread(battles_pending, ids)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{pending} of {n} battles still streaming after {ready_timeout:g} s")
        await asyncio.sleep(0.5)
    return citizens


async def one_run(args, n: int, run_tag: str, pids: dict[str, int]) -> dict:
    prepared_at = time.perf_counter()
    citizens = await prepare(args.url, n, args.prepare_parallel, args.timeout,
                             args.ready_timeout, run_tag)
    ids = [c.battle_id for c in citizens]
    failed = await asyncio.to_thread(battles_failed, ids)
    prepare_s = time.perf_counter() - prepared_at
    rng = random.Random(run_tag)

    release = asyncio.Event()
    gate = asyncio.Semaphore(args.in_flight or n)
    tasks = [asyncio.create_task(c.vote(rng.choice(CHOICES), release, gate)) for c in citizens]
    await asyncio.sleep(0.2)  # every task waits on the release
    with collector_paused():
        cpu_before = cpu_seconds(pids)
        released = time.perf_counter()
        release.set()
        results = await asyncio.gather(*tasks)
    wall = max(r["end"] for r in results) - released
    cpu_after = cpu_seconds(pids)
    await asyncio.gather(*(c.client.aclose() for c in citizens))

    acked = {c.battle_id for c, r in zip(citizens, results)
             if isinstance(r["status"], int) and 200 <= r["status"] < 300}
    recorded = await asyncio.to_thread(votes_recorded, ids)
    errors = Counter(str(r["status"]) for r in results if str(r["status"]) not in ("200", "201"))
    latencies = [r["ms"] for r in results]
    first_error = next((r for r in results if str(r["status"]) not in ("200", "201")), None)
    return {
        "votes_per_s": len(acked) / wall, "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99), "max": max(latencies), "wall_s": wall,
        "acked": len(acked), "errors": sum(errors.values()),
        "lost": len(acked - recorded), "unacked_recorded": len(recorded - acked),
        "by_status": dict(errors), "first_error": first_error,
        "failed_battles": len(failed), "prepare_s": prepare_s,
        "cpu": {k: round(cpu_after[k] - cpu_before[k], 2) for k in cpu_after},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--mock-url", default="http://127.0.0.1:8100")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[200, 500],
                        help="votes fired at once, each by its own client on its own battle")
    parser.add_argument("--in-flight", type=int, default=0,
                        help="at most this many votes waiting for their answer (0: all of them)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ttft-ms", type=float, default=0,
                        help="the mock's time to first token while battles are prepared")
    parser.add_argument("--tokens-per-second", type=float, default=500,
                        help="the mock's rate while preparing (much faster starves its own loop)")
    parser.add_argument("--prepare-parallel", type=int, default=10,
                        help="battles started at a time while preparing (not timed)")
    parser.add_argument("--timeout", type=float, default=60, help="per request, seconds")
    parser.add_argument("--ready-timeout", type=float, default=120)
    args = parser.parse_args()

    django_setup()
    from django.conf import settings

    mock_pace(args.mock_url, ttft_ms=args.ttft_ms, tokens_per_second=args.tokens_per_second)
    pids = stack_pids()
    database = settings.DATABASES["default"]
    print(f"target {args.url}; database {database['NAME']}@{database['HOST']}:{database['PORT']}; "
          f"stack pids {pids}; mock while preparing: ttft {args.ttft_ms:g} ms, "
          f"{args.tokens_per_second:g} tokens/s; prepare {args.prepare_parallel} battles at a "
          f"time; load client: each citizen prepares with an httpx {httpx.__version__} AsyncClient "
          f"and votes over a raw socket, in this process on the same {os.cpu_count()} cpus as "
          f"the stack; "
          f"load average before: {os.getloadavg()}", flush=True)
    print(f"votes in flight at most: {args.in_flight or 'all of them'}; stack: "
          f"{stack_configuration(pids)}", flush=True)
    stamp = time.strftime("%H%M%S")
    for n in args.concurrency:
        summary = []
        for run_index in range(args.runs):
            row = asyncio.run(one_run(args, n, f"{stamp}-{n}-{run_index}", pids))
            summary.append(row)
            print(f"  {n} votes at once, run {run_index + 1}: {row['votes_per_s']:.0f} votes/s "
                  f"({row['acked']} acknowledged in {row['wall_s']:.2f} s); latency p50 "
                  f"{row['p50']:.0f} ms, p99 {row['p99']:.0f} ms, max {row['max']:.0f} ms; "
                  f"errors {row['errors']} {row['by_status']}; lost: {row['lost']}; recorded "
                  f"without a 2xx: {row['unacked_recorded']}; battles with a failed side "
                  f"{row['failed_battles']}; prepared in {row['prepare_s']:.1f} s"
                  + (f" (first error: {row['first_error']['status']} "
                     f"{row['first_error']['detail']!r})" if row["first_error"] else ""),
                  flush=True)
            print(f"    CPU seconds during the votes: {row['cpu']}; load average: "
                  f"{os.getloadavg()}", flush=True)
        med = {k: statistics.median(r[k] for r in summary)
               for k in ("votes_per_s", "p50", "p99", "errors", "lost", "unacked_recorded")}
        print(f"{n} votes at once, median of {args.runs} runs: {med['votes_per_s']:.0f} votes/s; "
              f"latency p50 {med['p50']:.0f} ms, p99 {med['p99']:.0f} ms; errors "
              f"{med['errors']:g}; lost: {med['lost']:g}; recorded without a 2xx: "
              f"{med['unacked_recorded']:g}", flush=True)


if __name__ == "__main__":
    main()
