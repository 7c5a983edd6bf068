"""The expert track's judgments: pre-generated answers, pairs, assignments and judgments.

Imported by `voting.models`, so Django sees these models as the voting app's own.
"""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Answer(models.Model):
    """One entrant's answer to one expert prompt, generated once, ahead of judging."""

    class Status(models.TextChoices):
        PENDING = "pending", _("대기")
        GENERATING = "generating", _("생성 중")
        DONE = "done", _("완료")
        ERROR = "error", _("오류")

    prompt = models.ForeignKey("contest.Prompt", on_delete=models.CASCADE, related_name="answers")
    entrant = models.ForeignKey("contest.Entrant", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    text = models.TextField(blank=True)
    error_code = models.CharField(max_length=30, blank=True)
    # What the endpoint was asked with (model id and generation parameters), for the record.
    generation = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    total_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("사전 생성 답변")
        verbose_name_plural = _("사전 생성 답변")
        ordering = ["prompt", "entrant"]
        constraints = [
            models.UniqueConstraint(fields=["prompt", "entrant"], name="answer_unique_per_entrant")
        ]


class Pair(models.Model):
    """Two entrants' answers to one prompt: the unit several experts judge.

    `answer_1` is the answer of the entrant with the lower id; which one is shown on the left is
    decided per assignment. A gold pair has a known better answer and never counts on a board.
    """

    prompt = models.ForeignKey("contest.Prompt", on_delete=models.CASCADE, related_name="pairs")
    answer_1 = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="+")
    answer_2 = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="+")
    gold_answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("비교 쌍")
        verbose_name_plural = _("비교 쌍")
        ordering = ["prompt", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["answer_1", "answer_2"], name="pair_unique_answers"),
            models.CheckConstraint(
                condition=~models.Q(answer_1=models.F("answer_2")), name="pair_two_answers"
            ),
        ]

    @property
    def gold(self) -> bool:
        return self.gold_answer_id is not None


class Assignment(models.Model):
    """One expert's queue item: a pair, with its own left/right order."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("배정됨")
        JUDGED = "judged", _("판정함")
        SKIPPED = "skipped", _("건너뜀")

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="expert_assignments"
    )
    # When set, answer_2 is shown on the left (as A) and answer_1 on the right (as B).
    flipped = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    skip_reason = models.TextField(blank=True)
    draft = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("전문가 배정")
        verbose_name_plural = _("전문가 배정")
        ordering = ["expert", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "expert"], name="assignment_once_per_expert")
        ]

    @property
    def left(self) -> Answer:
        return self.pair.answer_2 if self.flipped else self.pair.answer_1

    @property
    def right(self) -> Answer:
        return self.pair.answer_1 if self.flipped else self.pair.answer_2


class ExpertJudgment(models.Model):
    """An expert's judgment of one assignment, in the sides the expert saw (a = left)."""

    class Overall(models.TextChoices):
        A = "a", _("A가 더 좋음")
        B = "b", _("B가 더 좋음")
        TIE = "tie", _("동등")
        BOTH_BAD = "both_bad", _("둘 다 부족")

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="judgment")
    overall = models.CharField(max_length=10, choices=Overall.choices)
    criteria = models.JSONField()
    rationale = models.TextField()
    seconds = models.PositiveIntegerField()
    excluded = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The judgments' audit chain (voting.chain, voting.audit), as on Vote.
    chain_seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    chain_prev = models.CharField(max_length=64, blank=True, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("전문가 판정")
        verbose_name_plural = _("전문가 판정")
        ordering = ["-created_at"]


class Adjudication(models.Model):
    """An organizer's ruling on a pair the experts disagreed on. Append-only: each is a log entry."""

    pair = models.ForeignKey(Pair, on_delete=models.CASCADE, related_name="adjudications")
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # In the pair's own order: "answer_1", "answer_2", "tie" or "both_bad".
    decision = models.CharField(max_length=10)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("판정 조정")
        verbose_name_plural = _("판정 조정")
        ordering = ["-created_at"]
