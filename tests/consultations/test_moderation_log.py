"""The moderation log is append-only: written by the services, never updated or deleted."""

import pytest
from django.contrib.contenttypes.models import ContentType

from consultations.models import Contribution
from moderation import services as moderation_services
from moderation.models import ModerationLog
from moderation.services import moderation_log_write
from tests.factories import ContributionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(team_member):
    contribution = ContributionFactory()
    moderation_services.item_hide(item=contribution, actor=team_member, reason="Insulte")
    return ModerationLog.objects.get()


def test_the_helper_records_who_what_when_why(team_member):
    contribution = ContributionFactory(body="Un texte assez long " * 20)
    log = moderation_log_write(
        actor=team_member,
        obj=contribution,
        action="hide",
        from_state="published",
        to_state="hidden",
        reason="Motif",
    )
    assert log.pk and log.created_at
    assert log.content_type == ContentType.objects.get_for_model(Contribution)
    assert log.object_id == contribution.pk
    assert len(log.object_repr) <= 200
    assert (log.actor, log.reason, log.automatic) == (team_member, "Motif", False)


def test_a_log_row_cannot_be_changed(entry):
    entry.reason = "Réécrit"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        ModerationLog.objects.filter(pk=entry.pk).update(reason="Réécrit")
    with pytest.raises(PermissionError):
        ModerationLog.objects.update(actor=None, reason="")
    entry.refresh_from_db()
    assert entry.reason == "Insulte"


def test_a_log_row_cannot_be_deleted(entry):
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        ModerationLog.objects.all().delete()
    assert ModerationLog.objects.count() == 1


def test_every_decision_appends_a_row(entry, team_member):
    moderation_services.item_restore(
        item=Contribution.objects.get(pk=entry.object_id), actor=team_member, reason="Erreur"
    )
    assert list(
        ModerationLog.objects.order_by("created_at", "pk").values_list("action", flat=True)
    ) == [
        "hide",
        "restore",
    ]
