"""Generate one expert-track answer through the arena's endpoint adapter (no browser to stream to)."""
import logging
import time

import httpx
from django.conf import settings

from arena.endpoints import EndpointError, chat_stream, endpoint_config
from expert import services

logger = logging.getLogger(__name__)


def answer_run(*, answer_id: int, client: httpx.Client | None = None) -> None:
    """Ask the answer's entrant for its answer to the prompt and record it. Never raises for an
    endpoint's fault: a failure is recorded with its code, for the organizer to retry."""
    answer = services.answer_begin(answer_id=answer_id)
    if answer is None:
        return
    started = time.monotonic()
    limit = settings.ARENA["RESPONSE_MAX_CHARS"]
    pieces: list[str] = []
    length = 0
    error_code = ""
    try:
        config = endpoint_config(answer.entrant)
        messages = answer.entrant.contest.chat_messages(
            [{"role": "user", "content": answer.prompt.text}])
        for piece in chat_stream(config, messages, client=client):
            pieces.append(piece)
            length += len(piece)
            if length >= limit:
                break
    except EndpointError as error:
        logger.warning("answer %s from entrant %s failed: %s", answer_id, answer.entrant_id, error.code)
        error_code = error.code
    except Exception:
        logger.exception("answer %s could not be generated", answer_id)
        error_code = "internal"
    services.answer_finish(
        answer_id=answer_id,
        text="".join(pieces)[:limit],
        total_ms=round((time.monotonic() - started) * 1000),
        error_code=error_code,
    )
