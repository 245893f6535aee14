from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from citizens.models import Neighbourhood

from .models import STATUS_TRANSITIONS, Category, Comment, Origin, Project, Status
from .selectors import SEARCH_MAX_LENGTH, ProjectFilters, Sort

PROJECT_BODY_MAX = 20_000
COMMENT_BODY_MAX = Comment._meta.get_field("body").max_length
# Invisible characters that reorder text: harmless in a paragraph, a spoofing tool in a title.
BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def reject_control_characters(value: str, *, single_line: bool = False) -> str:
    """Refuse control characters (NUL is refused by Django itself) with a clear message."""
    allowed = set() if single_line else {"\n", "\r", "\t"}
    for char in value:
        if (ord(char) < 32 and char not in allowed) or ord(char) == 0x7F:
            raise forms.ValidationError(
                _("Le texte contient des caractères de contrôle invisibles : retirez-les."),
                code="control_characters",
            )
        if single_line and char in BIDI_CONTROLS:
            raise forms.ValidationError(
                _("Le texte contient des caractères invisibles non autorisés."),
                code="bidi_characters",
            )
    return value


class ProjectFilterForm(forms.Form):
    """The GET form of /projets/: every field optional, its state kept in the URL."""

    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("ex. : école, rue")}),
    )
    theme = forms.ChoiceField(
        label=_("Thème"), required=False, choices=[("", _("Tous les thèmes")), *Category.choices]
    )
    etat = forms.ChoiceField(
        label=_("État"), required=False, choices=[("", _("Tous les états")), *Status.choices]
    )
    quartier = forms.ModelChoiceField(
        label=_("Quartier"),
        required=False,
        queryset=Neighbourhood.objects.order_by("name"),
        to_field_name="slug",
        empty_label=_("Tous les quartiers"),
    )
    origine = forms.ChoiceField(
        label=_("Origine"), required=False, choices=[("", _("Toutes")), *Origin.choices]
    )
    tri = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        initial=Sort.RECENT,
        choices=[
            (Sort.RECENT, _("Les plus récents")),
            (Sort.SUPPORTED, _("Les plus soutenus")),
            (Sort.DISCUSSED, _("Les plus discutés")),
            (Sort.RELEVANCE, _("Pertinence (avec une recherche)")),
        ],
    )

    def clean_q(self) -> str:
        return reject_control_characters(self.cleaned_data["q"], single_line=True)

    def filters(self) -> ProjectFilters:
        """The valid filters; an invalid field is ignored (its error is shown next to it)."""
        data = {}
        if self.is_bound:
            self.is_valid()
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        return ProjectFilters(
            q=data.get("q") or "",
            category=data.get("theme") or "",
            status=data.get("etat") or "",
            neighbourhood=data.get("quartier"),
            origin=data.get("origine") or "",
            sort=data.get("tri") or "",
        )


class ProjectProposeForm(forms.Form):
    title = forms.CharField(
        label=_("Titre"),
        max_length=Project._meta.get_field("title").max_length,
        help_text=_("En quelques mots : ce que vous proposez, et où."),
    )
    summary = forms.CharField(
        label=_("Résumé"),
        max_length=Project._meta.get_field("summary").max_length,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Une ou deux phrases, affichées dans la liste des projets."),
    )
    body = forms.CharField(
        label=_("Description"),
        max_length=PROJECT_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Le constat, votre idée, à qui elle servirait. Mise en forme simple possible : "
            "**gras**, *italique*, listes avec « - », liens."
        ),
    )
    category = forms.ChoiceField(label=_("Thème"), choices=Category.choices)
    neighbourhood = forms.ModelChoiceField(
        label=_("Quartier"),
        queryset=Neighbourhood.objects.order_by("name"),
        required=False,
        empty_label=_("Toute la commune"),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )

    def clean_title(self) -> str:
        title = " ".join(reject_control_characters(self.cleaned_data["title"]).split())
        return reject_control_characters(title, single_line=True)

    def clean_summary(self) -> str:
        summary = " ".join(reject_control_characters(self.cleaned_data["summary"]).split())
        return reject_control_characters(summary, single_line=True)

    def clean_body(self) -> str:
        return reject_control_characters(self.cleaned_data["body"])

    def clean(self):
        cleaned = super().clean()
        lat, lng = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lng is None) and not self.errors.keys() & {"latitude", "longitude"}:
            field = "longitude" if lng is None else "latitude"
            self.add_error(field, _("Indiquez la latitude et la longitude, ou aucune des deux."))
        for field in ("latitude", "longitude"):
            if cleaned.get(field) is not None:
                # The model keeps 6 decimals (about 10 cm): round rather than refuse.
                cleaned[field] = Decimal(f"{cleaned[field]:.6f}")
        return cleaned


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Votre commentaire"),
        max_length=COMMENT_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_body(self) -> str:
        body = reject_control_characters(self.cleaned_data["body"]).strip()
        if not body:
            raise forms.ValidationError(_("Écrivez votre commentaire."), code="required")
        return body


class ReplyForm(CommentForm):
    body = forms.CharField(
        label=_("Votre réponse"),
        max_length=COMMENT_BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(forms.Form):
    """A moderation decision's reason, kept in the moderation log."""

    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Conservé au journal de modération ; montré à l'auteur."),
    )

    def clean_reason(self) -> str:
        reason = reject_control_characters(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError(_("Indiquez le motif."), code="required")
        return reason


class StatusChangeForm(forms.Form):
    """The team moves a project along its lifecycle, with the public official answer."""

    to_status = forms.ChoiceField(label=_("Nouvel état"))
    answer = forms.CharField(
        label=_("Réponse officielle"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Publiée sur la page du projet. Obligatoire pour « Non retenu » : "
            "expliquez pourquoi. Markdown simple."
        ),
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["to_status"].choices = [
            (s, Status(s).label) for s in STATUS_TRANSITIONS.get(project.status, [])
        ]

    def clean_answer(self) -> str:
        return reject_control_characters(self.cleaned_data["answer"]).strip()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("to_status") == Status.DECLINED and not cleaned.get("answer"):
            self.add_error(
                "answer", _("Expliquez publiquement pourquoi le projet n'est pas retenu.")
            )
        return cleaned
