from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the trail is only ever appended to."""

    list_display = ["seq", "timestamp", "actor_label", "action", "target_type", "target_id", "ip"]
    list_filter = ["action", ("timestamp", admin.DateFieldListFilter)]
    search_fields = ["=target_id"]
    date_hierarchy = "timestamp"
    ordering = ["-seq"]
    # Counting a large trail on every page load is slow and tells nobody anything.
    show_full_result_count = False
    readonly_fields = [
        "seq",
        "timestamp",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "ip",
        "user_agent",
        "details",
        "prev_hash",
        "hash",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
