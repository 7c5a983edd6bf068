"""The per-team report an organizer hands each team after publication: one Excel workbook.

Its statistics (win rate per opponent and per category, failure rates, rating over time) are
read from the votes, the responses and the citizen board's snapshots; sample battles show the
prompts and the team's own answers, redacted (voting.redaction), never an opponent's answer.
Written like every export into a directory it is given (see voting.exports).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from arena.models import Battle, Response
from contest.models import Contest, Team
from voting import dataset, redaction
from voting.exports import Progress, progress_none
from voting.models import LeaderboardSnapshot, Track, Vote
from voting.sheets import sheet_write

SAMPLE_BATTLES = 20
OUTCOME_LABELS = {"win": "승", "loss": "패", "tie": "무", "both_bad": "둘 다 별로"}


def _outcome(choice: str, side: str) -> str:
    if choice in (Vote.Choice.TIE, Vote.Choice.BOTH_BAD):
        return "tie" if choice == Vote.Choice.TIE else "both_bad"
    return "win" if choice == side else "loss"


def team_report_export(*, contest: Contest, team: Team, directory: Path,
                       progress: Progress = progress_none) -> dict:
    """Write team-<slug>.xlsx: rating over time, win rate per opponent and per category, failure
    rates, and sample battles (prompts and the team's answers, redacted). Return
    `{"file", "sha256", "redactions"}`.

    Opponents are named (the report is for after publication), but no opponent answer is included.
    """
    from openpyxl import Workbook

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    entrants = {entrant.pk: entrant for entrant in contest.entrants.filter(team=team)}
    progress(0, 5, _("대결 읽는 중"))
    battles = (
        Battle.objects.filter(contest=contest)
        .filter(Q(entrant_a__in=entrants) | Q(entrant_b__in=entrants))
        .select_related("entrant_a", "entrant_b", "category", "vote")
        .order_by("created_at")
    )
    per_opponent: dict[str, Counter] = defaultdict(Counter)
    per_category: dict[str, Counter] = defaultdict(Counter)
    voted = []
    for battle in battles:
        vote = getattr(battle, "vote", None)
        if vote is None or vote.excluded:
            continue
        side = "a" if battle.entrant_a_id in entrants else "b"
        opponent = battle.entrant_b if side == "a" else battle.entrant_a
        outcome = _outcome(vote.choice, side)
        per_opponent[opponent.display_name][outcome] += 1
        per_category[battle.category.name if battle.category else _("분야 없음")][outcome] += 1
        voted.append((battle, side, outcome))

    progress(1, 5, _("실패율 계산 중"))
    failures: dict[str, Counter] = defaultdict(Counter)
    for entrant_id, status, code in Response.objects.filter(
        entrant_id__in=entrants, turn__battle__contest=contest
    ).values_list("entrant_id", "status", "error_code"):
        name = entrants[entrant_id].display_name
        failures[name]["total"] += 1
        if status == Response.Status.ERROR:
            failures[name]["error"] += 1
            failures[name][f"code:{code or 'unknown'}"] += 1

    progress(2, 5, _("점수 추이 모으는 중"))
    names = {entrant.display_name for entrant in entrants.values()}
    history = []
    for snapshot in LeaderboardSnapshot.objects.filter(
        contest=contest, track=Track.CITIZEN, category=None
    ).order_by("computed_at", "pk"):
        for row in snapshot.payload.get("models", []):
            if row["model"] in names:
                history.append((timezone.localtime(snapshot.computed_at).strftime("%Y-%m-%d %H:%M"),
                                row["model"], row["rating"], row["ci_lower"], row["ci_upper"],
                                row["battles"]))

    progress(3, 5, _("대결 예시 모으는 중 (개인정보 가림)"))
    counts = redaction.counts_empty()
    samples = []
    for battle, side, outcome in voted[-SAMPLE_BATTLES:]:
        turn = battle.turns.order_by("index").first()
        answer = (
            Response.objects.filter(turn=turn, side=side).values_list("text", flat=True).first()
            if turn else ""
        )
        samples.append((
            str(battle.pk), battle.category.name if battle.category else "",
            OUTCOME_LABELS[outcome],
            redaction.redact(turn.prompt if turn else "", counts),
            redaction.redact(answer or "", counts),
        ))

    progress(4, 5, "Excel")
    workbook = Workbook()
    workbook.remove(workbook.active)

    def rate(counter: Counter) -> float | None:
        played = sum(counter[k] for k in OUTCOME_LABELS)
        if not played:
            return None
        return round((counter["win"] + 0.5 * (counter["tie"] + counter["both_bad"])) / played, 4)

    outcomes = [("승", "count"), ("패", "count"), ("무", "count"), ("둘 다 별로", "count"), ("승률", "percent")]
    total = Counter()
    for counter in per_opponent.values():
        total.update(counter)
    sheet_write(workbook, "요약", [("대회", "name"), ("팀", "text"), ("모델", "name"),
                                 ("투표된 대결", "count"), *outcomes], [[
        contest.title, team.name, ", ".join(sorted(names)),
        sum(total[k] for k in OUTCOME_LABELS), total["win"], total["loss"], total["tie"],
        total["both_bad"], rate(total),
    ]])
    sheet_write(workbook, "점수 추이", [("시각", "time"), ("모델", "name"), ("점수", "rating"),
                                    ("95% 하한", "rating"), ("95% 상한", "rating"), ("투표 수", "count")],
                history)
    sheet_write(workbook, "상대별 승률", [("상대 모델", "name"), *outcomes], [
        [name, c["win"], c["loss"], c["tie"], c["both_bad"], rate(c)]
        for name, c in sorted(per_opponent.items())
    ])
    sheet_write(workbook, "분야별 승률", [("분야", "name"), *outcomes], [
        [name, c["win"], c["loss"], c["tie"], c["both_bad"], rate(c)]
        for name, c in sorted(per_category.items())
    ])
    sheet_write(workbook, "실패율", [("모델", "name"), ("응답 수", "count"), ("실패", "count"),
                                  ("실패율", "percent"), ("오류 코드별", "long")], [
        [name, c["total"], c["error"], round(c["error"] / c["total"], 4) if c["total"] else None,
         ", ".join(f"{key[5:]}: {n}" for key, n in sorted(c.items()) if key.startswith("code:"))]
        for name, c in sorted(failures.items())
    ])
    sheet_write(workbook, "대결 예시", [("대결 ID", "id"), ("분야", "text"), ("결과", "text"),
                                    ("질문 (개인정보 가림)", "long"), ("우리 답변 (개인정보 가림)", "long")],
                samples)
    name = f"team-{team.slug}.xlsx"
    workbook.save(directory / name)
    progress(5, 5, _("완료"))
    return {"file": name, "sha256": dataset.file_sha256(directory / name),
            "redactions": dict(counts)}
