"""The team's moderation back office, shared by every app: the one reason step for bulk
decisions (`ReasonStepMixin`), the flags (read-only) and the moderation log (read-only).

An app's admin moderates its own items with `ReasonStepMixin` and `moderation.services`;
the flags of an item show on its change page through `FlagInline`, its decisions through
`history`."""

import rules
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from moderation.models import ModerationLog

from . import registry
from .forms import ReasonForm
from .models import Flag, FlagReason
from .services import ModerationAction, moderation_action_label

# A bulk decision touches at most this many items in one request.
BULK_LIMIT = 200


def excerpt(text: str, length: int = 90) -> str:
    # Plain text: the admin escapes it when it renders the cell.
    return Truncator(" ".join((text or "").split())).chars(length)


def can_moderate(request) -> bool:
    return rules.has_perm("moderation.moderate", request.user)


class HostileQuerySafeMixin:
    """PostgreSQL refuses NUL characters in text: a changelist URL carrying one (in a
    search, a filter or a page number) gets a 400, not a database error."""

    def changelist_view(self, request, extra_context=None):
        if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            return HttpResponseBadRequest(_("Paramètres de recherche invalides."))
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete endpoint searches here too.
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))


class ReasonStepMixin:
    """Bulk moderation decisions: an intermediate page asks the reason (one form, one
    template for every app), then each item goes through its service; items whose state
    does not allow the decision are counted as skipped."""

    reason_template = "admin/moderation/reason_step.html"

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def response_action(self, request, queryset):
        # A tampered selection (not ids) is a bad request, not a database error.
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if any(not value.isdigit() for value in selected):
            return HttpResponseBadRequest(_("Sélection invalide."))
        return super().response_action(request, queryset)

    def reason_step_preview(self, item) -> str:
        return excerpt(str(item), 120)

    def apply_decision(self, request, queryset, decide) -> None:
        if self._too_many(request, queryset):
            return
        done, skipped = 0, 0
        for item in queryset:
            try:
                decide(item)
            except (ValidationError, PermissionDenied):
                skipped += 1
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d élément traité.", "%(count)d éléments traités.", done)
                % {"count": done},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d élément ignoré : son état ne permet pas cette décision.",
                    "%(count)d éléments ignorés : leur état ne permet pas cette décision.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def _too_many(self, request, queryset) -> bool:
        if queryset.count() > BULK_LIMIT:
            self.message_user(
                request,
                _("Sélectionnez au plus %(limit)d éléments à la fois.") % {"limit": BULK_LIMIT},
                messages.ERROR,
            )
            return True
        return False

    def reason_step(self, request, queryset, *, title, decide, intro=""):
        """`decide(item, reason)` applies the decision to one item, through its service;
        `intro` says what the decision does, above the items."""
        if self._too_many(request, queryset):
            return None
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"]
            self.apply_decision(request, queryset, lambda item: decide(item, reason))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "preview": [self.reason_step_preview(item) for item in queryset[:20]],
            "total": queryset.count(),
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
            "action": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
            "media": self.media,
        }
        return TemplateResponse(
            request, self.reason_template, context, status=400 if form.is_bound else 200
        )


class FlagReasonFilter(admin.SimpleListFilter):
    """On a moderated model's changelist: the items flagged for this reason."""

    title = _("motif de signalement")
    parameter_name = "flag_reason"

    def lookups(self, request, model_admin):
        return FlagReason.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value not in FlagReason.values:
            return queryset
        flags = Flag.objects.filter(
            content_type=ContentType.objects.get_for_model(queryset.model),
            object_id=OuterRef("pk"),
            reason=value,
        )
        return queryset.filter(Exists(flags))


class FlagInline(GenericTabularInline):
    model = Flag
    fields = ["reason", "details", "reporter_name", "flagged_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("signalements")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return can_moderate(request)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")

    @admin.display(description=_("signalé par"))
    def reporter_name(self, obj: Flag) -> str:
        return obj.reporter.display_name if obj.reporter else _("Ancien participant")

    @admin.display(description=_("le"))
    def flagged_at(self, obj: Flag) -> str:
        return timezone.localtime(obj.created_at).strftime("%d/%m/%Y %H:%M")


