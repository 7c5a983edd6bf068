"""Contests, the teams that take part, and each team's model endpoint (an entrant).

Teams are data, not code: a team can be added, disabled or replaced mid-programme from the admin.
"""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator, URLValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

def in_english() -> bool:
    """Whether the page is being shown in English (the organizer's English names then apply)."""
    return (get_language() or "").startswith("en")


env_var_name = RegexValidator(
    r"^[A-Z][A-Z0-9_]{0,99}$",
    _("환경 변수 이름은 대문자, 숫자, 밑줄로만 씁니다 (예: KAI_NAVER_API_KEY)."),
)


def system_prompt_first(system_prompt: str, messages: list[dict]) -> list[dict]:
    """Return `messages` after `system_prompt`, if there is one (Contest.chat_messages, and a
    side's stream, which reads the prompt with its begin: arena.sides)."""
    if not system_prompt:
        return messages
    return [{"role": "system", "content": system_prompt}, *messages]


class Contest(models.Model):
    class Phase(models.TextChoices):
        DRAFT = "draft", _("준비 중")
        OPEN = "open", _("진행 중")
        PAUSED = "paused", _("일시 중지")
        CLOSED = "closed", _("종료")
        PUBLISHED = "published", _("결과 발표")

    slug = models.SlugField(_("슬러그"), unique=True)
    title = models.CharField(_("제목"), max_length=200)
    title_en = models.CharField(
        _("영어 제목"), max_length=200, blank=True,
        help_text=_("영어 화면에서 보이는 제목입니다. 비워 두면 한국어 제목을 그대로 씁니다."),
    )
    phase = models.CharField(_("단계"), max_length=10, choices=Phase.choices, default=Phase.DRAFT)
    created_at = models.DateTimeField(_("만든 때"), auto_now_add=True)
    # Blind in timing too: both panes start, advance and finish together (arena.pacing).
    paced_streams = models.BooleanField(
        _("두 답변을 같은 속도로 표시"), default=True,
        help_text=_("켜 두면 두 답변이 같은 순간에 시작해 같은 속도로 나타나고 함께 끝납니다. "
                    "응답 속도로 팀을 알아보지 못하게 합니다."),
    )
    # One neutral system message for every entrant (both sides alike); fixed once the contest opens.
    system_prompt = models.TextField(
        _("공통 시스템 프롬프트"), blank=True, max_length=4000,
        help_text=_("비워 두면 보내지 않습니다. 모든 모델에 똑같이 시스템 메시지로 보냅니다 "
                    "(예: 자신의 이름이나 만든 회사를 밝히지 말 것). 대회가 열린 뒤에는 바꿀 수 없습니다."),
    )

    # The decision rule (docs/decision.md), declared before the contest opens: how many advance,
    # on which board, how sure the site must be, what a tie does; and how pairs are drawn.
    # Once open, it changes only through contest.services.contest_rule_set, with a reason.
    class DecisionBoard(models.TextChoices):  # voting.models.Track's values (a test checks)
        CITIZEN = "citizen", _("시민")
        EXPERT = "expert", _("전문가")
        COMBINED = "combined", _("종합")
        PANEL = "panel", _("국민평가단")

    class TieRule(models.TextChoices):  # stats.decision.TIE_RULES (a test checks)
        SHARE = "share", _("동률이면 결정하지 않고 투표를 더 받음 (확률은 자리를 나눔)")
        ALL = "all", _("경계에서 동률인 팀 모두 진출")

    class PairDraw(models.TextChoices):
        UNIFORM = "uniform", _("균등 (모든 쌍을 같은 확률로)")
        DECISION = "decision", _("결정 쪽으로 (진출 경계의 쌍을 더 자주, 하한 있음)")

    RULE_FIELDS = ("advance_k", "decision_board", "decision_confidence", "decision_tie", "pair_draw")

    advance_k = models.PositiveSmallIntegerField(
        _("진출 팀 수"), null=True, blank=True, validators=[MinValueValidator(1)],
        help_text=_("비워 두면 진출 결정을 하지 않습니다. 참가 모델 수보다 작아야 합니다."),
    )
    decision_board = models.CharField(
        _("결정하는 순위표"), max_length=10, choices=DecisionBoard.choices,
        default=DecisionBoard.CITIZEN,
        help_text=_("종합 순위표는 공개된 트랙 가중치로, 국민평가단 순위표는 가중치를 준 순위로 결정합니다."),
    )
    decision_confidence = models.FloatField(
        _("필요한 확신"), default=0.95,
        validators=[MinValueValidator(0.5), MaxValueValidator(0.999)],
        help_text=_("0.5에서 0.999 사이 (기본 0.95: 95%)."),
    )
    decision_tie = models.CharField(
        _("동률일 때"), max_length=12, choices=TieRule.choices, default=TieRule.SHARE,
    )
    pair_draw = models.CharField(
        _("대결 쌍 뽑기"), max_length=10, choices=PairDraw.choices, default=PairDraw.UNIFORM,
        help_text=_("시민이 보는 화면은 어느 쪽이든 같습니다. 각 대결의 쌍이 뽑힌 확률은 기록되고 공개됩니다."),
    )
    previous_round = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_rounds",
        verbose_name=_("이전 라운드"),
    )

    class Meta:
        verbose_name = _("대회")
        verbose_name_plural = _("대회")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def title_shown(self) -> str:
        """The title in the page's language: the English one in English mode when it is set."""
        return self.title_en if self.title_en and in_english() else self.title

    def clean(self):
        from django.core.exceptions import ValidationError

        super().clean()
        if isinstance(self.advance_k, int) and self.pk is not None:  # else clean_fields says why
            entrants = self.entrants.filter(enabled=True).count()
            if entrants and self.advance_k >= entrants:
                raise ValidationError({"advance_k": _(
                    "진출 팀 수는 참가 모델 수(%(n)d)보다 작아야 합니다.") % {"n": entrants}})

    def rule(self) -> dict:
        """Return the declared decision rule as published (contest.json, the boards' files)."""
        return {"k": self.advance_k, "board": self.decision_board,
                "confidence": self.decision_confidence, "tie": self.decision_tie,
                "pair_draw": self.pair_draw}

    # The phases in which citizens battle and vote and experts judge: the one home of
    # "contest open" (the services, the pages, the fast vote path's SQL).
    ACCEPTING = frozenset({Phase.OPEN})

    def chat_messages(self, messages: list[dict]) -> list[dict]:
        """Return `messages` as an entrant is sent them: after the contest's system prompt, if any.

        The one place both the arena's sides and the expert track's answers get it, so every
        entrant sees the same text.
        """
        return system_prompt_first(self.system_prompt, messages)

    @classmethod
    def accepts_judgments_in(cls, phase: str) -> bool:
        """Whether a contest in `phase` takes new battles, votes and judgments."""
        return phase in cls.ACCEPTING


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


