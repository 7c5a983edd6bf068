"""Exports an organizer publishes: the vote dataset, the leaderboards and a per-team report.

Every function writes files into a directory it is given and returns what it wrote; the console
(Celery tasks) and the management commands are thin shells over them. `progress(done, total,
label)` is called as work advances, so both can draw a progress bar.

Privacy: the vote dataset has only the fixed columns of DESIGN.md; voters appear as salted,
keyed hashes (voting.pseudonyms.voter_hash), never as a session key, IP address or account. Every
prompt or answer that leaves the site (the team report's sample battles) passes through
voting.redaction, and the counts of what was redacted are returned (and put in the manifest).
"""
from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from arena.models import Battle, Response
from contest.models import Category, Contest, Team
from voting import dataset, expert_source, redaction, selectors
from voting.blindness.publication import AUDIT_FILE, AUDIT_MANIFEST_FILE, audit_publish
from voting.models import LeaderboardSnapshot, Track, Vote

Progress = Callable[[int, int, str], None]

DATASET_FILES = ("votes.jsonl", "votes.parquet")
MANIFEST_FILE = dataset.VOTES.manifest
JUDGMENT_FILES = ("judgments.jsonl", "judgments.parquet")
JUDGMENT_MANIFEST_FILE = dataset.JUDGMENTS.manifest
# A command given one file (`--output votes.jsonl`) puts the manifest beside it, as it always
# has, and keeps the old manifest's two keys for scripts written against it.
NAMED_MANIFEST_SUFFIX = ".manifest.json"


class OutputInvalid(ValueError):
    """The file a command was told to write is not one the dataset writer can write."""


def _noop(done: int, total: int, label: str) -> None:
    return None


def snapshot_for(*, contest: Contest, track: str, category: Category | None, digest: str
                 ) -> LeaderboardSnapshot:
    """Return the snapshot computed from exactly these votes (frozen first), computing it if none."""
    from voting.services import leaderboard_compute

    found = (
        LeaderboardSnapshot.objects.filter(
            contest=contest, track=track, category=category, votes_sha256=digest
        )
        .order_by("-frozen", "-computed_at", "-pk")
        .first()
    )
    return found or leaderboard_compute(contest=contest, track=track, category=category)


def _paths(spec: dataset.Spec, directory: Path | None, output: Path | None) -> tuple[Path, Path]:
    """Return where the JSONL file and the manifest go: a folder's fixed names, or `output`."""
    if output is not None:
        jsonl = Path(output)
        if jsonl.suffix.lower() == ".parquet":
            # Only the commands pass `output`; their messages are English like every CLI error.
            raise OutputInvalid(f"{jsonl}: name the JSONL file; the Parquet file is written beside it")
        return jsonl, jsonl.with_name(jsonl.name + NAMED_MANIFEST_SUFFIX)
    if directory is None:
        raise ValueError("dataset export needs a directory or an output file")
    return Path(directory) / f"{spec.name}.jsonl", Path(directory) / spec.manifest


def _dataset_write(spec: dataset.Spec, *, contest: Contest, rows: list[dict],
                   directory: Path | None, output: Path | None,
                   snapshot: Callable[[str], int | None], progress: Progress) -> dict:
    """The one dataset writer: every export path (console job, publication, `contest_export`,
    `export_votes`, `export_judgments`) writes its files and manifest here.

    Rows are cut to the spec's columns and its free text redacted; the JSONL file, the Parquet
    file beside it and the manifest are written; `snapshot(jsonl_sha256)` names the board of
    record. Returns the manifest as written.
    """
    jsonl, manifest_path = _paths(spec, directory, output)
    progress(1, 3, _("JSONL·Parquet 쓰는 중"))
    counts = redaction.counts_empty()
    rows = dataset.rows_public(spec, rows, counts)
    jsonl.parent.mkdir(parents=True, exist_ok=True)
    files = dataset.files_write(spec, rows, jsonl)
    progress(2, 3, _("해시 계산 중"))
    manifest = {
        "contest": contest.slug,
        "phase": Contest.objects.values_list("phase", flat=True).get(pk=contest.pk),
        "snapshot": snapshot(files[jsonl.name]),
        "rows": len(rows),
        "files": files,
        "redactions": dict(counts),
    }
    if output is not None:
        manifest.update(file=jsonl.name, sha256=files[jsonl.name])
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
    progress(3, 3, _("완료"))
    return manifest


