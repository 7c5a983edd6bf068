"""Generate one side's answer: call the team's endpoint and stream it to the battle's watchers.

Every side runs as a coroutine on its worker process's stream loop (`arena.runner`). Messages
go to the Channels group of the battle (see `arena.consumers`). Tokens are batched (at most
every STREAM_BATCH_SECONDS or STREAM_BATCH_CHARS) and numbered per response, so the browser
can drop a batch it already has. The text so far is also kept in the cache, so a browser that
connects mid-stream catches up from one snapshot.
"""
import asyncio
import logging
import pickle
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from arena import metrics, outbox, services
from arena.leases import leases_for_loop, watched_since
from arena.endpoints import EndpointConfig, EndpointError, achat_stream, endpoint_config
from arena.models import Response
from arena.runner import runner
from arena.selectors import side_conversation
from arena.sides import SideRef

logger = logging.getLogger(__name__)

PARTIAL_TTL_SECONDS = 15 * 60


def battle_group(battle_id) -> str:
    """Return the Channels group name that a battle's watchers join."""
    return f"battle-{battle_id}"


def partial_key(response_id: int) -> str:
    return f"arena:partial:{response_id}"


class Snapshots:
    """Keep each streaming side's text so far where `arena.consumers` reads it (the cache).

    Written from the stream loop without blocking it, through the loop's Redis outbox
    (`arena.outbox`): the very key, in the very format, that Django's Redis cache reads (a
    pickled value under ``cache.make_key``), so the reader stays a plain ``cache.get``. Any
    other cache backend (none is configured today) is written through the cache itself.
    """

    def __init__(self) -> None:
        if isinstance(caches["default"], RedisCache):
            self._url = settings.CACHES["default"]["LOCATION"]
        else:
            self._url = None

    def set(self, response_id: int, seq: int, text: str) -> tuple[str, tuple] | None:
        """Keep the side's text so far: return the Redis command that does (with its server's
        URL) for the caller to send before the batch it goes with, or, with no Redis cache,
        write it through the cache and return None."""
        value = {"seq": seq, "text": text}
        if self._url is None:
            cache.set(partial_key(response_id), value, PARTIAL_TTL_SECONDS)
            return None
        key = cache.make_key(partial_key(response_id))
        value = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
        return self._url, ("SET", key, value, "EX", PARTIAL_TTL_SECONDS)

    def delete(self, response_id: int) -> tuple[str, tuple] | None:
        """Drop the side's text so far, as `set` keeps it."""
        if self._url is None:
            cache.delete(partial_key(response_id))
            return None
        return self._url, ("DEL", cache.make_key(partial_key(response_id)))


_snapshots: dict[str, Snapshots] = {}


def _snapshots_get() -> Snapshots:
    location = str(settings.CACHES["default"].get("LOCATION"))
    if location not in _snapshots:
        _snapshots[location] = Snapshots()
    return _snapshots[location]


REDIS_ERRORS = outbox.REDIS_ERRORS


class BattlePublisher:
    """Send one response's events to its battle group, with per-response sequence numbers.

    Redis going away must not fail a side: the answer keeps streaming into the database. A
    batch that could not be sent leaves the page behind, so the next one that can be sent is a
    snapshot (the whole text so far), which the page puts in place of what it has. The final
    message is retried for FINISH_RETRY_SECONDS; after that a page still waiting finds the
    outcome when it reconnects, from the database (static/arena/battle.js reconnects a silent
    socket).
    """

    FINISH_RETRY_SECONDS = 10.0

    def __init__(self, side: SideRef):
        self.group = battle_group(side.battle_id)
        self.side = side.side
        self.turn = side.turn_index
        self.response_id = side.pk
        self.seq = 0
        self.behind = False

    async def send(self, event: dict, *, before: tuple[str, tuple] | None = None) -> None:
        """Send `event` to the battle's group, after `before` (see outbox.group_send)."""
        event = {**event, "side": self.side, "turn": self.turn}
        await outbox.group_send(self.group, {"type": "battle.event", "event": event}, before=before)

    async def token(self, text: str, full_text: str) -> None:
        self.seq += 1
        try:
            # The snapshot first (in the batch's pipeline): a browser that joins between the two
            # then gets this batch from the snapshot and drops the batch itself as already seen.
            snapshot = _snapshots_get().set(self.response_id, self.seq, full_text)
            if self.behind:
                await self.send({"type": "token", "seq": self.seq, "text": full_text, "snapshot": True},
                                before=snapshot)
            else:
                await self.send({"type": "token", "seq": self.seq, "text": text}, before=snapshot)
            self.behind = False
        except REDIS_ERRORS as error:
            if not self.behind:
                logger.warning("response %s: tokens not published (%r); streaming on", self.response_id, error)
            self.behind = True

    async def finish(self, event: dict) -> None:
        give_up_at = time.monotonic() + self.FINISH_RETRY_SECONDS
        delay = 0.25
        while True:
            try:
                await self.send(event, before=_snapshots_get().delete(self.response_id))
                return
            except REDIS_ERRORS as error:
                if time.monotonic() + delay > give_up_at:
                    logger.warning("response %s: final message not published (%r)", self.response_id, error)
                    return
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)


