"""What streaming a team's answer costs the worker: CPU per stream opened and per piece read.

    .venv/bin/python benchmarks/endpoint_stream.py [--streams 200] [--runs 3] [--transport httpx]

In process, on uvloop as in the worker's stream loop (`arena.runner`): `--streams` answers at once
through `arena.endpoints.achat_stream`, from a mock team server this script starts on a free port
(400 ms to the first token, then 10 tokens a second, one SSE event per token, as the battle
benchmarks pace it). One client per persona, as the runner keeps one per endpoint. Two phases a
run: every stream stopped after its first piece (the start: request, headers, first event), then
every stream read to its end. Prints the CPU of this process per stream opened and per piece
read, the median of the runs.

`--transport httpx` reads through httpx's own transport instead of the site's (arena.transport:
aiohttp's under httpx, since issue 33); the comparison is in docs/performance.md.
"""
import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
from pathlib import Path

import httpx
import uvloop

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from arena.endpoints import EndpointConfig, achat_stream  # noqa: E402 (after the path)
from arena.transport import team_client  # noqa: E402
from devservers.mock_teams import PERSONAS  # noqa: E402
from ops.processes import free_port, mock_command, processes_stop, wait_for_http  # noqa: E402

from procs import mock_pace  # noqa: E402 (benchmarks/procs.py)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def clients(transport: str) -> dict[str, httpx.AsyncClient]:
    if transport == "aiohttp":  # the site's (arena.runner.StreamRunner.http)
        return {p: team_client() for p in PERSONAS}
    # The limits the runner gave httpx's own transport.
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
    return {p: httpx.AsyncClient(limits=limits) for p in PERSONAS}


async def phase(base_url: str, streams: int, transport: str, *, first_only: bool) -> tuple[float, int]:
    """Run `streams` answers at once; return the CPU seconds spent and the pieces read."""
    pool = clients(transport)
    pieces = 0

    async def one(n: int) -> None:
        nonlocal pieces
        persona = list(PERSONAS)[n % len(PERSONAS)]
        config = EndpointConfig(base_url=f"{base_url}/{persona}/v1", model=persona, api_key=None,
                                timeout_seconds=120)
        stream = achat_stream(config, [{"role": "user", "content": f"질문 {n}"}], client=pool[persona])
        try:
            async for _ in stream:
                pieces += 1
                if first_only:
                    break
        finally:
            await stream.aclose()

    started = cpu_seconds()
    await asyncio.gather(*(one(n) for n in range(streams)))
    spent = cpu_seconds() - started
    for client in pool.values():
        await client.aclose()
    return spent, pieces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--transport", choices=["httpx", "aiohttp"], default="aiohttp")
    args = parser.parse_args()

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    mock = subprocess.Popen(mock_command(port, "--log-level", "warning"), cwd=ROOT)
    try:
        wait_for_http(f"{base_url}/_control", mock)
        mock_pace(base_url, ttft_ms=400, tokens_per_second=10)
        per_open, per_piece = [], []
        for run in range(1, args.runs + 1):
            spent, opened = uvloop.run(phase(base_url, args.streams, args.transport, first_only=True))
            per_open.append(spent / opened * 1e6)
            spent, pieces = uvloop.run(phase(base_url, args.streams, args.transport, first_only=False))
            per_piece.append(spent / pieces * 1e6)
            print(f"  run {run}: {opened} streams opened, {per_open[-1]:.0f} us CPU each; "
                  f"{pieces} pieces read, {per_piece[-1]:.0f} us CPU each", flush=True)
        print(f"{args.streams} streams at once through {args.transport}, median of {args.runs} runs: "
              f"{statistics.median(per_open):.0f} us CPU a stream opened (to its first piece), "
              f"{statistics.median(per_piece):.0f} us CPU a piece read (whole answers, opening included)")
    finally:
        processes_stop([mock])


if __name__ == "__main__":
    main()
