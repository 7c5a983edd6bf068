"""Reads of the blindness audit: a contest's answers to audit, and its latest audit to show."""
from django.db.models import Exists, OuterRef

from arena.models import Battle, Response
from contest.models import Contest
from voting import expert_source
from stats.attribution import Answer
from voting.models import BlindnessAudit

KINDS = ("text", "length", "timing")


def answers_for_audit(*, contest: Contest) -> list[Answer]:
    """Return every answer of the contest the audit may learn from, oldest battle first.

    Citizens' battles count when every side of every turn completed (a failed or unfinished
    side leaves the battle out); each battle is one group. The expert track's finished
    pre-generated answers come through voting.expert_source, one group per prompt.
    """
    unfinished = Response.objects.filter(
        turn__battle=OuterRef("pk"), status__in=Response.UNFINISHED | Response.FAILED
    )
    battles = Battle.objects.filter(contest=contest).exclude(Exists(unfinished))
    rows = (
        Response.objects.filter(turn__battle__in=battles, status=Response.Status.DONE)
        .exclude(text="")
        .order_by("turn__battle__created_at", "turn__battle_id", "turn__index", "side")
        .values_list("turn__battle_id", "entrant__display_name", "text", "ttft_ms", "total_ms")
    )
    answers = [Answer(str(battle), model, text, len(text), ttft, total)
               for battle, model, text, ttft, total in rows]
    answers += [Answer(*row) for row in expert_source.audit_answers(contest=contest)]
    return answers


def audit_latest(*, contest: Contest) -> BlindnessAudit | None:
    return BlindnessAudit.objects.filter(contest=contest).order_by("-created_at", "-pk").first()


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def audit_shown(*, contest: Contest) -> dict | None:
    """Return the latest audit shaped for a page: percentages per model and the confusion
    tables with their labels (None when the contest has no audit yet). Counts only: the
    report holds no answer text.
    """
    audit = audit_latest(contest=contest)
    if audit is None:
        return None
    report = audit.report
    models = report["models"]
    tables = []
    for kind in KINDS:
        scores = report.get(kind)
        if scores:
            tables.append({"kind": kind, "accuracy": _percent(scores["accuracy"]),
                           "rows": [{"model": model, "cells": cells}
                                    for model, cells in zip(models, scores["confusion"], strict=True)]})
    return {
        "created_at": audit.created_at,
        "answers": report["answers"],
        "groups": report["groups"],
        "folds": report["folds"],
        "models": models,
        "chance": _percent(report["chance"]),
        "majority_rate": _percent(report["majority_rate"]),
        "left_out": report.get("left_out") or {},
        "rows": [{"model": row["model"], "answers": row["answers"],
                  **{kind: _percent(row.get(kind)) for kind in KINDS}}
                 for row in report["per_model"]],
        "accuracy": {kind: _percent((report.get(kind) or {}).get("accuracy")) for kind in KINDS},
        "tables": tables,
    }
