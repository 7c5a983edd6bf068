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
