"""The municipal team's back office for consultation rounds and moderation.

Rounds, answers and outcomes go through consultations.services, moderation decisions through
moderation.services (with moderation.admin's reason step); the admin never changes a state,
an answer or an outcome with a plain save.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

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
from projects.models import Project

from . import services
from .forms import ContributionAdminForm, clean_text
from .models import Consultation, Contribution, ContributionState, Option, Synthesis


def _author(item) -> str:
    return item.author.display_name if item.author else str(_("Ancien participant"))


# --- Rounds --------------------------------------------------------------------------------


class ConsultationAdminForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = [
            "project",
            "title",
            "slug",
            "question",
            "context",
            "opens_at",
            "closes_at",
            "moderation",
        ]

    def clean_title(self) -> str:
        return clean_text(self.cleaned_data["title"])

    def clean_question(self) -> str:
        return clean_text(self.cleaned_data["question"])

    def clean_context(self) -> str:
        return clean_text(self.cleaned_data.get("context", ""), required=False)

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("La clôture doit venir après l'ouverture."))
        return data


class OptionInline(admin.TabularInline):
    model = Option
    fields = ["label", "description", "position", "vote_count"]
    readonly_fields = ["vote_count"]
    extra = 0
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting an option would delete its votes: not once the round has votes.
        if obj is not None and obj.votes.exists():
            return False
        return super().has_delete_permission(request, obj)


class SynthesisInlineForm(forms.ModelForm):
    publish = forms.BooleanField(
        label=_("Publier la synthèse"),
        required=False,
        help_text=_(
            "Cochez pour la rendre publique (après la clôture). Sans cocher, elle reste un "
            "brouillon que seule l'équipe voit."
        ),
    )

    class Meta:
        model = Synthesis
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 10, "cols": 80})}
        help_texts = {
            "body": _(
                "Markdown simple : **gras**, listes, liens, intertitres avec ### (la page "
                "donne déjà le titre « Synthèse »)."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.published_at:
            self.fields["publish"].initial = True
            self.fields["publish"].disabled = True
            self.fields["publish"].help_text = _(
                "Publiée le %(date)s. Enregistrer corrige le texte publié."
            ) % {"date": timezone.localtime(self.instance.published_at).strftime("%d/%m/%Y")}

    def clean_body(self) -> str:
        return clean_text(self.cleaned_data.get("body", ""))


class SynthesisFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        closes_at = self.instance.closes_at
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            publishing = form.cleaned_data.get("publish") and not (
                form.instance.pk and form.instance.published_at
            )
            if publishing and (closes_at is None or closes_at > timezone.now()):
                form.add_error(
                    "publish",
                    _("La synthèse se publie après la clôture de la concertation."),
                )


class SynthesisInline(admin.StackedInline):
    model = Synthesis
    form = SynthesisInlineForm
    formset = SynthesisFormSet
    fields = ["body", "publish", "published_at", "author_name"]
    readonly_fields = ["published_at", "author_name"]
    max_num = 1
    extra = 1
    can_delete = False
    verbose_name = _("synthèse")
    verbose_name_plural = _("synthèse (après la clôture)")

    @admin.display(description=_("rédigée par"))
    def author_name(self, obj: Synthesis) -> str:
        return obj.author.display_name if obj and obj.author else "—"


@admin.register(Consultation)
class ConsultationAdmin(HostileQuerySafeMixin, admin.ModelAdmin):
    form = ConsultationAdminForm
    list_display = [
        "title",
        "project",
        "state_label",
        "opens_at",
        "closes_at",
        "moderation",
        "contribution_count",
        "vote_count",
    ]
    list_filter = ["moderation", "opens_at", "closes_at"]
    search_fields = ["title", "question", "project__title"]
    list_select_related = ["project", "synthesis"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = [
        "contribution_count",
        "vote_count",
        "author_name",
        "created_at",
        "queue_links",
    ]
    fieldsets = [
        (None, {"fields": ["project", "title", "slug", "question", "context"]}),
        (_("Calendrier et modération"), {"fields": ["opens_at", "closes_at", "moderation"]}),
        (
            _("Participation"),
            {
                "fields": [
                    "contribution_count",
                    "vote_count",
                    "queue_links",
                    "author_name",
                    "created_at",
                ]
            },
        ),
    ]
    inlines = [OptionInline, SynthesisInline]
    date_hierarchy = "opens_at"

    def get_autocomplete_fields(self, request):
        # The projects admin may register Project with a search; use it when it does.
        if admin.site.is_registered(Project) and admin.site.get_model_admin(Project).search_fields:
            return ["project"]
        return []

    def has_delete_permission(self, request, obj=None) -> bool:
        # A round with contributions keeps its record; only an empty one may go.
        if obj is not None and obj.contributions.exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("état"))
    def state_label(self, obj: Consultation) -> str:
        return obj.state_label

    @admin.display(description=_("créée par"))
    def author_name(self, obj: Consultation) -> str:
        return obj.author.display_name if obj.author else "—"

    @admin.display(description=_("contributions"))
    def queue_links(self, obj: Consultation):
        if obj.pk is None:
            return "—"
        url = reverse("admin:consultations_contribution_changelist")
        without_outcome = obj.contributions.filter(
            state=ContributionState.PUBLISHED, outcome=""
        ).count()
        return format_html(
            '<a href="{}?consultation__id__exact={}">{}</a> · '
            '<a href="{}?consultation__id__exact={}&amp;state__exact=pending">{}</a> · {}',
            url,
            obj.pk,
            _("toutes les contributions"),
            url,
            obj.pk,
            _("en attente"),
            ngettext(
                "%(count)d contribution publiée sans prise en compte renseignée",
                "%(count)d contributions publiées sans prise en compte renseignée",
                without_outcome,
            )
            % {"count": without_outcome},
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Synthesis:
            return super().save_formset(request, form, formset, change)
        consultation = form.instance
        # What Django's change message reads after a formset's own save().
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            data = getattr(inline_form, "cleaned_data", None) or {}
            body = data.get("body")
            # Ticking "publish" or editing the text changes the form; an untouched form waits.
            if not body or not inline_form.has_changed():
                continue
            already_published = bool(inline_form.instance.pk and inline_form.instance.published_at)
            if data.get("publish") or already_published:
                services.synthesis_publish(
                    consultation=consultation, author=request.user, body=body
                )
                if not already_published:
                    messages.success(request, _("La synthèse est publiée."))
            else:
                services.synthesis_save(consultation=consultation, author=request.user, body=body)
        return None


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
