"""The style features beside the published vote dataset: what makes the style-controlled board
recomputable without adding columns to the vote dataset (its columns are DESIGN.md's contract).

`style-features.jsonl` has one row per row of the vote dataset: its `battle_id` and each side's
style (stats.style.STYLE_FEATURES, suffixed `_a` and `_b`: `length_a`, `headers_a`, ...), counted
on the answers' full texts over all turns, as the leaderboard counts them. It has a manifest of
its own with DESIGN.md's keys (voting/companions.py).

    python manage.py ratings --input votes.jsonl --style-features style-features.jsonl

prints the citizen board's style-controlled column beside the plain one; the command reads the
file with voting/style_features.py.
"""
from __future__ import annotations

from pathlib import Path

from contest.models import Contest
from voting import selectors
from voting.companions import companion_write
from voting.models import Track
from stats.style import STYLE_FEATURES, style_features

STYLE_FILE = "style-features.jsonl"
STYLE_MANIFEST_FILE = "style-features-manifest.json"


def style_rows(rows: list[dict], texts: dict[tuple[str, str], str]) -> list[dict]:
    """Return one style row per vote row (`texts` is selectors.answer_texts of their ids)."""
    published = []
    for row in rows:
        line = {"battle_id": row["battle_id"]}
        for side in ("a", "b"):
            measured = style_features(texts.get((row["battle_id"], side), ""))
            line.update({f"{name}_{side}": int(measured[name]) for name in STYLE_FEATURES})
        published.append(line)
    return published


def style_features_publish(*, contest: Contest, folder: Path) -> dict:
    """Write STYLE_FILE for the citizen vote dataset's rows and its manifest into `folder`.

    The manifest's `snapshot` is the citizen board whose style column the file reproduces;
    `rows` equals the vote dataset's rows. Return the manifest.
    """
    rows = selectors.vote_rows(contest=contest, track=Track.CITIZEN)
    lines = style_rows(rows, selectors.answer_texts([row["battle_id"] for row in rows]))
    return companion_write(contest=contest, folder=folder, name=STYLE_FILE,
                           manifest_name=STYLE_MANIFEST_FILE, lines=lines)
