"""Celery tasks of voting: thin shells over its boards, screening and exports."""
from celery import shared_task

from contest.models import Contest
from voting import boards, screening


@shared_task(ignore_result=True)
def leaderboards_refresh() -> int:
    """Recompute the boards of every contest that is taking votes (or paused) (beat: every minute)."""
    refreshed = 0
    # Closed and published contests keep the boards frozen at closing; nothing changes them.
    for contest in Contest.objects.filter(phase__in=[Contest.Phase.OPEN, Contest.Phase.PAUSED]):
        refreshed += len(boards.leaderboards_refresh(contest=contest))
    return refreshed


@shared_task(ignore_result=True)
def contest_leaderboards_refresh(contest_id: int) -> int:
    """Recompute one contest's boards (after an organizer excludes or clears a voter)."""
    contest = Contest.objects.filter(pk=contest_id).first()
    return len(boards.leaderboards_refresh(contest=contest)) if contest else 0


@shared_task(ignore_result=True)
def voters_screen() -> int:
    """Flag anomalous voters in every contest taking or having taken votes (beat schedule)."""
    flagged = 0
    for contest in Contest.objects.exclude(phase=Contest.Phase.DRAFT):
        flagged += len(screening.voters_screen(contest=contest))
    return flagged


@shared_task(ignore_result=True)
def contest_export(job_id: str, contest_id: int, kind: str) -> None:
    """Write one console export job's files (see voting.export_jobs.export_job_run)."""
    from voting.export_jobs import export_job_run

    export_job_run(job_id=job_id, contest_id=contest_id, kind=kind)


@shared_task(ignore_result=True)
def contest_publish_files(contest_id: int) -> None:
    """Write the public files of a published contest (see voting.exports.published_files_write)."""
    from voting.exports import published_files_write

    published_files_write(contest_id=contest_id)
