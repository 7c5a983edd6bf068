"""The floor of a vote on this machine: what a bare ASGI app does with the vote's least work.

    .venv/bin/python benchmarks/vote_floor.py [--database postgres://postgres@127.0.0.1:5432/kai_bench]
        [--votes 2000] [--in-flight 30] [--runs 3]

Not the site: a few lines of ASGI under the same server as the site (uvicorn, two worker
processes, one per core), answering each `POST /api/battles/<id>/vote` with less than any real
vote can do. It shows how far the site's votes/s could go on these two cores before Django,
sessions, CSRF, rate limits or the battle's checks cost anything. Three levels, each run
--runs times with the votes benchmark's load (a raw-socket client in this process, one new
connection per vote, --in-flight votes waiting at most):

- `http`:      answer 200 at once, no database;
- `1 statement`: one autocommitted statement on PostgreSQL (psycopg 3, async, a pool per
  process) that appends the vote to a hash chain and inserts it, as the site's vote does last
  (voting.services.chain_append): the chain's head row is the one lock every vote waits for;
- `2 statements`: a read of the battle row first, then that statement: the least a real vote
  needs, since its checks (owner, both sides done, not voted, contest open) and its exclusion
  (arena.identity) are decided from what the read returns.

The tables are scratch tables (`vote_floor_*`), created in --database and dropped afterwards.
Prints each run (with the CPU seconds of the server, the client and the machine, PostgreSQL
included) and the median per level.
"""
import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

from procs import cpu_seconds, percentile, raw_post  # benchmarks/procs.py

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = """
DROP TABLE IF EXISTS vote_floor_vote, vote_floor_head, vote_floor_battle;
CREATE TABLE vote_floor_battle (id uuid PRIMARY KEY, session_key text NOT NULL,
    prompt text NOT NULL, text_a text NOT NULL, text_b text NOT NULL);
CREATE TABLE vote_floor_head (name text PRIMARY KEY, length bigint NOT NULL, prev text NOT NULL,
    hash text NOT NULL);
INSERT INTO vote_floor_head VALUES ('votes', 0, '', '');
CREATE TABLE vote_floor_vote (id bigserial PRIMARY KEY, battle_id uuid NOT NULL UNIQUE,
    choice text NOT NULL, chain_seq bigint NOT NULL UNIQUE, chain_prev text NOT NULL,
    chain_hash text NOT NULL);
"""
READ = "SELECT session_key, prompt, text_a, text_b FROM vote_floor_battle WHERE id = %s"
WRITE = """
WITH link AS (
    UPDATE vote_floor_head SET length = length + 1, prev = hash,
        hash = encode(sha256(convert_to(hash || E'\\n', 'UTF8') || %s), 'hex')
    WHERE name = 'votes' RETURNING length, prev, hash
)
INSERT INTO vote_floor_vote (battle_id, choice, chain_seq, chain_prev, chain_hash)
SELECT %s, %s, length, prev, hash FROM link RETURNING chain_seq
"""


def server_app():
    """The ASGI app that uvicorn imports (`vote_floor:app`); its level is VOTE_FLOOR_LEVEL."""
    import psycopg_pool

    level = os.environ["VOTE_FLOOR_LEVEL"]
    dsn = os.environ["VOTE_FLOOR_DATABASE"]
    pool: list = []

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        out = {}
        if level != "http":
            if not pool:
                pool.append(psycopg_pool.AsyncConnectionPool(
                    dsn, min_size=4, max_size=10, open=False, kwargs={"autocommit": True}))
                await pool[0].open()
            battle_id = scope["path"].split("/")[3]
            choice = json.loads(body)["choice"]
            async with pool[0].connection() as conn:
                if level == "2 statements":
                    await (await conn.execute(READ, [battle_id])).fetchone()
                content = json.dumps({"battle": battle_id, "choice": choice}).encode()
                row = await (await conn.execute(WRITE, [content, battle_id, choice])).fetchone()
            out = {"seq": row[0]}
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(out).encode()})

    return app


if os.environ.get("VOTE_FLOOR_LEVEL"):
    app = server_app()


async def load(port: int, battle_ids: list[str], in_flight: int) -> dict:
    gate = asyncio.Semaphore(in_flight)

    async def vote(battle_id: str) -> tuple[int, float]:
        async with gate:
            started = time.perf_counter()
            status, _ = await raw_post("127.0.0.1", port, f"/api/battles/{battle_id}/vote",
                                       b'{"choice": "a"}')
            return status, (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    results = await asyncio.gather(*(vote(b) for b in battle_ids))
    wall = time.perf_counter() - started
    ok = [ms for status, ms in results if status == 200]
    return {"per_s": len(ok) / wall, "p50": percentile(ok, 50), "p99": percentile(ok, 99),
            "errors": len(results) - len(ok)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kai_bench"))
    parser.add_argument("--port", type=int, default=8309)
    parser.add_argument("--votes", type=int, default=2000)
    parser.add_argument("--in-flight", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    dsn = args.database.replace("postgres://", "postgresql://", 1)
    print(f"uvicorn, 2 worker processes; {args.votes} votes a run, {args.in_flight} in flight; "
          f"raw-socket client in this process; {os.cpu_count()} cpus; database {dsn}", flush=True)
    for level in ("http", "1 statement", "2 statements"):
        rows = []
        for run in range(args.runs):
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(SCRATCH)
                ids = [str(uuid.uuid4()) for _ in range(args.votes)]
                with conn.cursor() as cursor:
                    cursor.executemany("INSERT INTO vote_floor_battle VALUES (%s, %s, %s, %s, %s)",
                                       [(i, "s" * 32, "서울 여행지를 추천해 줘", "가" * 600,
                                         "나" * 600) for i in ids])
            env = {**os.environ, "VOTE_FLOOR_LEVEL": level, "VOTE_FLOOR_DATABASE": dsn}
            server = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "vote_floor:app", "--port", str(args.port),
                 "--workers", "2", "--no-access-log", "--log-level", "warning"],
                cwd=ROOT / "benchmarks", env=env)
            try:
                time.sleep(3)
                asyncio.run(load(args.port, ids[:50], 10))  # warm: pools open, code loaded
                before = cpu_seconds({"server": server.pid})
                row = asyncio.run(load(args.port, ids[50:], args.in_flight))
                after = cpu_seconds({"server": server.pid})
                row["cpu"] = {k: round(after[k] - before[k], 2) for k in after}
            finally:
                server.terminate()
                server.wait(timeout=10)
            rows.append(row)
            print(f"  {level}, run {run + 1}: {row['per_s']:.0f} votes/s, p50 {row['p50']:.1f} ms,"
                  f" p99 {row['p99']:.1f} ms, errors {row['errors']}; CPU seconds {row['cpu']}",
                  flush=True)
        print(f"{level}: median of {args.runs}: "
              f"{statistics.median(r['per_s'] for r in rows):.0f} votes/s, p50 "
              f"{statistics.median(r['p50'] for r in rows):.1f} ms, p99 "
              f"{statistics.median(r['p99'] for r in rows):.1f} ms", flush=True)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS vote_floor_vote, vote_floor_head, vote_floor_battle")


if __name__ == "__main__":
    main()