class ContestRuleChange(models.Model):
    """One change of a contest's decision rule after it opened: who, when, from what, to what,
    and the reason, published beside the result (as a reopen's reason is).

    Written only by contest.services.contest_rule_set; the log is never edited.
    """

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="rule_changes")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    before = models.JSONField(_("이전 규칙"))
    after = models.JSONField(_("새 규칙"))
    reason = models.TextField(_("사유"), max_length=2000)
    created_at = models.DateTimeField(_("시각"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("결정 규칙 변경")
        verbose_name_plural = _("결정 규칙 변경")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.contest}: {self.before} → {self.after}"


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


class Category(models.Model):
    slug = models.SlugField(_("슬러그"), unique=True)
    name = models.CharField(_("이름"), max_length=100)
    name_en = models.CharField(
        _("영어 이름"), max_length=100, blank=True,
        help_text=_("영어 화면에서 보이는 이름입니다. 비워 두면 한국어 이름을 그대로 씁니다."),
    )
    examples = models.TextField(
        _("예시 질문"), blank=True,
        help_text=_("한 줄에 하나씩. 대결 화면에서 누르면 질문 칸을 채우는 예시로 보입니다."),
    )

    class Meta:
        verbose_name = _("분야")
        verbose_name_plural = _("분야")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def name_shown(self) -> str:
        """The name in the page's language: the English one in English mode when it is set."""
        return self.name_en if self.name_en and in_english() else self.name

    def example_prompts(self) -> list[str]:
        """Return the organizer's example prompts, one a line, blank lines left out."""
        return [line.strip() for line in self.examples.splitlines() if line.strip()]


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
    # The health probe's last look at an entrant taken out of sampling (arena.health).
    probed_at = models.DateTimeField(_("마지막 점검"), null=True, blank=True)
    probe_error = models.CharField(_("점검 오류"), max_length=30, blank=True)
    # What the team declares about its model, shown to a citizen only after the vote (the model
    # card of the reveal, as ComparIA and LMArena give one). All optional; a blank field is left
    # off the card.
    card_parameters = models.CharField(
        _("파라미터 수"), max_length=40, blank=True, help_text=_("예: 32B, 약 70억 개")
    )
    card_license = models.CharField(_("라이선스"), max_length=100, blank=True)
    card_open_weights = models.BooleanField(
        _("가중치 공개"), null=True, blank=True, help_text=_("비워 두면 카드에 표시하지 않습니다.")
    )
    card_released = models.DateField(_("공개일"), null=True, blank=True)
    card_url = models.URLField(
        _("소개 링크"), max_length=300, blank=True, validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("모델 소개 페이지(http 또는 https). 투표 뒤 모델 카드에 링크로 보입니다."),
    )

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


# The answer a panel member may give to any question of the profile instead of a category. It
# is not a category of the population: a panel's quotas never name it, and raking leaves a
# member who gave it out of that dimension's margin (stats.raking.NOT_DECLARED, the same
# text; tests/contest/test_panel.py checks that they agree).
NO_ANSWER = "응답 안 함"


class Panel(models.Model):
    """국민평가단: citizens who joined a contest with an invite code and declared a profile.

    `quotas` holds the population's target share of each category, per dimension (e.g.
    {"gender": {"여성": 0.5, "남성": 0.5}}); the panel's board is raked to them
    (stats/raking.py). Only the dimensions of `PanelMember.PROFILE` are accepted.
    """

    contest = models.OneToOneField(Contest, on_delete=models.CASCADE, related_name="panel")
    name = models.CharField(_("이름"), max_length=100, default="국민평가단")
    quotas = models.JSONField(_("목표 비율"), default=dict, blank=True)

    class Meta:
        verbose_name = _("국민평가단")
        verbose_name_plural = _("국민평가단")

    def __str__(self) -> str:
        return f"{self.name} ({self.contest})"

    def clean(self):
        from django.core.exceptions import ValidationError

        quotas = self.quotas or {}
        if not isinstance(quotas, dict):
            raise ValidationError({"quotas": _("목표 비율은 차원별 사전이어야 합니다.")})
        for dimension, shares in quotas.items():
            choices = PanelMember.PROFILE.get(dimension)
            if choices is None:
                raise ValidationError({"quotas": _("알 수 없는 차원입니다: %(d)s") % {"d": dimension}})
            if not isinstance(shares, dict) or not shares:
                raise ValidationError({"quotas": _("%(d)s의 비율이 비어 있습니다.") % {"d": dimension}})
            if NO_ANSWER in shares:
                raise ValidationError({"quotas": _(
                    "%(d)s: ‘응답 안 함’은 인구 구성의 범주가 아니어서 목표 비율을 줄 수 없습니다.") % {
                    "d": dimension}})
            unknown = set(shares) - set(choices.values)
            if unknown:
                raise ValidationError({"quotas": _("%(d)s에 없는 값: %(v)s") % {
                    "d": dimension, "v": ", ".join(sorted(unknown))}})
            values = list(shares.values())
            if any(not isinstance(v, (int, float)) or v < 0 for v in values) or abs(sum(values) - 1) > 0.01:
                raise ValidationError({"quotas": _("%(d)s의 비율은 0 이상이고 합이 1이어야 합니다.") % {
                    "d": dimension}})


class PanelMember(models.Model):
    class AgeBand(models.TextChoices):
        TEENS = "10대", _("10대")
        TWENTIES = "20대", _("20대")
        THIRTIES = "30대", _("30대")
        FORTIES = "40대", _("40대")
        FIFTIES = "50대", _("50대")
        SIXTIES_PLUS = "60대 이상", _("60대 이상")
        NO_ANSWER = NO_ANSWER, _("응답 안 함")

    class Region(models.TextChoices):
        SEOUL = "서울", _("서울")
        BUSAN = "부산", _("부산")
        DAEGU = "대구", _("대구")
        INCHEON = "인천", _("인천")
        GWANGJU = "광주", _("광주")
        DAEJEON = "대전", _("대전")
        ULSAN = "울산", _("울산")
        SEJONG = "세종", _("세종")
        GYEONGGI = "경기", _("경기")
        GANGWON = "강원", _("강원")
        CHUNGBUK = "충북", _("충북")
        CHUNGNAM = "충남", _("충남")
        JEONBUK = "전북", _("전북")
        JEONNAM = "전남", _("전남")
        GYEONGBUK = "경북", _("경북")
        GYEONGNAM = "경남", _("경남")
        JEJU = "제주", _("제주")
        NO_ANSWER = NO_ANSWER, _("응답 안 함")

    class Gender(models.TextChoices):
        FEMALE = "여성", _("여성")
        MALE = "남성", _("남성")
        OTHER = "기타", _("기타")
        NO_ANSWER = NO_ANSWER, _("응답 안 함")

    class AiUse(models.TextChoices):
        DAILY = "매일", _("매일")
        WEEKLY = "주 1회 이상", _("주 1회 이상")
        SOMETIMES = "가끔", _("가끔")
        NEVER = "안 씀", _("안 씀")
        NO_ANSWER = NO_ANSWER, _("응답 안 함")

    # The profile's dimensions, as panels' quotas name them.
    PROFILE = {"age_band": AgeBand, "region": Region, "gender": Gender, "ai_use": AiUse}

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    session_key = models.CharField(max_length=64)
    age_band = models.CharField(_("나이대"), max_length=10, choices=AgeBand.choices)
    region = models.CharField(_("지역"), max_length=10, choices=Region.choices)
    gender = models.CharField(_("성별"), max_length=10, choices=Gender.choices)
    ai_use = models.CharField(_("AI 사용 빈도"), max_length=10, choices=AiUse.choices)
    joined_at = models.DateTimeField(_("가입한 때"), auto_now_add=True)

    class Meta:
        verbose_name = _("평가단원")
        verbose_name_plural = _("평가단원")
        constraints = [
            models.UniqueConstraint(fields=["panel", "session_key"], name="panel_member_once")
        ]

    def profile(self) -> dict[str, str]:
        return {dimension: getattr(self, dimension) for dimension in self.PROFILE}


class PanelInvite(models.Model):
    """A one-time code that lets one citizen join a panel."""

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(_("초대 코드"), max_length=20, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(_("사용한 때"), null=True, blank=True)
    member = models.OneToOneField(PanelMember, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="invite")

    class Meta:
        verbose_name = _("초대 코드")
        verbose_name_plural = _("초대 코드")
