"""Fixtures and helpers of the notification tests."""

import pytest
from django.urls import NoReverseMatch, reverse

from citizens.models import EmailDelivery, Notification
from tests.factories import ProjectFactory


@pytest.fixture(autouse=True)
def _object_pages(settings):
    """Use placeholder project/consultation pages while the real ones are not merged."""
    try:
        reverse("projects:detail", kwargs={"slug": "x"})
        reverse("consultations:detail", kwargs={"slug": "x"})
    except NoReverseMatch:
        settings.ROOT_URLCONF = "tests.notifications.urls"


@pytest.fixture
def project(db):
    return ProjectFactory(title="Place de la République")


def kinds_by_recipient(**filters) -> dict[int, list[str]]:
    """{recipient id: [kinds]} of the notifications matching `filters`."""
    result: dict[int, list[str]] = {}
    for recipient_id, kind in Notification.objects.filter(**filters).values_list(
        "recipient_id", "kind"
    ):
        result.setdefault(recipient_id, []).append(kind)
    return result


def recipients_of(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def deliveries(**filters):
    return EmailDelivery.objects.filter(**filters)
