"""Project updates, with the inlines other apps add to their page."""

from django.contrib import admin

from ..models import ProjectUpdate

# --- updates ------------------------------------------------------------------------------

# Inlines other apps add to an update's page, from their own admin module (consultations adds
# the contributions an update cites): an app extends this page without replacing its admin.
PROJECT_UPDATE_EXTRA_INLINES: list[type[admin.options.InlineModelAdmin]] = []


@admin.register(ProjectUpdate)
class ProjectUpdateAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "published_at"]
    list_select_related = ["project"]
    search_fields = ["title", "project__title"]
    date_hierarchy = "published_at"

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *PROJECT_UPDATE_EXTRA_INLINES]
