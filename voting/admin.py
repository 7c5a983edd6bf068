from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from contest.admin import ContestAdmin
from voting import selectors
from voting.models import ChainHead, Vote, VoterReview, VoterReviewLog


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that shows rows and never writes them (the audit chain must stay intact)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    """Votes are read-only here: editing or deleting one would break the audit chain.

    To leave a voter's votes out of the boards, use the voter reviews.
    """

    list_display = ["battle", "choice", "excluded", "created_at", "chain_seq"]
    list_filter = ["choice", "excluded"]  # the exclusion reason (identity_leak, ...)
    readonly_fields = [
        "battle", "choice", "voter", "excluded", "created_at", "chain_seq", "chain_prev",
        "chain_hash",
    ]


@admin.action(description=_("순위 지금 다시 계산"))
def leaderboards_refresh(modeladmin, request, queryset):
    from voting import boards  # at use: see VotingConfig.ready

    for contest in queryset:
        refreshed = boards.leaderboards_refresh(contest=contest)
        modeladmin.message_user(
            request,
            _("%(contest)s: 순위표 %(count)d개를 다시 계산했습니다.")
            % {"contest": contest, "count": len(refreshed)},
            messages.SUCCESS,
        )


# The boards are voting's; contest, below it, cannot import them, so voting adds the action.
ContestAdmin.actions = [*ContestAdmin.actions, leaderboards_refresh]


@admin.register(ChainHead)
class ChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["name", "length", "hash", "updated_at"]


class VoterReviewLogInline(admin.TabularInline):
    model = VoterReviewLog
    extra = 0
    fields = ["created_at", "action", "actor", "p_value", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(VoterReview)
class VoterReviewAdmin(admin.ModelAdmin):
    """Organizers (staff) review the voters the anomaly test flagged: exclude or clear them.

    Each decision is logged with who made it, and the contest's boards are recomputed.
    """

    list_display = [
        "voter", "contest", "status", "votes", "p_value", "favoured", "z_favour", "flagged_at",
    ]
    list_filter = ["status", "contest"]
    search_fields = ["voter"]
    readonly_fields = [
        "contest", "voter", "status", "votes", "p_value", "statistic", "p_fisher", "p_favour",
        "favoured", "z_favour", "flagged_at", "tested_at", "impact",
    ]
    inlines = [VoterReviewLogInline]
    actions = ["voters_exclude", "voters_clear"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("순위 영향 (이 투표자 포함 / 제외)"))
    def impact(self, review):
        rows = selectors.voter_impact(contest=review.contest, voter=review.voter)
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{} ({})</td><td>{} ({})</td></tr>",
            (
                (r["model"], r["rating_with"], r["rank_with"], r["rating_without"], r["rank_without"])
                for r in rows
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("모델"), _("포함: 점수 (순위)"), _("제외: 점수 (순위)"), body,
        )

    def _decide(self, request, queryset, status, done):
        from voting import screening  # at use: see VotingConfig.ready

        for review in queryset:
            screening.voter_review_decide(review_id=review.pk, status=status, actor=request.user)
        self.message_user(request, done % {"count": queryset.count()}, messages.SUCCESS)

    @admin.action(description=_("선택한 투표자의 투표를 순위에서 제외"))
    def voters_exclude(self, request, queryset):
        self._decide(
            request, queryset, VoterReview.Status.EXCLUDED,
            _("투표자 %(count)d명의 투표를 순위에서 제외했습니다. 순위를 다시 계산합니다."),
        )

    @admin.action(description=_("선택한 투표자를 정상으로 확인"))
    def voters_clear(self, request, queryset):
        self._decide(
            request, queryset, VoterReview.Status.CLEARED,
            _("투표자 %(count)d명을 정상으로 확인했습니다. 순위를 다시 계산합니다."),
        )
