from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import EmailFrequency


class EmailPreferencesForm(forms.Form):
    email_frequency = forms.ChoiceField(
        label=_("Recevoir mes notifications par e-mail"),
        choices=EmailFrequency.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choisissez à quel rythme recevoir les e-mails."),
            "invalid_choice": _("Choisissez l'un des rythmes proposés."),
        },
        help_text=_(
            "Les notifications restent toujours visibles dans votre espace, quel que soit "
            "votre choix."
        ),
    )
