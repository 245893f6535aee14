"""One small town for the security suites: a person in every role and an object of every
kind, built once per test module through the factories and the services (so counters,
moderation log rows and follows are what the site would have).

Each test runs inside its own savepoint (pytest-django's `db`), so whatever a test writes
(a POST, a hostile payload) is rolled back before the next one and the world stays as built.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from moderation import services as moderation_services
from tests.factories import (
    ConsultationFactory,
    MayorsOfficeFactory,
    NeighbourhoodFactory,
    OptionFactory,
    ProjectFactory,
    ResidentFactory,
    SuperuserFactory,
    TeamMemberFactory,
    UserFactory,
)

# The roles every page is checked against, in the order reports print them.
VISITOR = "visitor"
RESIDENT = "resident"  # resident A: owns the project, comments, contributions, export
OTHER = "other"  # resident B: another verified resident
UNVERIFIED = "unverified"  # logged in (force_login), email not verified
TEAM = "team"  # municipal team (staff, TOTP)
MAYOR = "mayor"  # mayor's office (not staff, TOTP)
SUPERUSER = "superuser"
ROLES = [VISITOR, RESIDENT, OTHER, UNVERIFIED, TEAM, MAYOR, SUPERUSER]


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role -> User (no visitor)
    sessions: dict = field(default_factory=dict)  # role -> session key
    objects: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None

    def client(self, role: str) -> Client:
        """A fresh test client logged in as `role` (sessions were made once, with
        force_login: allauth's mandatory verification would stop the unverified user at the
        login form, and staff would be asked their TOTP code)."""
        client = Client(raise_request_exception=False)
        key = self.sessions.get(role)
        if key:
            client.cookies[settings.SESSION_COOKIE_NAME] = key
        return client


def _session_key(user) -> str:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def build_world() -> World:
    from citizens.services import data_export_prepare, data_export_request
    from consultations import services as consultations
    from consultations.models import ModerationMode
    from moderation.models import FlagReason
    from projects import services as projects
    from projects.models import Category

    now = timezone.now()
    w = World()
    hood = NeighbourhoodFactory(name="Cité 5", slug="cite-5")
    a = ResidentFactory(email="a@example.org", display_name="Alice A.", neighbourhood=hood)
    b = ResidentFactory(email="b@example.org", display_name="Bruno B.")
    c = ResidentFactory(email="c@example.org", display_name="Chloé C.")
    w.users = {
        RESIDENT: a,
        OTHER: b,
        UNVERIFIED: UserFactory(email="u@example.org", display_name="Ugo U.", verified=False),
        TEAM: TeamMemberFactory(email="team@example.org", display_name="Équipe"),
        MAYOR: MayorsOfficeFactory(email="cabinet@example.org", display_name="Cabinet"),
        SUPERUSER: SuperuserFactory(email="admin@example.org", display_name="Admin"),
    }
    team = w.users[TEAM]
    o = w.objects
    # A wants every notification by email at once (so the delivery log has a row).
    from citizens.models import EmailFrequency
    from citizens.notifications.services import user_set_email_frequency

    user_set_email_frequency(user=a, frequency=EmailFrequency.IMMEDIATE)
    o["neighbourhood"] = hood
    o["filler"] = c

    # Projects: one proposed by A, one by the town with an update, one hidden.
    o["project"] = projects.project_propose(
        author=a,
        title="Un jardin partagé rue Bollaert",
        summary="Des bacs et un composteur.",
        body="Nous proposons **un jardin**.",
        category=Category.ENVIRONMENT,
        neighbourhood=hood,
    )
    o["town_project"] = ProjectFactory(title="Rénovation de la place", slug="place")
    o["update"] = projects.project_update_post(
        project=o["town_project"], author=team, title="Les travaux commencent", body="Lundi."
    )
    o["hidden_project"] = ProjectFactory(title="Projet masqué", slug="projet-masque")
    moderation_services.item_hide(item=o["hidden_project"], actor=team, reason="Doublon")

    # Comments on A's project: A's, B's, B's reply to A, and one of B's flagged by C.
    project = o["project"]
    o["comment_a"] = projects.comment_post(project=project, author=a, body="Je m'occupe des bacs.")
    o["comment_b"] = projects.comment_post(project=project, author=b, body="J'ai des graines.")
    o["reply_b"] = projects.comment_post(
        project=project, author=b, body="Bonne idée !", parent=o["comment_a"]
    )
    o["flagged_comment"] = projects.comment_post(project=project, author=b, body="Un avis tranché.")
    moderation_services.flag_submit(
        reporter=c, reason=FlagReason.OFF_TOPIC, item=o["flagged_comment"]
    )

    # Rounds: open (with options), upcoming, closed with a synthesis, moderated before.
    o["open_round"] = ConsultationFactory(
        project=o["town_project"], title="Aménager la place", slug="amenager-la-place"
    )
    o["options"] = [
        OptionFactory(consultation=o["open_round"], label="Des arbres", position=1),
        OptionFactory(consultation=o["open_round"], label="Un marché", position=2),
    ]
    o["second_round"] = ConsultationFactory(project=o["project"], slug="deuxieme-tour")
    o["second_option"] = OptionFactory(consultation=o["second_round"], label="Un auvent")
    o["upcoming_round"] = ConsultationFactory(
        project=o["town_project"],
        slug="a-venir",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=20),
    )
    o["closed_round"] = ConsultationFactory(
        project=o["town_project"],
        slug="close",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=1),
    )
    o["moderated_round"] = ConsultationFactory(
        project=o["town_project"], slug="moderee", moderation=ModerationMode.BEFORE
    )
    o["contribution_a"] = consultations.contribution_submit(
        consultation=o["open_round"], author=a, body="Plus d'ombre.", option=o["options"][0]
    )
    o["contribution_b"] = consultations.contribution_submit(
        consultation=o["open_round"], author=b, body="Un marché le samedi."
    )
    o["pending_a"] = consultations.contribution_submit(
        consultation=o["moderated_round"], author=a, body="En attente de validation."
    )
    consultations.vote_cast(consultation=o["open_round"], voter=a, option=o["options"][0])
    moderation_services.item_hide(item=o["contribution_b"], actor=team, reason="Hors sujet")
    moderation_services.item_restore(item=o["contribution_b"], actor=team, reason="Erreur")
    # A closed round whose synthesis is published (contributions made while it was open).
    closed = o["closed_round"]
    type(closed).objects.filter(pk=closed.pk).update(closes_at=now + timedelta(days=1))
    closed.refresh_from_db()
    o["closed_contribution_a"] = consultations.contribution_submit(
        consultation=closed, author=a, body="Des bancs."
    )
    type(closed).objects.filter(pk=closed.pk).update(closes_at=now - timedelta(days=1))
    closed.refresh_from_db()
    consultations.synthesis_publish(consultation=closed, author=team, body="Nous avons entendu.")

    # B follows A's project (so that what A writes there reaches B's notifications); A was
    # notified of B's reply.
    projects.follow_add(project=project, user=b)
    from citizens.models import Notification
    from citizens.notifications.tokens import unsubscribe_token

    o["notification_a"] = Notification.objects.filter(recipient=a).order_by("pk").first()
    assert o["notification_a"] is not None, "the reply to A's comment should notify A"
    o["unsubscribe_a"] = unsubscribe_token(a.pk)

    # A's data download, prepared (the Celery task's work, run here directly).
    export = data_export_request(user=a)
    data_export_prepare(export_id=export.pk)
    export.refresh_from_db()
    o["export_a"] = export

    # The mayor's office's PDF of a report, ready (the task's PDF replaced by a small file).
    import datetime as dt

    from django.core.files.base import ContentFile

    from reports.models import ExportStatus
    from reports.periods import Period
    from reports.scopes import scope_from_key
    from reports.services import report_export_request

    report = report_export_request(
        owner=w.users[MAYOR],
        scope=scope_from_key("commune"),
        period=Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30), "dates"),
    )
    report.file.save("rapport.pdf", ContentFile(b"%PDF-1.4 rapport"), save=False)
    report.status, report.progress = ExportStatus.DONE, 100
    report.save()
    o["report_export"] = report
    from reports.periods import THIS_YEAR
    from reports.services import report_snapshot_refresh

    o["report_snapshot"] = report_snapshot_refresh(preset=THIS_YEAR)

    for role, user in w.users.items():
        w.sessions[role] = _session_key(user)
    return w


class WorldSettings:
    """Settings the world needs for the whole module: private files in a temporary folder,
    and limits out of the way (this suite checks permissions and input, not rates; the rate
    limits have their own tests)."""

    def __init__(self):
        self.folder = tempfile.TemporaryDirectory(prefix="loos-security-")
        limits = {action: ["100000/m"] for action in settings.RATE_LIMITS}
        self.override = override_settings(
            PRIVATE_STORAGE_ROOT=self.folder.name,
            PRIVATE_MEDIA_ROOT=self.folder.name,
            RATE_LIMITS=limits,
            ACCOUNT_RATE_LIMITS=False,
        )

    def __enter__(self):
        self.override.enable()
        return self

    def __exit__(self, *exc):
        self.override.disable()
        self.folder.cleanup()
