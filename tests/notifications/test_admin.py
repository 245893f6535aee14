"""The delivery log in the admin: read-only, filtered, searchable; the team sees it."""

import pytest

from citizens.models import DeliveryStatus, EmailDelivery, EmailFrequency
from citizens.notifications import notify
from tests.conftest import login
from tests.factories import MayorsOfficeFactory, ResidentFactory

pytestmark = pytest.mark.django_db

URL = "/admin/citizens/emaildelivery/"


@pytest.fixture
def log(project):
    readers = [
        ResidentFactory(email=f"lecteur{i}@example.org", email_frequency=EmailFrequency.IMMEDIATE)
        for i in range(3)
    ]
    notify(recipients=readers, kind="project_comment", target=project, params={})
    sent, failed, pending = EmailDelivery.objects.order_by("pk")
    EmailDelivery.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)
    EmailDelivery.objects.filter(pk=failed.pk).update(
        status=DeliveryStatus.FAILED, last_error="SMTPDataError: (554, b'Rejected')"
    )
    return {"sent": sent, "failed": failed, "pending": pending}


@pytest.mark.parametrize(
    ("role", "status"),
    # Who is not staff is sent to the admin's login page.
    [("team_member", 200), ("superuser", 200), ("mayors_office", 302), ("resident", 302)],
)
def test_who_sees_the_delivery_log(request, log, role, status):
    assert login(request.getfixturevalue(role)).get(URL).status_code == status


def test_mayors_office_staff_without_the_permission_is_refused(log):
    office = MayorsOfficeFactory(is_staff=True)
    assert login(office).get(URL).status_code == 403


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("resultat=sent", ["sent"]),
        ("resultat=failed", ["failed"]),
        ("resultat=unsent", ["pending"]),
        ("type=project_comment", ["sent", "failed", "pending"]),
        ("type=digests", []),
        ("periode=24h", ["sent", "failed", "pending"]),
        ("q=lecteur1", ["failed"]),
    ],
)
def test_filters_and_search(team_member, log, query, expected):
    response = login(team_member).get(f"{URL}?{query}")
    assert response.status_code == 200
    shown = {row.pk for row in response.context["cl"].result_list}
    assert shown == {log[name].pk for name in expected}


def test_the_log_is_read_only(team_member, superuser, log):
    for user in (team_member, superuser):
        client = login(user)
        row = log["failed"]
        page = client.get(f"{URL}{row.pk}/change/")
        assert page.status_code == 200
        assert "SMTPDataError" in page.content.decode()
        assert client.get(f"{URL}add/").status_code == 403
        client.post(f"{URL}{row.pk}/change/", {"status": "sent"})
        client.post(f"{URL}{row.pk}/delete/", {"post": "yes"})
        row.refresh_from_db()
        assert row.status == DeliveryStatus.FAILED


def test_log_query_count_does_not_grow_with_rows(
    team_member, project, django_assert_max_num_queries
):
    client = login(team_member)
    for count in (5, 50):
        readers = [ResidentFactory(email_frequency="immediate") for _ in range(count)]
        notify(recipients=readers, kind="project_comment", target=project, params={})
        # 13: the admin page, the staff second-factor check and the header's unread count.
        with django_assert_max_num_queries(13):
            assert client.get(URL).status_code == 200
