"""Recompute the experts' agreement from a published judgments dataset (DESIGN.md).

    python manage.py agreement --input judgments.jsonl [--json]
"""
import json

from django.core.management.base import BaseCommand, CommandError

from expert import agreement
from voting.management.commands.ratings import jsonl_objects

REQUIRED = ("item_id", "model_a", "model_b", "winner", "expert")
WINNERS = agreement.WINNERS  # a tuple: a malformed label (a list) is refused, not a TypeError


def rows_read(path: str) -> list[dict]:
    """Return the rows of a judgments dataset, or raise CommandError naming the bad line."""
    rows = []
    for number, row in jsonl_objects(path):
        for key in REQUIRED:
            if row.get(key) in (None, ""):
                raise CommandError(f"line {number}: missing field {key!r}")
        criteria = row.get("criteria") or {}
        if not isinstance(criteria, dict):
            raise CommandError(f"line {number}: criteria must be an object")
        labels = [row["winner"], *criteria.values()]
        if row.get("gold_winner"):
            labels.append(row["gold_winner"])
        for label in labels:
            if label not in WINNERS:
                raise CommandError(f"line {number}: label {label!r} is not one of {sorted(WINNERS)}")
        if row["model_a"] == row["model_b"]:
            raise CommandError(f"line {number}: a model cannot be compared with itself")
        rows.append(row)
    return rows


class Command(BaseCommand):
    help = "Compute Krippendorff's alpha, Fleiss' kappa and each expert's reliability from a judgments dataset."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="The judgments dataset, one JSON object a line.")
        parser.add_argument(
            "--json", action="store_true", dest="compact",
            help="Print compact JSON on one line (the default is indented JSON).",
        )

    def handle(self, *args, input, compact, **options):
        output = agreement.report(rows_read(input))
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=None if compact else 2))
