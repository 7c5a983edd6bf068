"""Write the expert judgments dataset to a file of your choosing, through the one dataset writer.

    python manage.py export_judgments --contest demo --output judgments.jsonl

Writes judgments.jsonl, judgments.parquet beside it and judgments.jsonl.manifest.json: the same
files, the same redaction of rationales and the same manifest as the console and
`contest_export --what judgments` (voting.exports); the manifest also keeps the old `file` and
`sha256` keys.
"""
from django.core.management.base import BaseCommand

from voting import exports
from voting.management.commands.contest_export import contest_get, written


class Command(BaseCommand):
    help = "Export the expert judgments dataset (JSONL and Parquet) and its manifest for a contest."

    def add_arguments(self, parser):
        parser.add_argument("--contest", required=True, help="Contest slug.")
        parser.add_argument("--output", required=True, help="Path of the JSONL file to write.")

    def handle(self, *args, contest, output, **options):
        found = contest_get(contest)
        with written(output):
            manifest = exports.judgments_export(contest=found, output=output)
        self.stdout.write(f"Wrote {manifest['rows']} rows to {output} (sha256 {manifest['sha256']}).")
