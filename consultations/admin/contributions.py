"""The moderation queue of contributions (answers, outcomes, decisions with a reason), and the
contributions an update cites (added to the projects app's update page)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from moderation import services as moderation
from moderation.admin import (
    FlagInline,
    FlagReasonFilter,
    HostileQuerySafeMixin,
    ReasonStepMixin,
    excerpt,
    history,
)
from moderation.forms import decide
from projects.admin import PROJECT_UPDATE_EXTRA_INLINES

from .. import services
from ..forms import ContributionAdminForm
from ..models import Contribution, ContributionState


def _author(item) -> str:
    return item.author.display_name if item.author else str(_("Ancien participant"))


# --- The moderation queue: contributions ---------------------------------------------------


class AnsweredFilter(admin.SimpleListFilter):
    title = _("réponse de l'équipe")
    parameter_name = "answered"

    def lookups(self, request, model_admin):
        return [("yes", _("Répondue")), ("no", _("Sans réponse"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(answer="")
        if self.value() == "no":
            return queryset.filter(answer="")
        return queryset


@admin.register(Contribution)
class ContributionAdmin(HostileQuerySafeMixin, ReasonStepMixin, admin.ModelAdmin):
    form = ContributionAdminForm
    list_display = [
        "excerpt",
        "author_name",
        "consultation",
        "state_badge",
        "flag_count",
        "answered",
        "outcome",
        "created_at",
    ]
    list_display_links = ["excerpt"]
    list_filter = ["consultation", "state", FlagReasonFilter, AnsweredFilter, "outcome"]
    search_fields = ["body", "author__display_name", "author__email", "consultation__title"]
    list_select_related = ["consultation", "author"]
    list_per_page = 50
    actions = ["publish_selected", "reject_selected", "hide_selected", "restore_selected"]
    inlines = [FlagInline]
    readonly_fields = [
        "consultation",
        "author_name",
        "option",
        "body_text",
        "state",
        "moderation_reason",
        "moderated_at",
        "flag_count",
        "created_at",
        "published_at",
        "answered_at",
        "answered_by_name",
        "history",
    ]

    def get_fieldsets(self, request, obj=None):
        outcome_fields = ["outcome", "outcome_reason"]
        return [
            (
                None,
                {
                    "fields": [
                        "consultation",
                        "author_name",
                        "option",
                        "body_text",
                        "created_at",
                        "published_at",
                    ]
                },
            ),
            (
                _("Modération"),
                {
                    "fields": [
                        "state",
                        "moderation_reason",
                        "moderated_at",
                        "flag_count",
                        "decision",
                        "decision_reason",
                        "history",
                    ]
                },
            ),
            (
                _("Réponse publique de l'équipe"),
                {"fields": ["answer", "answered_at", "answered_by_name"]},
            ),
            (
                _("Prise en compte (après la clôture)"),
                {
                    "fields": outcome_fields,
                    "description": _(
                        "Dites si la contribution a été prise en compte et pourquoi : c'est "
                        "affiché sous la contribution avec la synthèse."
                    ),
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        closed = obj is not None and obj.consultation.closes_at <= timezone.now()
        if not closed or (obj is not None and obj.state != ContributionState.PUBLISHED):
            readonly += ["outcome", "outcome_reason"]
        return readonly

    def get_ordering(self, request):
        # The queue: pending first, then the most flagged, then the most recent.
        pending_first = Case(
            When(state=ContributionState.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [pending_first.asc(), "-flag_count", "-created_at"]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # Project updates may only cite what the public can read.
        through = Contribution.cited_in_updates.through._meta
        if (
            request.GET.get("app_label") == through.app_label
            and request.GET.get("model_name") == through.model_name
        ):
            queryset = queryset.filter(state=ContributionState.PUBLISHED)
        return queryset, may_have_duplicates

    def has_add_permission(self, request) -> bool:
        return False  # residents write contributions, on the site

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # hiding keeps the record; deletion is for the author's account deletion

    @admin.display(description=_("contribution"))
    def excerpt(self, obj: Contribution) -> str:
        return excerpt(obj.body)

    @admin.display(description=_("texte"))
    def body_text(self, obj: Contribution):
        return linebreaksbr(obj.body, autoescape=True)

    @admin.display(description=_("auteur"), ordering="author__display_name")
    def author_name(self, obj: Contribution) -> str:
        return obj.author.display_name if obj.author else _("Ancien participant")

    @admin.display(description=_("répondue par"))
    def answered_by_name(self, obj: Contribution) -> str:
        return obj.answered_by.display_name if obj.answered_by else "—"

    @admin.display(description=_("état"), ordering="state")
    def state_badge(self, obj: Contribution) -> str:
        return obj.get_state_display()

    @admin.display(description=_("répondue"), boolean=True)
    def answered(self, obj: Contribution) -> bool:
        return bool(obj.answer)

    @admin.display(description=_("historique de modération"))
    def history(self, obj: Contribution):
        return history(obj)

    # Saving the change page: each part through its service.
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        decision = data.get("decision")
        try:
            if decision:
                decide(
                    item=obj,
                    actor=request.user,
                    decision=decision,
                    reason=data.get("decision_reason", ""),
                )
            if "answer" in form.changed_data and data.get("answer"):
                services.contribution_answer(
                    contribution=obj, actor=request.user, answer=data["answer"]
                )
            outcome_changed = {"outcome", "outcome_reason"} & set(form.changed_data)
            if outcome_changed and "outcome" in form.fields:
                services.contribution_set_outcome(
                    contribution=obj,
                    actor=request.user,
                    outcome=data.get("outcome", ""),
                    reason=data.get("outcome_reason", ""),
                )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    def reason_step_preview(self, item: Contribution) -> str:
        return f"{_author(item)} : {excerpt(item.body, 120)}"

    @admin.action(description=_("Publier les contributions sélectionnées"), permissions=["change"])
    def publish_selected(self, request, queryset):
        self.apply_decision(
            request, queryset, lambda c: moderation.item_publish(item=c, actor=request.user)
        )

    @admin.action(
        description=_("Refuser les contributions sélectionnées (motif)"), permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        return self.reason_step(
            request,
            queryset.select_related("author"),
            title=_("Refuser des contributions"),
            decide=lambda c, reason: moderation.item_reject(
                item=c, actor=request.user, reason=reason
            ),
        )

    @admin.action(
        description=_("Masquer les contributions sélectionnées (motif)"), permissions=["change"]
    )
    def hide_selected(self, request, queryset):
        return self.reason_step(
            request,
            queryset.select_related("author"),
            title=_("Masquer des contributions"),
            decide=lambda c, reason: moderation.item_hide(
                item=c, actor=request.user, reason=reason
            ),
        )

    @admin.action(
        description=_("Rétablir les contributions sélectionnées (motif)"), permissions=["change"]
    )
    def restore_selected(self, request, queryset):
        return self.reason_step(
            request,
            queryset.select_related("author"),
            title=_("Rétablir des contributions"),
            decide=lambda c, reason: moderation.item_restore(
                item=c, actor=request.user, reason=reason
            ),
        )


# --- Project updates cite the contributions that changed the project -----------------------


class CitedContributionInline(admin.TabularInline):
    model = Contribution.cited_in_updates.through
    fk_name = "projectupdate"
    autocomplete_fields = ["contribution"]
    extra = 0
    verbose_name = _("contribution citée")
    verbose_name_plural = _(
        "contributions qui ont fait évoluer le projet (« ce qui a changé grâce à vous »)"
    )


# The projects app's page of an update lists, through this inline, the contributions it cites.
PROJECT_UPDATE_EXTRA_INLINES.append(CitedContributionInline)