def history(obj) -> str:
    """The item's moderation decisions, most recent first, for its change page."""
    entries = ModerationLog.objects.filter(
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
    ).select_related("actor")[:20]
    if not entries:
        return _("Aucune décision pour l'instant.")
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            "<li>{} · {} · {} {}</li>",
            (
                (
                    timezone.localtime(entry.created_at).strftime("%d/%m/%Y %H:%M"),
                    moderation_action_label(entry.action),
                    entry.actor.display_name if entry.actor else _("automatique"),
                    f"— {entry.reason}" if entry.reason else "",
                )
                for entry in entries
            ),
        ),
    )


class ReadOnlyAdmin(HostileQuerySafeMixin, admin.ModelAdmin):
    actions = None

    # Append-only: nobody adds, changes or deletes here, superusers included.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return can_moderate(request)

    def has_module_permission(self, request) -> bool:
        return can_moderate(request)


class KindFilter(admin.SimpleListFilter):
    title = _("type d'élément")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(a.kind, a.model._meta.verbose_name) for a in registry.adapters()]

    def queryset(self, request, queryset):
        adapter = registry.adapter_for_kind(self.value() or "")
        if adapter is None:
            return queryset
        return queryset.filter(content_type=ContentType.objects.get_for_model(adapter.model))


@admin.register(Flag)
class FlagAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "reason", "item_link", "reporter_name", "details_excerpt"]
    list_filter = [KindFilter, "reason", "created_at"]
    search_fields = ["details", "reporter__display_name", "reporter__email"]
    list_select_related = ["reporter", "content_type"]
    list_per_page = 100
    fields = ["created_at", "reason", "item_link", "reporter_name", "details"]
    readonly_fields = fields

    @admin.display(description=_("élément signalé"))
    def item_link(self, obj: Flag):
        item = obj.item
        if item is None:
            return "—"
        url = registry.adapter_for(item).admin_url(item)
        label = excerpt(str(item), 80)
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description=_("signalé par"), ordering="reporter__display_name")
    def reporter_name(self, obj: Flag) -> str:
        return obj.reporter.display_name if obj.reporter else _("Ancien participant")

    @admin.display(description=_("précisions"))
    def details_excerpt(self, obj: Flag) -> str:
        return excerpt(obj.details, 120)


class ModerationActionFilter(admin.SimpleListFilter):
    title = _("décision")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return list(ModerationAction.labels.items())

    def queryset(self, request, queryset):
        if self.value() in ModerationAction.labels:
            return queryset.filter(action=self.value())
        return queryset


@admin.register(ModerationLog)
class ModerationLogAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "actor_name",
        "action_label",
        "content_type",
        "object_repr",
        "from_label",
        "to_label",
        "reason_excerpt",
        "automatic",
    ]
    list_filter = [
        ModerationActionFilter,
        "automatic",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        "created_at",
    ]
    search_fields = ["object_repr", "reason", "actor__display_name", "actor__email"]
    list_select_related = ["actor", "content_type"]
    list_per_page = 100
    fields = [
        "created_at",
        "actor_name",
        "action_label",
        "content_type",
        "object_id",
        "object_repr",
        "from_label",
        "to_label",
        "reason",
        "automatic",
    ]
    readonly_fields = fields

    @admin.display(description=_("par"), ordering="actor__display_name")
    def actor_name(self, obj: ModerationLog) -> str:
        return obj.actor.display_name if obj.actor else _("automatique")

    @admin.display(description=_("décision"), ordering="action")
    def action_label(self, obj: ModerationLog) -> str:
        return moderation_action_label(obj.action)

    @admin.display(description=_("motif"))
    def reason_excerpt(self, obj: ModerationLog) -> str:
        return excerpt(obj.reason, 120)

    @admin.display(description=_("état avant"))
    def from_label(self, obj: ModerationLog) -> str:
        return _state_label(obj, obj.from_state)

    @admin.display(description=_("état après"))
    def to_label(self, obj: ModerationLog) -> str:
        return _state_label(obj, obj.to_state)


def _state_label(entry: ModerationLog, code: str) -> str:
    """The state in French, as the item's adapter names it; unknown codes as written."""
    model = entry.content_type.model_class()
    try:
        return registry.adapter_for(model).state_label(code)
    except (LookupError, AttributeError):
        return code
