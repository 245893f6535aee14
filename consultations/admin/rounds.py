"""The team's back office for rounds: dates, options, the synthesis with its outcomes."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from moderation.admin import HostileQuerySafeMixin
from projects.models import Project

from .. import services
from ..forms import clean_text
from ..models import Consultation, ContributionState, Option, Synthesis

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
