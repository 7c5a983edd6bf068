"""The files published beside the vote dataset, whose columns are DESIGN.md's contract: each adds
what its own use needs, keyed by `battle_id`, with a manifest of its own (DESIGN.md's keys, as
the blindness audit's, voting/blindness/publication.py).

- `style-features.jsonl`: each side's style, for the style-controlled board
  (voting/style_publication.py);
- `vote-reasons.jsonl`: the reason tags a citizen ticked after voting (voting.reasons), one row
  per vote that has any: `battle_id`, `reasons` (the tags' slugs, in their list's order) and,
  when the citizen left one, `comment` (their short comment, redacted as prompts are).
- `pair-draws.jsonl`: the probability with which each voted battle's pair was drawn
  (arena.draw; the contest's `pair_draw` setting is in contest.json), one row per vote:
  `battle_id` and `pair_probability`. The draw depends only on earlier votes, so the fit
  needs no weighting; the file lets anyone check the design (docs/decision.md).
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from contest.models import Contest
from voting import dataset, redaction, selectors
from voting.models import Track

REASONS_FILE = "vote-reasons.jsonl"
REASONS_MANIFEST_FILE = "vote-reasons-manifest.json"
DRAWS_FILE = "pair-draws.jsonl"
DRAWS_MANIFEST_FILE = "pair-draws-manifest.json"


def companion_write(*, contest: Contest, folder: Path, name: str, manifest_name: str,
                    lines: list[dict], redactions: Counter | None = None) -> dict:
    """Write `lines` as canonical JSONL to `folder/name` and its manifest; return the manifest.

    The manifest's `snapshot` is the citizen board of record the file goes with.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dataset.jsonl_write(lines, folder / name)
    board = selectors.snapshot_latest(contest=contest, track=Track.CITIZEN, category=None)
    manifest = {
        "contest": contest.slug,
        "phase": contest.phase,
        "snapshot": board.pk if board else None,
        "rows": len(lines),
        "files": {name: dataset.file_sha256(folder / name)},
        "redactions": dict(redactions or {}),
    }
    (folder / manifest_name).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


def reasons_publish(*, contest: Contest, folder: Path) -> dict:
    """Write REASONS_FILE (the citizens' reason tags and comments) and its manifest into `folder`."""
    redactions = redaction.counts_empty()
    lines = selectors.vote_reasons_rows(contest=contest, redactions=redactions)
    return companion_write(contest=contest, folder=folder, name=REASONS_FILE,
                           manifest_name=REASONS_MANIFEST_FILE, lines=lines, redactions=redactions)


def draws_publish(*, contest: Contest, folder: Path) -> dict:
    """Write DRAWS_FILE (each voted battle's pair probability) and its manifest into `folder`."""
    return companion_write(contest=contest, folder=folder, name=DRAWS_FILE,
                           manifest_name=DRAWS_MANIFEST_FILE,
                           lines=selectors.pair_draw_rows(contest=contest))
