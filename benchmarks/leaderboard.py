"""Leaderboard reads on the real stack: reads/s, latency and errors, for the page and the JSON API.

Start the stack first (`CONN_MAX_AGE=0 benchmarks/stack.py --port 8300 --mock-port 8400`, see
benchmarks/votes.py for why), then:

    .venv/bin/python benchmarks/leaderboard.py --url http://127.0.0.1:8300 \
        --clients 32 --duration 5 --runs 3

For each path (--paths; the page `leaderboard/` in config/urls.py and `GET /api/leaderboard`,
the citizen board that the page fetches), K clients (--clients) each keep one connection and
send GET after GET, one at a time, for --duration seconds, as anonymous visitors (no cookies).
One GET of each path first computes the board if no snapshot exists yet; it is not timed.
Per run: reads/s = 2xx answers / duration; p50/p99 of each GET's latency; errors by status.
Prints each run and the median over runs.

The load client runs in this process, on the same cores as the stack. The default client (raw)
is a minimal HTTP/1.1 keep-alive client on asyncio + httptools, uvicorn's own parser, several
times cheaper per request than httpx (--client httpx, one AsyncClient per client); the CPU
seconds used by this client, each stack process and the whole machine are printed beside the
load average, so that the client's share of the two cores is visible.
"""
import argparse
import asyncio
import os
import statistics
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import httptools
import httpx

from procs import collector_paused, cpu_seconds, percentile, stack_configuration, stack_pids  # benchmarks/procs.py

ROOT = Path(__file__).resolve().parents[1]


class RawConnection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection that sends a GET and waits for its whole answer."""

    def __init__(self):
        self.parser = httptools.HttpResponseParser(self)
        self.transport = None
        self.answer: asyncio.Future | None = None
        self.size = 0

    @classmethod
    async def open(cls, host: str, port: int) -> "RawConnection":
        _, protocol = await asyncio.get_running_loop().create_connection(cls, host, port)
        return protocol

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            if self.answer and not self.answer.done():
                self.answer.set_exception(error)

    def on_body(self, body: bytes):
        self.size += len(body)

    def on_message_complete(self):
        if self.answer and not self.answer.done():
            self.answer.set_result((self.parser.get_status_code(), self.size,
                                    self.parser.should_keep_alive()))

    def connection_lost(self, exc):
        if self.answer and not self.answer.done():
            self.answer.set_exception(ConnectionError("connection closed mid-answer"))
        self.transport = None

    async def get(self, request: bytes) -> tuple[int, int, bool]:
        self.size = 0
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.answer

    def close(self):
        if self.transport:
            self.transport.close()


async def reader_raw(url: str, path: str, stop_at: float, latencies: list, statuses: Counter):
    parts = urlsplit(url)
    request = (f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\n"
               f"Accept-Language: ko\r\nUser-Agent: kai-bench\r\n\r\n").encode()
    connection = None
    while time.perf_counter() < stop_at:
        started = time.perf_counter()
        try:
            if connection is None or connection.transport is None:
                connection = await RawConnection.open(parts.hostname, parts.port or 80)
            status, _, keep_alive = await connection.get(request)
            if not keep_alive:
                connection.close()
                connection = None
        except (OSError, httptools.HttpParserError) as error:
            status, connection = type(error).__name__, None
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] += 1
    if connection:
        connection.close()


async def reader_httpx(url: str, path: str, stop_at: float, latencies: list, statuses: Counter):
    async with httpx.AsyncClient(base_url=url, timeout=30,
                                 headers={"Accept-Language": "ko"}) as client:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                status = (await client.get(path)).status_code
            except httpx.HTTPError as error:
                status = type(error).__name__
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[status] += 1


async def one_run(url: str, path: str, clients: int, duration: float, client_kind: str) -> dict:
    reader = reader_raw if client_kind == "raw" else reader_httpx
    latencies: list[float] = []
    statuses: Counter = Counter()
    started = time.perf_counter()
    stop_at = started + duration
    await asyncio.gather(*(reader(url, path, stop_at, latencies, statuses)
                           for _ in range(clients)))
    wall = time.perf_counter() - started  # the last GETs end a little after stop_at
    ok = sum(n for status, n in statuses.items() if isinstance(status, int) and status < 300)
    return {
        "reads_per_s": ok / wall, "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99), "reads": ok, "wall_s": wall,
        "errors": sum(statuses.values()) - ok,
        "by_status": {str(k): v for k, v in statuses.items()
                      if not (isinstance(k, int) and k < 300)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--paths", nargs="+", default=["/leaderboard/", "/api/leaderboard"])
    parser.add_argument("--clients", type=int, nargs="+", default=[32])
    parser.add_argument("--duration", type=float, default=10, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw")
    args = parser.parse_args()

    pids = stack_pids()
    print(f"target {args.url}; load client: {args.client} "
          f"({'asyncio + httptools' if args.client == 'raw' else 'httpx ' + httpx.__version__}), "
          f"one keep-alive connection per client, in this process on the same "
          f"{os.cpu_count()} cpus as the stack; {args.duration:g} s per run; "
          f"load average before: {os.getloadavg()}", flush=True)
    print(f"stack: {stack_configuration(pids)}", flush=True)
    for path in args.paths:
        warm = httpx.get(args.url + path, timeout=120, headers={"Accept-Language": "ko"})
        votes = warm.json().get("votes") if path.startswith("/api/") and warm.is_success else None
        print(f"{path}: first GET {warm.status_code}, {len(warm.content)} bytes, "
              f"{warm.elapsed.total_seconds() * 1000:.0f} ms"
              + (f", board of {votes} votes" if votes is not None else ""), flush=True)
    for clients in args.clients:
        for path in args.paths:
            summary = []
            for run_index in range(args.runs):
                before = cpu_seconds(pids)
                with collector_paused():
                    row = asyncio.run(one_run(args.url, path, clients, args.duration, args.client))
                after = cpu_seconds(pids)
                summary.append(row)
                print(f"  GET {path}, {clients} clients, run {run_index + 1}: "
                      f"{row['reads_per_s']:.0f} reads/s ({row['reads']} in {row['wall_s']:.1f} s); "
                      f"latency p50 {row['p50']:.1f} ms, p99 {row['p99']:.1f} ms; "
                      f"errors {row['errors']} {row['by_status']}", flush=True)
                print(f"    CPU seconds during the run: "
                      f"{ {k: round(after[k] - before[k], 1) for k in after} }; "
                      f"load average: {os.getloadavg()}", flush=True)
            med = {k: statistics.median(r[k] for r in summary)
                   for k in ("reads_per_s", "p50", "p99", "errors")}
            print(f"GET {path}, {clients} clients, median of {args.runs} runs: "
                  f"{med['reads_per_s']:.0f} reads/s; latency p50 {med['p50']:.1f} ms, "
                  f"p99 {med['p99']:.1f} ms; errors {med['errors']:g}", flush=True)


if __name__ == "__main__":
    main()
