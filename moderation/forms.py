"""Input of moderation: a resident's flag, and the team's reason for a decision."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FlagReason


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


class ReasonForm(forms.Form):
    """The intermediate page of a moderation decision: why the team decides (kept in the
    moderation log, shown to the author). Every decision that needs one has the same rule."""

    reason = forms.CharField(
        label=_("Motif (montré à l'auteur)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )

    def clean_reason(self) -> str:
        return clean_text(self.cleaned_data["reason"])


class ModerationDecision:
    PUBLISH = "publish"
    REJECT = "reject"
    HIDE = "hide"
    RESTORE = "restore"

    choices = [
        (PUBLISH, _("Publier")),
        (REJECT, _("Refuser (motif obligatoire)")),
        (HIDE, _("Masquer (motif obligatoire)")),
        (RESTORE, _("Rétablir (motif obligatoire)")),
    ]
    needs_reason = {REJECT, HIDE, RESTORE}
    # The decisions that fit each state (see moderation.services' transitions).
    by_state = {
        "pending": [PUBLISH, REJECT],
        "published": [HIDE],
        "hidden": [RESTORE],
        "rejected": [PUBLISH],
    }


def decide(*, item, actor, decision: str, reason: str):
    """Apply a decision chosen on an item's admin page, through its service."""
    from . import services

    if decision == ModerationDecision.PUBLISH:
        return services.item_publish(item=item, actor=actor)
    if decision == ModerationDecision.REJECT:
        return services.item_reject(item=item, actor=actor, reason=reason)
    if decision == ModerationDecision.HIDE:
        return services.item_hide(item=item, actor=actor, reason=reason)
    if decision == ModerationDecision.RESTORE:
        return services.item_restore(item=item, actor=actor, reason=reason)
    return None


class DecisionFormMixin(forms.Form):
    """The moderation part of an item's admin page: a decision fitting its state, and its
    reason (required by the same rule as the bulk actions)."""

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
        help_text=_("Obligatoire pour refuser, masquer ou rétablir ; montré à l'auteur."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ModerationDecision.by_state.get(getattr(self.instance, "state", ""), [])
        self.fields["decision"].choices = [("", _("Aucune"))] + [
            (value, label) for value, label in ModerationDecision.choices if value in allowed
        ]

    def clean_decision_reason(self) -> str:
        return clean_text(self.cleaned_data.get("decision_reason", ""), required=False)

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision in ModerationDecision.needs_reason and not data.get("decision_reason"):
            self.add_error("decision_reason", _("Indiquez le motif de cette décision."))
        return data
