"""The expert's own acts on an assigned item: open it, save a draft, judge it or skip it; and the
organizer's ruling on a disputed pair. Each judgment is appended to the judgments' audit chain."""
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from arena.exceptions import ContestNotOpen
from contest.models import Contest
from core.errors import InvalidInput
from expert.exceptions import (
    AlreadyJudged,
    ItemNotFound,
    ItemSkipped,
    NotAssigned,
    RationaleTooShort,
    RubricIncomplete,
)
from expert.models import Adjudication, Assignment, ExpertJudgment, Pair
from voting import audit
from voting.services import chain_append

CRITERION_CHOICES = ("a", "b", "tie")


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
