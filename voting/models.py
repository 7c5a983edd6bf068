"""Citizen votes. One per battle, guarded by the database, not only by the service."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from arena.models import Battle
from voting.chain import GENESIS


class Vote(models.Model):
    class Choice(models.TextChoices):
        A = "a", _("A가 더 좋음")
        B = "b", _("B가 더 좋음")
        TIE = "tie", _("비슷함")
        BOTH_BAD = "both_bad", _("둘 다 별로")

    battle = models.OneToOneField(Battle, on_delete=models.CASCADE, related_name="vote")
    choice = models.CharField(max_length=10, choices=Choice.choices)
    # A salted hash of the session, never the session key itself, so exports cannot be joined
    # back to a browser.
    voter = models.CharField(max_length=64, db_index=True)
    excluded = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The audit chain (voting.chain): position, the previous vote's hash, and this vote's hash
    # over its content and that previous hash. Written once, when the vote is cast.
    chain_seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    chain_prev = models.CharField(max_length=64, blank=True, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("투표")
        verbose_name_plural = _("투표")
        ordering = ["-created_at"]


class VoteReasons(models.Model):
    """The tags a citizen gave, after voting, for why they voted as they did (voting.reasons).

    Optional and separate from the vote: not a fact of the vote, so not in the audit chain
    (voting.audit.vote_content) and never counted by any board; published beside the vote
    dataset in `vote-reasons.jsonl` (voting/companions.py). The owner may replace them while the contest is open.
    """

    vote = models.OneToOneField(Vote, on_delete=models.CASCADE, primary_key=True,
                                related_name="reasons")
    tags = models.JSONField(_("이유 태그"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("투표 이유")
        verbose_name_plural = _("투표 이유")

    def __str__(self) -> str:
        return ", ".join(self.tags)


class ChainHead(models.Model):
    """The latest link of one audit chain ("votes", later "judgments").

    Appending updates this row, which locks it until the appending transaction ends, so
    concurrent writers chain one after another; on SQLite, BEGIN IMMEDIATE serialises them
    anyway. `prev` is the hash the latest link followed: the one UPDATE that appends a link on
    PostgreSQL returns it (voting.services.chain_append).
    """

    name = models.CharField(max_length=30, unique=True)
    length = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)
    prev = models.CharField(max_length=64, default=GENESIS)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("감사 체인 헤드")
        verbose_name_plural = _("감사 체인 헤드")

    def __str__(self) -> str:
        return f"{self.name} #{self.length} {self.hash[:12]}"


class ChainEvent(models.Model):
    """An entry of an audit chain that is not a vote or a judgment: a logged act on the chain
    itself, such as a change of the content format (kind "migration", see voting.audit).

    It takes the next position of its chain like any entry, and its hash covers `content`
    (which states its kind), so removing or editing it breaks the chain as a vote's would.
    """

    name = models.CharField(max_length=30)
    seq = models.PositiveBigIntegerField()
    prev = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    content = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("감사 체인 기록")
        verbose_name_plural = _("감사 체인 기록")
        ordering = ["name", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["name", "seq"], name="chain_event_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.seq} {self.content.get('kind', '')}"


class Track(models.TextChoices):
    CITIZEN = "citizen", _("시민")
    EXPERT = "expert", _("전문가")
    COMBINED = "combined", _("종합")
    PANEL = "panel", _("국민평가단")


class LeaderboardSnapshot(models.Model):
    """One computed leaderboard, with the hash of exactly the votes it was computed from.

    Anyone holding the published vote export can recompute `payload["models"]` and compare
    `votes_sha256`.
    """

    contest = models.ForeignKey("contest.Contest", on_delete=models.CASCADE, related_name="+")
    track = models.CharField(max_length=10, choices=Track.choices)
    category = models.ForeignKey(
        "contest.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    votes = models.PositiveIntegerField()
    votes_sha256 = models.CharField(max_length=64)
    payload = models.JSONField()
    computed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Set when the contest closes: the board of record, which the public sees once published.
    frozen = models.BooleanField(_("확정"), default=False)

    class Meta:
        verbose_name = _("순위 스냅숏")
        verbose_name_plural = _("순위 스냅숏")
        ordering = ["-computed_at"]
        indexes = [models.Index(fields=["contest", "track", "category", "-computed_at"])]


class VoterReview(models.Model):
    """A voter the anomaly test flagged in a contest, and the organizers' decision on them.

    Only an organizer excludes a voter; the scheduled test only flags. An excluded voter's
    votes stay in the table (and the audit chain) and are marked excluded in the dataset.
    """

    class Status(models.TextChoices):
        FLAGGED = "flagged", _("검토 대기")
        EXCLUDED = "excluded", _("제외")
        CLEARED = "cleared", _("정상 확인")

    contest = models.ForeignKey("contest.Contest", on_delete=models.CASCADE, related_name="+")
    voter = models.CharField(_("투표자(가명)"), max_length=64)
    status = models.CharField(
        _("상태"), max_length=10, choices=Status.choices, default=Status.FLAGGED
    )
    votes = models.PositiveIntegerField(_("검정한 투표 수"))
    statistic = models.FloatField(_("피셔 통계량"))
    p_fisher = models.FloatField(_("p-값 (챗봇 아레나 검정)"))
    p_favour = models.FloatField(_("p-값 (편애 검정)"))
    favoured = models.CharField(_("가장 치우친 모델"), max_length=100, blank=True)
    z_favour = models.FloatField(_("편애 z (+ 밀어줌, − 깎아내림)"))
    p_value = models.FloatField(_("p-값 (종합)"))
    flagged_at = models.DateTimeField(_("처음 표시된 때"), auto_now_add=True)
    tested_at = models.DateTimeField(_("마지막 검정"), auto_now=True)

    class Meta:
        verbose_name = _("이상 투표자 검토")
        verbose_name_plural = _("이상 투표자 검토")
        ordering = ["p_value"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "voter"], name="voter_review_unique")
        ]

    def __str__(self) -> str:
        return f"{self.voter[:12]} ({self.get_status_display()})"


class VoterReviewLog(models.Model):
    """Every act on a voter review: flagged by the test, excluded or cleared by an organizer."""

    class Action(models.TextChoices):
        FLAGGED = "flagged", _("표시(자동 검정)")
        EXCLUDED = "excluded", _("제외")
        CLEARED = "cleared", _("정상 확인")

    review = models.ForeignKey(VoterReview, on_delete=models.CASCADE, related_name="log")
    action = models.CharField(_("조치"), max_length=10, choices=Action.choices)
    # None when the scheduled test acted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("처리자"),
    )
    p_value = models.FloatField(_("당시 p-값"))
    note = models.TextField(_("메모"), blank=True)
    created_at = models.DateTimeField(_("때"), auto_now_add=True)

    class Meta:
        verbose_name = _("검토 기록")
        verbose_name_plural = _("검토 기록")
        ordering = ["created_at", "pk"]


class BlindnessAudit(models.Model):
    """One run of the blindness audit (voting.blindness): how identifiable each model was.

    `report` is stats.attribution's dict: counts and rates only, never an answer's
    text. The latest per contest is what the console, the results page and the export show.
    """

    contest = models.ForeignKey("contest.Contest", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("실행한 때"), auto_now_add=True, db_index=True)
    report = models.JSONField(_("보고서"))

    class Meta:
        verbose_name = _("블라인드 감사")
        verbose_name_plural = _("블라인드 감사")
        ordering = ["-created_at", "-pk"]
