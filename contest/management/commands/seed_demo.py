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

# Names that give each team away in an answer (docs/integrity.md explains the syntax; "~"
# marks a name that is also an ordinary word). Migration contest 0003_team_identity_terms
# holds the same list for existing databases.
IDENTITY_TERMS = {
    "naver-cloud": "하이퍼클로바, HyperCLOVA, 네이버, NAVER",
    "lg-ai-research": "엑사원, EXAONE, LG",
    "skt": "에이닷, A.X, SK텔레콤, SKT",
    "upstage": "~솔라, ~Solar, 업스테이지, Upstage",
    "nc-ai": "바르코, VARCO, 엔씨, NC",
}

DEMO_CATEGORIES = [
    ("general", "일반 대화"),
    ("writing", "글쓰기"),
    ("coding", "코딩"),
    ("korean-culture", "한국 문화·역사"),
    ("reasoning", "수학·추론"),
]

# A few prompts per category that a citizen can start from with one tap (organizers edit them
# in the admin: Category.examples, one a line).
DEMO_EXAMPLES = {
    "general": [
        "비 오는 주말에 집에서 할 만한 일을 다섯 가지 추천해 줘",
        "처음 만난 사람과 어색하지 않게 대화를 시작하는 방법은?",
        "잠이 잘 오지 않을 때 해 볼 만한 습관을 알려 줘",
    ],
    "writing": [
        "퇴임하시는 선생님께 드릴 감사 편지를 짧게 써 줘",
        "동네 빵집을 소개하는 따뜻한 블로그 글 첫 문단을 써 줘",
        "'가을'을 주제로 네 줄짜리 시를 지어 줘",
    ],
    "coding": [
        "파이썬으로 리스트에서 중복을 없애되 순서는 지키는 방법을 알려 줘",
        "SQL에서 LEFT JOIN과 INNER JOIN의 차이를 예시로 설명해 줘",
        "자바스크립트의 let과 const는 언제 각각 쓰면 좋을까?",
    ],
    "korean-culture": [
        "조선 시대 과거 제도를 중학생도 알기 쉽게 설명해 줘",
        "설날과 추석의 전통 음식과 그 의미를 비교해 줘",
        "훈민정음 창제의 배경과 의의를 세 문단으로 정리해 줘",
    ],
    "reasoning": [
        "1부터 100까지 자연수 중 3의 배수도 5의 배수도 아닌 수는 몇 개야?",
        "시계의 시침과 분침이 3시 이후 처음으로 겹치는 시각은 언제야?",
        "동전 세 개를 던질 때 앞면이 두 개 이상 나올 확률을 풀이와 함께 알려 줘",
    ],
}


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
        # Declared once, when the demo is made: four of five advance on the citizens' board,
        # pairs drawn toward that decision (a later change needs a reason, in the console).
        contest, _ = Contest.objects.update_or_create(
            slug="demo",
            defaults={"title": "K-AI 아레나 데모 대결", "phase": Contest.Phase.OPEN},
            create_defaults={"title": "K-AI 아레나 데모 대결", "phase": Contest.Phase.OPEN,
                             "advance_k": 4, "pair_draw": Contest.PairDraw.DECISION},
        )
        for slug, name in DEMO_CATEGORIES:
            Category.objects.update_or_create(
                slug=slug, defaults={"name": name, "examples": "\n".join(DEMO_EXAMPLES[slug])}
            )
        for team_slug, team_name, model_name, persona in DEMO_TEAMS:
            team, _ = Team.objects.update_or_create(
                slug=team_slug,
                defaults={"name": team_name, "identity_terms": IDENTITY_TERMS[team_slug]},
            )
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
            self.panel_seed(contest)

    def panel_seed(self, contest) -> None:
        """Give the demo a 국민평가단 with rough population quotas and print three fresh codes."""
        from contest.models import Panel
        from contest.services import panel_invites_create

        panel, _ = Panel.objects.get_or_create(contest=contest, defaults={"quotas": {
            "gender": {"여성": 0.5, "남성": 0.5},
            "age_band": {"10대": 0.08, "20대": 0.16, "30대": 0.16, "40대": 0.19, "50대": 0.2,
                         "60대 이상": 0.21},
        }})
        codes = panel_invites_create(panel=panel, count=3)
        self.stdout.write(f"국민평가단 invite codes for /panel/join/: {', '.join(codes)}")

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
