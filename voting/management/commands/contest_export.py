"""Write a contest's exports into a folder, with a progress bar in the terminal.

    python manage.py contest_export --contest demo --output out/ [--what dataset|judgments|leaderboards|team|all]
                                    [--team SLUG]

dataset: votes.jsonl, votes.parquet and manifest.json (DESIGN.md's vote dataset); judgments:
judgments.jsonl, judgments.parquet and judgments-manifest.json. Both are written by the one
dataset writer (voting.exports) that the console and `export_votes`/`export_judgments` use;
leaderboards: leaderboards.csv, .json and .xlsx; team: team-<slug>.xlsx for --team (or every team).
"""
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from contest.models import Contest, Team
from voting import exports, team_report
from voting.companions import reasons_publish
from voting.style_publication import style_features_publish

BAR_WIDTH = 30


def contest_get(slug: str) -> Contest:
    """Return the contest, or raise CommandError naming the slug."""
    found = Contest.objects.filter(slug=slug).first()
    if found is None:
        raise CommandError(f"No contest with slug {slug!r}.")
    return found


@contextmanager
def written(output: str) -> Iterator[None]:
    """Turn a path that cannot be written into a CommandError instead of a traceback."""
    try:
        yield
    except exports.OutputInvalid as error:
        raise CommandError(str(error)) from error
    except OSError as error:
        raise CommandError(f"Cannot write {output}: {error.strerror or error}") from error


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
        found = contest_get(contest)
        progress = terminal_progress(sys.stderr)
        with written(output):
            self._write(found, output, what, team, track, progress)

    def _write(self, found, output, what, team, track, progress):
        if what in ("dataset", "all"):
            manifest = exports.dataset_export(contest=found, directory=output, track=track,
                                              progress=progress)
            self.stdout.write(json.dumps(manifest, ensure_ascii=False))
            if track == "citizen":
                for publish in (style_features_publish, reasons_publish):
                    manifest = publish(contest=found, folder=Path(output))
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
                    raise CommandError(f"No team {team!r} in contest {found.slug!r}.")
            for each in teams:
                report = team_report.team_report_export(
                    contest=found, team=each, directory=output, progress=progress
                )
                self.stdout.write(json.dumps(report, ensure_ascii=False))
