from django.contrib import admin, messages
from django.shortcuts import get_object_or_404
from django_otp.plugins.otp_totp import admin as otp_totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django.utils.translation import gettext_lazy as _

from contest.models import (
    Category, Contest, ContestRuleChange, ContestTransition, Entrant, Panel, PanelInvite, PanelMember, Team,
)


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
    # voting/admin.py adds the boards' refresh: the boards are voting's, and contest is below it.
    actions = []

    def get_readonly_fields(self, request, obj=None):
        # After creation the phase changes only through the lifecycle (console), which logs it
        # and freezes the boards at closing.
        # The system prompt is fixed once the contest opens: every battle of a contest was sent
        # the same one, the one its dataset records.
        # The decision rule likewise: after opening it changes only in the console, with a
        # reason that is logged and published (contest.services.contest_rule_set).
        if obj is None:
            return ["previous_round"]
        if obj.phase == Contest.Phase.DRAFT:
            return ["phase", "previous_round"]
        return ["phase", "system_prompt", "previous_round", *Contest.RULE_FIELDS]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "identity_terms"]
    fields = ["name", "slug", "identity_terms"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    fields = ["name", "name_en", "slug", "examples"]


@admin.register(Entrant)
class EntrantAdmin(admin.ModelAdmin):
    list_display = [
        "display_name", "team", "contest", "model", "enabled", "consecutive_failures",
        "last_failure_at",
    ]
    list_filter = ["contest", "enabled", "team"]
    readonly_fields = ["consecutive_failures", "last_failure_at"]
    fieldsets = [
        (None, {"fields": [
            "contest", "team", "display_name", "base_url", "model", "api_key_env", "params",
            "timeout_seconds", "enabled", "consecutive_failures", "last_failure_at", "probed_at",
            "probe_error",
        ]}),
        # What the team declares about its model: shown to a citizen only after the vote.
        (_("모델 카드 (투표 뒤 공개)"), {"fields": [
            "card_parameters", "card_license", "card_open_weights", "card_released", "card_url",
        ]}),
    ]


class LogAdmin(admin.ModelAdmin):
    """A contest's log, shown and never written (its services write it)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ContestRuleChange)
class ContestRuleChangeAdmin(LogAdmin):
    list_display = ["contest", "before", "after", "actor", "reason", "created_at"]
    list_filter = ["contest"]


@admin.register(ContestTransition)
class ContestTransitionAdmin(LogAdmin):
    list_display = ["contest", "from_phase", "to_phase", "actor", "reason", "created_at"]
    list_filter = ["contest", "to_phase"]


class TOTPDeviceAdmin(otp_totp_admin.TOTPDeviceAdmin):
    """django-otp's authenticator-app admin, answering 404 (not 500) for a device that does
    not exist."""

    def config_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request, pk):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().qrcode_view(request, pk)


admin.site.unregister(TOTPDevice)
admin.site.register(TOTPDevice, TOTPDeviceAdmin)


class PanelInviteInline(admin.TabularInline):
    model = PanelInvite
    extra = 0
    fields = ["code", "created_at", "used_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Panel)
class PanelAdmin(admin.ModelAdmin):
    list_display = ["name", "contest", "members_count", "invites_unused"]
    inlines = [PanelInviteInline]
    actions = ["invites_create"]

    @admin.display(description=_("평가단원"))
    def members_count(self, panel):
        return panel.members.count()

    @admin.display(description=_("남은 초대 코드"))
    def invites_unused(self, panel):
        return panel.invites.filter(used_at__isnull=True).count()

    @admin.action(description=_("초대 코드 20개 만들기 (한 번만 보여 줍니다)"))
    def invites_create(self, request, queryset):
        from contest.services import panel_invites_create

        for panel in queryset:
            codes = panel_invites_create(panel=panel, count=20)
            self.message_user(request, _("%(panel)s 초대 코드: %(codes)s") % {
                "panel": panel, "codes": " ".join(codes)}, messages.SUCCESS)


@admin.register(PanelMember)
class PanelMemberAdmin(admin.ModelAdmin):
    list_display = ["panel", "age_band", "region", "gender", "ai_use", "joined_at"]
    list_filter = ["panel", "age_band", "region", "gender", "ai_use"]
    exclude = ["session_key"]

    def has_add_permission(self, request):
        return False
