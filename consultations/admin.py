"""The municipal team's back office for consultation rounds and moderation.

Every moderation decision goes through consultations.services (which write the moderation
log); the admin never changes a state, an answer or an outcome with a plain save.
"""

import rules
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.http import HttpResponseBadRequest
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from citizens.models import ModerationLog
from projects.models import CommentState, Project, ProjectUpdate

from . import services
from .forms import (
    CommentAdminForm,
    ContributionAdminForm,
    ModerationDecision,
    ReasonForm,
    clean_text,
)
from .models import (
    Consultation,
    Contribution,
    ContributionState,
    Flag,
    FlaggedComment,
    FlagReason,
    Option,
    Synthesis,
)

# A bulk decision touches at most this many items in one request.
BULK_LIMIT = 200


def _excerpt(text: str, length: int = 90) -> str:
    # Plain text: the admin escapes it when it renders the cell.
    return Truncator(" ".join((text or "").split())).chars(length)


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


def _author(item) -> str:
    return item.author.display_name if item.author else str(_("Ancien participant"))


def _can_moderate(request) -> bool:
    return rules.has_perm("consultations.moderate", request.user)


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


class FlagReasonFilter(admin.SimpleListFilter):
    title = _("motif de signalement")
    parameter_name = "flag_reason"
    flag_field = "contribution"

    def lookups(self, request, model_admin):
        return FlagReason.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value not in FlagReason.values:
            return queryset
        flags = Flag.objects.filter(**{self.flag_field: OuterRef("pk")}, reason=value)
        return queryset.filter(Exists(flags))


class CommentFlagReasonFilter(FlagReasonFilter):
    flag_field = "comment"


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


class FlagInline(admin.TabularInline):
    model = Flag
    fk_name = "contribution"
    fields = ["reason", "details", "reporter_name", "flagged_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("signalements")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")

    @admin.display(description=_("signalé par"))
    def reporter_name(self, obj: Flag) -> str:
        return obj.reporter.display_name if obj.reporter else _("Ancien participant")

    @admin.display(description=_("le"))
    def flagged_at(self, obj: Flag) -> str:
        return timezone.localtime(obj.created_at).strftime("%d/%m/%Y %H:%M")


class CommentFlagInline(FlagInline):
    fk_name = "comment"


class ModerationActionsMixin:
    """Bulk decisions through the services, with an intermediate page asking the reason."""

    reason_template = "admin/consultations/moderation_reason.html"

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

    def _apply(self, request, queryset, decide) -> None:
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

    def _decide_with_reason(self, request, queryset, *, service, title, required=True):
        if self._too_many(request, queryset):
            return None
        if "apply" in request.POST:
            form = ReasonForm(request.POST, required=required)
            if form.is_valid():
                reason = form.cleaned_data["reason"]
                self._apply(request, queryset, lambda item: service(item, request.user, reason))
                return None
        else:
            form = ReasonForm(required=required)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "queryset": queryset,
            "preview": [
                f"{_author(item)} : {_excerpt(item.body, 120)}"
                for item in queryset.select_related("author")[:20]
            ],
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


@admin.register(Contribution)
class ContributionAdmin(HostileQuerySafeMixin, ModerationActionsMixin, admin.ModelAdmin):
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
        return _excerpt(obj.body)

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
        return _history(obj)

    # Saving the change page: each part through its service.
    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        decision = data.get("decision")
        try:
            if decision:
                self._decide(obj, request.user, decision, data.get("decision_reason", ""))
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

    def _decide(self, contribution, actor, decision, reason):
        if decision == ModerationDecision.PUBLISH:
            return services.contribution_publish(contribution=contribution, actor=actor)
        if decision == ModerationDecision.REJECT:
            return services.contribution_reject(
                contribution=contribution, actor=actor, reason=reason
            )
        if decision == ModerationDecision.HIDE:
            return services.contribution_hide(contribution=contribution, actor=actor, reason=reason)
        return services.contribution_restore(contribution=contribution, actor=actor, reason=reason)

    @admin.action(description=_("Publier les contributions sélectionnées"), permissions=["change"])
    def publish_selected(self, request, queryset):
        if self._too_many(request, queryset):
            return None
        self._apply(
            request,
            queryset,
            lambda c: services.contribution_publish(contribution=c, actor=request.user),
        )
        return None

    @admin.action(
        description=_("Refuser les contributions sélectionnées (motif)"), permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        return self._decide_with_reason(
            request,
            queryset,
            service=lambda c, actor, reason: services.contribution_reject(
                contribution=c, actor=actor, reason=reason
            ),
            title=_("Refuser des contributions"),
        )

    @admin.action(
        description=_("Masquer les contributions sélectionnées (motif)"), permissions=["change"]
    )
    def hide_selected(self, request, queryset):
        return self._decide_with_reason(
            request,
            queryset,
            service=lambda c, actor, reason: services.contribution_hide(
                contribution=c, actor=actor, reason=reason
            ),
            title=_("Masquer des contributions"),
        )

    @admin.action(description=_("Rétablir les contributions sélectionnées"), permissions=["change"])
    def restore_selected(self, request, queryset):
        return self._decide_with_reason(
            request,
            queryset,
            service=lambda c, actor, reason: services.contribution_restore(
                contribution=c, actor=actor, reason=reason
            ),
            title=_("Rétablir des contributions"),
            required=False,
        )


def _history(obj) -> str:
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
                    services.moderation_action_label(entry.action),
                    entry.actor.display_name if entry.actor else _("automatique"),
                    f"— {entry.reason}" if entry.reason else "",
                )
                for entry in entries
            ),
        ),
    )


# --- The moderation queue: project comments ------------------------------------------------


