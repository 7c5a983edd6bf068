from django.contrib import admin

from voting.models import Vote


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["battle", "choice", "excluded", "created_at"]
    list_filter = ["choice"]
    readonly_fields = ["battle", "voter", "created_at"]


from voting import admin_expert  # noqa: E402, F401
