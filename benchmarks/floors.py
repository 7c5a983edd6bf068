"""The site's CPU per start, per forwarded batch and per vote, beside each one's floor, in one run.

    .venv/bin/python benchmarks/floors.py [--json] [--database postgres://...] [--bursts 3] [--only start vote forward]
        [--burst 50] [--forward-battles 20] [--vote-rounds 1]

Starts what it needs and stops it: PostgreSQL as .ci/run finds it (started with pg_ctlcluster
if it is not answering; the database is created if missing), a Redis of its own on a free port
(the shared one's CPU is every other user's too), the site's processes as benchmarks/stack.py
starts them (mock teams, one Celery worker, uvicorn with one process) and the floors
(benchmarks/floor_servers.py, vote_floor.py) on free ports. CPU is read from /proc: the site's
and the floor's processes, PostgreSQL's backends of this database (not the poller's), and the
Redis (nanoseconds from /proc/<pid>/task/*/schedstat); what each spends idle in the second
before is taken off, pro rata.

- start: --bursts bursts of --burst battles started at once, on the site (`POST /api/battles`,
  each a new visitor) and on the floor (floor_servers front + worker), alternated; each until
  both sides of every battle are stored as done. The mock answers at once with one piece, so a
  start is the POST, the rows, the queue, the side's begin, its request to the team and its end.
  Median over the bursts of (CPU of web, worker, PostgreSQL and Redis) / battles.
- forward: --forward-battles site battles streamed at 20 tokens/s, each followed by a socket on
  the site (/ws/battles/<id>/) and one on the floor's websocket server (floor_servers forward),
  relaying the same batches from the same Redis channel; the web process's CPU and the floor's
  over the streaming, each per batch the worker published. Paced streams on (the default) and off.
- vote: the battles of the start bursts voted on the site (the first 20 to warm it, as the floor
  is warmed), as many votes on vote_floor.py's "2 statements" server (one process); CPU of the
  server, PostgreSQL and Redis per vote. With --vote-rounds N, in N rounds alternated (site,
  then floor), the round of the median ratio.
"""
import argparse
import asyncio
import contextlib
import enum
import json
import os
import pickle
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import websockets
from procs import children, loop_seconds, mock_pace, raw_request  # benchmarks/procs.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ops.processes import Processes, free_port, mock_command, wait_for_http, web_command, worker_command  # noqa: E402

PROMPT = b'{"prompt": "\\uc11c\\uc6b8 \\uc5ec\\ud589\\uc9c0\\ub97c \\ucd94\\ucc9c\\ud574 \\uc918"}'
CSRF = "c" * 32  # any well-formed token: the cookie and the header agree
# About the size of one of Celery's messages for a side (headers, body, properties).
MESSAGE_BYTES = 1500
PARTS = ("start", "vote", "forward")
# Votes on the site before the measured ones, as the floor's server gets (vote_floor_server).
WARM_VOTES = 20


def postgres_ready(dsn: str) -> None:
    """PostgreSQL as .ci/run finds it, and this run's database."""
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False).returncode:
        version = min(os.listdir("/etc/postgresql"))
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=False)
        time.sleep(2)
    name = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def exact_seconds(pid: int) -> float:
    """CPU seconds of a process's living threads, in nanoseconds (the scheduler's count): the
    clock ticks of /proc/<pid>/stat are 10 ms, as much as a floor's whole burst costs a process."""
    total = 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


