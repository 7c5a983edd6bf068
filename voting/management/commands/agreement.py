"""Recompute the experts' agreement from a published judgments dataset (DESIGN.md).

    python manage.py agreement --input judgments.jsonl [--json]
"""
import json

from django.core.management.base import BaseCommand, CommandError

from voting import agreement

REQUIRED = ("item_id", "model_a", "model_b", "winner", "expert")
WINNERS = set(agreement.WINNERS)


def rows_read(path: str) -> list[dict]:
    """Return the rows of a judgments dataset, or raise CommandError naming the bad line."""
    rows = []
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
            for key in REQUIRED:
                if row.get(key) in (None, ""):
                    raise CommandError(f"line {number}: missing field {key!r}")
            labels = [row["winner"], *(row.get("criteria") or {}).values()]
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
