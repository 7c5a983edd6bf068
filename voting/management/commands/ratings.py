"""Recompute a leaderboard from a published vote dataset (the Ratings CLI of DESIGN.md).

    python manage.py ratings --input votes.jsonl|votes.parquet [--bootstrap 1000] [--seed 0] [--json]
        [--style-features style-features.jsonl [--style-bootstrap 100] [--style-min-votes 50]]

Prints the same JSON as /api/leaderboard's "models", "method" and "votes", plus "votes_sha256"
(the hash of the dataset's rows as canonical JSONL: compare it with the snapshot's and with the
manifest's `files["votes.jsonl"]`). Rows with `excluded` set are skipped; unknown fields are
ignored; a malformed line is an error that names its line number. Both formats are read with
pyarrow (columnar), see voting/dataset.py.

With --style-features (the file published beside the vote dataset, voting/style_publication.py)
the output also has "style_control": the leaderboard's style-controlled board, computed by the
same function (stats.style.style_board) with the board's defaults (settings.LEADERBOARD).
"""
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from stats import counts, ratings, style
from voting import dataset
from voting.style_publication import StyleFeaturesInvalid, style_features_read

REQUIRED = ("model_a", "model_b", "winner")
WINNERS = set(counts.WINNER_LABELS)


def jsonl_objects(path: str):
    """Yield (line number, object) of a JSONL file, or raise CommandError naming the bad line."""
    try:
        yield from dataset.jsonl_rows(path)
    except dataset.DatasetError as error:
        raise CommandError(str(error)) from error


def rows_read(path: str) -> tuple[list[str], list[str], list[str]]:
    """Return the counted rows' model_a, model_b and winner columns, or raise CommandError."""
    columns: tuple[list[str], list[str], list[str]] = ([], [], [])
    for number, row in jsonl_objects(path):
        if row.get("excluded"):
            continue
        for key in REQUIRED:
            if not isinstance(row.get(key), str) or not row[key]:
                raise CommandError(f"line {number}: missing or non-text field {key!r}")
        if row["winner"] not in WINNERS:
            raise CommandError(
                f"line {number}: winner {row['winner']!r} is not one of {sorted(WINNERS)}"
            )
        if row["model_a"] == row["model_b"]:
            raise CommandError(f"line {number}: a model cannot battle itself")
        for column, key in zip(columns, REQUIRED):
            column.append(row[key])
    return columns


class Command(BaseCommand):
    help = "Compute Bradley–Terry ratings with bootstrap intervals from a vote dataset (JSONL or Parquet)."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="The vote dataset: .jsonl (one JSON object a line) or .parquet.")
        parser.add_argument("--bootstrap", type=int, default=1000, help="Bootstrap rounds (default 1000).")
        parser.add_argument("--seed", type=int, default=0, help="Bootstrap seed (default 0).")
        parser.add_argument(
            "--style-features", dest="style_features",
            help="The published style-features.jsonl: also print the style-controlled board.",
        )
        parser.add_argument(
            "--style-bootstrap", type=int, dest="style_bootstrap",
            default=settings.LEADERBOARD["STYLE_BOOTSTRAP_ROUNDS"],
            help="Bootstrap rounds of the style-controlled board (default: the leaderboard's).",
        )
        parser.add_argument(
            "--style-min-votes", type=int, dest="style_min_votes",
            default=settings.LEADERBOARD["STYLE_MIN_VOTES"],
            help="Votes below which no style-controlled board is fitted (default: the leaderboard's).",
        )
        parser.add_argument(
            "--json", action="store_true", dest="compact",
            help="Print compact JSON on one line (the default is indented JSON).",
        )

    def handle(self, *args, input, bootstrap, seed, compact, style_features=None,
               style_bootstrap=100, style_min_votes=50, **options):
        for flag, value in (("--bootstrap", bootstrap), ("--style-bootstrap", style_bootstrap)):
            if value < 0 or value > 100_000:
                raise CommandError(f"{flag} must be between 0 and 100000.")
        if style_min_votes < 0:
            raise CommandError("--style-min-votes must not be negative.")
        try:
            columns = dataset.votes_read(input, with_ids=bool(style_features))
        except dataset.DatasetError as error:
            if input.lower().endswith(".jsonl"):
                rows_read(input)  # names the malformed line, when there is one
            raise CommandError(str(error)) from error
        pairs = counts.aggregate_encoded(
            columns.models, columns.code_a, columns.code_b, columns.outcome
        )
        board = ratings.leaderboard_from_counts(pairs, bootstrap_rounds=bootstrap, seed=seed)
        output = {
            "models": board["models"],
            "method": board["method"],
            "votes": board["votes"],
            "votes_sha256": dataset.votes_sha256(input),
        }
        if style_features:
            output["style_control"] = self.style_board(
                columns, style_features, rounds=style_bootstrap, seed=seed,
                min_votes=style_min_votes)
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=None if compact else 2))

    @staticmethod
    def style_board(columns, path: str, *, rounds: int, seed: int, min_votes: int) -> dict:
        try:
            features_a, features_b = style_features_read(path, columns.battle_ids)
        except StyleFeaturesInvalid as error:
            raise CommandError(str(error)) from error
        names = columns.models
        return style.style_board(
            [names[code] for code in columns.code_a], [names[code] for code in columns.code_b],
            [counts.WINNER_LABELS[code] for code in columns.outcome], features_a, features_b,
            min_votes=min_votes, bootstrap_rounds=rounds, seed=seed,
        )
