"""Write the public vote dataset to a file of your choosing, through the one dataset writer.

    python manage.py export_votes --contest demo --output votes.jsonl [--track citizen] [--category SLUG]

Writes votes.jsonl, votes.parquet beside it and votes.jsonl.manifest.json: the same files, the
same redaction and the same manifest as the console and `contest_export` (voting.exports);
the manifest also keeps the old `file` and `sha256` keys.
"""
from django.core.management.base import BaseCommand, CommandError

from contest.models import Category
from voting import exports
from voting.management.commands.contest_export import contest_get, written
from voting.models import Track


class Command(BaseCommand):
    help = "Export the vote dataset (JSONL and Parquet) and its manifest for a contest."

    def add_arguments(self, parser):
        parser.add_argument("--contest", required=True, help="Contest slug.")
        parser.add_argument("--track", default=Track.CITIZEN, choices=Track.values)
        parser.add_argument("--category", help="Only this category's battles (slug).")
        parser.add_argument("--output", required=True, help="Path of the JSONL file to write.")

    def handle(self, *args, contest, track, category, output, **options):
        found = contest_get(contest)
        chosen = None
        if category:
            chosen = Category.objects.filter(slug=category).first()
            if chosen is None:
                raise CommandError(f"No category with slug {category!r}.")
        with written(output):
            manifest = exports.dataset_export(contest=found, track=track, category=chosen,
                                              output=output)
        self.stdout.write(f"Wrote {manifest['rows']} rows to {output} (sha256 {manifest['sha256']}).")
