"""The expert track's side of a contest: experts' profiles, prompt sets and their prompts.

Imported by `contest.models`, so Django sees these models as the contest app's own.
"""
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Domain(models.TextChoices):
    """The fields experts judge in. Prompts and experts are matched on these."""

    LAW = "law", _("법률")
    MEDICINE = "medicine", _("의료")
    FINANCE = "finance", _("금융")
    MANUFACTURING = "manufacturing", _("제조")
    PUBLIC = "public", _("공공")
    EDUCATION = "education", _("교육")
    CODING = "coding", _("코딩")
    MATH = "math", _("수학")
    SCIENCE = "science", _("과학")
    KOREAN_CULTURE = "korean-culture", _("한국 문화")


# The default rubric: each criterion is judged A / B / 동등 (tie) separately from the overall choice.
DEFAULT_CRITERIA = [
    {"key": "accuracy", "label": "정확성"},
    {"key": "helpfulness", "label": "유용성"},
    {"key": "korean", "label": "한국어 표현"},
    {"key": "instruction", "label": "지시 이행"},
    {"key": "safety", "label": "안전성"},
]


def default_criteria() -> list[dict]:
    return [dict(criterion) for criterion in DEFAULT_CRITERIA]


def pseudonym_new() -> str:
    """Return a fresh expert pseudonym: what exports and agreement tables show instead of a name."""
    return f"E-{secrets.token_hex(4)}"


def domains_validate(value) -> None:
    if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
        raise ValidationError(_("분야는 목록이어야 합니다."))
    unknown = sorted(set(value) - set(Domain.values))
    if unknown:
        raise ValidationError(_("알 수 없는 분야: %(domains)s") % {"domains": ", ".join(unknown)})


def criteria_validate(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("평가 기준이 하나 이상 있어야 합니다."))
    keys = []
    for criterion in value:
        if not (
            isinstance(criterion, dict)
            and isinstance(criterion.get("key"), str)
            and isinstance(criterion.get("label"), str)
            and criterion["key"].strip()
            and criterion["label"].strip()
        ):
            raise ValidationError(_('기준마다 {"key": ..., "label": ...} 형식이어야 합니다.'))
        keys.append(criterion["key"])
    if len(set(keys)) != len(keys):
        raise ValidationError(_("기준의 key가 겹칩니다."))


class ExpertProfile(models.Model):
    """An expert: their domains, what they declared about themselves, and their pseudonym.

    A declared conflict of interest with a team means the expert is never assigned a pair in
    which that team's entrant answers.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_profile"
    )
    pseudonym = models.CharField(_("가명"), max_length=20, unique=True, default=pseudonym_new)
    domains = models.JSONField(_("분야"), default=list, validators=[domains_validate])
    affiliations = models.TextField(_("소속·이해관계 신고"), blank=True)
    conflicts = models.ManyToManyField(
        "contest.Team", blank=True, related_name="+", verbose_name=_("이해 상충 팀")
    )
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)

    class Meta:
        verbose_name = _("전문가")
        verbose_name_plural = _("전문가")
        ordering = ["pseudonym"]

    def __str__(self) -> str:
        return self.pseudonym


class PromptSet(models.Model):
    """A curated set of prompts for the expert track of one contest, with its rubric."""

    contest = models.ForeignKey(
        "contest.Contest", on_delete=models.CASCADE, related_name="prompt_sets"
    )
    title = models.CharField(_("제목"), max_length=200)
    criteria = models.JSONField(
        _("평가 기준"), default=default_criteria, validators=[criteria_validate]
    )
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)

    class Meta:
        verbose_name = _("전문가 질문 세트")
        verbose_name_plural = _("전문가 질문 세트")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "title"], name="prompt_set_unique_title")
        ]

    def __str__(self) -> str:
        return self.title


class Prompt(models.Model):
    prompt_set = models.ForeignKey(PromptSet, on_delete=models.CASCADE, related_name="prompts")
    domain = models.CharField(_("분야"), max_length=30, choices=Domain.choices)
    text = models.TextField(_("질문"))
    # Organizers' notes (a reference answer, what to look for); never shown to experts.
    note = models.TextField(_("메모"), blank=True)
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)

    class Meta:
        verbose_name = _("전문가 질문")
        verbose_name_plural = _("전문가 질문")
        ordering = ["prompt_set", "pk"]

    def __str__(self) -> str:
        return self.text[:60]
