"""The authorisation matrix: for every URL of the site, who gets what.

`ENTRIES` maps a URL name (`namespace:name`, or the route of an unnamed pattern) to one or
more `Case`s. A case builds a concrete path from the world (tests/security/world.py) and
says, for each role, the status expected for a GET and, for endpoints that take one, for a
POST with a valid body. The admin's model pages are not listed here: they are generated
from the registered ModelAdmins and the roles' permissions (see `admin_cases`).

Adding a URL: add an entry here (the matrix test fails, naming the URL, until you do).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from tests.factories import PASSWORD
from tests.security.world import MAYOR, OTHER, RESIDENT, ROLES, SUPERUSER, TEAM, UNVERIFIED, VISITOR


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location starts with `to` (the path of this request when `to` is None)."""

    to: str | Callable | None = None
    status: int = 302

    def target(self, world, path: str) -> str:
        if callable(self.to):
            return self.to(world)
        return self.to if self.to is not None else path

    def __repr__(self) -> str:
        return f"{self.status}→{self.to if not callable(self.to) else '…'}"


class _Login(Redirect):
    """302 to the login form, with the page asked for as `next` (default: this path)."""

    def target(self, world, path: str) -> str:
        nxt = self.to(world) if callable(self.to) else (self.to or path)
        return "/compte/login/?next=" + quote(nxt, safe="/")

    def __repr__(self) -> str:
        return "302→login"


def login(next_path: str | Callable | None = None) -> _Login:
    return _Login(next_path)


LOGIN = login()
ADMIN_LOGIN = Redirect("/admin/login/?next=")
HOME = Redirect("/")
ACCOUNT = Redirect("/compte/")
ANY_REDIRECT = Redirect("")
REAUTH = Redirect("/compte/reauthenticate/?next=")


def roles(default=None, **overrides) -> dict:
    """{role: expected} from a default and per-role overrides (keyword = role name)."""
    unknown = set(overrides) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: overrides.get(role, default) for role in ROLES}


def logged_in(expected, *, visitor=LOGIN, **overrides) -> dict:
    """A page for logged-in people: visitors go to the login form."""
    return roles(expected, visitor=visitor, **overrides)


def verified(expected, *, visitor=LOGIN, unverified=403, **overrides) -> dict:
    """An action for verified residents (every role here but the unverified one)."""
    return roles(expected, visitor=visitor, unverified=unverified, **overrides)


def REPORTS(expected, **overrides) -> dict:  # noqa: N802 - reads as a table header
    """Reports: the mayor's office and superusers; visitors to the login; others 403."""
    return roles(403, **{"visitor": LOGIN, "mayor": expected, "superuser": expected, **overrides})


def owner_only(expected, *, others=403, **overrides) -> dict:
    return roles(others, visitor=LOGIN, resident=expected, **overrides)


@dataclass
class Case:
    path: str | Callable  # world -> path
    get: dict | None = None  # role -> expected; None: GET not checked (see get_405)
    post: dict | None = None
    data: dict | Callable | None = None  # world -> POST body
    label: str = ""
    headers: dict = field(default_factory=dict)

    def build_path(self, world) -> str:
        return self.path(world) if callable(self.path) else self.path

    def build_data(self, world) -> dict:
        if callable(self.data):
            return self.data(world)
        return dict(self.data or {})


ALL_200 = roles(200)
NOT_ALLOWED = roles(405)


def _project(w) -> str:
    return f"/projets/{w.project.slug}/"


def _hidden(w) -> str:
    return f"/projets/{w.hidden_project.slug}/"


def _comment(w, name: str, action: str = "") -> str:
    c = getattr(w, name)
    return f"/projets/{c.project.slug}/commentaires/{c.pk}/{action}"


def _round(w, name: str, action: str = "") -> str:
    return f"/consultations/{getattr(w, name).slug}/{action}"


def _propose_data(w) -> dict:
    return {
        "title": "Des bancs au square",
        "summary": "Pour s'asseoir à l'ombre.",
        "body": "Trois bancs **en bois**.",
        "category": "public_spaces",
        "neighbourhood": w.neighbourhood.pk,
        "latitude": "",
        "longitude": "",
    }


