"""The organizers' writes of the expert track: pre-generated answers, pairs and assignments.

The expert's own acts (drafts, judgments, skips) and the rulings on disputes are in `expert.judging`."""
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.models import Entrant
from core.errors import InvalidInput
from expert import assignment as planning
from expert.models import (
    Answer,
    Assignment,
    ExpertProfile,
    Pair,
    PromptSet,
)

# A generation task that has been "generating" this long is taken to have died with its worker.
GENERATION_STALE_AFTER = timedelta(minutes=15)


def _answers_dispatch(answer_ids: list[int]) -> None:
    from expert.tasks import answer_generate

    for answer_id in answer_ids:
        answer_generate.delay(answer_id)


@transaction.atomic
def answers_generate(*, prompt_set: PromptSet) -> int:
    """Create a pending answer for every enabled entrant × prompt that has none, and queue them.

    Returns how many were created. Existing answers (done or failed) are left alone; failed
    ones are retried with `answers_retry`.
    """
    entrants = list(Entrant.objects.filter(contest=prompt_set.contest, enabled=True))
    existing = set(
        Answer.objects.filter(prompt__prompt_set=prompt_set).values_list("prompt_id", "entrant_id")
    )
    created = Answer.objects.bulk_create(
        [
            Answer(prompt=prompt, entrant=entrant)
            for prompt in prompt_set.prompts.all()
            for entrant in entrants
            if (prompt.pk, entrant.pk) not in existing
        ]
    )
    ids = [answer.pk for answer in created]
    if not all(ids):  # some backends do not return ids from bulk_create
        ids = list(
            Answer.objects.filter(prompt__prompt_set=prompt_set, status=Answer.Status.PENDING)
            .values_list("pk", flat=True)
        )
    transaction.on_commit(lambda: _answers_dispatch(ids))
    return len(created)


@transaction.atomic
def answers_retry(*, prompt_set: PromptSet) -> int:
    """Queue again every failed answer of the set (and any whose worker died). Returns how many."""
    stale = timezone.now() - GENERATION_STALE_AFTER
    answers = Answer.objects.select_for_update().filter(prompt__prompt_set=prompt_set).filter(
        Q(status=Answer.Status.ERROR)
        | Q(status=Answer.Status.GENERATING, created_at__lt=stale, finished_at__isnull=True)
    )
    ids = list(answers.values_list("pk", flat=True))
    Answer.objects.filter(pk__in=ids).update(status=Answer.Status.PENDING, error_code="")
    transaction.on_commit(lambda: _answers_dispatch(ids))
    return len(ids)


@transaction.atomic
def answer_begin(*, answer_id: int) -> Answer | None:
    """Mark a pending answer as generating and return it; None if it is gone or not pending."""
    answer = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("entrant__contest", "prompt")
        .filter(pk=answer_id, status=Answer.Status.PENDING)
        .first()
    )
    if answer is None:
        return None
    answer.status = Answer.Status.GENERATING
    answer.attempts += 1
    entrant = answer.entrant
    answer.generation = {
        "model": entrant.model,
        "params": dict(entrant.params or {}),
        "timeout_seconds": entrant.timeout_seconds,
        "messages": entrant.contest.chat_messages([{"role": "user", "content": "<prompt>"}]),
        "started_at": timezone.now().isoformat(),
    }
    answer.save(update_fields=["status", "attempts", "generation"])
    return answer


def answer_finish(*, answer_id: int, text: str, total_ms: int, error_code: str = "") -> None:
    """Record the outcome of one generation: its text, or the error code it failed with."""
    Answer.objects.filter(pk=answer_id).update(
        status=Answer.Status.ERROR if error_code else Answer.Status.DONE,
        text=text,
        error_code=error_code,
        total_ms=total_ms,
        finished_at=timezone.now(),
    )