def backends_cpu(database: str, skip: set[int]) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to `database` (by its process title)."""
    out = {}
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = cmdline.read_bytes().decode(errors="replace")
            pid = int(cmdline.parent.name)
            if not title.startswith("postgres: ") or f" {database} " not in title or pid in skip:
                continue
            out[pid] = exact_seconds(pid)
        except (OSError, ValueError):
            continue
    return out


class Meter:
    """CPU seconds of named processes (and their children), of this database's backends and of
    the Redis, between two reads. Threads that end between the reads are not counted: the
    site's and the floors' threads (pools) live as long as their process."""

    def __init__(self, database: str, redis_pid: int, poller: int):
        self.database, self.redis_pid, self.skip = database, redis_pid, {poller}

    def read(self, pids: dict[str, int]) -> dict:
        procs = {**pids, "redis": self.redis_pid}
        return {"procs": {name: sum(exact_seconds(p) for p in [pid, *children(pid)]) for name, pid in procs.items()},
                "pg": backends_cpu(self.database, self.skip)}

    @staticmethod
    def spent(before: dict, after: dict, names: list[str]) -> dict[str, float]:
        out = {name: after["procs"][name] - before["procs"][name] for name in names + ["redis"]}
        out["postgres"] = sum(cpu - before["pg"].get(pid, 0.0) for pid, cpu in after["pg"].items())
        return out


def _cookies(fields) -> dict:
    return dict(value.split(";", 1)[0].split("=", 1) for name, value in fields if name == "set-cookie")


async def visitors(port: int, n: int) -> list[dict]:
    """`n` new visitors who have accepted the first-visit notice (`POST /api/notice`, as the
    page's button does; a start from a session without it is refused): each one's cookies."""
    headers = {"Cookie": f"csrftoken={CSRF}", "X-CSRFToken": CSRF, "Origin": f"http://127.0.0.1:{port}"}
    answers = await asyncio.gather(*(raw_request("127.0.0.1", port, "/api/notice", b'{"accept": true}', headers)
                                     for _ in range(n)))
    out = []
    for status, fields, body in answers:
        if status != 200:
            raise SystemExit(f"notice: HTTP {status}: {body[:200]!r}")
        out.append({"csrftoken": CSRF, **_cookies(fields)})
    return out


async def starts(port: int, n: int, cookies: list[dict] | None = None) -> list[dict]:
    """Start `n` battles at once, each by its own visitor (`cookies`, one a battle; none for the
    floor); return each one's id and cookies."""
    cookies = cookies or [{"csrftoken": CSRF}] * n

    def headers(jar: dict) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), "X-CSRFToken": CSRF,
                "Origin": f"http://127.0.0.1:{port}"}
    answers = await asyncio.gather(*(raw_request("127.0.0.1", port, "/api/battles", PROMPT, headers(jar))
                                     for jar in cookies))
    out = []
    for jar, (status, fields, body) in zip(cookies, answers):
        if status != 201:
            raise SystemExit(f"start: HTTP {status}: {body[:200]!r}")
        out.append({"id": json.loads(body)["id"], "cookies": {**jar, **_cookies(fields)}})
    return out


def ended(conn, battle_ids: list[str]) -> int:
    return conn.execute("SELECT count(*) FROM arena_response r JOIN arena_turn t ON r.turn_id = t.id "
                        "WHERE t.battle_id = ANY(%s) AND r.status IN ('done', 'error')",
                        [battle_ids]).fetchone()[0]


def measured(meter: Meter, pids: dict[str, int], work, *, idle_seconds: float = 1.0):
    """Run `work()` (which returns (count, result)); return CPU per unit and the result, with the
    processes' idle CPU over `idle_seconds` before taken off pro rata."""
    names = list(pids)
    idle0 = meter.read(pids)
    time.sleep(idle_seconds)
    before = meter.read(pids)
    idle = Meter.spent(idle0, before, names)
    started = time.perf_counter()
    count, result = work()
    wall = time.perf_counter() - started
    spent = Meter.spent(before, meter.read(pids), names)
    net = {name: max(0.0, seconds - idle[name] * wall / idle_seconds) for name, seconds in spent.items()}
    return sum(net.values()) / count * 1000, net, result


def start_burst(meter, pids, port, n, poll, *, site: bool = True) -> tuple[float, dict, list]:
    """A burst of `n` starts, measured from the POSTs until both sides of each are stored; the
    site's visitors accept the notice before the measure begins."""
    cookies = asyncio.run(visitors(port, n)) if site else None

    def work():
        battles = asyncio.run(starts(port, n, cookies))
        ids = [b["id"] for b in battles]
        deadline = time.monotonic() + 120
        while ended(poll, ids) < 2 * n:
            if time.monotonic() > deadline:
                raise SystemExit("start: the sides did not end within 120 s")
            time.sleep(0.05)
        return n, battles
    return measured(meter, pids, work)


async def follow(url: str, cookies: dict | None, counts: dict, key: str) -> None:
    headers = {"Origin": url.replace("ws", "http", 1).split("/ws/")[0]}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    async with websockets.connect(url, additional_headers=headers, max_size=None) as socket:
        counts["open"] += 1
        done = set()
        while len(done) < 2:
            message = json.loads(await asyncio.wait_for(socket.recv(), 120))
            if message["type"] == "token":
                counts[key] += 1
            elif message["type"] in ("done", "error"):
                done.add(message["side"])