@admin.register(FlaggedComment)
class FlaggedCommentAdmin(HostileQuerySafeMixin, ModerationActionsMixin, admin.ModelAdmin):
    form = CommentAdminForm
    list_display = [
        "excerpt",
        "author_name",
        "project",
        "state",
        "flag_count",
        "created_at",
    ]
    list_display_links = ["excerpt"]
    list_filter = ["state", CommentFlagReasonFilter]
    search_fields = ["body", "author__display_name", "author__email", "project__title"]
    list_select_related = ["project", "author"]
    list_per_page = 50
    actions = ["hide_selected", "restore_selected"]
    inlines = [CommentFlagInline]
    fieldsets = [
        (None, {"fields": ["project", "author_name", "body_text", "created_at"]}),
        (
            _("Modération"),
            {
                "fields": [
                    "state",
                    "moderation_reason",
                    "flag_count",
                    "decision",
                    "decision_reason",
                    "history",
                ]
            },
        ),
    ]
    readonly_fields = [
        "project",
        "author_name",
        "body_text",
        "created_at",
        "state",
        "moderation_reason",
        "flag_count",
        "history",
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).filter(Q(flag_count__gt=0) | Q(state=CommentState.HIDDEN))
        )

    def get_ordering(self, request):
        # Hidden comments (waiting for a decision after flags) first, then the most flagged.
        hidden_first = Case(
            When(state=CommentState.HIDDEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [hidden_first.asc(), "-flag_count", "-created_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("commentaire"))
    def excerpt(self, obj) -> str:
        return _excerpt(obj.body)

    @admin.display(description=_("texte"))
    def body_text(self, obj):
        return linebreaksbr(obj.body, autoescape=True)

    @admin.display(description=_("auteur"), ordering="author__display_name")
    def author_name(self, obj) -> str:
        return obj.author.display_name if obj.author else _("Ancien participant")

    @admin.display(description=_("historique de modération"))
    def history(self, obj):
        return _history(obj)

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        reason = form.cleaned_data.get("decision_reason", "")
        try:
            if decision == ModerationDecision.HIDE:
                services.comment_hide(comment=obj, actor=request.user, reason=reason)
            elif decision == ModerationDecision.RESTORE:
                services.comment_restore(comment=obj, actor=request.user, reason=reason)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)

    @admin.action(
        description=_("Masquer les commentaires sélectionnés (motif)"), permissions=["change"]
    )
    def hide_selected(self, request, queryset):
        return self._decide_with_reason(
            request,
            queryset,
            service=lambda c, actor, reason: services.comment_hide(
                comment=c, actor=actor, reason=reason
            ),
            title=_("Masquer des commentaires"),
        )

    @admin.action(description=_("Rétablir les commentaires sélectionnés"), permissions=["change"])
    def restore_selected(self, request, queryset):
        return self._decide_with_reason(
            request,
            queryset,
            service=lambda c, actor, reason: services.comment_restore(
                comment=c, actor=actor, reason=reason
            ),
            title=_("Rétablir des commentaires"),
            required=False,
        )


# --- The moderation log: read-only for everyone --------------------------------------------


class ModerationActionFilter(admin.SimpleListFilter):
    title = _("décision")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return list(services.ModerationAction.labels.items())

    def queryset(self, request, queryset):
        if self.value() in services.ModerationAction.labels:
            return queryset.filter(action=self.value())
        return queryset


class ModerationLogAdmin(HostileQuerySafeMixin, admin.ModelAdmin):
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
    actions = None

    # Append-only: nobody adds, changes or deletes here, superusers included.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return _can_moderate(request)

    def has_module_permission(self, request) -> bool:
        return _can_moderate(request)

    @admin.display(description=_("par"), ordering="actor__display_name")
    def actor_name(self, obj: ModerationLog) -> str:
        return obj.actor.display_name if obj.actor else _("automatique")

    @admin.display(description=_("décision"), ordering="action")
    def action_label(self, obj: ModerationLog) -> str:
        return services.moderation_action_label(obj.action)

    @admin.display(description=_("motif"))
    def reason_excerpt(self, obj: ModerationLog) -> str:
        return _excerpt(obj.reason, 120)

    @admin.display(description=_("état avant"))
    def from_label(self, obj: ModerationLog) -> str:
        return _state_label(obj, obj.from_state)

    @admin.display(description=_("état après"))
    def to_label(self, obj: ModerationLog) -> str:
        return _state_label(obj, obj.to_state)


def _state_label(entry: ModerationLog, code: str) -> str:
    """The state in French for the items this app moderates; other apps' codes as written."""
    labels = {
        "contribution": dict(ContributionState.choices),
        "comment": dict(CommentState.choices),
    }.get(entry.content_type.model, {})
    return str(labels.get(code, code))


if admin.site.is_registered(ModerationLog):
    admin.site.unregister(ModerationLog)
admin.site.register(ModerationLog, ModerationLogAdmin)


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


class _FallbackProjectUpdateAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "published_at"]
    list_select_related = ["project"]
    search_fields = ["title", "project__title"]
    date_hierarchy = "published_at"


# The projects app may register its own ProjectUpdate admin: extend it rather than replace it.
if admin.site.is_registered(ProjectUpdate):
    _BaseProjectUpdateAdmin = type(admin.site.get_model_admin(ProjectUpdate))
    admin.site.unregister(ProjectUpdate)
else:
    _BaseProjectUpdateAdmin = _FallbackProjectUpdateAdmin


class ProjectUpdateAdmin(_BaseProjectUpdateAdmin):
    inlines = [*getattr(_BaseProjectUpdateAdmin, "inlines", []), CitedContributionInline]


admin.site.register(ProjectUpdate, ProjectUpdateAdmin)
