"""Every write of the expert track: answers, pairs, assignments, judgments, adjudications."""
import random
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from arena.exceptions import ContestNotOpen
from contest.models import Contest, Entrant
from core.errors import InvalidInput
from expert import assignment as planning
from expert.exceptions import (
    AlreadyJudged,
    ItemNotFound,
    ItemSkipped,
    NotAssigned,
    RationaleTooShort,
    RubricIncomplete,
)
from expert.models import (
    Adjudication,
    Answer,
    Assignment,
    ExpertJudgment,
    ExpertProfile,
    Pair,
    PromptSet,
)
from voting import audit
from voting.services import chain_append

CRITERION_CHOICES = ("a", "b", "tie")

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


def _assignment_for_expert(*, assignment_id, user, lock: bool = False) -> Assignment:
    """Return the user's own assignment, or raise ItemNotFound / NotAssigned."""
    assignments = Assignment.objects.select_related(
        "pair__prompt__prompt_set__contest", "pair__answer_1", "pair__answer_2"
    )
    if lock:
        assignments = assignments.select_for_update(of=("self",))
    try:
        assignment = assignments.filter(pk=int(assignment_id)).first()
    except (TypeError, ValueError):
        assignment = None
    if assignment is None:
        raise ItemNotFound()
    if assignment.expert_id != user.pk:
        raise NotAssigned()
    return assignment


def _judgable(assignment: Assignment) -> None:
    if hasattr(assignment, "judgment") or assignment.status == Assignment.Status.JUDGED:
        raise AlreadyJudged()
    if assignment.status == Assignment.Status.SKIPPED:
        raise ItemSkipped()
    if not Contest.accepts_judgments_in(assignment.pair.prompt.prompt_set.contest.phase):
        raise ContestNotOpen(_("대회가 열려 있을 때만 판정할 수 있습니다."))


def _criteria_clean(criteria: object, keys: list[str]) -> dict[str, str]:
    if not isinstance(criteria, dict):
        raise InvalidInput(_("criteria는 기준 → 선택의 객체여야 합니다."))
    unknown = sorted(str(key) for key in criteria if key not in keys)
    if unknown:
        raise InvalidInput(_("알 수 없는 기준: %(keys)s") % {"keys": ", ".join(unknown)[:200]})
    missing = [key for key in keys if criteria.get(key) in (None, "")]
    if missing:
        raise RubricIncomplete(
            _("모든 기준을 골라 주세요. 빠진 기준: %(keys)s") % {"keys": ", ".join(missing)}
        )
    wrong = [key for key in keys if criteria[key] not in CRITERION_CHOICES]
    if wrong:
        raise InvalidInput(
            _("기준마다 a, b, tie 중 하나를 고릅니다: %(keys)s") % {"keys": ", ".join(wrong)}
        )
    return {key: criteria[key] for key in keys}


@transaction.atomic
def judgment_submit(
    *, assignment_id, user, criteria: object, overall: object, rationale: object, seconds: object
) -> ExpertJudgment:
    """Record the expert's one judgment of their own assignment.

    Locks the assignment, so two submissions serialise; the one-to-one on the judgment is the
    final guard. The judgment joins the judgments' audit chain last (the head's lock, as for a
    vote: voting.services.chain_append). Raises ItemNotFound, NotAssigned (another expert's item), AlreadyJudged,
    ItemSkipped, ContestNotOpen, RubricIncomplete (a criterion not chosen), RationaleTooShort
    and InvalidInput (anything malformed). Nothing is written when it raises.
    """
    assignment = _assignment_for_expert(assignment_id=assignment_id, user=user, lock=True)
    _judgable(assignment)
    keys = [criterion["key"] for criterion in assignment.pair.prompt.prompt_set.criteria]
    cleaned = _criteria_clean(criteria, keys)
    if overall not in ExpertJudgment.Overall.values:
        raise RubricIncomplete(_("종합 판정(A, B, 동등, 둘 다 부족)을 골라 주세요."))
    if not isinstance(rationale, str):
        raise InvalidInput(_("rationale은 문자열이어야 합니다."))
    rationale = rationale.replace("\x00", "").strip()
    minimum, maximum = settings.EXPERT["RATIONALE_MIN_CHARS"], settings.EXPERT["RATIONALE_MAX_CHARS"]
    if len(rationale) < minimum:
        raise RationaleTooShort(
            _("판정 근거를 %(minimum)d자 이상 써 주세요 (지금 %(length)d자).")
            % {"minimum": minimum, "length": len(rationale)}
        )
    if len(rationale) > maximum:
        raise InvalidInput(_("판정 근거는 %(maximum)d자 이하로 써 주세요.") % {"maximum": maximum})
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= 86_400:
        raise InvalidInput(_("seconds는 0에서 86400 사이의 정수여야 합니다."))
    judgment = ExpertJudgment(
        assignment=assignment,
        overall=overall,
        criteria=cleaned,
        rationale=rationale,
        seconds=seconds,
        excluded="gold" if assignment.pair.gold else "",
    )
    judgment.full_clean(exclude=["assignment"])
    try:
        with transaction.atomic():
            judgment.save()
    except IntegrityError as error:
        raise AlreadyJudged() from error
    assignment.status = Assignment.Status.JUDGED
    assignment.draft = {}
    assignment.save(update_fields=["status", "draft"])
    # Last, so that the judgments' chain head is locked for one statement and the commit.
    link = chain_append(name=audit.JUDGMENT_CHAIN, row=audit.judgment_content(judgment),
                        table=ExpertJudgment, pk=judgment.pk)
    judgment.chain_seq, judgment.chain_prev, judgment.chain_hash = link.seq, link.prev, link.hash
    return judgment


