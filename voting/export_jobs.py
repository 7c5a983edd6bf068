"""Export jobs an organizer starts from the console: queued, run by a worker, polled by the page.

A job's state (queued, running with its progress, done with its files, or failed) lives in the
cache (Redis) for JOB_TTL_SECONDS, where the worker updates it and the console page polls it;
its files go to a folder of its own under settings.EXPORTS_DIR. What each kind writes is
voting.exports' and voting.team_report's.
"""
from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from contest.models import Contest, Team
from core.errors import InvalidInput
from voting.exports import dataset_export, judgments_export, leaderboards_export
from voting.companions import draws_publish, reasons_publish
from voting.style_publication import style_features_publish
from voting.team_report import team_report_export

JOB_KINDS = ("dataset", "judgments", "leaderboards", "teams")
JOB_TTL_SECONDS = 24 * 3600


def _job_key(job_id: str) -> str:
    return f"console-export:{job_id}"


def export_job_start(*, contest: Contest, kind: object) -> str:
    """Record a new export job and enqueue it (on commit); return its id.

    Raises InvalidInput for an unknown kind. The job's progress lives in the cache (Redis),
    where the worker updates it and the console page polls it.
    """
    from voting.tasks import contest_export

    if kind not in JOB_KINDS:
        raise InvalidInput(_("내보내기 종류는 %(kinds)s 중 하나여야 합니다.")
                           % {"kinds": ", ".join(JOB_KINDS)})
    job_id = uuid.uuid4().hex
    cache.set(_job_key(job_id), {"id": job_id, "contest": contest.slug, "kind": kind,
                                 "status": "queued", "done": 0, "total": 1,
                                 "label": _("대기 중"), "files": []}, JOB_TTL_SECONDS)
    transaction.on_commit(lambda: contest_export.delay(job_id, contest.pk, kind))
    return job_id


def export_job_get(job_id: str) -> dict | None:
    if not isinstance(job_id, str) or not job_id.isalnum():
        return None
    return cache.get(_job_key(job_id))


def export_job_folder(job_id: str) -> Path:
    return Path(settings.EXPORTS_DIR) / job_id


def export_job_run(*, job_id: str, contest_id: int, kind: str) -> dict:
    """Run one export job (the Celery task's body), recording progress and the files made."""
    state = export_job_get(job_id) or {"id": job_id, "kind": kind, "files": []}
    contest = Contest.objects.get(pk=contest_id)

    def progress(done: int, total: int, label: str) -> None:
        state.update(status="running", done=done, total=total, label=str(label))
        cache.set(_job_key(job_id), state, JOB_TTL_SECONDS)

    folder = export_job_folder(job_id)
    try:
        if kind == "dataset":
            dataset_export(contest=contest, directory=folder, progress=progress)
            style_features_publish(contest=contest, folder=folder)
            reasons_publish(contest=contest, folder=folder)
            draws_publish(contest=contest, folder=folder)
        elif kind == "judgments":
            judgments_export(contest=contest, directory=folder, progress=progress)
        elif kind == "leaderboards":
            leaderboards_export(contest=contest, directory=folder, progress=progress)
        else:
            for team in Team.objects.filter(entrants__contest=contest).distinct():
                team_report_export(contest=contest, team=team, directory=folder, progress=progress)
    except Exception:
        state.update(status="failed", label=str(_("내보내기에 실패했습니다.")))
        cache.set(_job_key(job_id), state, JOB_TTL_SECONDS)
        raise
    state.update(status="done", done=state.get("total", 1),
                 files=sorted(path.name for path in folder.iterdir()),
                 label=str(_("완료")))
    cache.set(_job_key(job_id), state, JOB_TTL_SECONDS)
    return state