@transaction.atomic
def pairs_form(*, prompt_set: PromptSet, size: int | None = None, seed: int | None = None) -> int:
    """Form pairs from the set's finished answers: all of them, or `size` balanced over entrants.

    Pairs that exist already are kept and count towards `size`. Returns how many were created.
    """
    if size is not None and (not isinstance(size, int) or size < 1):
        raise InvalidInput(_("쌍의 수는 1 이상의 정수여야 합니다."))
    done = Answer.objects.filter(prompt__prompt_set=prompt_set, status=Answer.Status.DONE)
    if not done.exists():
        raise InvalidInput(_("완료된 답변이 없어 비교 쌍을 만들 수 없습니다. 먼저 답변을 사전 생성하세요."))
    by_prompt: dict[int, list[Answer]] = {}
    for answer in done.order_by("entrant_id"):
        by_prompt.setdefault(answer.prompt_id, []).append(answer)
    existing = set(
        Pair.objects.filter(prompt__prompt_set=prompt_set).values_list("answer_1_id", "answer_2_id")
    )
    candidates = []
    for prompt_id, answers in by_prompt.items():
        for i, first in enumerate(answers):
            for second in answers[i + 1 :]:
                if (first.pk, second.pk) not in existing:
                    candidates.append((prompt_id, first, second))
    wanted = None if size is None else max(size - len(existing), 0)
    chosen = planning.pairs_choose(
        [(p, a.entrant_id, b.entrant_id, a, b) for p, a, b in candidates], size=wanted, seed=seed
    ) if candidates else []
    pairs = [Pair(prompt_id=c[0], answer_1=c[3], answer_2=c[4]) for c in chosen]
    Pair.objects.bulk_create(pairs)
    return len(pairs)


@transaction.atomic
def pair_gold_mark(*, pair: Pair, better: Answer | None) -> Pair:
    """Make a pair gold with `better` as its known better answer, or ordinary again with None."""
    if better is not None and better.pk not in (pair.answer_1_id, pair.answer_2_id):
        raise InvalidInput(_("정답 답변은 이 쌍의 두 답변 중 하나여야 합니다."))
    pair.gold_answer = better
    pair.save(update_fields=["gold_answer"])
    return pair


@transaction.atomic
def assignments_create(
    *,
    prompt_set: PromptSet,
    k: int | None = None,
    gold_per_expert: int | None = None,
    seed: int | None = None,
) -> planning.Plan:
    """Assign the set's pairs to experts (see `expert.assignment`) and append them to queues.

    Running it again after new pairs or experts arrive adds only what is missing. Returns the
    plan, whose `short` names pairs that found fewer than k eligible experts.
    """
    k = settings.EXPERT["JUDGES_PER_PAIR"] if k is None else k
    gold_per_expert = settings.EXPERT["GOLD_PER_EXPERT"] if gold_per_expert is None else gold_per_expert
    if not isinstance(k, int) or k < 1 or k > 50:
        raise InvalidInput(_("쌍마다 전문가 수(k)는 1에서 50 사이여야 합니다."))
    pairs = list(
        Pair.objects.filter(prompt__prompt_set=prompt_set).select_related(
            "prompt", "answer_1__entrant", "answer_2__entrant"
        )
    )
    specs = [
        planning.PairSpec(
            id=pair.pk,
            domain=pair.prompt.domain,
            teams=frozenset({pair.answer_1.entrant.team_id, pair.answer_2.entrant.team_id}),
            gold=pair.gold,
        )
        for pair in pairs
    ]
    profiles = ExpertProfile.objects.filter(
        user__is_active=True, user__groups__name="experts"
    ).prefetch_related("conflicts")
    experts = [
        planning.ExpertSpec(
            id=profile.user_id,
            domains=frozenset(profile.domains),
            conflicts=frozenset(team.pk for team in profile.conflicts.all()),
        )
        for profile in profiles
    ]
    existing = Assignment.objects.filter(pair__in=pairs).values_list("pair_id", "expert_id")
    plan = planning.assignments_plan(
        specs, experts, k=k, gold_per_expert=gold_per_expert, existing=existing, seed=seed
    )
    rng = random.Random(seed)
    queued: dict[int, list[planning.Placement]] = {}
    for placement in plan.placements:
        queued.setdefault(placement.expert, []).append(placement)
    rows = []
    for expert_id, placements in queued.items():
        rng.shuffle(placements)  # gold items fall anywhere in the queue
        last = (
            Assignment.objects.filter(expert_id=expert_id).order_by("-position")
            .values_list("position", flat=True).first()
        ) or 0
        for offset, placement in enumerate(placements, start=1):
            rows.append(
                Assignment(
                    pair_id=placement.pair,
                    expert_id=expert_id,
                    flipped=placement.flipped,
                    position=last + offset,
                )
            )
    Assignment.objects.bulk_create(rows)
    return plan
