"""Admin of the expert track's contest data: prompt sets (editable prompts) and experts."""
from django.contrib import admin

from contest.models_expert import ExpertProfile, Prompt, PromptSet


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