# What a hidden project answers: 404 to everyone but the team (who may read it, and is refused
# taking part).
HIDDEN_READ = roles(404, team=200, superuser=200)
HIDDEN_ACT = roles(404, team=403, superuser=403)

# Logged-in people are sent away from the entrance pages (login, signup) to their space.
ENTRANCE = roles(ACCOUNT, visitor=200)

ENTRIES: dict[str, list[Case]] = {
    # --- public pages ----------------------------------------------------------------------
    "home": [Case("/", get=ALL_200)],
    "healthz": [Case("/healthz", get=ALL_200, post=NOT_ALLOWED)],
    "privacy": [Case("/confidentialite/", get=ALL_200, post=NOT_ALLOWED)],
    "accessibility": [Case("/accessibilite/", get=ALL_200, post=NOT_ALLOWED)],
    "set_language": [
        Case(
            "/i18n/setlang/",
            # POST only (citizens.language: the choice is also saved on the account).
            get=NOT_ALLOWED,
            post=roles(Redirect("/projets/")),
            data={"language": "fr", "next": "/projets/"},
        )
    ],
    # --- projects --------------------------------------------------------------------------
    "projects:list": [Case("/projets/", get=ALL_200, post=NOT_ALLOWED)],
    "projects:propose": [
        Case(
            "/projets/proposer/",
            get=verified(200),
            post=verified(Redirect("/projets/des-bancs-au-square/")),
            data=_propose_data,
        )
    ],
    "projects:detail": [
        Case(_project, get=ALL_200, post=NOT_ALLOWED, label="A's project"),
        Case(_hidden, get=HIDDEN_READ, label="hidden project"),
        Case("/projets/nexiste-pas/", get=roles(404), label="unknown slug"),
    ],
    "projects:support": [
        Case(
            lambda w: _project(w) + "soutenir/",
            get=NOT_ALLOWED,
            post=verified(Redirect(lambda w: _project(w) + "#soutien"), visitor=login(_project)),
        ),
        Case(lambda w: _hidden(w) + "soutenir/", post=HIDDEN_ACT, label="hidden project"),
    ],
    "projects:unsupport": [
        Case(
            lambda w: _project(w) + "retirer-mon-soutien/",
            get=NOT_ALLOWED,
            post=logged_in(Redirect(lambda w: _project(w) + "#soutien"), visitor=login(_project)),
        )
    ],
    "projects:follow": [
        Case(
            lambda w: _project(w) + "suivre/",
            get=NOT_ALLOWED,
            post=verified(Redirect(lambda w: _project(w) + "#suivi"), visitor=login(_project)),
        ),
        Case(lambda w: _hidden(w) + "suivre/", post=HIDDEN_ACT, label="hidden project"),
    ],
    "projects:unfollow": [
        Case(
            lambda w: _project(w) + "ne-plus-suivre/",
            get=NOT_ALLOWED,
            post=logged_in(Redirect(lambda w: _project(w) + "#suivi"), visitor=login(_project)),
        )
    ],
    "projects:comment": [
        Case(
            lambda w: _project(w) + "commenter/",
            get=NOT_ALLOWED,
            post=verified(
                Redirect(lambda w: _project(w) + "#commentaire-"),
                visitor=login(lambda w: _project(w) + "#commentaires"),
            ),
            data={"body": "Un nouveau commentaire."},
        ),
        Case(
            lambda w: _hidden(w) + "commenter/",
            post=HIDDEN_ACT,
            data={"body": "Sur un projet masqué."},
            label="hidden project",
        ),
    ],
    "projects:comment_thread": [
        Case(lambda w: _comment(w, "comment_a"), get=ALL_200, post=NOT_ALLOWED),
        Case(
            lambda w: _comment(w, "reply_b"),
            get=roles(Redirect(lambda w: _comment(w, "comment_a") + "#commentaire-")),
            label="a reply goes to its thread",
        ),
        Case(lambda w: f"/projets/{w.project.slug}/commentaires/999999/", get=roles(404)),
    ],
    "projects:reply": [
        Case(
            lambda w: _comment(w, "comment_b", "repondre/"),
            get=NOT_ALLOWED,
            post=verified(
                Redirect(lambda w: _project(w)), visitor=Redirect("/compte/login/?next=")
            ),
            data={"body": "Une réponse."},
        ),
        Case(
            lambda w: f"/projets/{w.town_project.slug}/commentaires/{w.comment_b.pk}/repondre/",
            post=roles(404),
            data={"body": "Sur le mauvais projet."},
            label="a comment of another project (forged id)",
        ),
    ],
    "projects:comment_edit": [
        Case(
            lambda w: _comment(w, "comment_a", "modifier/"),
            get=owner_only(200),
            post=owner_only(Redirect(lambda w: _project(w))),
            data={"body": "Je m'occupe des bacs et du compost."},
            label="A's comment",
        ),
        Case(
            lambda w: _comment(w, "reply_b", "modifier/"),
            get=roles(403, visitor=LOGIN, other=200),
            label="B's reply",
        ),
    ],
    "projects:comment_delete": [
        Case(
            lambda w: _comment(w, "comment_a", "supprimer/"),
            get=owner_only(200),
            post=owner_only(Redirect(lambda w: _project(w) + "#commentaires")),
        ),
    ],
    # --- consultations ---------------------------------------------------------------------
    "consultations:list": [Case("/consultations/", get=ALL_200, post=NOT_ALLOWED)],
    "consultations:detail": [
        Case(lambda w: _round(w, "open_round"), get=ALL_200, post=NOT_ALLOWED, label="open"),
        Case(lambda w: _round(w, "upcoming_round"), get=ALL_200, label="upcoming"),
        Case(lambda w: _round(w, "closed_round"), get=ALL_200, label="closed, synthesis"),
        Case("/consultations/nexiste-pas/", get=roles(404), label="unknown slug"),
    ],
    "consultations:contribute": [
        Case(
            lambda w: _round(w, "open_round", "contribuer/"),
            get=NOT_ALLOWED,
            post=verified(
                Redirect(lambda w: _round(w, "open_round") + "#mes-contributions"),
                visitor=login(lambda w: _round(w, "open_round")),
            ),
            data={"body": "Des fontaines."},
            label="open",
        ),
        Case(
            lambda w: _round(w, "upcoming_round", "contribuer/"),
            post=roles(403),
            data={"body": "Trop tôt."},
            label="upcoming",
        ),
        Case(
            lambda w: _round(w, "closed_round", "contribuer/"),
            post=roles(403),
            data={"body": "Trop tard."},
            label="closed",
        ),
    ],
    "consultations:vote": [
        Case(
            lambda w: _round(w, "open_round", "voter/"),
            get=NOT_ALLOWED,
            post=verified(
                Redirect(lambda w: _round(w, "open_round") + "#vote"),
                visitor=login(lambda w: _round(w, "open_round")),
            ),
            data=lambda w: {"option": w.options[1].pk},
            label="open",
        ),
        Case(
            lambda w: _round(w, "closed_round", "voter/"),
            post=roles(403),
            data=lambda w: {"option": w.options[1].pk},
            label="closed",
        ),
    ],
    "moderation:flag": [
        Case(
            lambda w: f"/signaler/contribution/{w.contribution_a.pk}/",
            get=verified(200, resident=403),
            post=verified(Redirect(lambda w: _round(w, "open_round")), resident=403),
            data={"reason": "spam", "details": "Publicité."},
            label="A's contribution",
        ),
        Case(
            lambda w: f"/signaler/contribution/{w.pending_a.pk}/",
            get=roles(404),
            label="a pending contribution",
        ),
        Case(
            lambda w: f"/signaler/commentaire/{w.comment_a.pk}/",
            get=verified(200, resident=403),
            post=verified(Redirect(lambda w: _project(w) + "#commentaire-"), resident=403),
            data={"reason": "insult", "details": ""},
            label="A's comment",
        ),
        Case(
            lambda w: f"/signaler/commentaire/{w.flagged_comment.pk}/",
            get=verified(200, other=403),
            label="B's comment",
        ),
        Case("/signaler/inconnu/1/", get=roles(404), label="an unknown kind"),
        Case(
            lambda w: f"/signaler/projet/{w.project.pk}/",
            get=roles(404),
            label="a project (hidden by the team, never flagged)",
        ),
    ],
    # --- the resident's space ---------------------------------------------------------------
    "citizens:account": [
        Case(
            "/compte/",
            get=logged_in(200),
            post=logged_in(ACCOUNT),
            data={"display_name": "Nouveau nom", "neighbourhood": "", "language": "fr"},
        )
    ],
    "citizens:activity": [
        Case(f"/compte/activite/{kind}/", get=logged_in(200), label=kind)
        for kind in ("propositions", "commentaires", "contributions")
    ]
    + [Case("/compte/activite/inconnu/", get=logged_in(404), label="unknown kind")],
    "citizens:data_export": [
        Case(
            "/compte/donnees/",
            get=logged_in(200),
            post=logged_in(Redirect("/compte/donnees/")),
        )
    ],
    "citizens:data_export_status": [
        Case(
            lambda w: f"/compte/donnees/{w.export_a.token}/etat/",
            get=owner_only(Redirect("/compte/donnees/"), others=404),
            label="A's download",
        ),
    ],
    "citizens:data_export_download": [
        Case(
            lambda w: f"/compte/donnees/{w.export_a.token}/mes-donnees.json",
            get=owner_only(200, others=404),
            label="A's download (JSON)",
        ),
        Case(
            lambda w: f"/compte/donnees/{w.export_a.token}/mes-donnees.zip",
            get=owner_only(200, others=404),
            label="A's download (ZIP)",
        ),
        Case(
            lambda w: f"/compte/donnees/{w.export_a.token}/mes-donnees.exe",
            get=logged_in(404),
            label="unknown format",
        ),
    ],
    "citizens:account_delete": [
        Case(
            "/compte/supprimer/",
            get=logged_in(200),
            # The last superuser may not leave: the form says so.
            post=logged_in(Redirect("/compte/supprime/"), superuser=400),
            data={"password": PASSWORD, "content": "keep"},
        )
    ],
    "citizens:account_deleted": [Case("/compte/supprime/", get=roles(HOME))],
    # --- notifications and email preferences ---------------------------------------------
    "citizens:notifications": [Case("/compte/notifications/", get=logged_in(200))],
    "citizens:notifications_read_all": [
        Case(
            "/compte/notifications/tout-lire/",
            get=logged_in(405),
            post=logged_in(Redirect("/compte/notifications/")),
        )
    ],
    "citizens:notification_read": [
        Case(
            lambda w: f"/compte/notifications/{w.notification_a.pk}/lire/",
            get=logged_in(405),
            post=owner_only(Redirect("/compte/notifications/"), others=404),
            label="A's notification",
        )
    ],
    "citizens:notification_open": [
        Case(
            lambda w: f"/compte/notifications/{w.notification_a.pk}/ouvrir/",
            get=owner_only(Redirect(lambda w: w.notification_a.url), others=404),
            label="A's notification",
        )
    ],
    "citizens:preferences": [
        Case(
            "/compte/preferences/",
            get=logged_in(200),
            post=logged_in(Redirect("/compte/preferences/")),
            data={"email_frequency": "daily"},
        )
    ],
    # The one-click link of A's emails: whoever holds it (a mail provider, without session or
    # CSRF token: RFC 8058) may unsubscribe A, and nobody else; a forged token is a 404.
    "citizens:unsubscribe": [
        Case(
            lambda w: f"/compte/desabonnement/{w.unsubscribe_a}/",
            get=ALL_200,
            post=ALL_200,
            label="A's link",
        ),
        Case(
            lambda w: f"/compte/desabonnement/{w.users[RESIDENT].pk}:forge/",
            get=roles(404),
            post=roles(404),
            label="forged token",
        ),
    ],
    # --- reports: the mayor's office (and superusers); an export only to its owner ----------
    "reports:index": [
        Case("/rapports/", get=REPORTS(200), post=NOT_ALLOWED),
        Case("/rapports/?periode=inconnue", get=REPORTS(400), label="bad period"),
    ],
    "reports:csv": [Case("/rapports/rapport.csv?periode=annee", get=REPORTS(200))],
    "reports:export_create": [
        Case(
            "/rapports/exports/",
            get=NOT_ALLOWED,
            post=REPORTS(Redirect("/rapports/exports/")),
            data={"perimetre": "commune", "periode": "annee"},
        )
    ],
    "reports:export_detail": [
        Case(
            lambda w: f"/rapports/exports/{w.report_export.pk}/",
            get=REPORTS(200, superuser=404),
            label="the mayor's office's export",
        )
    ],
    "reports:export_download": [
        Case(
            lambda w: f"/rapports/exports/{w.report_export.pk}/fichier/",
            get=REPORTS(200, superuser=404),
            label="the mayor's office's export",
        )
    ],
    # --- allauth ----------------------------------------------------------------------------
    "account_login": [
        Case(
            "/compte/login/",
            get=ENTRANCE,
            post=roles(ACCOUNT),
            data={"login": "a@example.org", "password": PASSWORD},
        )
    ],
    "account_logout": [
        Case("/compte/logout/", get=logged_in(200, visitor=HOME), post=roles(HOME)),
    ],
    "account_inactive": [Case("/compte/inactive/", get=ALL_200)],
    "account_signup": [
        Case(
            "/compte/signup/",
            get=ENTRANCE,
            post=roles(ACCOUNT, visitor=Redirect("/compte/confirm-email/")),
            data={
                "email": "nouvelle@example.org",
                "password1": "une-phrase-de-passe-42",
                "password2": "une-phrase-de-passe-42",
                "display_name": "Nouvelle",
                "neighbourhood": "",
            },
        )
    ],
    "account_reauthenticate": [Case("/compte/reauthenticate/", get=logged_in(200))],
    "account_email": [
        Case(
            "/compte/email/",
            get=logged_in(200),
            # allauth refuses a second address on an account with a second factor (staff).
            post=logged_in(Redirect("/compte/email/"), team=200, mayor=200, superuser=200),
            data={"email": "deuxieme@example.org", "action_add": ""},
        )
    ],
    "account_email_verification_sent": [Case("/compte/confirm-email/", get=ALL_200)],
    "account_change_password": [
        Case(
            "/compte/password/change/",
            get=logged_in(200),
            post=logged_in(Redirect("/compte/password/change/")),
            data={
                "oldpassword": PASSWORD,
                "password1": "une-autre-phrase-42",
                "password2": "une-autre-phrase-42",
            },
        )
    ],
    "account_set_password": [
        Case("/compte/password/set/", get=logged_in(Redirect("/compte/password/change/")))
    ],
    "account_reset_password": [
        Case(
            "/compte/password/reset/",
            get=ALL_200,
            post=roles(Redirect("/compte/password/reset/done/")),
            data={"email": "a@example.org"},
        )
    ],
    "account_reset_password_done": [Case("/compte/password/reset/done/", get=ALL_200)],
    # Login by emailed code is not enabled: nothing pending, back to the login (or account).
    "account_confirm_login_code": [
        Case("/compte/login/code/confirm/", get=roles(ACCOUNT, visitor=Redirect("/compte/login/")))
    ],
    "account_confirm_email": [
        Case("/compte/confirm-email/cle-inconnue/", get=ALL_200, label="unknown key")
    ],
    "account_reset_password_from_key": [
        Case("/compte/password/reset/key/1-cle-inconnue/", get=ALL_200, label="unknown key")
    ],
    "account_reset_password_from_key_done": [Case("/compte/password/reset/key/done/", get=ALL_200)],
    # Staff (and the superuser) have a TOTP authenticator; residents do not.
    "mfa_index": [Case("/compte/2fa/", get=logged_in(200))],
    # Only during a login with a second factor pending; otherwise back where one belongs.
    "mfa_authenticate": [
        Case("/compte/2fa/authenticate/", get=roles(ACCOUNT, visitor=Redirect("/compte/login/")))
    ],
    "mfa_reauthenticate": [
        Case(
            "/compte/2fa/reauthenticate/",
            get=logged_in(ANY_REDIRECT, team=200, mayor=200, superuser=200),
        )
    ],
    # Activating a factor asks for the password again; unverified addresses may not.
    "mfa_activate_totp": [
        Case(
            "/compte/2fa/totp/activate/",
            get=logged_in(REAUTH, unverified=Redirect("/compte/2fa/")),
        )
    ],
    "mfa_deactivate_totp": [
        Case(
            "/compte/2fa/totp/deactivate/",
            get=logged_in(404, team=REAUTH, mayor=REAUTH, superuser=REAUTH),
        )
    ],
    "mfa_view_recovery_codes": [Case("/compte/2fa/recovery-codes/", get=logged_in(404))],
    "mfa_generate_recovery_codes": [
        Case("/compte/2fa/recovery-codes/generate/", get=logged_in(REAUTH))
    ],
    "mfa_download_recovery_codes": [
        Case("/compte/2fa/recovery-codes/download/", get=logged_in(404))
    ],
}


