from django.contrib import admin

from trustfunnel.events.models import EvidenceEntry


@admin.register(EvidenceEntry)
class EvidenceEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, even for superusers."""

    list_display = ["workspace", "seq", "kind", "subject", "recorded_at"]
    list_filter = ["kind"]
    ordering = ["workspace", "seq"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
