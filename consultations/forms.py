"""Input validation for the consultations pages and the moderation back office."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Contribution, FlagReason, Option, Outcome


def clean_text(value: str, *, required: bool = True) -> str:
    """Trim, and refuse invisible control characters (bidi overrides included) that would
    disguise what a text says; keep line breaks and tabs."""
    value = (value or "").strip()
    if required and not value:
        raise forms.ValidationError(_("Ce champ ne peut pas être vide."), code="blank")
    for char in value:
        if char in "\n\r\t":
            continue
        if unicodedata.category(char) in {"Cc", "Cf"} and char not in "\u200d\u00ad":
            raise forms.ValidationError(
                _("Le texte contient des caractères invisibles non autorisés."),
                code="control_characters",
            )
    return value


class ContributionForm(forms.Form):
    body = forms.CharField(
        label=_("Votre contribution"),
        max_length=Contribution._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("5 000 caractères au plus. Restez courtois : l'équipe modère les échanges."),
    )
    option = forms.ModelChoiceField(
        label=_("Option qui correspond à votre contribution (facultatif)"),
        queryset=Option.objects.none(),
        required=False,
        empty_label=_("Aucune en particulier"),
        error_messages={"invalid_choice": _("Cette option n'existe pas dans cette concertation.")},
    )

    def __init__(self, *args, options: list[Option], **kwargs):
        # Distinct ids: the vote form sits on the same page.
        kwargs.setdefault("auto_id", "contribution_%s")
        super().__init__(*args, **kwargs)
        if options:
            self.fields["option"].queryset = Option.objects.filter(
                consultation_id=options[0].consultation_id
            )
            # Reuse the options already loaded for the page instead of a second query.
            self.fields["option"].choices = [
                ("", self.fields["option"].empty_label),
                *[(option.pk, option.label) for option in options],
            ]
        else:
            del self.fields["option"]

    def clean_body(self) -> str:
        return clean_text(self.cleaned_data["body"])


class VoteForm(forms.Form):
    option = forms.ModelChoiceField(
        label=_("Votre choix"),
        queryset=Option.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choisissez une option."),
            "invalid_choice": _("Cette option n'existe pas dans cette concertation."),
        },
    )

    def __init__(self, *args, options: list[Option], **kwargs):
        kwargs.setdefault("auto_id", "vote_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["option"]
        if options:
            field.queryset = Option.objects.filter(consultation_id=options[0].consultation_id)
        field.choices = [(option.pk, option.label) for option in options]


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Motif du signalement"),
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez un motif."),
            "invalid_choice": _("Choisissez un motif dans la liste."),
        },
    )
    details = forms.CharField(
        label=_("Précisions (facultatif)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ce qui pose problème, en quelques mots (500 caractères au plus)."),
    )

    def clean_details(self) -> str:
        return clean_text(self.cleaned_data["details"], required=False)


# --- Back office ---------------------------------------------------------------------------


class ReasonForm(forms.Form):
    """The intermediate page of a moderation action: why the team decides."""

    reason = forms.CharField(
        label=_("Motif (montré à l'auteur)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].label = _("Motif (facultatif, gardé au journal)")

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"], required=self.fields["reason"].required)


class ModerationDecision:
    PUBLISH = "publish"
    REJECT = "reject"
    HIDE = "hide"
    RESTORE = "restore"

    choices = [
        (PUBLISH, _("Publier")),
        (REJECT, _("Refuser (motif obligatoire)")),
        (HIDE, _("Masquer (motif obligatoire)")),
        (RESTORE, _("Rétablir")),
    ]
    needs_reason = {REJECT, HIDE}


class ContributionAdminForm(forms.ModelForm):
    """The contribution's page in the admin: a moderation decision, the team's public answer
    and, after closing, the outcome. The admin applies each through its service."""

    decision = forms.ChoiceField(
        label=_("Décision de modération"),
        choices=[("", _("Aucune"))] + ModerationDecision.choices,
        required=False,
    )
    decision_reason = forms.CharField(
        label=_("Motif de la décision"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Obligatoire pour un refus ou un masquage ; montré à l'auteur."),
    )

    answer = forms.CharField(
        label=_("réponse de l'équipe"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Publique : elle s'affiche sous la contribution."),
    )
    outcome_reason = forms.CharField(
        label=_("explication"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    class Meta:
        model = Contribution
        fields = ["answer", "outcome", "outcome_reason"]
        widgets = {
            "answer": forms.Textarea(attrs={"rows": 4, "cols": 60}),
            "outcome_reason": forms.Textarea(attrs={"rows": 3, "cols": 60}),
        }

    # The decisions that fit each state (see the services' transitions).
    decisions_by_state = {
        "pending": [ModerationDecision.PUBLISH, ModerationDecision.REJECT],
        "published": [ModerationDecision.HIDE],
        "hidden": [ModerationDecision.RESTORE],
        "rejected": [ModerationDecision.PUBLISH],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = self.decisions_by_state.get(self.instance.state, [])
        self.fields["decision"].choices = [("", _("Aucune"))] + [
            (value, label) for value, label in ModerationDecision.choices if value in allowed
        ]

    def clean_answer(self) -> str:
        return clean_text(self.cleaned_data.get("answer", ""), required=False)

    def clean_outcome_reason(self) -> str:
        return clean_text(self.cleaned_data.get("outcome_reason", ""), required=False)

    def clean_decision_reason(self) -> str:
        return clean_text(self.cleaned_data.get("decision_reason", ""), required=False)

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision in ModerationDecision.needs_reason and not data.get("decision_reason"):
            self.add_error("decision_reason", _("Indiquez le motif de cette décision."))
        outcome = data.get("outcome")
        if outcome and outcome not in Outcome.values:
            self.add_error("outcome", _("Choisissez oui, en partie ou non."))
        if outcome and not data.get("outcome_reason"):
            self.add_error("outcome_reason", _("Expliquez cette prise en compte."))
        return data

    def _post_clean(self):
        # The services write the instance; skip the model's own validation of the
        # unchanged fields here (their checks live in the services and in clean()).
        pass


class CommentAdminForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=_("Décision de modération"),
        choices=[
            ("", _("Aucune")),
            (ModerationDecision.HIDE, _("Masquer (motif obligatoire)")),
            (ModerationDecision.RESTORE, _("Rétablir")),
        ],
        required=False,
    )
    decision_reason = forms.CharField(
        label=_("Motif de la décision"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("Obligatoire pour un masquage ; montré à l'auteur."),
    )

    class Meta:
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = (
            ModerationDecision.HIDE
            if self.instance.state == "published"
            else (ModerationDecision.RESTORE)
        )
        self.fields["decision"].choices = [
            (value, label)
            for value, label in self.fields["decision"].choices
            if value in ("", allowed)
        ]

    def clean_decision_reason(self) -> str:
        return clean_text(self.cleaned_data.get("decision_reason", ""), required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == ModerationDecision.HIDE and not data.get("decision_reason"):
            self.add_error("decision_reason", _("Indiquez le motif de cette décision."))
        return data
