"""Exports an organizer publishes: the vote and judgment datasets, the leaderboards, and the
public files of a published contest.

Every function writes files into a directory it is given and returns what it wrote; the console
(its export jobs, voting/export_jobs.py) and the management commands are thin shells over them.
`progress(done, total, label)` is called as work advances, so both can draw a progress bar. The
per-team report is voting/team_report.py; the leaderboards' files are voting/board_files.py and the
style features beside the vote dataset voting/style_publication.py.

Privacy: the vote dataset has only the fixed columns of DESIGN.md (the reason tags a citizen
ticked after voting, fixed labels and never free text, are a file beside it,
voting/companions.py); voters appear as salted,
keyed hashes (voting.pseudonyms.voter_hash), never as a session key, IP address or account. Every
prompt or answer that leaves the site (the team report's sample battles, the experts'
rationales) passes through voting.redaction, and the counts of what was redacted are returned
(and put in the manifest).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from django.utils.translation import gettext as _

from contest.models import Category, Contest
from voting import dataset, expert_source, redaction, selectors
from voting.blindness.publication import AUDIT_FILE, AUDIT_MANIFEST_FILE, audit_publish
from voting.board_files import BOARD_HEADERS, boards_of_record, leaderboards_export  # noqa: F401
from voting.boards import leaderboard_compute
from voting.companions import (
    DRAWS_FILE,
    DRAWS_MANIFEST_FILE,
    REASONS_FILE,
    REASONS_MANIFEST_FILE,
    draws_publish,
    reasons_publish,
)
from voting.style_publication import STYLE_FILE, STYLE_MANIFEST_FILE, style_features_publish
from voting.models import LeaderboardSnapshot, Track

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


def progress_none(done: int, total: int, label: str) -> None:
    return None


def snapshot_for(*, contest: Contest, track: str, category: Category | None, digest: str
                 ) -> LeaderboardSnapshot:
    """Return the snapshot computed from exactly these votes (frozen first), computing it if none."""
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
                   progress: Progress = progress_none) -> dict:
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
                     output: Path | None = None, progress: Progress = progress_none) -> dict:
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


# --- the public files of a published contest ----------------------------------------------

CONTEST_FILE = "contest.json"
PUBLIC_FILES = (CONTEST_FILE, *DATASET_FILES, MANIFEST_FILE, STYLE_FILE, STYLE_MANIFEST_FILE,
                REASONS_FILE, REASONS_MANIFEST_FILE, DRAWS_FILE, DRAWS_MANIFEST_FILE,
                *JUDGMENT_FILES,
                JUDGMENT_MANIFEST_FILE, "leaderboards.csv", "leaderboards.json", "leaderboards.xlsx",
                AUDIT_FILE, AUDIT_MANIFEST_FILE)


def contest_settings_write(*, contest: Contest, folder: Path) -> None:
    """Write what every battle of the contest was run under: the one system prompt every entrant
    was sent (fixed once the contest opened), whether the two answers were paced, the decision
    rule declared before it opened (with every later change and its reason) and the round
    before, if any."""
    changes = [{"at": change.created_at.isoformat(), "before": change.before,
                "after": change.after, "reason": change.reason}
               for change in contest.rule_changes.order_by("created_at", "pk")]
    document = {"contest": contest.slug, "title": contest.title,
                "system_prompt": contest.system_prompt, "paced_streams": contest.paced_streams,
                "decision_rule": contest.rule(), "decision_rule_changes": changes,
                "previous_round": contest.previous_round.slug if contest.previous_round else None}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CONTEST_FILE).write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")


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
    contest_settings_write(contest=contest, folder=folder)
    dataset_export(contest=contest, directory=folder)
    style_features_publish(contest=contest, folder=folder)
    reasons_publish(contest=contest, folder=folder)
    draws_publish(contest=contest, folder=folder)
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
