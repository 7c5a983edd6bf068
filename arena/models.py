"""Battles: one citizen's anonymous pair of entrants, their turns and both sides' responses."""
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from contest.models import Category, Contest, Entrant


class Side(models.TextChoices):
    A = "a", "A"
    B = "b", "B"


class Battle(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="battles")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="battles"
    )
    # The owner is the browser session that started the battle; only it may watch and vote.
    session_key = models.CharField(max_length=64, db_index=True)
    entrant_a = models.ForeignKey(Entrant, on_delete=models.PROTECT, related_name="+")
    entrant_b = models.ForeignKey(Entrant, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The probability with which this unordered pair was drawn (arena.draw): published beside
    # the dataset, so anyone can check the design (docs/decision.md). None before issue 31.
    pair_probability = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("대결")
        verbose_name_plural = _("대결")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(entrant_a=models.F("entrant_b")),
                name="battle_two_distinct_entrants",
            )
        ]

    def __str__(self) -> str:
        return str(self.id)

    def entrant_for(self, side: str) -> Entrant:
        return self.entrant_a if side == Side.A else self.entrant_b


class Turn(models.Model):
    battle = models.ForeignKey(Battle, on_delete=models.CASCADE, related_name="turns")
    index = models.PositiveSmallIntegerField()
    prompt = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["battle", "index"]
        constraints = [
            models.UniqueConstraint(fields=["battle", "index"], name="turn_unique_index")
        ]


class Response(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("대기")
        STREAMING = "streaming", _("생성 중")
        DONE = "done", _("완료")
        ERROR = "error", _("오류")

    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="responses")
    side = models.CharField(max_length=1, choices=Side.choices)
    entrant = models.ForeignKey(Entrant, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    text = models.TextField(blank=True)
    error_code = models.CharField(max_length=30, blank=True)
    ttft_ms = models.PositiveIntegerField(null=True, blank=True)
    total_ms = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["turn", "side"]
        constraints = [
            models.UniqueConstraint(fields=["turn", "side"], name="response_unique_side")
        ]

    # When a side counts as unfinished, and when as failed: the one home of "side finished"
    # (the vote, the battle's status, the console's counts, the fast vote path's SQL).
    UNFINISHED = frozenset({Status.PENDING, Status.STREAMING})
    FAILED = frozenset({Status.ERROR})

    @property
    def finished(self) -> bool:
        return self.status not in self.UNFINISHED


class BattleShare(models.Model):
    """A read-only link to one voted battle, made only when its owner asks for it.

    The token is the whole key (unguessable, never derived from the battle's id); deleting the
    row revokes the link. The shared page shows the conversation and the reveal, never who
    voted, how, or why (arena.selectors.battle_shared).
    """

    battle = models.OneToOneField(Battle, on_delete=models.CASCADE, related_name="share")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.battle_id}"
