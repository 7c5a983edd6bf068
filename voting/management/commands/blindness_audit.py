"""Measure how identifiable each model of a contest was from its answers, and store the audit.

    python manage.py blindness_audit --contest SLUG [--json] [--seed 0]

Trains classifiers on the contest's answers (citizens' battles and the expert track's
pre-generated answers), cross-validated by battle, and prints per model how often its answers
were attributed to it by writing, by length and by timing, against chance (docs/blindness.md).
"""
import json

from django.core.management.base import BaseCommand, CommandError

from contest.models import Contest
from stats.attribution import AuditImpossible
from voting.blindness.services import blindness_audit_run

KINDS = ("text", "length", "timing")


def _percent(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


class Command(BaseCommand):
    help = "Run the blindness audit of a contest: how often each model's answers are attributed to it."

    def add_arguments(self, parser):
        parser.add_argument("--contest", required=True, help="Contest slug.")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="Print the report as JSON.")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the folds (default 0).")

    def handle(self, *args, contest, as_json, seed, **options):
        found = Contest.objects.filter(slug=contest).first()
        if found is None:
            raise CommandError(f"No contest with slug {contest!r}.")
        try:
            audit = blindness_audit_run(contest=found, seed=seed)
        except AuditImpossible as error:
            raise CommandError(f"Contest {contest!r}: {error}") from error
        report = audit.report
        if as_json:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            f"Blindness audit #{audit.pk} of {found.slug}: {report['answers']} answers, "
            f"{report['groups']} battles, {report['folds']} folds; chance {_percent(report['chance'])}, "
            f"majority {_percent(report['majority_rate'])}"
        )
        width = max(len(model) for model in report["models"])
        self.stdout.write(f"{'model':<{width}}  answers  {'text':>7}  {'length':>7}  {'timing':>7}")
        for row in report["per_model"]:
            self.stdout.write(f"{row['model']:<{width}}  {row['answers']:>7}  "
                              + "  ".join(f"{_percent(row[kind]):>7}" for kind in KINDS))
        accuracy = "  ".join(f"{kind} {_percent((report[kind] or {}).get('accuracy'))}" for kind in KINDS)
        self.stdout.write(f"accuracy: {accuracy}")
        for name, count in report["left_out"].items():
            self.stdout.write(f"left out (too few answers): {name} {count}")
