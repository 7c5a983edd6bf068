"""Admin of the expert track: prompt sets (editable prompts), experts and judgments.

Gold pairs are made here: set a pair's gold answer.
"""
from django.contrib import admin

from expert.models import (
    Adjudication,
    Answer,
    Assignment,
    ExpertJudgment,
    ExpertProfile,
    Pair,
    Prompt,
    PromptSet,
)


class PromptInline(admin.TabularInline):
    model = Prompt
    extra = 0
    fields = ["domain", "text", "note"]


@admin.register(PromptSet)
class PromptSetAdmin(admin.ModelAdmin):
    list_display = ["title", "contest", "created_at"]
    list_filter = ["contest"]
    inlines = [PromptInline]


@admin.register(ExpertProfile)
class ExpertProfileAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "user", "domains", "created_at"]
    search_fields = ["pseudonym", "user__username", "user__email"]
    filter_horizontal = ["conflicts"]
    readonly_fields = ["pseudonym"]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["prompt", "entrant", "status", "error_code", "attempts", "total_ms"]
    list_filter = ["status", "entrant"]
    readonly_fields = ["generation", "attempts", "total_ms", "finished_at"]


@admin.register(Pair)
class PairAdmin(admin.ModelAdmin):
    list_display = ["pk", "prompt", "answer_1", "answer_2", "gold_answer"]
    list_filter = ["prompt__prompt_set"]
    raw_id_fields = ["prompt", "answer_1", "answer_2", "gold_answer"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["pk", "pair", "expert", "status", "flipped", "position"]
    list_filter = ["status"]
    raw_id_fields = ["pair", "expert"]


@admin.register(ExpertJudgment)
class ExpertJudgmentAdmin(admin.ModelAdmin):
    list_display = ["assignment", "overall", "seconds", "excluded", "created_at"]
    readonly_fields = ["assignment", "overall", "criteria", "rationale", "seconds", "created_at"]


@admin.register(Adjudication)
class AdjudicationAdmin(admin.ModelAdmin):
    list_display = ["pair", "decision", "organizer", "created_at"]
    readonly_fields = ["pair", "decision", "note", "organizer", "created_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # the log is append-only
