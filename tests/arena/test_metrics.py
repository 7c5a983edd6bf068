"""The arena's figures in /metrics (arena/metrics.py): each entrant's sides and time to first
token, battles ended, open websockets. Read from this process's registry, as a single-process
server shows them."""
import pytest
from asgiref.sync import sync_to_async
from prometheus_client import REGISTRY

from arena import services
from arena.models import Response
from arena.streaming import response_run
from tests.arena.test_consumers import communicator, session_create
from tests.arena.test_streaming import sse

pytestmark = pytest.mark.django_db(transaction=True)


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _sides(battle) -> dict[str, Response]:
    return {r.side: r for r in Response.objects.filter(turn__battle=battle)}


def test_a_battle_answered_on_both_sides_counts_as_completed_with_each_entrants_first_token(entrants):
    battle = services.battle_start(session_key="s", prompt="질문")
    sides = _sides(battle)
    entrant = {side: str(r.entrant_id) for side, r in sides.items()}
    before = {side: (sample("kai_sides_ended_total", entrant=e, outcome="done"),
                     sample("kai_entrant_time_to_first_token_seconds_count", entrant=e))
              for side, e in entrant.items()}
    completed = sample("kai_battles_ended_total", outcome="completed")

    # When side A has answered, the battle is not ended yet
    response_run(response_id=sides["a"].pk, client=sse({"content": "안녕하세요"}))
    assert sample("kai_battles_ended_total", outcome="completed") == completed
    # and once side B has too, it counts once as completed
    response_run(response_id=sides["b"].pk, client=sse({"content": "반갑습니다"}))
    assert sample("kai_battles_ended_total", outcome="completed") == completed + 1
    for side, e in entrant.items():
        assert (sample("kai_sides_ended_total", entrant=e, outcome="done"),
                sample("kai_entrant_time_to_first_token_seconds_count", entrant=e)) == (
                    before[side][0] + 1, before[side][1] + 1)


def test_a_side_that_fails_counts_its_code_and_its_battle_as_failed(entrants):
    battle = services.battle_start(session_key="s", prompt="질문")
    sides = _sides(battle)
    b = str(sides["b"].entrant_id)
    cut_off, failed = (sample("kai_sides_ended_total", entrant=b, outcome="cut_off"),
                       sample("kai_battles_ended_total", outcome="failed"))

    response_run(response_id=sides["b"].pk, client=sse({"content": "반쯤 "}, done=False))
    response_run(response_id=sides["a"].pk, client=sse({"content": "다 했어요"}))

    assert sample("kai_sides_ended_total", entrant=b, outcome="cut_off") == cut_off + 1
    assert sample("kai_battles_ended_total", outcome="failed") == failed + 1


async def test_open_battle_websockets_are_counted_until_they_close(entrants):
    session_key = await sync_to_async(session_create)()
    battle = await sync_to_async(services.battle_start)(session_key=session_key, prompt="질문")
    before = sample("kai_websockets_open", page="battle")
    socket = communicator(battle.pk, session_key)
    connected, _ = await socket.connect()
    assert connected
    assert sample("kai_websockets_open", page="battle") == before + 1
    await socket.disconnect()
    assert sample("kai_websockets_open", page="battle") == before
    # and a socket refused (not the battle's owner) is never counted
    # (accepted only to be closed with 4403, docs/api.md)
    stranger = communicator(battle.pk, await sync_to_async(session_create)())
    await stranger.connect()
    assert await stranger.receive_output() == {"type": "websocket.close", "code": 4403}
    assert sample("kai_websockets_open", page="battle") == before
