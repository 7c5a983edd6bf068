"""Concurrent battles on the real stack: added time to first token, side start gap, lost tokens.

Start the stack first (`benchmarks/stack.py`, same DATABASE_URL), then:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kai_bench .venv/bin/python benchmarks/battles.py \
        --concurrency 50 200 --runs 3 [--start-rate 20 | --burst]

Every persona of the mock is set to a fixed time to first token (--ttft-ms) and rate. N battles
are started over the JSON API, each by its own client (own session), each client having loaded
the page first (its connection then closed, as a citizen's is by the time they have typed a
prompt), and each followed on its websocket with the page's rules (static/arena/battle.js): a
snapshot replaces the text, a token batch whose sequence number is not the next one is not
taken. They start --start-rate a second, or all in the same instant (--burst, or a rate of 0).
Per side:
- added TTFT = time from the POST to the first token on the websocket, minus the mock's TTFT;
- start gap = |started_at(a) - started_at(b)| from the database (when each side's call began);
- mismatched = the concatenation of what the socket streamed (snapshots replacing, batches
  appended) differs from the side's final answer ('done'): a batch lost, repeated or out of
  order. Counted apart: batches that skipped a number, batches that came again (dropped, as
  the page drops them). A side that ended before its socket joined streams nothing and is not
  compared.
Prints p50/p99 per run and the median over runs, the CPU each process spent until the last side
streamed (the start's cost), the load average and each process's memory.
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
        # The page's connection is closed, as a citizen's has been by the time they send their
        # prompt (the server keeps an idle one 5 s): a POST on a connection that the server
        # closes meanwhile fails, which no browser would report.
        await client.get("/", headers={"Connection": "close"})
        client.headers.update({"X-CSRFToken": client.cookies["csrftoken"], "Origin": origin})
        await client.post("/api/notice", json={"accept": True}, headers={"Connection": "close"})
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
            open_timeout=timeout,  # a browser waits; websockets' own 10 s failed whole bursts
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
                        # Appended even past a gap, so that a lost batch shows as a mismatch.
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


async def run(url: str, n: int, timeout: float, rate: float,
              pids: dict[str, int]) -> tuple[list[dict], list[tuple[float, dict]]]:
    """Run the battles; return their results and the stack's CPU seconds sampled meanwhile."""
    barrier = asyncio.Event()
    tasks = [asyncio.create_task(one_battle(url, f"벤치마크 질문 {i}: 서울 여행지를 추천해 줘", barrier, timeout,
                                            delay=i / rate if rate else 0.0))
             for i in range(n)]
    await asyncio.sleep(min(30, 0.05 * n + 2))  # every client has loaded the page
    samples = [(time.perf_counter(), cpu_seconds(pids))]
    barrier.set()

    async def sample() -> None:
        while True:
            await asyncio.sleep(0.25)
            samples.append((time.perf_counter(), cpu_seconds(pids)))

    sampler = asyncio.create_task(sample())
    results = await asyncio.gather(*tasks, return_exceptions=True)
    sampler.cancel()
    return results, samples


def cpu_until_streaming(results: list[dict], samples: list[tuple[float, dict]]) -> tuple[float, dict]:
    """Return the seconds from the first POST until every side had streamed (or ended), and
    the CPU seconds each process spent in them (from the first sample after that moment)."""
    last = max((side.get("first_at") or side.get("end_at") or 0.0)
               for r in results for side in r["sides"].values())
    start_at, start = samples[0]
    at, used = next(((t, cpu) for t, cpu in samples if t >= last), samples[-1])
    return at - start_at, {name: used[name] - start.get(name, 0.0) for name in used}


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


