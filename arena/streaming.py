"""Generate one side's answer: call the team's endpoint and stream it to the battle's watchers.

Messages go to the Channels group of the battle (see `arena.consumers`). Tokens are batched
(at most every STREAM_BATCH_SECONDS or STREAM_BATCH_CHARS) and numbered per response, so the
browser can drop a batch it already has. The text so far is also kept in the cache, so a
browser that connects mid-stream catches up from one snapshot.
"""
import logging
import os
import time

import httpx
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext_lazy as _

from arena import services
from arena.endpoints import EndpointConfig, EndpointError, chat_stream
from arena.models import Response
from arena.selectors import conversation_for

logger = logging.getLogger(__name__)

PARTIAL_TTL_SECONDS = 15 * 60


def battle_group(battle_id) -> str:
    """Return the Channels group name that a battle's watchers join."""
    return f"battle-{battle_id}"


def partial_key(response_id: int) -> str:
    return f"arena:partial:{response_id}"


def endpoint_config(response: Response) -> EndpointConfig:
    """Build the endpoint call for a response's entrant, reading its key from the environment."""
    entrant = response.entrant
    api_key = os.environ.get(entrant.api_key_env) if entrant.api_key_env else None
    return EndpointConfig(
        base_url=entrant.base_url,
        model=entrant.model,
        api_key=api_key,
        params=dict(entrant.params or {}),
        timeout_seconds=entrant.timeout_seconds,
    )


class BattlePublisher:
    """Send one response's events to its battle group, with per-response sequence numbers."""

    def __init__(self, response: Response):
        self.group = battle_group(response.turn.battle_id)
        self.side = response.side
        self.turn = response.turn.index
        self.response_id = response.pk
        self.seq = 0
        self.layer = get_channel_layer()

    def send(self, event: dict) -> None:
        event = {**event, "side": self.side, "turn": self.turn}
        async_to_sync(self.layer.group_send)(self.group, {"type": "battle.event", "event": event})

    def token(self, text: str, full_text: str) -> None:
        self.seq += 1
        cache.set(
            partial_key(self.response_id),
            {"seq": self.seq, "text": full_text},
            PARTIAL_TTL_SECONDS,
        )
        self.send({"type": "token", "seq": self.seq, "text": text})

    def finish(self, event: dict) -> None:
        cache.delete(partial_key(self.response_id))
        self.send(event)


def connection_release() -> None:
    """Give this thread's database connection back before a stream that may last minutes.

    With the connection pool (config/settings.py), a connection held through a stream is one
    the other tasks and requests wait for; the next query takes one from the pool again.
    Inside a transaction (a test's, or a caller's) the connection stays where it is.
    """
    if not connection.in_atomic_block:
        connection.close()


def response_run(*, response_id: int, client: httpx.Client | None = None) -> None:
    """Generate, stream and save one response. Never raises for an endpoint's fault.

    The final 'done' (full text, time to first token, total time) or 'error' message is sent
    only after the database has the same outcome, so a browser that reloads sees what it saw.
    """
    response = services.response_begin(response_id=response_id)
    if response is None:
        return
    publisher = BattlePublisher(response)
    batch_seconds = settings.ARENA["STREAM_BATCH_SECONDS"]
    batch_chars = settings.ARENA["STREAM_BATCH_CHARS"]
    max_chars = settings.ARENA["RESPONSE_MAX_CHARS"]

    pieces: list[str] = []
    pending: list[str] = []
    pending_chars = 0
    total_chars = 0
    ttft_ms = None
    started = time.monotonic()
    last_flush = started

    def flush() -> None:
        nonlocal pending_chars, last_flush
        if pending:
            publisher.token("".join(pending), "".join(pieces))
            pending.clear()
            pending_chars = 0
        last_flush = time.monotonic()

    try:
        config = endpoint_config(response)
        messages = conversation_for(response)
        connection_release()
        for piece in chat_stream(config, messages, client=client):
            now = time.monotonic()
            if ttft_ms is None:
                ttft_ms = round((now - started) * 1000)
            pieces.append(piece)
            pending.append(piece)
            pending_chars += len(piece)
            total_chars += len(piece)
            # The first token goes out at once: it is what the user waits for.
            if len(pieces) == 1 or pending_chars >= batch_chars or now - last_flush >= batch_seconds:
                flush()
            # A runaway answer is cut, not streamed forever into the page and the database.
            if total_chars >= max_chars:
                break
    except EndpointError as error:
        flush()
        logger.warning(
            "response %s from entrant %s failed: %s", response_id, response.entrant_id, error.code
        )
        services.response_fail(response_id=response_id, code=error.code, text="".join(pieces))
        publisher.finish({"type": "error", "code": error.code, "message": str(error_message(error.code))})
        return
    except Exception:
        # Our own fault (database, channel layer): the side must still end, not spin forever.
        logger.exception("response %s could not be generated", response_id)
        services.response_fail(response_id=response_id, code="internal", text="".join(pieces))
        publisher.finish({"type": "error", "code": "internal", "message": str(error_message("internal"))})
        return
    flush()
    text = "".join(pieces)[:max_chars]
    total_ms = round((time.monotonic() - started) * 1000)
    if not services.response_complete(
        response_id=response_id, text=text, ttft_ms=ttft_ms or total_ms, total_ms=total_ms
    ):
        return  # the reaper already told the page this side failed
    # Timings are saved but never sent before the vote: they can fingerprint a team. The keys
    # stay, as the websocket contract lists them.
    publisher.finish({"type": "done", "text": text, "ttft_ms": None, "total_ms": None})


def responses_reap() -> list[int]:
    """Fail every response whose worker was lost, and tell its battle's page (each side once).

    Run on the beat schedule. A worker killed mid-generation leaves its side 'streaming'; this
    ends it with the error `worker_lost`, so the citizen is told and may start a new battle, and
    the battle cannot be voted on. A task redelivered later finds the side ended and does nothing.
    """
    reaped = []
    for response_id in services.responses_stuck():
        response = Response.objects.select_related("turn").get(pk=response_id)
        # What the side had said is kept, as for any other failure.
        if services.response_fail(response_id=response_id, code="worker_lost", text=response.text):
            BattlePublisher(response).finish(
                {"type": "error", "code": "worker_lost", "message": str(error_message("worker_lost"))}
            )
            reaped.append(response_id)
    if reaped:
        logger.warning("reaped %d responses whose worker was lost: %s", len(reaped), reaped)
    return reaped


def error_message(code: str):
    """Return the user-facing message for an endpoint failure; it never names the team."""
    messages = {
        "worker_lost": _("답변을 만들던 서버가 멈췄습니다. 새 대결을 시작해 주세요."),
        "timeout": _("모델이 제한 시간 안에 답하지 못했습니다."),
        "cut_off": _("모델의 답변이 중간에 끊겼습니다."),
        "empty": _("모델이 빈 답변을 보냈습니다."),
    }
    return messages.get(code, _("모델 서버에 문제가 생겨 답변을 받지 못했습니다."))
