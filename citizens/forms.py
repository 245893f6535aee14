from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Neighbourhood, User


class SignupExtraForm(forms.Form):
    """Fields allauth's signup form gains: what other residents see of you."""

    display_name = forms.CharField(
        label=_("Nom affiché"),
        max_length=60,
        help_text=_("Visible par les autres habitants. Un prénom suffit."),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Quartier (facultatif)"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Je préfère ne pas le dire"),
    )

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])

    def signup(self, request, user) -> None:
        # The adapter already copied these fields; allauth requires the method.
        pass


def clean_display_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise forms.ValidationError(_("Indiquez un nom affiché."))
    if any(ord(c) < 32 or 0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in value):
        raise forms.ValidationError(_("Le nom affiché contient des caractères non autorisés."))
    return value


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "neighbourhood", "language"]

    def clean_display_name(self) -> str:
        return clean_display_name(self.cleaned_data["display_name"])


class KeepOrErase:
    KEEP = "keep"
    ERASE = "erase"


class AccountDeleteForm(forms.Form):
    """Account deletion: the password, and what becomes of what the person wrote."""

    password = forms.CharField(
        label=_("Votre mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Pour vérifier que c'est bien vous."),
    )
    content = forms.ChoiceField(
        label=_("Vos contributions et commentaires publiés"),
        choices=[
            (
                KeepOrErase.KEEP,
                _(
                    "Les laisser en ligne, signés « ancien participant » : la concertation "
                    "garde la trace de ce qui a été dit."
                ),
            ),
            (
                KeepOrErase.ERASE,
                _(
                    "Effacer leur texte : il ne reste que la mention « retiré par son auteur », "
                    "pour que les fils de discussion et les chiffres restent justes."
                ),
            ),
        ],
        initial=KeepOrErase.KEEP,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Ce mot de passe n'est pas le bon."))
        return password

    @property
    def erase_content(self) -> bool:
        return self.cleaned_data["content"] == KeepOrErase.ERASE
