from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Neighbourhood, User


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["name", "population"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "display_name", "neighbourhood", "is_staff", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "neighbourhood"]
    search_fields = ["email", "display_name"]
    list_select_related = ["neighbourhood"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profil"), {"fields": ("display_name", "neighbourhood", "language")}),
        (
            _("Droits"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("email", "display_name", "password1", "password2")},
        ),
    )


# Django's autocomplete widget looks up the submitted ids when it re-renders a form with
# errors; a forged non-numeric id ("abc") then raises ValueError (a 500). Keep only the ids
# the target field accepts, so the form shows its "select a valid choice" message instead.
def _valid_values_only(optgroups):
    def wrapper(self, name, value, attr=None):
        from django.core.exceptions import ValidationError

        remote = self.field.remote_field
        target = (
            remote.model._meta.get_field(getattr(remote, "field_name", None) or "pk")
            if getattr(remote, "field_name", None)
            else remote.model._meta.pk
        )
        kept = []
        for item in value:
            try:
                target.to_python(item)
            except (ValidationError, ValueError, TypeError):
                continue
            kept.append(item)
        return optgroups(self, name, kept, attr)

    return wrapper


if not getattr(AutocompleteMixin.optgroups, "_loos_safe", False):
    AutocompleteMixin.optgroups = _valid_values_only(AutocompleteMixin.optgroups)
    AutocompleteMixin.optgroups._loos_safe = True