def forward_run(meter, site_pids, floor_pids, web_port, floor_port, n) -> dict:
    """Follow `n` new site battles on both servers; return each server's CPU per batch."""
    battles = asyncio.run(starts(web_port, n, asyncio.run(visitors(web_port, n))))
    counts = {"open": 0, "site": 0, "floor": 0}

    async def everyone():
        tasks = [asyncio.create_task(follow(f"ws://127.0.0.1:{web_port}/ws/battles/{b['id']}/", b["cookies"],
                                            counts, "site")) for b in battles]
        tasks += [asyncio.create_task(follow(f"ws://127.0.0.1:{floor_port}/ws/battles/{b['id']}/", None,
                                             counts, "floor")) for b in battles]
        while counts["open"] < 2 * n:
            await asyncio.sleep(0.01)
        marks.append(meter.read({**site_pids, **floor_pids}))
        await asyncio.gather(*tasks)
        marks.append(meter.read({**site_pids, **floor_pids}))

    marks: list = []
    asyncio.run(everyone())
    batches = counts["floor"]  # the floor relays every batch the worker published, as it is
    web = marks[1]["procs"]["web"] - marks[0]["procs"]["web"]
    floor = marks[1]["procs"]["forward"] - marks[0]["procs"]["forward"]
    worker = marks[1]["procs"]["worker"] - marks[0]["procs"]["worker"]  # reading and publishing them
    return {"batches": batches, "site_forwarded": counts["site"], "worker_cpu_ms": worker / batches * 1000,
            "site_cpu_ms": web / batches * 1000, "floor_cpu_ms": floor / batches * 1000}


async def vote_many(port: int, battles: list, in_flight: int) -> tuple[int, None]:
    """Vote on each battle as its owner, `in_flight` at a time."""
    gate = asyncio.Semaphore(in_flight)

    async def one(b):
        async with gate:
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in b["cookies"].items()),
                       "X-CSRFToken": CSRF, "Origin": f"http://127.0.0.1:{port}"}
            status, _, body = await raw_request("127.0.0.1", port, f"/api/battles/{b['id']}/vote",
                                                b'{"choice": "a"}', headers)
            if status != 200:
                raise SystemExit(f"vote: HTTP {status}: {body[:200]!r}")
    await asyncio.gather(*(one(b) for b in battles))
    return len(battles), None


def vote_site(meter, pids, port, battles, in_flight) -> tuple[float, dict, None]:
    return measured(meter, pids, lambda: asyncio.run(vote_many(port, battles, in_flight)))


@contextlib.contextmanager
def vote_floor_server(dsn: str, n: int):
    """vote_floor.py's "2 statements" server, one process as the site's web is, with `n` battles
    to vote on; yields (port, the battles' ids), warmed (the pool open, code loaded)."""
    import vote_floor

    port = free_port()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(vote_floor.SCRATCH)
        ids = [str(uuid.uuid4()) for _ in range(n + 20)]
        with conn.cursor() as cursor:
            cursor.executemany("INSERT INTO vote_floor_battle VALUES (%s, %s, %s, %s, %s)",
                               [(i, "s" * 32, "서울 여행지를 추천해 줘", "가" * 600, "나" * 600) for i in ids])
    env = {**os.environ, "VOTE_FLOOR_LEVEL": "2 statements", "VOTE_FLOOR_DATABASE": dsn}
    server = subprocess.Popen([sys.executable, "-m", "uvicorn", "vote_floor:app", "--port", str(port),
                               "--no-access-log", "--log-level", "warning"], cwd=ROOT / "benchmarks", env=env)
    try:
        port_open(port, server)
        asyncio.run(vote_floor.load(port, ids[:20], 10))
        yield server, port, ids[20:]
    finally:
        server.terminate()
        server.wait(timeout=10)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS vote_floor_vote, vote_floor_head, vote_floor_battle")


def vote_floor_run(meter, server, port: int, ids: list[str], in_flight: int) -> tuple[float, dict, None]:
    """Vote on `ids` on the floor's server (vote_floor_server)."""
    import vote_floor

    return measured(meter, {"server": server.pid},
                    lambda: (len(ids), asyncio.run(vote_floor.load(port, ids, in_flight))))


