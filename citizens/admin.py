from datetime import timedelta

from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import DeliveryStatus, EmailDelivery, Neighbourhood, User


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

# --- Notifications: the email delivery log (read-only) ----------------------------------------


class DeliveryOutcomeFilter(admin.SimpleListFilter):
    title = _("résultat")
    parameter_name = "resultat"

    def lookups(self, request, model_admin):
        return [
            ("sent", _("Envoyés")),
            ("unsent", _("Pas encore envoyés")),
            ("retrying", _("En attente d'une nouvelle tentative")),
            ("failed", _("Échecs")),
            ("cancelled", _("Annulés")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "sent":
            return queryset.filter(status=DeliveryStatus.SENT)
        if value == "unsent":
            return queryset.filter(status=DeliveryStatus.PENDING)
        if value == "retrying":
            return queryset.filter(status=DeliveryStatus.PENDING).exclude(last_error="")
        if value == "failed":
            return queryset.filter(status=DeliveryStatus.FAILED)
        if value == "cancelled":
            return queryset.filter(status=DeliveryStatus.CANCELLED)
        return queryset


class DeliveryKindFilter(admin.SimpleListFilter):
    title = _("type")
    parameter_name = "type"

    def lookups(self, request, model_admin):
        from .notifications.periods import MODERATION_SUMMARY
        from .notifications.registry import registered_kinds

        choices = [
            ("digests", _("Résumés quotidiens et hebdomadaires")),
            (MODERATION_SUMMARY, _("Résumé de modération")),
        ]
        return choices + [(kind.name, kind.label) for kind in registered_kinds()]

    def queryset(self, request, queryset):
        from .notifications.periods import DIGEST_KINDS

        value = self.value()
        if value == "digests":
            return queryset.filter(kind__in=list(DIGEST_KINDS.values()))
        if value:
            return queryset.filter(kind=value)
        return queryset


class DeliveryPeriodFilter(admin.SimpleListFilter):
    title = _("période")
    parameter_name = "periode"

    def lookups(self, request, model_admin):
        return [
            ("24h", _("Dernières 24 heures")),
            ("7d", _("7 derniers jours")),
            ("30d", _("30 derniers jours")),
        ]

    def queryset(self, request, queryset):
        days = {"24h": 1, "7d": 7, "30d": 30}.get(self.value())
        if days is None:
            return queryset
        since = timezone.now() - timedelta(days=days)
        return queryset.filter(Q(created_at__gte=since) | Q(sent_at__gte=since))


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    """What was sent, what waits and what failed. Read-only: the workers write it."""

    list_display = [
        "created_at",
        "recipient_email",
        "kind",
        "period_start",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    ]
    list_filter = [DeliveryOutcomeFilter, DeliveryKindFilter, DeliveryPeriodFilter]
    search_fields = ["recipient__email"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50
    fields = [
        "recipient",
        "kind",
        "notification",
        "period_start",
        "status",
        "item_count",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("destinataire"), ordering="recipient__email")
    def recipient_email(self, obj) -> str:
        return obj.recipient.email

    @admin.display(description=_("erreur"))
    def short_error(self, obj) -> str:
        return obj.last_error[:80]

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("citizens.view_emaildelivery")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("citizens.view_emaildelivery")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
