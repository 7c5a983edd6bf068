from django.contrib import admin

from voting.models import ChainHead, Vote


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
    list_filter = ["choice", "excluded"]
    readonly_fields = [
        "battle", "choice", "voter", "excluded", "created_at", "chain_seq", "chain_prev",
        "chain_hash",
    ]


@admin.register(ChainHead)
class ChainHeadAdmin(ReadOnlyAdmin):
    list_display = ["name", "length", "hash", "updated_at"]