@dataclass
class _Prepared:
    side: SideRef
    config: EndpointConfig
    messages: list[dict]


def _prepare(response_ids: list[int]) -> list[_Prepared]:
    """Begin the sides `response_ids` (services.responses_begin) and return what each one that
    began streams with."""
    prepared = []
    for begun in services.responses_begin(response_ids=response_ids):
        side = begun.ref
        messages = side_conversation(battle_id=side.battle_id, turn_index=side.turn_index,
                                     side=side.side, prompt=begun.prompt,
                                     system_prompt=begun.system_prompt)
        prepared.append(_Prepared(side, endpoint_config(begun), messages))
    return prepared


def response_run(*, response_id: int, client: httpx.AsyncClient | None = None) -> None:
    """Generate, stream and save one response, blocking until it has ended.

    What the Celery task calls: the side runs on the process's stream loop. ``client``
    replaces the loop's shared HTTP client (tests pass one with a mock transport).
    """
    runner.run(response_stream(response_id=response_id, client=client))


def turn_run(*, response_ids: list[int], client: httpx.AsyncClient | None = None) -> None:
    """Generate, stream and save the sides `response_ids` together (a turn's two sides, which
    start in the same turn of the loop), blocking until every one has ended. ``client`` as for
    response_run.

    A side's fault ends that side only; an error of our own in one (a side's stream raises only
    for those) is raised once the others have ended too, so that the task ends with its sides.
    """
    runner.run(_sides_stream(response_ids, client))