# --- the admin -----------------------------------------------------------------------------

# People who are not staff (residents, the mayor's office) are sent to the admin's login,
# which sends them on to allauth's (citizens.middleware).
NOT_STAFF = (VISITOR, RESIDENT, OTHER, UNVERIFIED, MAYOR)

# What no role may do in the back office, whatever its model permissions: the append-only
# moderation log, and residents' words (the team hides them with a reason; nobody writes or
# erases them in the admin).
NEVER = {
    "moderation.moderationlog": {"add", "change", "delete"},
    "projects.comment": {"add", "delete"},
    "consultations.contribution": {"add", "delete"},
    "moderation.flag": {"add", "change", "delete"},  # residents' reports, read-only
    "citizens.emaildelivery": {"add", "change", "delete"},  # written by the workers only
    "reports.reportsnapshot": {"add", "change"},  # computed by Celery beat
    "reports.reportexport": {"add", "change"},  # asked for on /rapports/
}
# Per-object refusals: a round with contributions keeps its record (not deletable).
NEVER_FOR_OBJECT = {"consultations.consultation": {"delete"}}
# Deleting a project would delete its comments, which nobody may delete: Django's page says
# so (200) and the confirmation is refused (403). Likewise a person with emails in the
# (read-only) delivery log: people leave through their own account deletion, which anonymises.
DELETE_BLOCKED_BY_RELATED = {"projects.project", "citizens.user"}
# allauth's Authenticator form cannot be saved unchanged (a never-used factor has no
# "last used" date, which the form requires): the page answers with its form error.
UNSAVABLE_UNCHANGED = {"mfa.authenticator"}

