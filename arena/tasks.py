"""Celery tasks of the arena: thin shells over `arena.streaming`."""
from celery import shared_task

from arena.health import entrants_probe
from arena.streaming import response_run, responses_reap, turn_run


@shared_task(acks_late=True, ignore_result=True)
def response_generate(response_id: int) -> None:
    """Generate one side's answer for a turn and stream it to the battle's watchers."""
    response_run(response_id=response_id)


@shared_task(acks_late=True, ignore_result=True)
def turn_generate(response_ids: list[int]) -> None:
    """Generate both sides of a turn together and stream them to the battle's watchers."""
    turn_run(response_ids=response_ids)


@shared_task(ignore_result=True)
def responses_reap_due() -> None:
    """End every side whose worker was lost (see `arena.streaming.responses_reap`)."""
    responses_reap()


@shared_task(ignore_result=True)
def entrants_probe_due() -> None:
    """Probe the entrants taken out of sampling (see `arena.health.entrants_probe`)."""
    entrants_probe()