def side_figures(ok: list[dict], ttft_ms: float) -> dict:
    """Per side: the added TTFT, and whether what streamed was the final answer, once, in order."""
    figures = {"added": [], "mismatched": 0, "skipped": 0, "repeated": 0, "errors": 0}
    for r in ok:
        for side in r["sides"].values():
            if side["done"]["type"] != "done":
                figures["errors"] += 1
                continue
            # A side that ended before the websocket joined shows its text at 'done'.
            first = side["first"] if side["first"] is not None else side["end"]
            figures["added"].append(first - ttft_ms)
            # The page replaces its text with the 'done' text; until then it shows what streamed,
            # which must already be all of it.
            shown = side["text"]
            figures["mismatched"] += bool(shown) and shown != side["done"]["text"]
            figures["skipped"] += side["skips"]
            figures["repeated"] += side["backwards"]
    return figures


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
                        help="battles started per second (0: all in the same instant, a burst)")
    parser.add_argument("--burst", action="store_true",
                        help="start every battle in the same instant (the same as --start-rate 0)")
    args = parser.parse_args()
    rate = 0.0 if args.burst else args.start_rate
    how = f"started {rate:g}/s" if rate else "started in the same instant (burst)"

    mock_pace(args.mock_url, ttft_ms=args.ttft_ms, tokens_per_second=args.tokens_per_second)
    pids = stack_pids()
    print(f"mock: ttft {args.ttft_ms:g} ms, {args.tokens_per_second:g} tokens/s; battles {how}; "
          f"worker: {os.environ.get('CELERY_WORKER_CONCURRENCY', 'settings default')} threads feeding one loop; "
          f"load average before: {os.getloadavg()}; cpus: {os.cpu_count()}")
    dumped = []
    for n in args.concurrency:
        summary = []
        for run_index in range(args.runs):
            cpu0, wall0, stack0 = time.process_time(), time.perf_counter(), cpu_seconds(pids)
            with collector_paused():
                results, samples = asyncio.run(run(args.url, n, args.timeout, rate, pids))
            wall = time.perf_counter() - wall0
            client_cpu = (time.process_time() - cpu0) / wall
            stack_cpu = {name: f"{(seconds - stack0.get(name, 0)) / wall:.0%}"
                         for name, seconds in cpu_seconds(pids).items()}
            failures = [r for r in results if isinstance(r, BaseException) or "error" in r]
            ok = [r for r in results if not isinstance(r, BaseException) and "error" not in r]
            figures = side_figures(ok, args.ttft_ms)
            added = figures["added"]
            if args.dump:
                first_post = min(r["posted_at"] for r in ok)
                dumped.append({"battles": n, "run": run_index + 1, "sides": [
                    {"battle": r["id"], "side": name, "posted_s": round(r["posted_at"] - first_post, 3),
                     "post_ms": round(r["created"]), "opened_ms": round(r["opened"]),
                     "first_ms": side["first"] and round(side["first"]), "done": side["done"]["type"],
                     "skips": side["skips"], "mismatched": bool(side["text"]) and side["done"]["type"] == "done"
                     and side["text"] != side["done"]["text"]}
                    for r in ok for name, side in r["sides"].items()]})
                args.dump.write_text(json.dumps(dumped, indent=1))
            gaps = start_gaps([r["id"] for r in ok])
            streaming = peak_streaming(ok)
            created = [r["created"] for r in ok]
            opened = [r["opened"] - r["created"] for r in ok]
            until, spent = cpu_until_streaming(ok, samples) if ok else (float("nan"), {})
            row = {
                "added_p50": percentile(added, 50), "added_p99": percentile(added, 99),
                "gap_p50": percentile(gaps, 50), "gap_p99": percentile(gaps, 99),
                "mismatched": figures["mismatched"], "skipped": figures["skipped"],
                "side_errors": figures["errors"], "failed_battles": len(failures),
                "peak_streams": streaming,
                "ws_p50": percentile(opened, 50), "ws_p99": percentile(opened, 99),
                "post_p50": percentile(created, 50), "post_p99": percentile(created, 99),
                "until_streaming_s": until,
            }
            summary.append(row)
            print(f"  {n} battles {how}, run {run_index + 1}: added TTFT p50 {row['added_p50']:.0f} ms, "
                  f"p99 {row['added_p99']:.0f} ms; start gap p50 {row['gap_p50']:.1f} ms, "
                  f"p99 {row['gap_p99']:.1f} ms; of which POST /api/battles p50 {row['post_p50']:.0f} ms, "
                  f"p99 {row['post_p99']:.0f} ms, websocket open p50 {row['ws_p50']:.0f} ms, "
                  f"p99 {row['ws_p99']:.0f} ms; sides whose stream differs from their answer "
                  f"{figures['mismatched']} of {2 * len(ok)} (batches skipped {figures['skipped']}, "
                  f"repeated {figures['repeated']}); side errors {figures['errors']}; failed battles "
                  f"{len(failures)}; peak sides streaming at once {streaming}"
                  + (f" (first: {failures[0]!r:.200})" if failures else ""), flush=True)
            print(f"    every side streaming {until:.1f} s after the first POST; CPU seconds spent "
                  f"until then: {({name: round(seconds, 2) for name, seconds in spent.items()})}", flush=True)
            print(f"    share of a core over the run's {wall:.0f} s: {stack_cpu}", flush=True)
            print(f"    this load client used {client_cpu:.0%} of a core; "
                  f"memory MB (RSS incl. children) after the run: {memory(pids)}; "
                  f"load average: {os.getloadavg()}", flush=True)
        med = {k: statistics.median(r[k] for r in summary) for k in summary[0]}
        print(f"{n} battles {how}, median of {args.runs} runs: added TTFT p50 {med['added_p50']:.0f} ms, "
              f"p99 {med['added_p99']:.0f} ms; POST /api/battles p50 {med['post_p50']:.0f} ms, "
              f"p99 {med['post_p99']:.0f} ms; start gap p99 {med['gap_p99']:.1f} ms; "
              f"sides whose stream differs from their answer {med['mismatched']:g} "
              f"(most in a run: {max(r['mismatched'] for r in summary)}); side errors "
              f"{med['side_errors']:g}; failed battles {med['failed_battles']:g}", flush=True)


if __name__ == "__main__":
    main()