@transaction.atomic
def draft_save(*, assignment_id, user, draft: object) -> None:
    """Keep the expert's unfinished judgment (any subset of the judgment's fields) for later."""
    assignment = _assignment_for_expert(assignment_id=assignment_id, user=user, lock=True)
    _judgable(assignment)
    if not isinstance(draft, dict):
        raise InvalidInput(_("임시 저장 내용은 객체여야 합니다."))
    kept = {}
    if isinstance(draft.get("criteria"), dict):
        kept["criteria"] = {
            str(key)[:50]: value for key, value in list(draft["criteria"].items())[:20]
            if value in CRITERION_CHOICES
        }
    if draft.get("overall") in ExpertJudgment.Overall.values:
        kept["overall"] = draft["overall"]
    if isinstance(draft.get("rationale"), str):
        kept["rationale"] = draft["rationale"][: settings.EXPERT["RATIONALE_MAX_CHARS"]]
    if isinstance(draft.get("seconds"), int) and not isinstance(draft["seconds"], bool):
        kept["seconds"] = max(0, min(draft["seconds"], 86_400))
    assignment.draft = kept
    assignment.save(update_fields=["draft"])


@transaction.atomic
def assignment_open(*, assignment_id, user) -> Assignment:
    """Return the expert's own item, noting when they first opened it."""
    assignment = _assignment_for_expert(assignment_id=assignment_id, user=user, lock=True)
    if assignment.opened_at is None:
        assignment.opened_at = timezone.now()
        assignment.save(update_fields=["opened_at"])
    return assignment


@transaction.atomic
def assignment_skip(*, assignment_id, user, reason: object) -> Assignment:
    """Skip the expert's own unjudged item, with the reason they give."""
    assignment = _assignment_for_expert(assignment_id=assignment_id, user=user, lock=True)
    _judgable(assignment)
    if not isinstance(reason, str) or len(reason.strip()) < settings.EXPERT["SKIP_REASON_MIN_CHARS"]:
        raise InvalidInput(
            _("건너뛰는 이유를 %(minimum)d자 이상 써 주세요.")
            % {"minimum": settings.EXPERT["SKIP_REASON_MIN_CHARS"]}
        )
    assignment.status = Assignment.Status.SKIPPED
    assignment.skip_reason = reason.strip()[:1000]
    assignment.save(update_fields=["status", "skip_reason"])
    return assignment


ADJUDICATION_DECISIONS = ("answer_1", "answer_2", "tie", "both_bad")


@transaction.atomic
def adjudication_record(*, pair: Pair, organizer, decision: object, note: object) -> Adjudication:
    """Log an organizer's ruling on a disputed pair. Earlier rulings stay in the log."""
    if decision not in ADJUDICATION_DECISIONS:
        raise InvalidInput(_("결정은 %(choices)s 중 하나여야 합니다.") % {"choices": ", ".join(ADJUDICATION_DECISIONS)})
    if not isinstance(note, str) or not note.strip():
        raise InvalidInput(_("조정 사유를 써 주세요."))
    adjudication = Adjudication(pair=pair, organizer=organizer, decision=decision, note=note.strip())
    adjudication.full_clean(exclude=["pair", "organizer"])
    adjudication.save()
    return adjudication
