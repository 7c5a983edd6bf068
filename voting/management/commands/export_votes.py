"""Write the public vote dataset: one JSON object a line, plus a manifest with its SHA-256."""
import hashlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contest.models import Category, Contest
from voting import selectors
from voting.models import Track


class Command(BaseCommand):
    help = "Export the vote dataset (JSONL) and a manifest (row count, SHA-256) for a contest."

    def add_arguments(self, parser):
        parser.add_argument("--contest", required=True, help="Contest slug.")
        parser.add_argument("--track", default=Track.CITIZEN, choices=Track.values)
        parser.add_argument("--category", help="Only this category's battles (slug).")
        parser.add_argument("--output", required=True, help="Path of the JSONL file to write.")

    def handle(self, *args, contest, track, category, output, **options):
        found = Contest.objects.filter(slug=contest).first()
        if found is None:
            raise CommandError(f"No contest with slug {contest!r}.")
        chosen = None
        if category:
            chosen = Category.objects.filter(slug=category).first()
            if chosen is None:
                raise CommandError(f"No category with slug {category!r}.")
        rows = selectors.vote_rows(contest=found, track=track, category=chosen)
        path = Path(output)
        digest = hashlib.sha256()
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                line = selectors.vote_line(row)
                digest.update(line.encode())
                out.write(line)
        manifest = {
            "file": path.name,
            "rows": len(rows),
            "sha256": digest.hexdigest(),
            "contest": found.slug,
            "track": track,
            "category": category,
            "generated_at": timezone.now().isoformat(),
            "recompute": f"python manage.py ratings --input {path.name} --bootstrap 1000 --seed 0",
        }
        manifest_path = path.with_name(path.name + ".manifest.json")
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
        self.stdout.write(f"Wrote {len(rows)} rows to {path} (sha256 {manifest['sha256']}).")