async def _sides_stream(response_ids: list[int], client: httpx.AsyncClient | None) -> None:
    # The sides begin together: one statement, one hop to the database threads.
    begun = await runner.db(_prepare, response_ids)
    outcomes = await asyncio.gather(*(_side_stream(prepared, client) for prepared in begun),
                                    return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome


async def response_stream(*, response_id: int, client: httpx.AsyncClient | None = None) -> None:
    """Generate, stream and save one response on the stream loop. Never raises for a fault.

    The final 'done' (full text) or 'error' message is sent only after the database has the
    same outcome, so a browser that reloads sees what it saw. A 429 whose Retry-After is
    within RETRY_AFTER_MAX_SECONDS is waited out and asked once more; every other endpoint
    fault ends the side with its code.
    """
    for prepared in await runner.db(_prepare, [response_id]):
        await _side_stream(prepared, client)


async def _side_stream(prepared: _Prepared, client: httpx.AsyncClient | None) -> None:
    side, config, messages = prepared.side, prepared.config, prepared.messages
    publisher = BattlePublisher(side)
    http = client or runner.http(config.base_url)
    runner.streams += 1
    try:
        # The lease tells the reaper this side's worker lives (arena.leases).
        async with leases_for_loop().held(side.pk):
            await _stream(side, config, messages, publisher, http)
    finally:
        runner.streams -= 1


def batch_interval(streams: int) -> float:
    """Return how long a side gathers tokens before sending them, with ``streams`` streaming.

    STREAM_BATCH_SECONDS while the process is quiet; under load, long enough that all its
    streams together send at most STREAM_MESSAGES_PER_SECOND, because every message costs the
    channel layer and the web process as much as a token does. The first token of a side is
    always sent at once.
    """
    arena = settings.ARENA
    return max(arena["STREAM_BATCH_SECONDS"], streams / arena["STREAM_MESSAGES_PER_SECOND"])


async def _stream(side, config, messages, publisher, http) -> None:
    response_id = side.pk
    batch_chars = settings.ARENA["STREAM_BATCH_CHARS"]

    pieces: list[str] = []
    pending: list[str] = []
    pending_chars = 0
    ttft_ms = None
    started = time.monotonic()
    last_flush = started

    async def flush() -> None:
        nonlocal pending_chars, last_flush
        if pending:
            await publisher.token("".join(pending), "".join(pieces))
            pending.clear()
            pending_chars = 0
        last_flush = time.monotonic()

    async def fail(code: str) -> None:
        await flush()
        if await runner.db(
            services.response_fail, response_id=response_id, code=code, text="".join(pieces)
        ):
            await publisher.finish({"type": "error", "code": code, "message": str(error_message(code))})
            await side_counted(side, code)

    retried = False
    try:
        while True:
            stream = achat_stream(config, messages, client=http)
            try:
                async for piece in stream:
                    now = time.monotonic()
                    if ttft_ms is None:
                        ttft_ms = round((now - started) * 1000)
                    pieces.append(piece)
                    pending.append(piece)
                    pending_chars += len(piece)
                    # The first token goes out at once: it is what the user waits for.
                    if (
                        len(pieces) == 1 or pending_chars >= batch_chars
                        or now - last_flush >= batch_interval(runner.streams)
                    ):
                        await flush()
                break
            except EndpointError as error:
                wait = error.retry_after
                if (
                    error.code == "rate_limited" and not retried and not pieces and wait is not None
                    and wait <= settings.ARENA["RETRY_AFTER_MAX_SECONDS"]
                ):
                    retried = True
                    logger.info("response %s: endpoint asked to retry after %.1fs", response_id, wait)
                    await asyncio.sleep(wait)
                    continue
                raise
            finally:
                await stream.aclose()
    except EndpointError as error:
        logger.warning(
            "response %s from entrant %s failed: %s (%s)",
            response_id, side.entrant_id, error.code, error.message,
        )
        await fail(error.code)
        return
    except Exception:
        # Our own fault (database, channel layer): the side must still end, not spin forever.
        logger.exception("response %s could not be generated", response_id)
        try:
            await fail("internal")
        except Exception:
            # Not even that could be saved; the reaper ends the side later.
            logger.exception("response %s could not be marked failed", response_id)
        return
    await flush()
    text = "".join(pieces)
    total_ms = round((time.monotonic() - started) * 1000)
    if not await runner.db(
        services.response_complete,
        response_id=response_id, text=text, ttft_ms=ttft_ms or total_ms, total_ms=total_ms,
    ):
        return  # the reaper already told the page this side failed
    # Timings are saved but never sent before the vote: they can fingerprint a team. The keys
    # stay, as the websocket contract lists them.
    await publisher.finish({"type": "done", "text": text, "ttft_ms": None, "total_ms": None})
    await side_counted(side, "done", ttft_ms=ttft_ms or total_ms)


async def side_counted(side: SideRef, outcome: str, *, ttft_ms: int | None = None) -> None:
    """Count a side that ended (`outcome`: done or its error code) in the metrics, and its
    battle once both sides of the first turn ended (arena.metrics). Never fails the side."""
    if ttft_ms is not None:
        metrics.side_done(entrant_id=side.entrant_id, ttft_ms=ttft_ms)
    else:
        metrics.side_failed(entrant_id=side.entrant_id, code=outcome)
    url = _snapshots_get()._url
    if side.turn_index != 0 or url is None:
        return
    key = cache.make_key(f"arena:turn-ends:{side.turn_id}")
    try:
        total, _ = await outbox.outbox_for(url).send(
            *metrics.turn_ends_commands(side.turn_id, failed=outcome != "done", key=key)
        )
    except REDIS_ERRORS:
        return
    metrics.battle_end_counted(total)


def responses_reap(*, battle_id: int | None = None) -> list[int]:
    """Fail every response whose worker was lost (of one battle, if `battle_id` is given), and
    tell its battle's page (each side once).

    Run on the beat schedule, and for its own battle by a websocket whose sides fell silent
    (arena.side_watch), which needs no worker alive. A worker killed mid-generation leaves its
    side 'streaming'; this ends it with the error `worker_lost`, so the citizen is told and may
    start a new battle, and the battle cannot be voted on. A task redelivered later finds the
    side ended and does nothing. A side that had shown no text yet is queued again instead, for
    another worker (`side_retry`), up to LOST_SIDE_RETRIES times, unless the other side of its
    turn has failed: then both end. Returns the ids of the sides it ended.
    """
    reaped, retried = [], []
    for response_id in services.responses_stuck(battle_id=battle_id):
        response = Response.objects.select_related("turn", "entrant").get(pk=response_id)
        if side_retry(response):
            retried.append(response)
        elif _side_lost(response):
            reaped.append(response_id)
    # A side queued again beside one that failed would answer a battle no one can vote on, and
    # keep its pane waiting for a worker while the other pane shows the failure: both end.
    failed_turns = set(Response.objects.filter(
        turn_id__in={r.turn_id for r in retried}, status__in=Response.FAILED
    ).values_list("turn_id", flat=True)) if retried else set()
    reaped += [r.pk for r in retried if r.turn_id in failed_turns and _side_lost(r)]
    retried = [r.pk for r in retried if r.turn_id not in failed_turns]
    if retried:
        logger.warning("queued again %d responses whose worker was lost before any text: %s",
                       len(retried), retried)
    if reaped:
        logger.warning("reaped %d responses whose worker was lost: %s", len(reaped), reaped)
    return reaped


def _side_lost(response: Response) -> bool:
    """End a side as `worker_lost` and tell its page; False if it had already ended."""
    # What the side had said is kept, as for any other failure.
    if not services.response_fail(response_id=response.pk, code="worker_lost", text=response.text):
        return False
    side = SideRef.of(response)
    runner.run(BattlePublisher(side).finish(
        {"type": "error", "code": "worker_lost", "message": str(error_message("worker_lost"))}
    ))
    runner.run(side_counted(side, "worker_lost"))
    return True


def side_retry(response: Response) -> bool:
    """Queue a stuck side again if no one saw it begin; return whether it was.

    Only a side that was streaming (its lease lapsed: the worker died, the endpoint did not)
    and published no text (no snapshot: the page shows only that it is waiting), tried fewer
    than LOST_SIDE_RETRIES times, with time left of its entrant's timeout since the turn was
    asked. A missing snapshot proves nothing if Redis restarted or was emptied since the side
    began (the reaper's watch began after it): such a side is ended, as before.
    """
    if response.status != Response.Status.STREAMING or response.started_at is None:
        return False
    asked_for = (timezone.now() - response.turn.created_at).total_seconds()
    if asked_for >= response.entrant.timeout_seconds:
        return False
    key = f"arena:retries:{response.pk}"
    try:
        since = watched_since()
        if since is None or since > response.started_at.timestamp():
            return False
        if cache.get(partial_key(response.pk)) is not None:
            return False
        tries = cache.get(key, 0)
        if tries >= settings.ARENA["LOST_SIDE_RETRIES"]:
            return False
        cache.set(key, tries + 1, PARTIAL_TTL_SECONDS)
    except REDIS_ERRORS:
        return False
    if not services.response_retry(response_id=response.pk):
        return False
    metrics.side_retried(entrant_id=response.entrant_id)
    return True


def error_message(code: str):
    """Return the user-facing message for a side's failure; it never names the team."""
    messages = {
        "worker_lost": _("답변을 만들던 서버가 멈췄습니다. 새 대결을 시작해 주세요."),
        "timeout": _("모델이 제한 시간 안에 답하지 못했습니다."),
        "cut_off": _("모델의 답변이 중간에 끊겼습니다."),
        "empty": _("모델이 빈 답변을 보냈습니다."),
        "rate_limited": _("모델 서버에 요청이 몰려 지금은 답할 수 없습니다. 잠시 후 새 대결을 시작해 주세요."),
        "connection": _("모델 서버에 연결하지 못했습니다."),
        "http_error": _("모델 서버가 오류를 돌려주었습니다."),
        "malformed": _("모델 서버가 알아볼 수 없는 형식으로 답했습니다."),
        "too_slow": _("모델의 답변이 너무 느려 중단했습니다."),
        "too_long": _("모델의 답변이 허용된 길이를 넘어 중단했습니다."),
    }
    return messages.get(code, _("모델 서버에 문제가 생겨 답변을 받지 못했습니다."))
