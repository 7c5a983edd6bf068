"""Write the expert judgments dataset (DESIGN.md): JSONL, experts pseudonymised, plus a manifest."""
import hashlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from contest.models import Contest
from voting import selectors, selectors_expert


class Command(BaseCommand):
    help = "Export the expert judgments dataset (JSONL) and a manifest (rows, SHA-256) for a contest."

    def add_arguments(self, parser):
        parser.add_argument("--contest", required=True, help="Contest slug.")
        parser.add_argument("--output", required=True, help="Path of the JSONL file to write.")

    def handle(self, *args, contest, output, **options):
        found = Contest.objects.filter(slug=contest).first()
        if found is None:
            raise CommandError(f"No contest with slug {contest!r}.")
        rows = selectors_expert.judgment_rows(contest=found)
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
            "track": "expert",
            "generated_at": timezone.now().isoformat(),
            "recompute": [
                f"python manage.py ratings --input {path.name} --bootstrap 1000 --seed 0",
                f"python manage.py agreement --input {path.name}",
            ],
        }
        path.with_name(path.name + ".manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        )
        self.stdout.write(f"Wrote {len(rows)} rows to {path} (sha256 {manifest['sha256']}).")