# The object each model's change/delete/history pages are checked on (default: the first).
ADMIN_OBJECTS: dict[str, Callable] = {
    "citizens.user": lambda w: w.users[RESIDENT],
    "projects.project": lambda w: w.project,
    "projects.comment": lambda w: w.comment_a,
    "consultations.consultation": lambda w: w.open_round,
    "consultations.contribution": lambda w: w.contribution_a,
    "projects.projectupdate": lambda w: w.update,
}


def admin_object(world, model):
    label = model._meta.label_lower
    if label in ADMIN_OBJECTS:
        return ADMIN_OBJECTS[label](world)
    return model._default_manager.order_by("pk").first()


# Model permissions the team holds through django-rules rather than settings.ROLE_PERMISSIONS.
TEAM_RULES_PERMISSIONS = {
    "citizens.view_emaildelivery",  # the delivery log, read-only (citizens/rules.py)
}


def team_may(model, action: str) -> bool:
    """From settings.ROLE_PERMISSIONS (the municipal team's model permissions)."""
    from django.conf import settings

    opts = model._meta
    codename = f"{opts.app_label}.{action}_{opts.model_name}"
    granted = settings.ROLE_PERMISSIONS["municipal_team"]
    return codename in granted or codename in TEAM_RULES_PERMISSIONS


