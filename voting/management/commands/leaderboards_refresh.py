"""Recompute every leaderboard of a contest now (the organizer's on-demand refresh)."""
from django.core.management.base import BaseCommand, CommandError

from contest.models import Contest
from voting import boards


class Command(BaseCommand):
    help = "Recompute every leaderboard (each track, overall and per category) of a contest."

    def add_arguments(self, parser):
        parser.add_argument("--contest", help="Contest slug (default: every non-draft contest).")

    def handle(self, *args, contest=None, **options):
        contests = Contest.objects.exclude(phase=Contest.Phase.DRAFT)
        if contest:
            contests = Contest.objects.filter(slug=contest)
            if not contests.exists():
                raise CommandError(f"No contest with slug {contest!r}.")
        for each in contests:
            refreshed = boards.leaderboards_refresh(contest=each)
            self.stdout.write(f"{each.slug}: {len(refreshed)} boards up to date.")