def votes_measured(meter, web_pid: int, web_port: int, dsn: str, battles: list, in_flight: int,
                   rounds: int) -> dict:
    """Vote on `battles` on the site and as many times on the floor, in `rounds` alternated
    rounds (site, then floor); return the figures of the median round's ratio."""
    rows = []
    # Warm, as the floor's server is (vote_floor_server): connections open, statements prepared.
    asyncio.run(vote_many(web_port, battles[:WARM_VOTES], in_flight))
    battles = battles[WARM_VOTES:]
    with vote_floor_server(dsn, len(battles)) as (server, port, ids):
        for run in range(rounds):
            chunk = slice(run * len(battles) // rounds, (run + 1) * len(battles) // rounds)
            site_vote, net, _ = vote_site(meter, {"web": web_pid}, web_port, battles[chunk], in_flight)
            floor_vote, floor_net, _ = vote_floor_run(meter, server, port, ids[chunk], in_flight)
            rows.append(figures(site_vote, floor_vote))
            print(f"  vote, round {run + 1} of {rounds}, {len(battles[chunk])} votes, {in_flight} in flight: "
                  f"site {site_vote:.2f} ms { {k: round(v, 2) for k, v in net.items()} }; "
                  f"floor {floor_vote:.2f} ms { {k: round(v, 2) for k, v in floor_net.items()} }; "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
    return sorted(rows, key=lambda row: row["ratio"])[len(rows) // 2]


def port_open(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    """Wait until `process` listens on `port` (the vote floor answers votes only)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"port {port} did not open")


def floor_data(path: Path, n: int) -> str:
    """Write the floor front's rows for `n` starts (the site's statement and values, made by the
    fast path's own code) to `path`; return the Channels group channels' prefix."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.db import connection
    from django.utils.crypto import get_random_string

    from arena.fast_start import FastStart
    from arena.sampling import pair_sample
    from arena.services import battle_new, turn_new
    from contest.selectors import contests_open, entrants_healthy

    start = FastStart(lambda *a: None)
    entrants = list(entrants_healthy(contest=contests_open().first()).values_list("pk", "contest_id"))
    rows = []
    for _ in range(n):
        (a, contest_id), (b, _) = pair_sample(entrants)
        battle = battle_new(contest_id=contest_id, category_id=None,
                            session_key=get_random_string(32, VALID_KEY_CHARS),
                            entrant_a_id=a, entrant_b_id=b, pair_probability=None)
        turn, responses = turn_new(battle=battle, index=0, prompt="서울 여행지를 추천해 줘")
        values = start.writes.params(battle, turn, responses)
        # Plain values (a choice's enum member as its string): the front imports nothing of Django.
        rows.append((str(battle.pk), [v.value if isinstance(v, enum.Enum) else v for v in values]))
    path.write_bytes(pickle.dumps({"sql": start.writes.sql, "rows": rows, "message_bytes": MESSAGE_BYTES}))
    connection.close()
    return f"{settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']}__group__"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kai_bench_floors"))
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--burst", type=int, default=50)
    parser.add_argument("--forward-battles", type=int, default=20)
    parser.add_argument("--in-flight", type=int, default=30)
    parser.add_argument("--vote-rounds", type=int, default=1,
                        help="vote on the site and on the floor in this many alternated rounds (the median's ratio)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", choices=PARTS, nargs="+", default=list(PARTS),
                        help="measure these only (the start's bursts are run in any case)")
    args = parser.parse_args()
    dsn = args.database.replace("postgres://", "postgresql://", 1)
    postgres_ready(dsn)
    logs = ROOT / "var" / "floors"
    logs.mkdir(parents=True, exist_ok=True)
    redis_port, web_port, mock_port = free_port(), free_port(), free_port()
    front_port, forward_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": args.database, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "MOCK_TEAMS_URL": f"http://127.0.0.1:{mock_port}", "LOG_LEVEL": "WARNING",
           "DJANGO_SETTINGS_MODULE": "config.settings",
           **{f"ARENA_{what}_LIMITS_{scope}": "1000000/m" for what in ("BATTLE", "VOTE")
              for scope in ("VOTER", "NETWORK")}}
    os.environ.update(env)
    stack = Processes(logs, env)
    try:
        stack.start("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port),
                              "--save", "", "--appendonly", "no"])
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run(manage + ["migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run(manage + ["seed_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        prefix = floor_data(logs / "floor-rows.pickle", (args.bursts + 1) * args.burst)
        floor_env = {**env, "FLOOR_DATABASE": dsn, "FLOOR_REDIS": env["REDIS_URL"],
                     "FLOOR_DATA": str(logs / "floor-rows.pickle"), "FLOOR_GROUP_PREFIX": prefix}
        mock = stack.start("mock", mock_command(mock_port, "--log-level", "warning"))
        worker = stack.start("worker", worker_command(loglevel="WARNING"))
        web = stack.start("web", web_command(web_port, "--no-access-log", "--log-level", "warning"))
        floors = {}
        for name, port in (("front", front_port), ("fworker", 0), ("forward", forward_port)):
            stack.env = {**floor_env, "FLOOR_PORT": str(port)}
            floors[name] = stack.start(name, [sys.executable, str(ROOT / "benchmarks" / "floor_servers.py"),
                                              {"fworker": "worker"}.get(name, name)])
        stack.env = env
        wait_for_http(f"http://127.0.0.1:{mock_port}/health", mock)
        wait_for_http(f"http://127.0.0.1:{web_port}/health/live", web)
        time.sleep(3)  # the worker (it logs no "ready." at WARNING): the warm-up burst waits for it
        mock_url = f"http://127.0.0.1:{mock_port}"
        site = {"web": web.pid, "worker": worker.pid}
        floor = {"front": floors["front"].pid, "fworker": floors["fworker"].pid}
        poll = psycopg.connect(dsn, autocommit=True)
        meter = Meter(dsn.rsplit("/", 1)[1], redis_pid=stack.running["redis"].pid,
                      poller=poll.execute("SELECT pg_backend_pid()").fetchone()[0])
        print(f"{os.cpu_count()} cpus; load average {os.getloadavg()}; a 10-million-step Python loop "
              f"{loop_seconds():.2f} s", flush=True)

        mock_pace(mock_url, ttft_ms=0, tokens_per_second=1000, answer="부산 해운대를 추천합니다.")
        start_burst(meter, site, web_port, 10, poll)  # warm-up: connections, code paths
        start_burst(meter, floor, front_port, args.burst, poll, site=False)
        site_rows, floor_rows, battles = [], [], []
        for run in range(args.bursts):
            cpu, net, made = start_burst(meter, site, web_port, args.burst, poll)
            site_rows.append(cpu)
            battles += made
            floor_cpu, floor_net, _ = start_burst(meter, floor, front_port, args.burst, poll, site=False)
            floor_rows.append(floor_cpu)
            print(f"  start, burst {run + 1} of {args.burst}: site {cpu:.1f} ms a battle "
                  f"{ {k: round(v, 2) for k, v in net.items()} }; floor {floor_cpu:.1f} ms "
                  f"{ {k: round(v, 2) for k, v in floor_net.items()} }", flush=True)
        result = {"start": figures(statistics.median(site_rows), statistics.median(floor_rows))}

        if "vote" in args.only:
            vote_part(result, meter, dsn, web, web_port, battles, args.in_flight, args.vote_rounds)
        if "forward" in args.only:
            forward_part(result, meter, poll, mock_url, web, worker, floors, web_port, forward_port,
                         args.forward_battles)
        print(f"load average {os.getloadavg()}; a 10-million-step Python loop {loop_seconds():.2f} s")
        for what in result:
            row = result[what]
            print(f"{what}: site {row['site_cpu_ms']} ms of CPU, floor {row['floor_cpu_ms']} ms, "
                  f"ratio {row['ratio']}" + (f" (paced; unpaced: site {row['unpaced']['site_cpu_ms']}, "
                                              f"floor {row['unpaced']['floor_cpu_ms']}, ratio "
                                              f"{row['unpaced']['ratio']})" if what == "forward" else ""))
        if args.json:
            print(json.dumps(result))
    finally:
        stack.stop()


def vote_part(result, meter, dsn, web, web_port, battles, in_flight, rounds) -> None:
    result["vote"] = votes_measured(meter, web.pid, web_port, dsn, battles, in_flight, rounds)


def forward_part(result, meter, poll, mock_url, web, worker, floors, web_port, forward_port, n) -> None:
    mock_pace(mock_url, ttft_ms=1500, tokens_per_second=20, answer=None)
    result["forward"] = {}
    for paced in (True, False):
        poll.execute("UPDATE contest_contest SET paced_streams = %s", [paced])
        row = forward_run(meter, {"web": web.pid, "worker": worker.pid}, {"forward": floors["forward"].pid},
                          web_port, forward_port, n)
        print(f"  forward, paced {'on' if paced else 'off'}: {row['batches']} batches published, "
              f"{row['site_forwarded']} token messages sent by the site; the worker's CPU per batch "
              f"{row['worker_cpu_ms']:.3f} ms", flush=True)
        result["forward"]["paced" if paced else "unpaced"] = figures(row["site_cpu_ms"], row["floor_cpu_ms"])
    poll.execute("UPDATE contest_contest SET paced_streams = true")
    result["forward"] = {**result["forward"]["paced"], "unpaced": result["forward"]["unpaced"]}


def figures(site: float, floor: float) -> dict:
    return {"site_cpu_ms": round(site, 3), "floor_cpu_ms": round(floor, 3), "ratio": round(site / floor, 2)}


if __name__ == "__main__":
    main()
