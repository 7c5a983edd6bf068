"""What a client timing the battle websocket learns about the teams, paced and unpaced.

Start the stack (mock teams at demo speed) in another terminal:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kai_bench .venv/bin/python benchmarks/stack.py

then `DATABASE_URL=<the same> .venv/bin/python benchmarks/pacing.py [--battles 20]`.

For each mode (the contest's paced_streams off, then on) it runs the battles, a few at a time;
for each it notes, from the POST, when each pane's first text and its done message arrived on
the websocket, votes (tie) to learn the teams and reads the true per-side timings the worker
recorded. Prints, per mode: the medians (and 90th percentiles) of the difference between the
two panes' first text and done times; per team, the median client-observed first text and done
times; and how often a probe that calls the pane that finished (or started) first on the
socket the faster team (by the recorded timings) is right (within 10 ms it tosses a coin).
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import time

import httpx
import websockets

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PROMPTS = [
    "서울의 가을 여행지를 추천해 줘", "파이썬에서 리스트를 정렬하는 방법은?", "세종대왕의 업적을 알려 줘",
    "김치찌개 끓이는 법", "양자컴퓨터를 쉽게 설명해 줘", "면접 자기소개 예시를 써 줘",
]
# Closer than this, a probe cannot order the two panes and guesses.
TIE_SECONDS = 0.010


def paced_set(on: bool) -> None:
    """Turn the current contest's paced streams on or off (read by every new connection)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from contest.selectors import contest_current

    contest = contest_current()
    contest.paced_streams = on
    contest.save(update_fields=["paced_streams"])


async def one_battle(url: str, prompt: str) -> dict | None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        await client.get("/")
        client.headers.update({"X-CSRFToken": client.cookies["csrftoken"], "Origin": url})
        await client.post("/api/notice", json={"accept": True})  # docs/api.md
        started = time.perf_counter()
        response = await client.post("/api/battles", json={"prompt": prompt})
        response.raise_for_status()
        battle = response.json()
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        first, final = {}, {}
        async with websockets.connect(url.replace("http", "ws", 1) + battle["stream"],
                                      additional_headers={"Cookie": cookie, "Origin": url}) as socket:
            while len(final) < 2:
                message = json.loads(await asyncio.wait_for(socket.recv(), timeout=120))
                now = time.perf_counter() - started
                if message["type"] == "token" and message["text"]:
                    first.setdefault(message["side"], now)
                elif message["type"] in ("done", "error"):
                    final[message["side"]] = (now, message["type"])
        if any(kind != "done" for _, kind in final.values()):
            return None
        reveal = (await client.post(f"/api/battles/{battle['id']}/vote", json={"choice": "tie"})).json()["reveal"]
        turn = (await client.get(f"/api/battles/{battle['id']}")).json()["turns"][0]
    return {side: {"team": reveal[side]["model"], "first": first[side], "done": final[side][0],
                   "ttft_ms": turn[side]["ttft_ms"], "total_ms": turn[side]["total_ms"]}
            for side in "ab"}


async def battles(url: str, count: int, concurrency: int) -> list[dict]:
    gate = asyncio.Semaphore(concurrency)

    async def run(i: int):
        async with gate:
            return await one_battle(url, f"{PROMPTS[i % len(PROMPTS)]} ({i})")

    results = await asyncio.gather(*(run(i) for i in range(count)))
    return [result for result in results if result is not None]


def probe_accuracy(results: list[dict], observed: str, truth: str) -> float:
    """How often the pane that was earlier on the socket is the side truly faster."""
    score = 0.0
    for battle in results:
        a, b = battle["a"], battle["b"]
        if a[truth] == b[truth]:
            score += 0.5
        elif abs(a[observed] - b[observed]) < TIE_SECONDS:
            score += 0.5
        else:
            score += (a[observed] < b[observed]) == (a[truth] < b[truth])
    return score / len(results)


def report(mode: str, results: list[dict]) -> None:
    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(q * len(values)))]

    gaps = {key: [abs(r["a"][key] - r["b"][key]) * 1000 for r in results] for key in ("first", "done")}
    print(f"\n== {mode}: {len(results)} battles completed")
    for key, label in (("first", "first text"), ("done", "done")):
        print(f"  |{label} A - {label} B|: median {statistics.median(gaps[key]):.0f} ms, "
              f"p90 {pct(gaps[key], 0.9):.0f} ms, max {max(gaps[key]):.0f} ms")
    waits = [max(r["a"]["done"], r["b"]["done"]) * 1000 for r in results]
    starts = [min(r["a"]["first"], r["b"]["first"]) * 1000 for r in results]
    print(f"  first text on either pane: median {statistics.median(starts):.0f} ms; both done (the vote "
          f"unlocks): median {statistics.median(waits):.0f} ms, p90 {pct(waits, 0.9):.0f} ms")
    # What the socket adds to the slower side's own time (POST, hand-off, and any held tail).
    added = [max(r["a"]["done"], r["b"]["done"]) * 1000 - max(r["a"]["total_ms"], r["b"]["total_ms"])
             for r in results]
    print(f"  both done minus the slower side's recorded total: median {statistics.median(added):.0f} ms, "
          f"p90 {pct(added, 0.9):.0f} ms, max {max(added):.0f} ms")
    teams: dict[str, list[dict]] = {}
    for battle in results:
        for side in "ab":
            teams.setdefault(battle[side]["team"], []).append(battle[side])
    print(f"  {'team':14}{'sides':>6}  {'first text, median (range) ms':<30}{'done, median (range) ms':<30}"
          "recorded ttft / total ms (medians)")
    for team, sides in sorted(teams.items()):
        first = [s["first"] * 1000 for s in sides]
        done = [s["done"] * 1000 for s in sides]
        print(f"  {team:14}{len(sides):>6}  "
              + f"{statistics.median(first):.0f} ({min(first):.0f}–{max(first):.0f})".ljust(30)
              + f"{statistics.median(done):.0f} ({min(done):.0f}–{max(done):.0f})".ljust(30)
              + f"{statistics.median(s['ttft_ms'] for s in sides):.0f} / "
              f"{statistics.median(s['total_ms'] for s in sides):.0f}")
    print(f"  probe 'the pane that ends first is the faster team': right in "
          f"{probe_accuracy(results, 'done', 'total_ms'):.0%}; 'starts first is quicker to answer': "
          f"{probe_accuracy(results, 'first', 'ttft_ms'):.0%} (a coin toss is 50%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--battles", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    for mode, on in (("unpaced (paced_streams off)", False), ("paced (paced_streams on)", True)):
        paced_set(on)
        report(mode, asyncio.run(battles(args.url, args.battles, args.concurrency)))
    paced_set(True)


if __name__ == "__main__":
    main()
