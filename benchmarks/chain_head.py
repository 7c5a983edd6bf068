"""The ceiling of the vote chain's head row: how many votes a second PostgreSQL can chain at all.

    .venv/bin/python benchmarks/chain_head.py [--database postgres://postgres@127.0.0.1:5432/kai_bench]
        [--clients 1,2,4,8,16,32] [--seconds 5] [--runs 3]

Every accepted vote appends to one hash chain (voting.chain, voting.fast_vote): one statement
updates the chain's head row and inserts the vote, and the head row stays locked until the
vote's transaction has committed. So every vote of the contest, whatever the number of web
processes, passes one at a time through that row: its lock, held for the statement and the
commit (the write-ahead log's flush), is the single point of serialisation of the vote path.

This script measures that ceiling with nothing else in the way: --clients connections (psycopg
3, async, one event loop in this process), each appending in a loop for --seconds, with the
statement the fast path uses last (the same UPDATE … RETURNING feeding an INSERT) on
`benchmarks/vote_floor.py`'s scratch tables (`vote_floor_*`, dropped afterwards). Two settings of the commit:

- `synchronous_commit=on` (PostgreSQL's default and the site's): the lock is held until the
  commit's WAL record is on disk;
- `synchronous_commit=off`: the lock is released before the flush (a crash may lose the last
  few hundred milliseconds of commits): what the ceiling would be if the flush were free.

Prints appends/s and the statement's p50/p99 per level, the median of --runs.
"""
import argparse
import asyncio
import statistics
import time
import uuid

import psycopg

from procs import percentile  # benchmarks/procs.py
from vote_floor import SCRATCH, WRITE  # the floor's scratch tables and its chain statement

CONTENT = b'{"battle":"00000000-0000-0000-0000-000000000000","choice":"a"}'


async def level(dsn: str, clients: int, seconds: float, synchronous: bool) -> dict:
    connections = [await psycopg.AsyncConnection.connect(dsn, autocommit=True)
                   for _ in range(clients)]
    for connection in connections:
        await connection.execute(f"SET synchronous_commit = {'on' if synchronous else 'off'}")
    times: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client(connection) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await connection.execute(WRITE, (CONTENT, uuid.uuid4(), "a"), prepare=True)
            times.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client(connection) for connection in connections))
    wall = time.perf_counter() - started
    for connection in connections:
        await connection.close()
    return {"per_s": len(times) / wall, "p50": percentile(times, 50) * 1000,
            "p99": percentile(times, 99) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/kai_bench")
    parser.add_argument("--clients", default="1,2,4,8,16,32")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    with psycopg.connect(args.database, autocommit=True) as connection:
        connection.execute(SCRATCH)
    try:
        print(f"{'commit':>18} {'clients':>7} {'appends/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
        for synchronous in (True, False):
            for clients in (int(n) for n in args.clients.split(",")):
                runs = [asyncio.run(level(args.database, clients, args.seconds, synchronous))
                        for _ in range(args.runs)]
                median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
                commit = "synchronous on" if synchronous else "synchronous off"
                print(f"{commit:>18} {clients:>7} {median['per_s']:>10.0f} "
                      f"{median['p50']:>8.2f} {median['p99']:>8.2f}", flush=True)
    finally:
        with psycopg.connect(args.database, autocommit=True) as connection:
            connection.execute("DROP TABLE IF EXISTS vote_floor_vote, vote_floor_head, vote_floor_battle")


if __name__ == "__main__":
    main()
