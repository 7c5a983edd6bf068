"""What the scale-out layout (ops/scaleout.py) must show, each a function that drives it as
citizens and an operator would and raises ProofFailed, naming what it saw, when it does not hold.

Each returns one line saying what it saw. ops/scaleout.py runs them in order and prints them;
tests/live/test_scaleout.py runs each as a test. They need the layout's open contest with the
mock teams as entrants (seed_demo, or the test's factories), each entrant's timeout far above
10 s, so that only a side's lease can end it fast.
"""
from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import psycopg
import redis

from ops.citizen import SIDES, Citizen, Followed
from ops.scaleout import REAP_EVERY_SECONDS, ScaleOut

# issue 22: a side whose worker died ends within this many seconds of the death.
WORKER_LOST_WITHIN_SECONDS = 10
# settings.BEAT_TICK_SECONDS: a waiting beat asks for the lock this often.
BEAT_TICK_SECONDS = 5
PERSONAS = ("hyperclova", "exaone", "ax", "solar", "varco")


class ProofFailed(AssertionError):
    pass


def expect(condition: bool, failure: str) -> None:
    if not condition:
        raise ProofFailed(failure)


def answers_pace(layout: ScaleOut, *, pieces: int | None = None, per_second: float = 80,
                 first_ms: float = 200) -> None:
    """Make every mock team answer `first_ms` after the request at `per_second` pieces a second;
    with `pieces`, an answer of that many pieces (64 characters each), so that a proof knows how
    long an answer streams."""
    for persona in PERSONAS:
        change = {"tokens_per_second": per_second, "ttft_ms": first_ms, "fault": None, "thinking": False}
        if pieces:
            sentence = f"{persona} 팀과 무관한 모의 답변의 한 문장입니다. 가을 하늘은 높고 맑습니다. "
            change["answer"] = (sentence * (pieces * 64 // len(sentence) + 1))[:pieces * 64]
        httpx.put(f"{layout.mock_url}/_control/{persona}", json=change).raise_for_status()


def answers_reset(layout: ScaleOut) -> None:
    httpx.post(f"{layout.mock_url}/_control/reset").raise_for_status()


def sides_by_response(layout: ScaleOut, battle_ids: list[str]) -> dict[int, tuple[str, str]]:
    """{response id: (battle id, side)} of the battles' first turns, from PostgreSQL."""
    with psycopg.connect(layout.database_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT r.id, t.battle_id::text, r.side FROM arena_response r "
            "JOIN arena_turn t ON t.id = r.turn_id WHERE t.battle_id::text = ANY(%s) AND t.index = 0",
            [battle_ids]).fetchall()
    return {response_id: (battle_id, side) for response_id, battle_id, side in rows}


def followed_in_full(followed: Followed, saved: dict) -> list[str]:
    """What a socket missed: each side must have ended `done` with the saved answer, and the
    text it streamed must be that answer."""
    missing = []
    for side in SIDES:
        final = followed.final.get(side, {})
        if final.get("type") != "done":
            missing.append(f"side {side} ended {final}")
        elif final["text"] != saved[side]["text"] or followed.text[side] != final["text"]:
            missing.append(f"side {side}: streamed {len(followed.text[side])} characters, final "
                           f"{len(final['text'])}, saved {len(saved[side]['text'])}")
    return missing


def stream_crosses_web_processes(layout: ScaleOut) -> str:
    """A battle started through web process 1 streams to a websocket served by web process 2."""
    # The first text comes late enough for the socket to be open on a busy machine.
    answers_pace(layout, pieces=30, per_second=15, first_ms=2000)
    starter = Citizen(layout.web_urls[0])
    battle_id = starter.battle_start("서울의 가을 여행지를 추천해 줘")
    followed = asyncio.run(starter.via(layout.web_urls[1]).follow(battle_id))
    saved = starter.battle(battle_id)["turns"][0]
    expect(all(followed.tokens[side] >= 1 for side in SIDES),
           f"web 2's socket carried no live batch of a side: {followed.tokens}")
    expect(not followed.disorder, f"batches out of order or lost: {followed.disorder[:5]}")
    missing = followed_in_full(followed, saved)
    expect(not missing, f"web 2's socket lost text: {missing}")
    return (f"battle started on web 1; web 2's socket carried {followed.tokens['a']} + "
            f"{followed.tokens['b']} batches in order, ending with the saved answers")


def votes_land_once(layout: ScaleOut, *, battles: int = 6) -> str:
    """Votes sent at once through both web processes are stored once each; the chain verifies."""
    answers_pace(layout, pieces=2, per_second=200)
    chain_before = vote_chain_length(layout)
    citizens = [Citizen(layout.proxy_url) for _ in range(battles)]
    battle_ids = [citizen.battle_start(f"짧은 속담 하나 알려 줘 ({i})") for i, citizen in enumerate(citizens)]
    for citizen, battle_id in zip(citizens, battle_ids):
        citizen.battle_wait(battle_id, lambda battle: battle["status"] == "ready", seconds=60)

    def both_at_once(pair) -> list[int]:
        citizen, battle_id = pair
        through = [citizen.via(url) for url in layout.web_urls]
        with ThreadPoolExecutor(len(through)) as pool:
            return sorted(answer.status_code for answer in pool.map(
                lambda web: web.vote(battle_id, "a"), through))

    with ThreadPoolExecutor(battles) as pool:
        statuses = list(pool.map(both_at_once, zip(citizens, battle_ids)))
    expect(all(pair == [200, 409] for pair in statuses),
           f"each battle's two votes should be one 200 and one 409 already_voted: {statuses}")
    with psycopg.connect(layout.database_url, autocommit=True) as connection:
        stored = dict(connection.execute(
            "SELECT battle_id::text, count(*) FROM voting_vote WHERE battle_id::text = ANY(%s) "
            "GROUP BY battle_id", [battle_ids]).fetchall())
    expect(stored == dict.fromkeys(battle_ids, 1), f"votes stored per battle: {stored}")
    chain = chain_report(layout)["votes"]
    expect(chain["problems"] == [], f"verify_votes: {chain['problems'][:3]}")
    expect(chain["length"] - chain_before == battles,
           f"the vote chain grew by {chain['length'] - chain_before}, not {battles}")
    return (f"{battles} battles, each voted through web 1 and web 2 at once: {battles} votes stored "
            f"(one each, the other answer 409), verify_votes intact ({chain['length']} rows)")


def vote_chain_length(layout: ScaleOut) -> int:
    with psycopg.connect(layout.database_url, autocommit=True) as connection:
        row = connection.execute("SELECT length FROM voting_chainhead WHERE name = 'votes'").fetchone()
    return row[0] if row else 0


def chain_report(layout: ScaleOut) -> dict:
    run = layout.manage("verify_votes", "--json")
    expect(run.returncode in (0, 1), f"verify_votes failed: {run.stderr[-500:]}")
    return json.loads(run.stdout)


def metrics_read(layout: ScaleOut, url: str) -> str:
    """`/metrics` of one web process, as the operators' Prometheus reads it: with the token."""
    return httpx.get(f"{url}/metrics", timeout=5,
                     headers={"Authorization": f"Bearer {layout.env['METRICS_TOKEN']}"}).text


def websockets_held(layout: ScaleOut, url: str) -> float:
    metrics = metrics_read(layout, url)
    found = re.search(r'^kai_websockets_open\{page="battle"\} (\S+)$', metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def web_lost_mid_answer_loses_nothing(layout: ScaleOut) -> str:
    """A web process killed under a citizen's socket mid-answer loses nothing.

    The citizen reconnects through the proxy, as the page does, and both answers end whole.
    """
    answers_pace(layout, pieces=40, per_second=8, first_ms=1000)
    citizen = Citizen(layout.proxy_url)
    battle_id = citizen.battle_start("김치찌개 끓이는 법을 알려 줘")
    killed = {}

    async def kill_once_text_flows(followed: Followed) -> None:
        if killed or min(followed.tokens.values()) < 2:
            return
        held = {number: websockets_held(layout, url) for number, url in enumerate(layout.web_urls, 1)}
        serving = [number for number, sockets in held.items() if sockets >= 1]
        expect(len(serving) == 1, f"the socket's web process cannot be told: {held}")
        killed.update(number=serving[0], at=time.monotonic())
        await asyncio.to_thread(layout.web_kill, serving[0])
        print(f"  killed web {serving[0]} (SIGKILL) under the socket", flush=True)

    followed = asyncio.run(citizen.follow(battle_id, reconnect=True, on_message=kill_once_text_flows))
    expect(bool(killed), "no web process was killed: the answers ended before text flowed")
    layout.web_start(killed["number"])  # the layout whole again for what follows
    expect(followed.drops >= 1 and followed.connections >= 2,
           f"the socket never dropped and reconnected: {followed.drops} drops")
    saved = citizen.battle(battle_id)["turns"][0]
    missing = followed_in_full(followed, saved)
    expect(not missing, f"text lost across the web process's death: {missing}")
    return (f"killed web {killed['number']} under the socket mid-answer; reconnected through the "
            f"proxy ({followed.connections} connections) and both answers ended whole")


def worker_names(layout: ScaleOut) -> list[str]:
    return [name.replace("%h", socket.gethostname()) for name in layout.workers]


def sides_held(layout: ScaleOut) -> dict[int, set[int]]:
    """{worker number: the response ids it is generating}, from the workers themselves."""
    from celery import Celery

    control = Celery(broker=layout.redis_url).control
    active = control.inspect(destination=worker_names(layout), timeout=3).active() or {}
    return {number: {response_id for task in active.get(name, []) for response_id in _sides_of(task)}
            for number, name in enumerate(worker_names(layout), 1)}


def _sides_of(task: dict) -> list[int]:
    """The response ids an active task generates: a turn's sides, or one side queued alone."""
    if task["name"] == "arena.tasks.turn_generate":
        return list(task["args"][0])
    if task["name"] == "arena.tasks.response_generate":
        return [task["args"][0]]
    return []


def texts_shown(layout: ScaleOut, response_ids: set[int]) -> set[int]:
    """The sides whose text reached the pages: those with a snapshot in the cache
    (arena.streaming.Snapshots, under the layout's CACHE_PREFIX)."""
    store = redis.Redis.from_url(layout.redis_url)
    return {response_id for response_id in response_ids
            if store.exists(f"{layout.namespace}:1:arena:partial:{response_id}")}


def worker_lost_mid_answer_ends_its_sides(layout: ScaleOut) -> str:
    """A worker killed mid-answer ends its sides in seconds while the other worker serves on.

    Its sides that had shown text end `worker_lost` within WORKER_LOST_WITHIN_SECONDS of the
    SIGKILL, any that had not are answered by the other worker (or end with the other side of
    their battle, if that one was lost); the other worker's own sides finish, and it serves the
    next battle.
    """
    # Answers long enough that the first battle still streams when the last one starts.
    answers_pace(layout, pieces=80, per_second=10)
    citizen = Citizen(layout.proxy_url)
    battle_ids = [citizen.battle_start(f"조선 시대의 과거 제도를 설명해 줘 ({i})") for i in range(3)]
    for battle_id in battle_ids:
        citizen.battle_wait(battle_id, lambda battle: all(
            battle["turns"][0][side]["status"] == "streaming" for side in SIDES), seconds=30)
    sides = sides_by_response(layout, battle_ids)
    held = sides_held(layout)
    victim = max(held, key=lambda number: len(held[number]))
    expect(bool(held[victim]), f"no worker holds the battles' sides: {held}")
    survivor_sides = set(sides) - held[victim]
    killed_at = time.monotonic()
    layout.worker_kill(victim)
    # Which of its sides had shown text: those must end worker_lost; one killed before its first
    # text is queued again for the other worker (ARENA_LOST_SIDE_RETRIES) and must answer.
    shown = texts_shown(layout, held[victim])

    def status(response_id: int) -> dict:
        battle_id, side = sides[response_id]
        return citizen.battle(battle_id)["turns"][0][side]

    lost: dict[int, float] = {}
    while len(lost) < len(shown):
        expect(time.monotonic() - killed_at < WORKER_LOST_WITHIN_SECONDS,
               f"sides of the killed worker not ended within {WORKER_LOST_WITHIN_SECONDS} s: "
               f"{[status(r) for r in shown - set(lost)]}")
        for response_id in shown - set(lost):
            side = status(response_id)
            if side["status"] in ("done", "error"):
                expect(side["status"] == "error" and side["error"] == "worker_lost",
                       f"a lost side ended {side}")
                lost[response_id] = time.monotonic() - killed_at
        time.sleep(0.2)
    # A side queued again beside one that ended worker_lost ends with it (the battle cannot be
    # voted on); every other one finishes.
    lost_battles = {sides[response_id][0] for response_id in lost}
    for response_id in survivor_sides | (held[victim] - shown):
        battle_id, side = sides[response_id]
        ended = citizen.battle_wait(battle_id, lambda battle: battle["turns"][0][side]["status"] in ("done", "error"),
                                    seconds=60)["turns"][0][side]
        if response_id in held[victim] and battle_id in lost_battles:
            expect(ended["status"] == "error" and ended["error"] == "worker_lost",
                   f"a side queued again beside a lost one ended {ended}")
        else:
            expect(ended["status"] == "done", f"a side of the worker that lives ended {ended}")
    answers_pace(layout, pieces=4, per_second=80)
    after = Citizen(layout.proxy_url)
    next_battle = after.battle_start("부산의 맛집 골목을 알려 줘")
    ended = after.battle_wait(next_battle, lambda battle: battle["status"] != "streaming", seconds=30)
    expect(ended["status"] == "ready", f"the next battle, on the worker that lives, ended {ended}")
    layout.worker_start(victim)  # the layout whole again
    retried = len(held[victim]) - len(shown)
    ended_after = f"{max(lost.values()):.1f} s after" if lost else "none had shown text"
    return (f"killed worker {victim} (SIGKILL) holding {len(held[victim])} sides: the {len(shown)} that "
            f"had shown text ended worker_lost ({ended_after}), the {retried} that had not were "
            f"answered by the other worker, which finished its own {len(survivor_sides)} sides and then "
            f"a new battle")


def beat_log(layout: ScaleOut, beat: str) -> dict:
    """From `beat`'s log: whether it took the lock, when it let it go, and each (time, entry) it
    sent. Times are the log's own (its process's time zone): only compared with each other."""
    acquired, released, sent = False, None, []
    for line in layout.processes.log(beat).read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
            at = datetime.strptime(record["time"], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        except (ValueError, KeyError, TypeError):
            continue  # Celery's start-up banner
        message = record.get("message", "")
        acquired = acquired or message == "beat: Acquired lock"
        if message == "beat: Releasing lock":
            released = at
        if message.startswith("Scheduler: Sending due task "):
            sent.append((at, message.split()[4]))
    return {"acquired": acquired, "released": released, "sent": sent}


def schedule_faults(sent: list[tuple[float, str]], *, since: float, until: float) -> list[str]:
    """Entries sent twice within half the reaper's period, or more often than it, in a window."""
    faults = []
    for entry in sorted({name for _, name in sent}):
        times = sorted(at for at, name in sent if name == entry and since <= at <= until)
        close = [round(b - a, 2) for a, b in zip(times, times[1:]) if b - a < REAP_EVERY_SECONDS / 2]
        if close:
            faults.append(f"{entry} sent twice {close} s apart")
    reaps = [at for at, name in sent if name == "responses-reap" and since <= at <= until]
    if len(reaps) > (until - since) / REAP_EVERY_SECONDS + 1:
        faults.append(f"responses-reap sent {len(reaps)} times in {until - since:.0f} s")
    return faults


def one_beat_runs_the_schedule(layout: ScaleOut) -> str:
    """Two beats run the schedule once per period, and the second takes over when the first stops.

    Only the beat holding the lock sends; when it stops, the one waiting takes the lock and
    sends, never two sends of an entry within half the fastest period.
    """
    expect(len(layout.beats) >= 2, "the layout runs one beat: nothing to prove")
    expect(all(layout.processes.running[beat].poll() is None for beat in layout.beats),
           "a beat exited")
    logs = {beat: beat_log(layout, beat) for beat in layout.beats}
    leaders = [beat for beat, log in logs.items() if log["acquired"]]
    expect(len(leaders) == 1, f"beats holding the lock: {leaders}")
    leader = leaders[0]
    standby = [beat for beat in layout.beats if beat != leader]
    expect(all(not logs[beat]["sent"] for beat in standby), "a waiting beat sent tasks")
    sent = logs[leader]["sent"]
    expect(len([name for _, name in sent if name == "responses-reap"]) >= 3,
           f"the leader sent too little: {sent[-5:]}")
    faults = schedule_faults(sent, since=sent[0][0], until=sent[-1][0])
    expect(not faults, f"the schedule ran more than once a period: {faults}")

    layout.beat_stop(leader)
    deadline = time.monotonic() + 2 * BEAT_TICK_SECONDS + 5
    while not any(beat_log(layout, beat)["sent"] for beat in standby):
        expect(time.monotonic() < deadline, f"no beat took over within {2 * BEAT_TICK_SECONDS + 5} s")
        time.sleep(0.5)
    time.sleep(3 * REAP_EVERY_SECONDS)
    logs = {beat: beat_log(layout, beat) for beat in layout.beats}
    everything = sorted(send for log in logs.values() for send in log["sent"])
    faults = schedule_faults(everything, since=everything[0][0], until=everything[-1][0])
    expect(not faults, f"the schedule ran more than once a period across the handover: {faults}")
    took_over = min(at for beat in standby for at, _ in logs[beat]["sent"])
    expect(logs[leader]["released"] is not None, "the stopped beat did not let its lock go")
    layout.beat_start(leader)  # back as the one that waits
    return (f"{leader} ran the schedule ({len(sent)} sends, never two in one period) while "
            f"{', '.join(standby)} waited; {leader} stopped, and "
            f"{took_over - logs[leader]['released']:.1f} s later {', '.join(standby)} took over, "
            f"still once per period")


PROOFS = (stream_crosses_web_processes, votes_land_once, web_lost_mid_answer_loses_nothing,
          worker_lost_mid_answer_ends_its_sides, one_beat_runs_the_schedule)


def run_all(layout: ScaleOut) -> bool:
    """Run every proof in order, printing what each saw; stop at the first that fails."""
    for proof in PROOFS:
        print(f"- {proof.__doc__.splitlines()[0]}", flush=True)
        try:
            print(f"  ok: {proof(layout)}", flush=True)
        except ProofFailed as failure:
            print(f"  FAILED: {failure}", flush=True)
            return False
        finally:
            answers_reset(layout)
    print("scale-out proof: every check holds", flush=True)
    return True
