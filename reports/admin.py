"""Read-only views of the reports' machinery, for whoever runs the platform."""

from django.contrib import admin

from .models import ReportExport, ReportSnapshot


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["key", "period_start", "period_end", "computed_at", "compute_seconds"]
    exclude = ["data"]


@admin.register(ReportExport)
class ReportExportAdmin(ReadOnlyAdmin):
    list_display = ["owner", "scope_label", "period_start", "period_end", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["owner"]
    # The file is its owner's: it is downloaded from /rapports/, not from here.
    exclude = ["file"]
