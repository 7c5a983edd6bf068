"""A citizen's browser, as the scale-out proof (ops/scaleout.py) drives it over HTTP: cookies
and the CSRF header as the page keeps them, the proof of work solved as static/arena/pow.js
solves it, and the battle's websocket followed as static/arena/battle.js follows it, reconnecting
when it drops and taking the server's snapshot as the text so far.
"""
from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import altcha
import httpx
import websockets

SIDES = ("a", "b")


def pow_solve(challenge: dict) -> str:
    """Solve an ALTCHA challenge of GET /api/pow; return the `pow` field of a battle's start."""
    found = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxnumber"])
    payload = {key: challenge[key] for key in ("algorithm", "challenge", "salt", "signature")}
    payload["number"] = found.number
    return base64.b64encode(json.dumps(payload).encode()).decode()


@dataclass
class Followed:
    """What a battle's socket delivered for one turn, across every connection."""

    text: dict[str, str] = field(default_factory=lambda: dict.fromkeys(SIDES, ""))
    seq: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDES, 0))
    final: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDES, 0))
    # Batches that came twice, late or not at all on the first connection (after a drop, the
    # next connection's snapshot stands for what was missed).
    disorder: list[str] = field(default_factory=list)
    connections: int = 0
    drops: int = 0

    def take(self, message: dict) -> None:
        side = message.get("side")
        if message["type"] == "token":
            if message.get("snapshot"):
                self.text[side], self.seq[side] = message["text"], message["seq"]
                return
            if message["seq"] != self.seq[side] + 1 and not self.drops:
                self.disorder.append(f"{side}: batch {message['seq']} after {self.seq[side]}")
            if message["seq"] > self.seq[side]:
                self.text[side] += message["text"]
                self.seq[side] = message["seq"]
            self.tokens[side] += 1
        elif message["type"] in ("done", "error"):
            self.final[side] = message


class Citizen:
    """One browser: its cookies, sent to whichever web address it is given."""

    def __init__(self, base_url: str, *, cookies: httpx.Cookies | None = None):
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=15, cookies=cookies)
        self.http.headers["Origin"] = base_url
        if cookies is None:
            page = self.http.get("/")
            page.raise_for_status()
        self.http.headers["X-CSRFToken"] = self.http.cookies["csrftoken"]
        if cookies is None:  # the first-visit notice, accepted as an API client does (docs/api.md)
            self.http.post("/api/notice", json={"accept": True}).raise_for_status()

    def via(self, base_url: str) -> Citizen:
        """The same browser, its requests sent to another address (another web process)."""
        return Citizen(base_url, cookies=self.http.cookies)

    def close(self) -> None:
        self.http.close()

    def battle_start(self, prompt: str) -> str:
        body = {"prompt": prompt}
        challenge = self.http.get("/api/pow").json()
        if challenge["enabled"]:
            body["pow"] = pow_solve(challenge)
        started = self.http.post("/api/battles", json=body)
        if started.status_code != 201:
            raise RuntimeError(f"POST /api/battles answered {started.status_code}: {started.text}")
        return started.json()["id"]

    def battle(self, battle_id: str) -> dict:
        answer = self.http.get(f"/api/battles/{battle_id}")
        answer.raise_for_status()
        return answer.json()

    def battle_wait(self, battle_id: str, ready: Callable[[dict], bool], *, seconds: float) -> dict:
        """Ask for the battle until `ready(battle)` holds; raise TimeoutError after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            battle = self.battle(battle_id)
            if ready(battle):
                return battle
            if time.monotonic() > deadline:
                raise TimeoutError(f"battle {battle_id} still {battle['status']} after {seconds} s: {battle}")
            time.sleep(0.2)

    def vote(self, battle_id: str, choice: str) -> httpx.Response:
        return self.http.post(f"/api/battles/{battle_id}/vote", json={"choice": choice})

    async def follow(self, battle_id: str, *, turn: int = 0, reconnect: bool = False,
                     seconds: float = 60,
                     on_message: Callable[[Followed], Awaitable[None]] | None = None) -> Followed:
        """Listen on the battle's socket until both sides of `turn` ended.

        With `reconnect`, a dropped socket is opened again through the same address after half a
        second, as the page does; the server's snapshot then replaces the text so far.
        `on_message` is awaited after each message (a proof kills a process from there).
        """
        url = self.base_url.replace("http://", "ws://") + f"/ws/battles/{battle_id}/"
        cookie = "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())
        followed = Followed()
        deadline = time.monotonic() + seconds
        while len(followed.final) < 2:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"battle {battle_id}: sides ended {sorted(followed.final)} in {seconds} s")
            try:
                async with websockets.connect(url, open_timeout=5, additional_headers={
                        "Cookie": cookie, "Origin": self.base_url}) as socket:
                    followed.connections += 1
                    while len(followed.final) < 2:
                        message = json.loads(await asyncio.wait_for(socket.recv(), timeout=left))
                        if message.get("turn", turn) == turn:
                            followed.take(message)
                        if on_message:
                            await on_message(followed)
            except (websockets.ConnectionClosed, websockets.InvalidStatus, websockets.InvalidHandshake,
                    OSError) as error:
                if not reconnect:
                    raise
                followed.drops += 1
                print(f"  socket dropped ({type(error).__name__}); reconnecting", flush=True)
                await asyncio.sleep(0.5)
        return followed
