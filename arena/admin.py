from django.contrib import admin

from arena.models import Battle, Response, Turn


class TurnInline(admin.TabularInline):
    model = Turn
    extra = 0
    readonly_fields = ["index", "prompt", "created_at"]
    can_delete = False


@admin.register(Battle)
class BattleAdmin(admin.ModelAdmin):
    list_display = ["id", "contest", "entrant_a", "entrant_b", "category", "created_at"]
    list_filter = ["contest", "category"]
    readonly_fields = ["session_key"]
    inlines = [TurnInline]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["turn", "side", "entrant", "status", "error_code", "ttft_ms", "total_ms"]
    list_filter = ["status", "entrant"]
