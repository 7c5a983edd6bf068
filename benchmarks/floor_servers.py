"""The floors that benchmarks/floors.py measures the site against: plain asyncio, no framework.

    python benchmarks/floor_servers.py front|worker|forward    (floors.py starts them)

Each reads its settings from FLOOR_* variables and imports only psycopg, redis, msgpack and
websockets, never Django: what the work costs with nothing of the site around it.

- front: an HTTP/1.1 server on a bare asyncio socket. A `POST /api/battles` stores the battle
  as the site's fast path does, in one autocommitted statement (the site's SQL and the site's
  values, prepared ahead by floors.py from arena.fast_start.Writes, so the very rows with the
  very indexes and durability), pushes one queue message (LPUSH, about a Celery message's size)
  and answers 201 with the battle's id.
- worker: takes the messages (BRPOP), marks both sides streaming in one statement that also
  returns what a side needs (its entrant, the prompt), opens both sides' streaming requests to
  the mock teams on bare sockets, publishes each piece and the end on the battle's channel, and
  stores each side's answer (one statement a side).
- forward: a websocket server (the websockets library) that relays, to each socket of a battle,
  the worker's batches from the battle group's Redis channel, decoded and sent as JSON, as the
  site's consumer does unpaced: one Redis subscription per process, as Channels keeps.
"""
import asyncio
import json
import os
import pickle
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import msgpack
import psycopg_pool
import redis.asyncio
import uvloop

BEGIN = """
UPDATE arena_response r SET status = 'streaming', started_at = now(), text = ''
FROM arena_turn t
WHERE r.turn_id = t.id AND t.battle_id = %s AND r.status IN ('pending', 'streaming')
RETURNING r.id, r.side, r.entrant_id, t.prompt
"""
FINISH = """
UPDATE arena_response SET status = 'done', text = %s, ttft_ms = %s, total_ms = %s, finished_at = now()
WHERE id = %s AND status = 'streaming'
"""


def _pool() -> psycopg_pool.AsyncConnectionPool:
    return psycopg_pool.AsyncConnectionPool(os.environ["FLOOR_DATABASE"], min_size=4, max_size=10,
                                            open=False, kwargs={"autocommit": True})


async def front() -> None:
    data = pickle.loads(Path(os.environ["FLOOR_DATA"]).read_bytes())
    rows = iter(data["rows"])  # (battle id, the statement's values), one a start
    pool = _pool()
    await pool.open()
    queue = redis.asyncio.Redis.from_url(os.environ["FLOOR_REDIS"])
    pad = "x" * data["message_bytes"]

    async def answer(reader, writer) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            battle_id, values = next(rows)
            async with pool.connection() as conn:
                await (await conn.execute(data["sql"], values)).fetchall()
            await queue.lpush("floor-starts", json.dumps({"battle": battle_id, "pad": pad}))
            body = json.dumps({"id": battle_id, "stream": f"/ws/battles/{battle_id}/"}).encode()
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", int(os.environ["FLOOR_PORT"]), backlog=1024)
    await server.serve_forever()


async def _stream(url: str, body: bytes, on_piece) -> tuple[str, float]:
    """POST `body` to the mock's `url` on a new connection, read the SSE answer to its end, call
    `on_piece(text)` for each piece; return the answer and the seconds to its first piece."""
    parts = urlsplit(url)
    started = time.monotonic()
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer floor\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                 f"Connection: close\r\n\r\n".encode() + body)
    text, first = "", None
    async for line in reader:  # chunked: the size lines are not "data: " lines
        if not line.startswith(b"data: {"):
            continue
        for choice in json.loads(line[6:])["choices"]:
            piece = choice["delta"].get("content")
            if piece:
                first = first or time.monotonic() - started
                text += piece
                await on_piece(piece)
    writer.close()
    return text, first or 0.0


async def worker() -> None:
    pool = _pool()
    await pool.open()
    queue = redis.asyncio.Redis.from_url(os.environ["FLOOR_REDIS"])
    channels = redis.asyncio.Redis.from_url(os.environ["FLOOR_REDIS"])
    async with pool.connection() as conn:
        endpoints = {pk: (f"{base.rstrip('/')}/chat/completions", model) for pk, base, model in await (
            await conn.execute("SELECT id, base_url, model FROM contest_entrant")).fetchall()}
    prefix = os.environ["FLOOR_GROUP_PREFIX"]

    async def side(battle_id: str, response_id: int, side_name: str, entrant: int, prompt: str) -> None:
        url, model = endpoints[entrant]
        channel = f"{prefix}battle-{battle_id}"
        seq = 0

        async def publish(piece: str) -> None:
            nonlocal seq
            seq += 1
            await channels.publish(channel, msgpack.packb({"type": "battle.event", "event": {
                "type": "token", "seq": seq, "text": piece, "side": side_name, "turn": 0}}))

        body = json.dumps({"model": model, "stream": True,
                           "messages": [{"role": "user", "content": prompt}]}).encode()
        started = time.monotonic()
        text, ttft = await _stream(url, body, publish)
        async with pool.connection() as conn:
            await conn.execute(FINISH, [text, int(ttft * 1000), int((time.monotonic() - started) * 1000),
                                        response_id])
        await channels.publish(channel, msgpack.packb({"type": "battle.event", "event": {
            "type": "done", "text": text, "side": side_name, "turn": 0}}))

    async def battle(message: dict) -> None:
        async with pool.connection() as conn:
            sides = await (await conn.execute(BEGIN, [message["battle"]])).fetchall()
        await asyncio.gather(*(side(message["battle"], *row) for row in sides))

    tasks = set()
    while True:
        popped = await queue.brpop("floor-starts", timeout=1)
        if popped is None:
            continue
        task = asyncio.create_task(battle(json.loads(popped[1])))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


async def forward() -> None:
    import websockets.asyncio.server

    prefix = os.environ["FLOOR_GROUP_PREFIX"]
    pubsub = redis.asyncio.Redis.from_url(os.environ["FLOOR_REDIS"]).pubsub()
    sockets: dict[bytes, set] = {}

    async def relay() -> None:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None:
                continue
            frame = json.dumps(msgpack.unpackb(message["data"])["event"])
            for socket in list(sockets.get(message["channel"], ())):
                await socket.send(frame)

    async def handler(socket) -> None:
        channel = f"{prefix}battle-{socket.request.path.strip('/').split('/')[-1]}".encode()
        if channel not in sockets:
            sockets[channel] = set()
            await pubsub.subscribe(channel)
        sockets[channel].add(socket)
        try:
            await socket.wait_closed()
        finally:
            sockets[channel].discard(socket)
            if not sockets[channel]:
                del sockets[channel]
                await pubsub.unsubscribe(channel)

    await pubsub.subscribe("floor-forward")  # a subscribed connection from the start
    relaying = asyncio.create_task(relay())
    async with websockets.asyncio.server.serve(handler, "127.0.0.1", int(os.environ["FLOOR_PORT"])) as server:
        await server.serve_forever()
    relaying.cancel()


if __name__ == "__main__":
    uvloop.run({"front": front, "worker": worker, "forward": forward}[sys.argv[1]]())
