"""Input validation for the consultations pages and the moderation back office."""

from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.forms import DecisionFormMixin, clean_text

from .models import Contribution, Option, Outcome


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


# --- Back office ---------------------------------------------------------------------------


class ContributionAdminForm(DecisionFormMixin, forms.ModelForm):
    """The contribution's page in the admin: a moderation decision, the team's public answer
    and, after closing, the outcome. The admin applies each through its service."""

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

    def clean_answer(self) -> str:
        return clean_text(self.cleaned_data.get("answer", ""), required=False)

    def clean_outcome_reason(self) -> str:
        return clean_text(self.cleaned_data.get("outcome_reason", ""), required=False)

    def clean(self):
        data = super().clean()  # the decision and its reason (DecisionFormMixin)
        outcome = data.get("outcome")
        if outcome and outcome not in Outcome.values:
            self.add_error("outcome", _("Choisissez oui, en partie ou non."))
        if outcome and not data.get("outcome_reason"):
            self.add_error("outcome_reason", _("Expliquez cette prise en compte."))
        return data
