from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from contest.models import Category, Contest, ContestTransition, Entrant, Team


class EntrantInline(admin.TabularInline):
    model = Entrant
    extra = 0
    fields = ["team", "display_name", "base_url", "model", "api_key_env", "timeout_seconds", "enabled"]


@admin.register(Contest)
class ContestAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "phase", "created_at"]
    list_filter = ["phase"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [EntrantInline]
    actions = ["leaderboards_refresh"]

    def get_readonly_fields(self, request, obj=None):
        # After creation the phase changes only through the lifecycle (console), which logs it
        # and freezes the boards at closing.
        return ["phase"] if obj is not None else []

    @admin.action(description=_("순위 지금 다시 계산"))
    def leaderboards_refresh(self, request, queryset):
        from voting.services import leaderboards_refresh

        for contest in queryset:
            boards = leaderboards_refresh(contest=contest)
            self.message_user(
                request,
                _("%(contest)s: 순위표 %(count)d개를 다시 계산했습니다.")
                % {"contest": contest, "count": len(boards)},
                messages.SUCCESS,
            )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "identity_terms"]
    fields = ["name", "slug", "identity_terms"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]


@admin.register(Entrant)
class EntrantAdmin(admin.ModelAdmin):
    list_display = [
        "display_name", "team", "contest", "model", "enabled", "consecutive_failures",
        "last_failure_at",
    ]
    list_filter = ["contest", "enabled", "team"]
    readonly_fields = ["consecutive_failures", "last_failure_at"]


@admin.register(ContestTransition)
class ContestTransitionAdmin(admin.ModelAdmin):
    list_display = ["contest", "from_phase", "to_phase", "actor", "reason", "created_at"]
    list_filter = ["contest", "to_phase"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from contest import admin_expert  # noqa: E402, F401
