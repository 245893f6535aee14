"""The citizens app's part of a person's data: account, email addresses, second factor,
sessions, their data downloads."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import personal_data as registry
from .models import AccountSession, DataExport, User
from .personal_data import iso


def export(user: User) -> dict:
    profile = {
        "adresse_email": user.email,
        "nom_affiché": user.display_name,
        "quartier": user.neighbourhood.name if user.neighbourhood_id else None,
        "langue": user.language,
        "inscrit_le": iso(user.date_joined),
        "dernière_connexion": iso(user.last_login),
        "compte_actif": user.is_active,
        "accès_administration": user.is_staff,
        "rôles": sorted(user.groups.values_list("name", flat=True)),
    }
    return {
        "profil": profile,
        "adresses_email": [
            {"adresse": a.email, "vérifiée": a.verified, "principale": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        # The secret itself is never exported: it would let anyone holding the file log in.
        "double_authentification": [
            {
                "type": a.get_type_display(),
                "activée_le": iso(a.created_at),
                "dernière_utilisation": iso(a.last_used_at),
            }
            for a in Authenticator.objects.filter(user=user).order_by("created_at")
        ],
        "sessions_ouvertes": [
            {"expire_le": iso(s.expire_date)}
            for s in AccountSession.objects.filter(account_id=user.pk).order_by("expire_date")
        ],
        "téléchargements_de_données": [
            {
                "demandé_le": iso(e.requested_at),
                "état": e.get_state_display(),
                "expire_le": iso(e.expires_at),
            }
            for e in DataExport.objects.filter(user=user).order_by("requested_at")
        ],
    }


def erase(user: User, *, erase_content: bool) -> None:
    from .exports import delete_export_files

    # The admin log describes a person by their name.
    registry.scrub_log_reprs(user=user, model=User, ids=[user.pk])
    AccountSession.objects.filter(account_id=user.pk).delete()
    names = [
        name
        for pair in DataExport.objects.filter(user=user).values_list("json_name", "zip_name")
        for name in pair
        if name
    ]
    DataExport.objects.filter(user=user).delete()
    # Files are not transactional: remove them once the deletion is committed.
    transaction.on_commit(lambda: delete_export_files(names))
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()


registry.register(
    registry.Section(
        key="compte",
        label=_("Mon compte"),
        description=_(
            "votre profil : adresse e-mail, nom affiché, quartier, langue, dates "
            "d'inscription et de dernière connexion, double authentification"
        ),
        export=export,
        erase=erase,
        order=0,
    )
)