def admin_expected(model, action: str) -> dict:
    """{role: status} for a model page: staff per permissions, everyone else to the login."""
    label = model._meta.label_lower
    never = NEVER.get(label, set()) | NEVER_FOR_OBJECT.get(label, set())
    result = {role: ADMIN_LOGIN for role in NOT_STAFF}

    def allowed(for_team: bool, act: str) -> bool:
        if act in never:
            return False
        return team_may(model, act) if for_team else True

    def status(for_team: bool) -> int:
        if action in ("changelist", "change", "history"):
            ok = allowed(for_team, "view") or allowed(for_team, "change")
        else:
            ok = allowed(for_team, action)
        return 200 if ok else 403

    result[TEAM] = status(True)
    result[SUPERUSER] = status(False)
    return result


def admin_post_expected(model, action: str, changelist: str) -> dict:
    """POST with a valid body: delete confirms ("post=yes"), change re-submits the page's
    own form unchanged. Success redirects to the change list."""
    label = model._meta.label_lower
    never = NEVER.get(label, set()) | NEVER_FOR_OBJECT.get(label, set())
    result = {role: ADMIN_LOGIN for role in NOT_STAFF}
    for role, for_team in ((TEAM, True), (SUPERUSER, False)):
        ok = action not in never and (team_may(model, action) if for_team else True)
        may_change = "change" not in never and (team_may(model, "change") if for_team else True)
        # After a deletion Django goes back to the change list, or to the index for people
        # who may not change the model.
        result[role] = Redirect(changelist if may_change else "/admin/") if ok else 403
        if ok and action == "delete" and label in DELETE_BLOCKED_BY_RELATED:
            result[role] = 403
        if ok and action == "change" and label in UNSAVABLE_UNCHANGED:
            result[role] = 200
    return result


