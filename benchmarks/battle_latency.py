"""What the citizen's websocket delivers, against what the mock team endpoint itself takes.

Run `ARENA_BATTLE_RATE=1000/h make demo` in another terminal, then `.venv/bin/python benchmarks/battle_latency.py`.
For each battle it records, per side, the time from the POST to the first token message and to
the 'done' message as seen by a websocket client, and the ttft_ms/total_ms the worker measured
at the endpoint; separately it times the same prompts straight against the mock endpoint.
Prints medians and the ratio (websocket / endpoint).
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

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from arena.endpoints import EndpointConfig, chat_stream

PROMPTS = [
    "서울의 가을 여행지를 추천해 줘", "파이썬에서 리스트를 정렬하는 방법은?", "세종대왕의 업적을 알려 줘",
    "김치찌개 끓이는 법", "양자컴퓨터를 쉽게 설명해 줘", "면접 자기소개 예시를 써 줘",
]


async def one_battle(client: httpx.AsyncClient, ws_base: str, origin: str, prompt: str) -> list[dict]:
    started = time.perf_counter()
    response = await client.post("/api/battles", json={"prompt": prompt})
    response.raise_for_status()
    battle = response.json()
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    first, finished = {}, {}
    async with websockets.connect(
        ws_base + battle["stream"], additional_headers={"Cookie": cookie, "Origin": origin}
    ) as socket:
        while len(finished) < 2:
            message = json.loads(await asyncio.wait_for(socket.recv(), timeout=120))
            now = (time.perf_counter() - started) * 1000
            side = message["side"]
            if message["type"] == "token":
                first.setdefault(side, now)
            elif message["type"] in ("done", "error"):
                finished[side] = (now, message)
    results = []
    for side, (now, message) in finished.items():
        if message["type"] == "done":
            results.append({
                "ws_ttft": first.get(side, now), "ws_total": now,
                "endpoint_ttft": message["ttft_ms"], "endpoint_total": message["total_ms"],
            })
    return results


def direct(mock_url: str, prompt: str, persona: str) -> dict:
    config = EndpointConfig(base_url=f"{mock_url}/{persona}/v1", model=persona, api_key=None,
                            params={}, timeout_seconds=120)
    started = time.perf_counter()
    ttft = None
    for _ in chat_stream(config, [{"role": "user", "content": prompt}]):
        if ttft is None:
            ttft = (time.perf_counter() - started) * 1000
    return {"ttft": ttft, "total": (time.perf_counter() - started) * 1000}


async def main(args) -> None:
    origin = args.url
    async with httpx.AsyncClient(base_url=args.url, timeout=30) as client:
        await client.get("/")
        client.headers.update({"X-CSRFToken": client.cookies["csrftoken"], "Origin": origin})
        await client.post("/api/notice", json={"accept": True})  # docs/api.md
        sides = []
        for i in range(args.battles):
            sides += await one_battle(client, args.url.replace("http", "ws", 1), origin,
                                      PROMPTS[i % len(PROMPTS)] + f" ({i})")
    personas = ["hyperclova", "exaone", "ax", "solar", "varco"]
    endpoint = [direct(args.mock_url, PROMPTS[i % len(PROMPTS)] + f" ({i})", personas[i % 5])
                for i in range(args.battles)]

    def med(rows, key):
        return statistics.median(row[key] for row in rows)

    print(f"battles: {args.battles}, sides completed: {len(sides)}")
    print(f"{'':32}{'TTFT ms':>10}{'total ms':>10}")
    print(f"{'mock endpoint, direct':32}{med(endpoint, 'ttft'):>10.0f}{med(endpoint, 'total'):>10.0f}")
    print(f"{'endpoint, measured by worker':32}{med(sides, 'endpoint_ttft'):>10.0f}{med(sides, 'endpoint_total'):>10.0f}")
    print(f"{'websocket, from POST':32}{med(sides, 'ws_ttft'):>10.0f}{med(sides, 'ws_total'):>10.0f}")
    overhead_ttft = statistics.median(s["ws_ttft"] - s["endpoint_ttft"] for s in sides)
    overhead_total = statistics.median(s["ws_total"] - s["endpoint_total"] for s in sides)
    print(f"median overhead per side (websocket - worker-measured): TTFT +{overhead_ttft:.0f} ms, "
          f"total +{overhead_total:.0f} ms")
    print(f"ratio websocket/endpoint (medians): TTFT {med(sides, 'ws_ttft') / med(sides, 'endpoint_ttft'):.2f}, "
          f"total {med(sides, 'ws_total') / med(sides, 'endpoint_total'):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--mock-url", default="http://127.0.0.1:8100")
    parser.add_argument("--battles", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
