"""Play one citizen battle against a running site, as a browser would, and check the reveal.

    python .ci/battle_smoke.py http://127.0.0.1:8000

Loads the page (CSRF cookie), starts a battle over the JSON API, follows both sides on the
battle's websocket until each is done, votes, and checks that the vote reveals two of the
demo's teams. Exits non-zero, saying why, on any departure from the contract.
"""
import asyncio
import json
import sys

import httpx
import websockets

TEAMS = {"네이버클라우드", "LG AI연구원", "SK텔레콤", "업스테이지", "NC AI"}


async def battle_play(base: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        page = await client.get("/")
        page.raise_for_status()
        csrf = {"X-CSRFToken": client.cookies["csrftoken"], "Referer": base + "/"}
        # The first-visit notice, accepted as an API client does (docs/api.md)
        accepted = await client.post("/api/notice", json={"accept": True}, headers=csrf)
        assert accepted.status_code == 200, accepted.text
        started = await client.post("/api/battles", json={"prompt": "한국의 수도는 어디인가요?"},
                                    headers=csrf)
        assert started.status_code == 201, started.text
        battle = started.json()
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        ws_url = base.replace("http", "ws", 1) + battle["stream"]
        done = {}
        async with websockets.connect(
            ws_url, additional_headers={"Cookie": cookie, "Origin": base}, open_timeout=10
        ) as socket:
            while len(done) < 2:
                message = json.loads(await asyncio.wait_for(socket.recv(), timeout=60))
                assert message["type"] != "error", message
                assert "team" not in message and "model" not in message, message
                if message["type"] == "done":
                    assert message["text"].strip(), message
                    done[message["side"]] = message["text"]
        state = (await client.get(f"/api/battles/{battle['id']}")).json()
        assert state["status"] == "ready" and state["reveal"] is None, state
        voted = await client.post(f"/api/battles/{battle['id']}/vote", json={"choice": "a"},
                                  headers=csrf)
        assert voted.status_code == 200, voted.text
        reveal = voted.json()["reveal"]
        teams = {reveal["a"]["team"], reveal["b"]["team"]}
        assert len(teams) == 2 and teams <= TEAMS, reveal
        print(f"battle {battle['id']}: both sides streamed ({len(done['a'])} and "
              f"{len(done['b'])} characters); the vote revealed {reveal['a']['team']} vs "
              f"{reveal['b']['team']}")


if __name__ == "__main__":
    try:
        asyncio.run(battle_play(sys.argv[1].rstrip("/")))
    except (AssertionError, httpx.HTTPError, OSError, asyncio.TimeoutError,
            websockets.WebSocketException) as failure:
        print(f"battle smoke test failed: {failure!r}", file=sys.stderr)
        sys.exit(1)
