"""Concurrent battles on the real stack: added time to first token, side start gap, lost tokens.

Start the stack first (`benchmarks/stack.py`, same DATABASE_URL), then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kai_bench .venv/bin/python benchmarks/battles.py \
        --concurrency 50 200 --runs 3

Every persona of the mock is set to a fixed time to first token (--ttft-ms) and rate. N battles
are started at once over the JSON API, each by its own client (own session), and each followed
on its websocket with the page's rules (static/arena/battle.js): a snapshot replaces the text, a
token batch whose sequence number is not above the last one is dropped. Per side:
- added TTFT = time from the POST to the first token on the websocket, minus the mock's TTFT;
- start gap = |started_at(a) - started_at(b)| from the database (when each side's call began);
- lost/reordered = the page's text before 'done' differs from the 'done' text, or a batch
  arrived with a sequence number that skipped one (a batch whose number is not above the last
  one is a duplicate of the snapshot and is dropped, as the page does).
Prints p50/p99 per run and the median over runs, the load average and each process's memory.
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

import httpx
import websockets

from procs import children, collector_paused, cpu_seconds, mock_pace, percentile, stack_pids  # benchmarks/procs.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PERSONAS = ["hyperclova", "exaone", "ax", "solar", "varco"]


async def one_battle(url: str, prompt: str, barrier: asyncio.Event, timeout: float,
                     delay: float = 0.0) -> dict:
    origin = url
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await client.get("/")
        client.headers.update({"X-CSRFToken": client.cookies["csrftoken"], "Origin": origin})
        await barrier.wait()
        await asyncio.sleep(delay)
        started = time.perf_counter()
        response = await client.post("/api/battles", json={"prompt": prompt})
        if response.status_code != 201:
            return {"error": f"HTTP {response.status_code}: {response.text[:200]}"}
        battle = response.json()
        created = (time.perf_counter() - started) * 1000
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        sides = {s: {"text": "", "seq": 0, "first": None, "skips": 0, "backwards": 0, "done": None}
                 for s in "ab"}
        async with websockets.connect(
            url.replace("http", "ws", 1) + battle["stream"],
            additional_headers={"Cookie": cookie, "Origin": origin}, max_size=None,
        ) as socket:
            opened = (time.perf_counter() - started) * 1000
            while any(side["done"] is None for side in sides.values()):
                message = json.loads(await asyncio.wait_for(socket.recv(), timeout=timeout))
                side = sides[message["side"]]
                now = (time.perf_counter() - started) * 1000
                if message["type"] == "token":
                    if side["first"] is None:
                        side["first"] = now
                        side["first_at"] = time.perf_counter()
                    if message.get("snapshot"):
                        side["text"], side["seq"] = message["text"], message["seq"]
                    elif message["seq"] <= side["seq"]:
                        side["backwards"] += 1  # the page drops it
                    else:
                        if message["seq"] != side["seq"] + 1:
                            side["skips"] += 1
                        side["text"] += message["text"]
                        side["seq"] = message["seq"]
                else:
                    side["done"] = message
                    side["end"] = now
                    side["end_at"] = time.perf_counter()
    return {"id": battle["id"], "sides": sides, "created": created, "opened": opened,
            "posted_at": started}


async def run(url: str, n: int, timeout: float, rate: float) -> list[dict]:
    barrier = asyncio.Event()
    tasks = [asyncio.create_task(one_battle(url, f"벤치마크 질문 {i}: 서울 여행지를 추천해 줘", barrier, timeout,
                                            delay=i / rate if rate else 0.0))
             for i in range(n)]
    await asyncio.sleep(min(30, 0.05 * n + 2))  # every client has its session cookie
    barrier.set()
    return await asyncio.gather(*tasks, return_exceptions=True)


def peak_streaming(results: list[dict]) -> int:
    """Return the most sides that were between their first token and 'done' at one moment."""
    edges = []
    for r in results:
        for side in r["sides"].values():
            if side.get("first_at") and side.get("end_at"):
                edges += [(side["first_at"], 1), (side["end_at"], -1)]
    peak = current = 0
    for _, step in sorted(edges):
        current += step
        peak = max(peak, current)
    return peak


def start_gaps(battle_ids: list[str]) -> list[float]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from arena.models import Response

    started: dict = {}
    for battle_id, side, at in Response.objects.filter(
        turn__battle_id__in=battle_ids, turn__index=0
    ).values_list("turn__battle_id", "side", "started_at"):
        started.setdefault(str(battle_id), {})[side] = at
    return [abs((s["a"] - s["b"]).total_seconds()) * 1000 for s in started.values()
            if s.get("a") and s.get("b")]


def memory(pids: dict[str, int]) -> dict[str, float]:
    """Resident memory in MB of each process and its children (uvicorn/celery fork)."""
    out = {}
    for name, pid in pids.items():
        total = 0
        for p in [pid] + children(pid):
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        out[name] = round(total / 1024, 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--mock-url", default="http://127.0.0.1:8100")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ttft-ms", type=float, default=400)
    parser.add_argument("--tokens-per-second", type=float, default=50)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--dump", type=Path, default=None,
                        help="write every side's timings of every run to this JSON file")
    parser.add_argument("--start-rate", type=float, default=0,
                        help="battles started per second (0: all at once, a burst)")
    args = parser.parse_args()

    mock_pace(args.mock_url, ttft_ms=args.ttft_ms, tokens_per_second=args.tokens_per_second)
    pids = stack_pids()
    print(f"mock: ttft {args.ttft_ms:g} ms, {args.tokens_per_second:g} tokens/s; battles started "
          + (f"{args.start_rate:g}/s; " if args.start_rate else "all at once; ") +
          f"worker: {os.environ.get('CELERY_WORKER_CONCURRENCY', 'settings default')} threads feeding one loop; "
          f"load average before: {os.getloadavg()}; cpus: {os.cpu_count()}")
    dumped = []
    for n in args.concurrency:
        summary = []
        for run_index in range(args.runs):
            cpu0, wall0, stack0 = time.process_time(), time.perf_counter(), cpu_seconds(pids)
            with collector_paused():
                results = asyncio.run(run(args.url, n, args.timeout, args.start_rate))
            wall = time.perf_counter() - wall0
            client_cpu = (time.process_time() - cpu0) / wall
            stack_cpu = {name: f"{(seconds - stack0.get(name, 0)) / wall:.0%}"
                         for name, seconds in cpu_seconds(pids).items()}
            failures = [r for r in results if isinstance(r, BaseException) or "error" in r]
            ok = [r for r in results if not isinstance(r, BaseException) and "error" not in r]
            added, lost, errors = [], 0, 0
            for r in ok:
                for side in r["sides"].values():
                    if side["done"]["type"] != "done":
                        errors += 1
                        continue
                    # A side that ended before the websocket joined shows its text at 'done'.
                    first = side["first"] if side["first"] is not None else side["end"]
                    added.append(first - args.ttft_ms)
                    # The page shows the 'done' text in the end; what it showed before must
                    # have been all of it (a side that ended before the socket joined shows
                    # only 'done'), with no sequence number skipped.
                    shown = side["text"]
                    if side["skips"] or (shown and shown != side["done"]["text"]):
                        lost += 1
            if args.dump:
                first_post = min(r["posted_at"] for r in ok)
                dumped.append({"battles": n, "run": run_index + 1, "sides": [
                    {"battle": r["id"], "side": name, "posted_s": round(r["posted_at"] - first_post, 3),
                     "post_ms": round(r["created"]), "opened_ms": round(r["opened"]),
                     "first_ms": side["first"] and round(side["first"]), "done": side["done"]["type"]}
                    for r in ok for name, side in r["sides"].items()]})
                args.dump.write_text(json.dumps(dumped, indent=1))
            gaps = start_gaps([r["id"] for r in ok])
            streaming = peak_streaming(ok)
            created = [r["created"] for r in ok]
            opened = [r["opened"] - r["created"] for r in ok]
            row = {
                "added_p50": percentile(added, 50), "added_p99": percentile(added, 99),
                "gap_p50": percentile(gaps, 50), "gap_p99": percentile(gaps, 99),
                "lost": lost, "side_errors": errors, "failed_battles": len(failures),
                "peak_streams": streaming,
                "ws_p50": percentile(opened, 50), "ws_p99": percentile(opened, 99),
                "post_p50": percentile(created, 50), "post_p99": percentile(created, 99),
            }
            summary.append(row)
            print(f"  {n} battles, run {run_index + 1}: added TTFT p50 {row['added_p50']:.0f} ms, "
                  f"p99 {row['added_p99']:.0f} ms; start gap p50 {row['gap_p50']:.1f} ms, "
                  f"p99 {row['gap_p99']:.1f} ms; of which POST /api/battles p50 {row['post_p50']:.0f} ms, "
                  f"p99 {row['post_p99']:.0f} ms, websocket open p50 {row['ws_p50']:.0f} ms, "
                  f"p99 {row['ws_p99']:.0f} ms; sides with lost/reordered tokens {lost}; "
                  f"side errors {errors}; failed battles {len(failures)}; "
                  f"peak sides streaming at once {streaming}"
                  + (f" (first: {failures[0]!r:.200})" if failures else ""), flush=True)
            print(f"    share of a core over the run's {wall:.0f} s: {stack_cpu}", flush=True)
            print(f"    this load client used {client_cpu:.0%} of a core; "
                  f"memory MB (RSS incl. children) after the run: {memory(pids)}; "
                  f"load average: {os.getloadavg()}", flush=True)
        med = {k: statistics.median(r[k] for r in summary) for k in summary[0]}
        print(f"{n} battles, median of {args.runs} runs: added TTFT p50 {med['added_p50']:.0f} ms, "
              f"p99 {med['added_p99']:.0f} ms; start gap p99 {med['gap_p99']:.1f} ms; "
              f"lost {med['lost']:g}; side errors {med['side_errors']:g}; "
              f"failed battles {med['failed_battles']:g}", flush=True)


if __name__ == "__main__":
    main()