def dataset_export(*, contest: Contest, directory: Path | None = None, track: str = Track.CITIZEN,
                   category: Category | None = None, output: Path | None = None,
                   progress: Progress = _noop) -> dict:
    """Write the vote dataset of one track (and category); return the manifest.

    Into `directory`: votes.jsonl, votes.parquet and manifest.json; or, for a command given
    one file, `output`, the Parquet file beside it and `<output>.manifest.json`. The manifest is
    DESIGN.md's `{"contest", "phase", "snapshot", "rows", "files": {name: sha256},
    "redactions": {kind: n}}`; the JSONL file's SHA-256 equals the snapshot's `votes_sha256`,
    so `manage.py ratings --input` on either file reproduces that board. Raises
    OutputInvalid for an `output` that names a Parquet file.
    """
    progress(0, 3, _("투표 읽는 중"))
    rows = selectors.vote_rows(contest=contest, track=track, category=category)
    return _dataset_write(
        dataset.VOTES, contest=contest, rows=rows, directory=directory, output=output,
        snapshot=lambda digest: snapshot_for(contest=contest, track=track, category=category,
                                             digest=digest).pk,
        progress=progress,
    )


def judgments_export(*, contest: Contest, directory: Path | None = None,
                     output: Path | None = None, progress: Progress = _noop) -> dict:
    """Write the judgments dataset (DESIGN.md, experts by pseudonym); return the manifest.

    Placed as `dataset_export` places the vote dataset (judgments.jsonl, judgments.parquet and
    judgments-manifest.json in a folder); the same columns in both files; personal data in the
    experts' rationales is redacted and counted. `snapshot` is the expert board of record.
    `manage.py ratings --input` and `manage.py agreement --input` read either file.
    """
    progress(0, 3, _("판정 읽는 중"))

    def snapshot(digest: str) -> int | None:
        found = selectors.snapshot_latest(contest=contest, track=Track.EXPERT, category=None)
        return found.pk if found else None

    return _dataset_write(
        dataset.JUDGMENTS, contest=contest, rows=expert_source.judgment_rows(contest=contest),
        directory=directory, output=output, snapshot=snapshot, progress=progress,
    )


def manifest_verify(path: Path) -> list[str]:
    """Return the names of the files whose SHA-256 no longer matches the manifest (empty: intact).

    `path` is a folder (its manifest.json) or a manifest file; the files are beside it.
    """
    path = Path(path)
    manifest_path = path / MANIFEST_FILE if path.is_dir() else path
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    folder = manifest_path.parent
    return [
        name for name, digest in manifest["files"].items()
        if not (folder / name).exists() or dataset.file_sha256(folder / name) != digest
    ]


# --- leaderboards -------------------------------------------------------------------------

BOARD_HEADERS = (
    ("rank", "순위"), ("rank_ub", "순위 상한"), ("model", "모델"), ("team", "팀"),
    ("rating", "점수"), ("ci_lower", "95% 하한"), ("ci_upper", "95% 상한"),
    ("battles", "투표 수"), ("win_rate", "승률"), ("style_rating", "스타일 통제 점수"),
)


def boards_of_record(*, contest: Contest) -> list[dict]:
    """Return every board (track × overall and each category) of record, as table rows.

    Uses the snapshot frozen at closing when there is one, else the newest (computing it when
    none exists yet).
    """
    from voting.services import leaderboard_compute

    teams = dict(contest.entrants.values_list("display_name", "team__name"))
    track_labels = dict(Track.choices)
    boards = []
    for track in Track.values:
        for category in [None, *Category.objects.all()]:
            snapshot = selectors.snapshot_latest(contest=contest, track=track, category=category)
            if snapshot is None:
                snapshot = leaderboard_compute(contest=contest, track=track, category=category)
            style = {
                row["model"]: row["rating"]
                for row in (snapshot.payload.get("style_control") or {}).get("models", [])
            }
            rows = [
                {
                    **{key: entry.get(key) for key, _label in BOARD_HEADERS},
                    "team": teams.get(entry["model"], ""),
                    "style_rating": style.get(entry["model"]),
                }
                for entry in snapshot.payload.get("models", [])
            ]
            boards.append({
                "track": track,
                "track_label": str(track_labels[track]),
                "category": category.slug if category else None,
                "category_label": category.name if category else _("전체"),
                "snapshot": snapshot.pk,
                "frozen": snapshot.frozen,
                "votes": snapshot.votes,
                "votes_sha256": snapshot.votes_sha256,
                "computed_at": snapshot.computed_at.isoformat(),
                "models": rows,
            })
    return boards


