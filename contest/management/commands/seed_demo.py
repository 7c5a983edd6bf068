"""Create the demo contest: the five teams of the programme against the mock team server."""
import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from contest.models import Category, Contest, Entrant, Team

DEMO_TEAMS = [
    # (team slug, team name, model display name, mock persona)
    ("naver-cloud", "네이버클라우드", "HyperCLOVA X", "hyperclova"),
    ("lg-ai-research", "LG AI연구원", "EXAONE", "exaone"),
    ("skt", "SK텔레콤", "A.X", "ax"),
    ("upstage", "업스테이지", "Solar", "solar"),
    ("nc-ai", "NC AI", "VARCO", "varco"),
]

DEMO_CATEGORIES = [
    ("general", "일반 대화"),
    ("writing", "글쓰기"),
    ("coding", "코딩"),
    ("korean-culture", "한국 문화·역사"),
    ("reasoning", "수학·추론"),
]


class Command(BaseCommand):
    help = "Create (or update) the demo contest with the five teams on the mock team server."

    def add_arguments(self, parser):
        parser.add_argument(
            "--mock-url",
            default=os.environ.get("MOCK_TEAMS_URL", "http://127.0.0.1:8100"),
            help="Base address of the mock team server (default: $MOCK_TEAMS_URL or port 8100).",
        )

    @transaction.atomic
    def handle(self, *args, mock_url, **options):
        contest, _ = Contest.objects.update_or_create(
            slug="demo",
            defaults={"title": "K-AI 아레나 데모 대결", "phase": Contest.Phase.OPEN},
        )
        for slug, name in DEMO_CATEGORIES:
            Category.objects.update_or_create(slug=slug, defaults={"name": name})
        for team_slug, team_name, model_name, persona in DEMO_TEAMS:
            team, _ = Team.objects.update_or_create(slug=team_slug, defaults={"name": team_name})
            Entrant.objects.update_or_create(
                contest=contest,
                display_name=model_name,
                defaults={
                    "team": team,
                    "base_url": f"{mock_url.rstrip('/')}/{persona}/v1",
                    "model": f"{persona}-demo",
                    "api_key_env": "",
                    "params": {"temperature": 0.7, "max_tokens": 1024},
                    "timeout_seconds": 60,
                    "enabled": True,
                },
            )
        self.stdout.write(
            self.style.SUCCESS(f"Demo contest '{contest.slug}' ready with {len(DEMO_TEAMS)} teams.")
        )
        if not settings.PRODUCTION:
            self.organizer_seed()

    def organizer_seed(self) -> None:
        """Give the demo an organizer account with a fresh random password, printed once.

        Never in production: there organizers are real accounts made by an administrator.
        """
        password = secrets.token_urlsafe(9)
        user, _ = get_user_model().objects.get_or_create(username="organizer")
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get_or_create(name="organizers")[0])
        self.stdout.write(
            f"Organizer console: /console/  (user 'organizer', password '{password}', new each run)"
        )
