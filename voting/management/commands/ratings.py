"""Recompute a leaderboard from a published vote dataset (the Ratings CLI of DESIGN.md).

    python manage.py ratings --input votes.jsonl|votes.parquet [--bootstrap 1000] [--seed 0] [--json]

Prints the same JSON as /api/leaderboard's "models", "method" and "votes", plus "votes_sha256"
(the hash of the dataset's rows as canonical JSONL: compare it with the snapshot's and with the
manifest's `files["votes.jsonl"]`). Rows with `excluded` set are skipped; unknown fields are
ignored; a malformed line is an error that names its line number. Both formats are read with
pyarrow (columnar), see voting/dataset.py.
"""
import json

from django.core.management.base import BaseCommand, CommandError

from voting import counts, dataset, ratings

REQUIRED = ("model_a", "model_b", "winner")
WINNERS = set(counts.WINNER_LABELS)


def jsonl_objects(path: str):
    """Yield (line number, object) of a JSONL file, or raise CommandError naming the bad line."""
    try:
        handle = open(path, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}") from error
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise CommandError(f"line {number}: not valid JSON ({error.msg})") from error
            if not isinstance(row, dict):
                raise CommandError(f"line {number}: expected a JSON object")
            yield number, row


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
            "--json", action="store_true", dest="compact",
            help="Print compact JSON on one line (the default is indented JSON).",
        )

    def handle(self, *args, input, bootstrap, seed, compact, **options):
        if bootstrap < 0 or bootstrap > 100_000:
            raise CommandError("--bootstrap must be between 0 and 100000.")
        try:
            columns = dataset.votes_read(input)
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
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=None if compact else 2))
