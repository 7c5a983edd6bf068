"""Write a contest's exports into a folder, with a progress bar in the terminal.

    python manage.py contest_export --contest demo --output out/ [--what dataset|judgments|leaderboards|team|all]
                                    [--team SLUG]

dataset: votes.jsonl, votes.parquet and manifest.json (DESIGN.md's vote dataset);
leaderboards: leaderboards.csv, .json and .xlsx; team: team-<slug>.xlsx for --team (or every team).
"""
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from contest.models import Contest, Team
from voting import exports

BAR_WIDTH = 30


def terminal_progress(stream):
    """Return a progress callback that redraws one line on `stream` (when it is a terminal)."""
    def draw(done: int, total: int, label: str) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        line = f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {label}"
        stream.write(line.ljust(BAR_WIDTH + 40))
        if done >= total:
            stream.write("\n")
        stream.flush()
    return draw


class Command(BaseCommand):
    help = "Export a contest's vote dataset, leaderboards or team reports into a folder."

    def add_arguments(self, parser):
        parser.add_argument("--contest", required=True, help="Contest slug.")
        parser.add_argument("--output", required=True, help="Folder to write into (created).")
        parser.add_argument("--what", default="all", choices=["dataset", "judgments", "leaderboards", "team", "all"])
        parser.add_argument("--team", help="Team slug for --what team (default: every team).")
        parser.add_argument("--track", default="citizen", choices=["citizen", "panel"],
                            help="The vote dataset of this track (panel: the 국민평가단's votes).")

    def handle(self, *args, contest, output, what, team, track, **options):
        found = Contest.objects.filter(slug=contest).first()
        if found is None:
            raise CommandError(f"No contest with slug {contest!r}.")
        progress = terminal_progress(sys.stderr)
        if what in ("dataset", "all"):
            manifest = exports.dataset_export(contest=found, directory=output, track=track,
                                              progress=progress)
            self.stdout.write(json.dumps(manifest, ensure_ascii=False))
        if what in ("judgments", "all"):
            manifest = exports.judgments_export(contest=found, directory=output, progress=progress)
            self.stdout.write(json.dumps(manifest, ensure_ascii=False))
        if what in ("leaderboards", "all"):
            files = exports.leaderboards_export(contest=found, directory=output, progress=progress)
            self.stdout.write(json.dumps(files, ensure_ascii=False))
        if what in ("team", "all"):
            teams = Team.objects.filter(entrants__contest=found).distinct()
            if team:
                teams = teams.filter(slug=team)
                if not teams.exists():
                    raise CommandError(f"No team {team!r} in contest {contest!r}.")
            for each in teams:
                report = exports.team_report_export(
                    contest=found, team=each, directory=output, progress=progress
                )
                self.stdout.write(json.dumps(report, ensure_ascii=False))