def admin_model_cases() -> dict[str, list[Case]]:
    """Changelist, add, change, delete and history of every registered ModelAdmin, plus the
    unnamed `<id>/` shortcut that redirects to the change page."""
    from django.contrib import admin

    cases: dict[str, list[Case]] = {}
    for model in admin.site._registry:
        opts = model._meta
        base = f"/admin/{opts.app_label}/{opts.model_name}/"
        prefix = f"admin:{opts.app_label}_{opts.model_name}_"

        def obj_path(suffix: str, model=model, base=base):
            return lambda w: f"{base}{admin_object(w, model).pk}/{suffix}"

        cases[prefix + "changelist"] = [Case(base, get=admin_expected(model, "changelist"))]
        cases[prefix + "add"] = [Case(base + "add/", get=admin_expected(model, "add"))]
        cases[prefix + "change"] = [
            Case(
                obj_path("change/"),
                get=admin_expected(model, "change"),
                post=admin_post_expected(model, "change", base),
                data="form",
            )
        ]
        cases[prefix + "delete"] = [
            Case(
                obj_path("delete/"),
                get=admin_expected(model, "delete"),
                post=admin_post_expected(model, "delete", base),
                data={"post": "yes"},
            )
        ]
        cases[prefix + "history"] = [
            Case(obj_path("history/"), get=admin_expected(model, "history"))
        ]
        staff_redirect = Redirect(obj_path("change/"))
        cases[f"admin/{opts.app_label}/{opts.model_name}/<path:object_id>/"] = [
            Case(
                obj_path(""),
                get={
                    **{role: ADMIN_LOGIN for role in NOT_STAFF},
                    TEAM: staff_redirect,
                    SUPERUSER: staff_redirect,
                },
            )
        ]
    return cases


