"""Contests, the teams that take part, and each team's model endpoint (an entrant).

Teams are data, not code: a team can be added, disabled or replaced mid-programme from the admin.
"""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

env_var_name = RegexValidator(
    r"^[A-Z][A-Z0-9_]{0,99}$",
    _("환경 변수 이름은 대문자, 숫자, 밑줄로만 씁니다 (예: KAI_NAVER_API_KEY)."),
)


class Contest(models.Model):
    class Phase(models.TextChoices):
        DRAFT = "draft", _("준비 중")
        OPEN = "open", _("진행 중")
        PAUSED = "paused", _("일시 중지")
        CLOSED = "closed", _("종료")
        PUBLISHED = "published", _("결과 발표")

    slug = models.SlugField(_("슬러그"), unique=True)
    title = models.CharField(_("제목"), max_length=200)
    phase = models.CharField(_("단계"), max_length=10, choices=Phase.choices, default=Phase.DRAFT)
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)

    class Meta:
        verbose_name = _("대회")
        verbose_name_plural = _("대회")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class ContestTransition(models.Model):
    """One change of a contest's phase: who made it, when, from what, to what, and why.

    Written only by contest.services.contest_transition; the log is never edited.
    """

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_phase = models.CharField(_("이전 단계"), max_length=10, choices=Contest.Phase.choices)
    to_phase = models.CharField(_("새 단계"), max_length=10, choices=Contest.Phase.choices)
    reason = models.TextField(_("사유"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("시각"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("대회 단계 변경")
        verbose_name_plural = _("대회 단계 변경")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.contest}: {self.from_phase} → {self.to_phase}"


class Team(models.Model):
    slug = models.SlugField(_("슬러그"), unique=True)
    name = models.CharField(_("팀 이름"), max_length=100, unique=True)
    # Names that give the team away when an answer says them (arena.identity matches them).
    identity_terms = models.TextField(
        _("정체 노출 단어"),
        blank=True,
        help_text=_(
            "답변에 나오면 팀이 드러나는 이름(팀, 회사, 모델; 한국어와 영어). 한 줄에 하나 또는 "
            "쉼표로 구분합니다. 세 글자 이하 영문(LG, NC, A.X)은 적은 대소문자 그대로만 맞춥니다. "
            "일반 단어이기도 한 이름은 앞에 ~를 붙이면(~Solar) 답변이 스스로를 소개할 때만 셉니다."
        ),
    )

    class Meta:
        verbose_name = _("참가팀")
        verbose_name_plural = _("참가팀")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def identity_terms_list(self) -> list[str]:
        from arena.identity import terms_parse

        return terms_parse(self.identity_terms)


class Category(models.Model):
    slug = models.SlugField(_("슬러그"), unique=True)
    name = models.CharField(_("이름"), max_length=100)

    class Meta:
        verbose_name = _("분야")
        verbose_name_plural = _("분야")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Entrant(models.Model):
    """A team's model endpoint in one contest.

    The API key itself is never stored: `api_key_env` names the environment variable of the
    worker process that holds it.
    """

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="entrants")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="entrants")
    display_name = models.CharField(_("모델 이름"), max_length=100)
    base_url = models.URLField(_("엔드포인트 주소"), max_length=300)
    model = models.CharField(_("모델 ID"), max_length=200)
    api_key_env = models.CharField(
        _("API 키 환경 변수"), max_length=100, blank=True, validators=[env_var_name]
    )
    params = models.JSONField(_("생성 파라미터"), default=dict, blank=True)
    timeout_seconds = models.FloatField(
        _("응답 제한 시간(초)"),
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
    )
    enabled = models.BooleanField(_("사용"), default=True)
    # Health is kept on the row so that the sampler (one query) and the admin both see it.
    consecutive_failures = models.PositiveIntegerField(_("연속 실패"), default=0)
    last_failure_at = models.DateTimeField(_("마지막 실패"), null=True, blank=True)

    class Meta:
        verbose_name = _("참가 모델")
        verbose_name_plural = _("참가 모델")
        ordering = ["contest", "display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["contest", "display_name"], name="entrant_unique_name_per_contest"
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.team})"


from contest.models_expert import Domain, ExpertProfile, Prompt, PromptSet  # noqa: E402, F401
