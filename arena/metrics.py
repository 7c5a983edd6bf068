"""The arena's Prometheus metrics: battles, each entrant's sides, websockets (docs/operations.md).

prometheus_client (the Prometheus project's own client): in the web processes and the Celery
workers alike, each value is counted by the process that sees it; with PROMETHEUS_MULTIPROC_DIR
set, every process of a machine writes its values there and `/metrics` (config/metrics.py) adds
them up. Entrants are labelled by id, never by team: the metrics are the organizers' only, yet
nothing in them needs a name, and an id survives a renamed team.
"""
from prometheus_client import Counter, Gauge, Histogram

BATTLES_STARTED = Counter("kai_battles_started", "Battles started (POST /api/battles answered 201).")
BATTLES_ENDED = Counter(
    "kai_battles_ended",
    "Battles whose first turn ended on both sides: completed (both answered) or failed (one or both failed).",
    ["outcome"],
)
SIDES_ENDED = Counter(
    "kai_sides_ended", "Sides (one entrant's answer to one turn) ended, by entrant id and outcome "
    "(done, or the error code: timeout, connection, worker_lost, ...).", ["entrant", "outcome"],
)
SIDES_RETRIED = Counter(
    "kai_sides_retried", "Sides whose worker was lost before they showed any text, queued again "
    "for another worker, by entrant id.", ["entrant"],
)
TIME_TO_FIRST_TOKEN = Histogram(
    "kai_entrant_time_to_first_token_seconds", "An entrant's time from the request to its first piece of answer.",
    ["entrant"], buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60),
)
WEBSOCKETS = Gauge(
    "kai_websockets_open", "Websocket connections open now, by page (battle, leaderboard).", ["page"],
    multiprocess_mode="livesum",
)


def side_done(*, entrant_id: int, ttft_ms: int) -> None:
    SIDES_ENDED.labels(str(entrant_id), "done").inc()
    TIME_TO_FIRST_TOKEN.labels(str(entrant_id)).observe(ttft_ms / 1000)


def side_failed(*, entrant_id: int, code: str) -> None:
    SIDES_ENDED.labels(str(entrant_id), code).inc()


def side_retried(*, entrant_id: int) -> None:
    SIDES_RETRIED.labels(str(entrant_id)).inc()


def turn_ends_commands(turn_id: int, *, failed: bool, key) -> tuple:
    """The Redis commands that count one side's end on its turn: a failure counts 16, a
    completion 1, so the total after the second side says both how many ended and whether one
    failed (see `battle_end_counted`)."""
    return (("INCRBY", key, 16 if failed else 1), ("EXPIRE", key, 24 * 3600))


def battle_end_counted(total: int) -> None:
    """Count the battle once its turn's second side ended (`total` as INCRBY answered it)."""
    if total % 16 + total // 16 == 2:
        BATTLES_ENDED.labels("completed" if total == 2 else "failed").inc()