STAFF = {role: ADMIN_LOGIN for role in NOT_STAFF}
NOT_STAFF_TO_INDEX = {role: Redirect("/admin/") for role in NOT_STAFF}

ADMIN_ENTRIES: dict[str, list[Case]] = {
    "admin:index": [Case("/admin/", get={**STAFF, TEAM: 200, SUPERUSER: 200})],
    "admin:app_list": [
        Case("/admin/projects/", get={**STAFF, TEAM: 200, SUPERUSER: 200}),
        Case("/admin/auth/", get={**STAFF, TEAM: 404, SUPERUSER: 200}, label="no team rights"),
    ],
    # The admin's own login form would skip the second factor: allauth's is used instead.
    "admin:login": [
        Case(
            "/admin/login/",
            get=roles(
                HOME,
                visitor=Redirect("/compte/login/?next=/admin/"),
                team=Redirect("/admin/"),
                superuser=Redirect("/admin/"),
            ),
        )
    ],
    "admin:logout": [
        # Django sends people who are not staff to the admin's index (then to the login).
        Case(
            "/admin/logout/",
            get={**NOT_STAFF_TO_INDEX, TEAM: 405, SUPERUSER: 405},
            post={**NOT_STAFF_TO_INDEX, TEAM: 200, SUPERUSER: 200},
        ),
    ],
    "admin:password_change": [
        Case("/admin/password_change/", get={**STAFF, TEAM: 200, SUPERUSER: 200})
    ],
    "admin:password_change_done": [
        Case("/admin/password_change/done/", get={**STAFF, TEAM: 200, SUPERUSER: 200})
    ],
    "admin:autocomplete": [
        Case(
            "/admin/autocomplete/?app_label=projects&model_name=projectupdate"
            "&field_name=cited_comments&term=bacs",
            get={**STAFF, TEAM: 200, SUPERUSER: 200},
        ),
        Case("/admin/autocomplete/", get={**STAFF, TEAM: 403, SUPERUSER: 403}, label="bare"),
    ],
    "admin:jsi18n": [Case("/admin/jsi18n/", get={**STAFF, TEAM: 200, SUPERUSER: 200})],
    "admin:view_on_site": [
        Case(
            lambda w: f"/admin/r/{_content_type_id('projects.project')}/{w.project.pk}/",
            get={**STAFF, TEAM: Redirect(_project), SUPERUSER: Redirect(_project)},
        )
    ],
    "admin:auth_user_password_change": [
        Case(
            lambda w: f"/admin/citizens/user/{w.users[RESIDENT].pk}/password/",
            get={**STAFF, TEAM: 403, SUPERUSER: 200},
        )
    ],
    "admin:projects_project_status": [
        Case(
            lambda w: f"/admin/projects/project/{w.project.pk}/etat/",
            get={**STAFF, TEAM: 200, SUPERUSER: 200},
            post={
                **STAFF,
                TEAM: Redirect(lambda w: f"/admin/projects/project/{w.project.pk}/change/"),
                SUPERUSER: Redirect(lambda w: f"/admin/projects/project/{w.project.pk}/change/"),
            },
            data={"to_status": "under_study", "answer": "Nous étudions votre proposition."},
        )
    ],
    "admin:projects_project_visibility": [
        Case(
            lambda w: f"/admin/projects/project/{w.project.pk}/visibilite/",
            get={**STAFF, TEAM: 200, SUPERUSER: 200},
            post={
                **STAFF,
                TEAM: Redirect(lambda w: f"/admin/projects/project/{w.project.pk}/change/"),
                SUPERUSER: Redirect(lambda w: f"/admin/projects/project/{w.project.pk}/change/"),
            },
            data={"reason": "Propos injurieux."},
        )
    ],
    # Anything else under /admin/: the login for outsiders, 404 for staff.
    "admin/(?P<url>.*)$": [
        Case("/admin/nulle-part/", get={**STAFF, TEAM: 404, SUPERUSER: 404}),
    ],
}


def _content_type_id(label: str) -> int:
    from django.contrib.contenttypes.models import ContentType

    app_label, model = label.split(".")
    return ContentType.objects.get(app_label=app_label, model=model).pk


def all_entries() -> dict[str, list[Case]]:
    return {**ENTRIES, **ADMIN_ENTRIES, **admin_model_cases()}
