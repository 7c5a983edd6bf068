"""Citizen votes. One per battle, guarded by the database, not only by the service."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from arena.models import Battle


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

    class Meta:
        verbose_name = _("투표")
        verbose_name_plural = _("투표")
        ordering = ["-created_at"]


class Track(models.TextChoices):
    CITIZEN = "citizen", _("시민")
    EXPERT = "expert", _("전문가")
    COMBINED = "combined", _("종합")


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

    class Meta:
        verbose_name = _("순위 스냅숏")
        verbose_name_plural = _("순위 스냅숏")
        ordering = ["-computed_at"]
        indexes = [models.Index(fields=["contest", "track", "category", "-computed_at"])]


from voting.models_expert import (  # noqa: E402, F401
    Adjudication,
    Answer,
    Assignment,
    ExpertJudgment,
    Pair,
)