def _sheet_title(board: dict, used: set[str]) -> str:
    title = f"{board['track_label']}-{board['category_label']}"
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    title = title[:31]
    base, n = title, 2
    while title in used:
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title)
    return title


def leaderboards_export(*, contest: Contest, directory: Path, progress: Progress = _noop) -> dict:
    """Write leaderboards.csv, leaderboards.json and leaderboards.xlsx; return {name: sha256}.

    Korean headers; the workbook has one sheet per track and category.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    progress(0, 4, _("순위표 모으는 중"))
    boards = boards_of_record(contest=contest)
    progress(1, 4, "CSV")
    with open(directory / "leaderboards.csv", "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([_("트랙"), _("분야"), *[label for _key, label in BOARD_HEADERS]])
        for board in boards:
            for row in board["models"]:
                writer.writerow([board["track_label"], board["category_label"],
                                 *[row[key] for key, _label in BOARD_HEADERS]])
    progress(2, 4, "JSON")
    document = {"contest": contest.slug, "phase": contest.phase, "boards": [
        {key: value for key, value in board.items() if not key.endswith("_label")}
        for board in boards
    ]}
    (directory / "leaderboards.json").write_text(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    progress(3, 4, "Excel")
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for board in boards:
        sheet = workbook.create_sheet(_sheet_title(board, used))
        sheet.append([label for _key, label in BOARD_HEADERS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in board["models"]:
            sheet.append([row[key] for key, _label in BOARD_HEADERS])
        sheet.freeze_panes = "A2"
    workbook.save(directory / "leaderboards.xlsx")
    progress(4, 4, _("완료"))
    names = ("leaderboards.csv", "leaderboards.json", "leaderboards.xlsx")
    return {name: dataset.file_sha256(directory / name) for name in names}


# --- the per-team report ------------------------------------------------------------------

SAMPLE_BATTLES = 20
OUTCOME_LABELS = {"win": "승", "loss": "패", "tie": "무", "both_bad": "둘 다 별로"}


def _outcome(choice: str, side: str) -> str:
    if choice in (Vote.Choice.TIE, Vote.Choice.BOTH_BAD):
        return "tie" if choice == Vote.Choice.TIE else "both_bad"
    return "win" if choice == side else "loss"


def team_report_export(*, contest: Contest, team: Team, directory: Path,
                       progress: Progress = _noop) -> dict:
    """Write team-<slug>.xlsx: rating over time, win rate per opponent and per category, failure
    rates, and sample battles (prompts and the team's answers, redacted). Return
    `{"file", "sha256", "redactions"}`.

    Opponents are named (the report is for after publication), but no opponent answer is included.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

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

    def sheet(title: str, header: list[str], rows) -> None:
        page = workbook.create_sheet(title)
        page.append(header)
        for cell in page[1]:
            cell.font = Font(bold=True)
        for row in rows:
            page.append(list(row))
        page.freeze_panes = "A2"

    def rate(counter: Counter) -> float | None:
        played = sum(counter[k] for k in OUTCOME_LABELS)
        if not played:
            return None
        return round((counter["win"] + 0.5 * (counter["tie"] + counter["both_bad"])) / played, 4)

    total = Counter()
    for counter in per_opponent.values():
        total.update(counter)
    sheet("요약", ["대회", "팀", "모델", "투표된 대결", "승", "패", "무", "둘 다 별로", "승률"], [[
        contest.title, team.name, ", ".join(sorted(names)),
        sum(total[k] for k in OUTCOME_LABELS), total["win"], total["loss"], total["tie"],
        total["both_bad"], rate(total),
    ]])
    sheet("점수 추이", ["시각", "모델", "점수", "95% 하한", "95% 상한", "투표 수"], history)
    sheet("상대별 승률", ["상대 모델", "승", "패", "무", "둘 다 별로", "승률"], [
        [name, c["win"], c["loss"], c["tie"], c["both_bad"], rate(c)]
        for name, c in sorted(per_opponent.items())
    ])
    sheet("분야별 승률", ["분야", "승", "패", "무", "둘 다 별로", "승률"], [
        [name, c["win"], c["loss"], c["tie"], c["both_bad"], rate(c)]
        for name, c in sorted(per_category.items())
    ])
    sheet("실패율", ["모델", "응답 수", "실패", "실패율", "오류 코드별"], [
        [name, c["total"], c["error"], round(c["error"] / c["total"], 4) if c["total"] else None,
         ", ".join(f"{key[5:]}: {n}" for key, n in sorted(c.items()) if key.startswith("code:"))]
        for name, c in sorted(failures.items())
    ])
    sheet("대결 예시", ["대결 ID", "분야", "결과", "질문 (개인정보 가림)", "우리 답변 (개인정보 가림)"],
          samples)
    name = f"team-{team.slug}.xlsx"
    workbook.save(directory / name)
    progress(5, 5, _("완료"))
    return {"file": name, "sha256": dataset.file_sha256(directory / name),
            "redactions": dict(counts)}


# --- export jobs run from the console -----------------------------------------------------

JOB_KINDS = ("dataset", "judgments", "leaderboards", "teams")
JOB_TTL_SECONDS = 24 * 3600


def _job_key(job_id: str) -> str:
    return f"console-export:{job_id}"


def export_job_start(*, contest: Contest, kind: object) -> str:
    """Record a new export job and enqueue it (on commit); return its id.

    Raises InvalidInput for an unknown kind. The job's progress lives in the cache (Redis),
    where the worker updates it and the console page polls it.
    """
    import uuid

    from django.core.cache import cache
    from django.db import transaction

    from core.errors import InvalidInput
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
    from django.core.cache import cache

    if not isinstance(job_id, str) or not job_id.isalnum():
        return None
    return cache.get(_job_key(job_id))


def export_job_folder(job_id: str) -> Path:
    from django.conf import settings

    return Path(settings.EXPORTS_DIR) / job_id


def export_job_run(*, job_id: str, contest_id: int, kind: str) -> dict:
    """Run one export job (the Celery task's body), recording progress and the files made."""
    from django.core.cache import cache

    state = export_job_get(job_id) or {"id": job_id, "kind": kind, "files": []}
    contest = Contest.objects.get(pk=contest_id)

    def progress(done: int, total: int, label: str) -> None:
        state.update(status="running", done=done, total=total, label=str(label))
        cache.set(_job_key(job_id), state, JOB_TTL_SECONDS)

    folder = export_job_folder(job_id)
    try:
        if kind == "dataset":
            dataset_export(contest=contest, directory=folder, progress=progress)
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


# --- the public files of a published contest ----------------------------------------------

PUBLIC_FILES = (*DATASET_FILES, MANIFEST_FILE, *JUDGMENT_FILES, JUDGMENT_MANIFEST_FILE,
                "leaderboards.csv", "leaderboards.json", "leaderboards.xlsx",
                AUDIT_FILE, AUDIT_MANIFEST_FILE)


def published_folder(contest: Contest) -> Path:
    from django.conf import settings

    return Path(settings.EXPORTS_DIR) / "published" / contest.slug


def published_files_write(*, contest_id: int) -> list[str]:
    """Write the dataset, its manifest and the boards anyone may download once published.

    Does nothing unless the contest is published (a reopen cannot happen after publication, but a
    late task must not publish a draft). Returns the names written.
    """
    contest = Contest.objects.get(pk=contest_id)
    if contest.phase != Contest.Phase.PUBLISHED:
        return []
    folder = published_folder(contest)
    dataset_export(contest=contest, directory=folder)
    # Publication is also when the expert pairs are revealed: the judgments dataset names the
    # models each expert saw left and right.
    judgments_export(contest=contest, directory=folder)
    leaderboards_export(contest=contest, directory=folder)
    audit_publish(contest=contest, folder=folder)
    return sorted(path.name for path in folder.iterdir())


def published_files(contest: Contest) -> list[str]:
    """Return the public files that exist for a published contest (none before publication)."""
    if contest.phase != Contest.Phase.PUBLISHED:
        return []
    folder = published_folder(contest)
    return [name for name in PUBLIC_FILES if (folder / name).is_file()]
