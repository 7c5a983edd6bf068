"""Seed the demo's expert track: a small prompt set in three domains, its answers, pairs and two
demo experts with their queues. Run by `manage.py demo` once the worker and mock teams are up.

Idempotent: a second run adds only what is missing.
"""
import os
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from config.roles import EXPERTS
from contest.models import Contest
from expert import selectors, services
from expert.models import ExpertProfile, Pair, Prompt, PromptSet

TITLE = "데모 전문가 질문 세트"
PROMPTS = [
    ("law", "전세 계약이 끝났는데 집주인이 보증금을 돌려주지 않습니다. 세입자가 할 수 있는 절차를 순서대로 알려 주세요."),
    ("law", "근로계약서 없이 석 달 일했습니다. 퇴직금과 주휴수당을 받을 수 있나요?"),
    ("medicine", "고혈압 약을 먹는 사람이 감기약을 함께 먹어도 되는지, 주의할 성분을 알려 주세요."),
    ("medicine", "소아 열성 경련이 났을 때 보호자가 해야 할 일과 하지 말아야 할 일을 정리해 주세요."),
    ("coding", "파이썬에서 큰 CSV 파일을 메모리를 적게 쓰며 한 줄씩 처리하는 방법을 예제 코드와 함께 설명해 주세요."),
    ("coding", "SQL에서 LEFT JOIN과 INNER JOIN의 차이를 예시 테이블로 설명해 주세요."),
]
EXPERTS_DEMO = [("expert1", ["law", "medicine", "coding"]), ("expert2", ["law", "medicine", "coding"])]
PAIRS = 12
GOLD = 2
JUDGES_PER_PAIR = 2


class Command(BaseCommand):
    help = "Seed the demo expert track (prompt set, pre-generated answers, pairs, two experts)."

    def add_arguments(self, parser):
        parser.add_argument("--contest", default="demo")
        parser.add_argument("--wait", type=float, default=120, help="Seconds to wait for pre-generation.")

    def handle(self, *args, contest, wait, **options):
        found = Contest.objects.filter(slug=contest).first()
        if found is None:
            raise CommandError(f"No contest {contest!r}: run seed_demo first.")
        prompt_set, _ = PromptSet.objects.get_or_create(contest=found, title=TITLE)
        if not prompt_set.prompts.exists():
            Prompt.objects.bulk_create(Prompt(prompt_set=prompt_set, domain=d, text=t) for d, t in PROMPTS)
        password = os.environ.get("DEMO_EXPERT_PASSWORD", "kai-expert-demo")
        User = get_user_model()
        for username, domains in EXPERTS_DEMO:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get_or_create(name=EXPERTS)[0])
            ExpertProfile.objects.get_or_create(user=user, defaults={"domains": domains})

        services.answers_generate(prompt_set=prompt_set)
        services.answers_retry(prompt_set=prompt_set)
        deadline = time.monotonic() + wait
        progress = selectors.pregeneration_progress(prompt_set)
        while progress["pending"] and time.monotonic() < deadline:
            time.sleep(1)
            progress = selectors.pregeneration_progress(prompt_set)
        self.stdout.write(
            f"Expert answers: {progress['done']} / {progress['total']}, {progress['failed']} failed."
        )
        services.pairs_form(prompt_set=prompt_set, size=PAIRS, seed=0)
        pairs = list(Pair.objects.filter(prompt__prompt_set=prompt_set).select_related("answer_1", "answer_2"))
        if not any(pair.gold for pair in pairs):
            # Demo gold: the thorough persona's answer is the known better one.
            for pair in [p for p in pairs if "hyperclova" in p.answer_1.entrant.base_url][:GOLD]:
                services.pair_gold_mark(pair=pair, better=pair.answer_1)
        services.assignments_create(
            prompt_set=prompt_set, k=JUDGES_PER_PAIR, gold_per_expert=GOLD, seed=0
        )
        logins = ", ".join(f"{username} / {password}" for username, _ in EXPERTS_DEMO)
        self.stdout.write(self.style.SUCCESS(f"Demo experts (log in at /accounts/login/, then /expert/): {logins}"))
