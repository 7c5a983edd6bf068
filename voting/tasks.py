"""Celery tasks of voting: thin shells over `voting.services`."""
from celery import shared_task

from contest.models import Contest
from voting import services


@shared_task(ignore_result=True)
def leaderboards_refresh() -> int:
    """Recompute the boards of every contest that is taking or has taken votes (beat: every minute)."""
    boards = 0
    for contest in Contest.objects.exclude(phase=Contest.Phase.DRAFT):
        boards += len(services.leaderboards_refresh(contest=contest))
    return boards


@shared_task(acks_late=True, ignore_result=True)
def answer_generate(answer_id: int) -> None:
    """Pre-generate one entrant's answer to one expert prompt."""
    from voting.pregeneration import answer_run

    answer_run(answer_id=answer_id)
