"""In-app notifications, preferences and the one-click unsubscribe, through the real views."""

import re

import pytest
from django.test import Client
from django.utils import timezone

from citizens.models import DeliveryStatus, EmailDelivery, EmailFrequency, Notification
from citizens.notifications import notify
from citizens.notifications.tokens import unsubscribe_token
from tests.conftest import login
from tests.factories import (
    MayorsOfficeFactory,
    ResidentFactory,
    SuperuserFactory,
    TeamMemberFactory,
)

pytestmark = pytest.mark.django_db

ROLES = {
    "resident": ResidentFactory,
    "team": TeamMemberFactory,
    "mayors_office": MayorsOfficeFactory,
    "superuser": SuperuserFactory,
}


def notify_of_comments(project, recipient, count: int, actor=None) -> None:
    for _ in range(count):
        notify(
            recipients=[recipient],
            kind="project_comment",
            actor=actor,
            target=project,
            params={"project": project.title},
        )


# --- Who may do what -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/compte/notifications/", "/compte/preferences/"])
def test_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/login/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/compte/notifications/", "/compte/preferences/"])
def test_every_signed_in_role_has_its_own_notifications_and_preferences(role, path):
    assert login(ROLES[role]()).get(path).status_code == 200


@pytest.mark.parametrize("action", ["ouvrir", "lire"])
def test_nobody_reads_someone_elses_notification(project, resident, other_resident, action):
    notify_of_comments(project, other_resident, 1)
    theirs = Notification.objects.get()
    client = login(resident)
    response = (client.get if action == "ouvrir" else client.post)(
        f"/compte/notifications/{theirs.pk}/{action}/"
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


# --- The list ------------------------------------------------------------------------------


def test_list_shows_my_notifications_newest_first_and_escaped(project, resident, other_resident):
    actor = ResidentFactory(display_name="<script>alert(1)</script>")
    notify_of_comments(project, resident, 1, actor=actor)
    notify(recipients=[resident], kind="project_update", target=project, params={"title": "Fin"})
    notify_of_comments(project, other_resident, 1)
    response = login(resident).get("/compte/notifications/")
    html = response.content.decode()
    assert html.count('class="notification-item') == 2
    assert html.index("Nouvelle actualité du projet") < html.index("a commenté le projet")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; a commenté" in html
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize("page", ["abc", "0", "999", "-1"])
def test_bad_page_numbers_are_ignored(project, resident, page):
    notify_of_comments(project, resident, 25)
    response = login(resident).get(f"/compte/notifications/?page={page}")
    assert response.status_code == 200


@pytest.mark.parametrize("count", [5, 50])
def test_list_query_count_does_not_grow_with_notifications(
    project, resident, count, django_assert_max_num_queries
):
    notify_of_comments(project, resident, count, actor=ResidentFactory())
    client = login(resident)
    # Rendered: session, account, the version of the resident's notifications (the key of
    # their cached page), the count, the page, the unread count.
    with django_assert_max_num_queries(6):
        response = client.get(
            "/compte/notifications/?page=2" if count > 20 else "/compte/notifications/"
        )
    assert response.status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get("/compte/notifications/").status_code == 200
    # From the cache: the first three only.
    with django_assert_max_num_queries(3):
        assert client.get("/compte/notifications/").status_code == 200


def test_the_cached_page_follows_every_change(project, resident):
    """New, read, all read, deleted, an author renamed: each shows at once, and the forms of
    a page served from the cache carry this session's CSRF token."""
    actor = ResidentFactory(display_name="Karim B.")
    notify_of_comments(project, resident, 2, actor=actor)
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident, backend="django.contrib.auth.backends.ModelBackend")
    path = "/compte/notifications/"
    html = client.get(path).content.decode()
    assert html.count("notification-item") == 2 and "Karim B. a commenté" in html
    assert html.count("Nouveau</span>") == 2

    notify_of_comments(project, resident, 1, actor=ResidentFactory(display_name="Lucie M."))
    assert "Lucie M. a commenté" in client.get(path).content.decode()

    # Served from the cache to a new session of the same resident: its own token works.
    other = Client(enforce_csrf_checks=True)
    other.force_login(resident, backend="django.contrib.auth.backends.ModelBackend")
    html = other.get(path).content.decode()
    first = Notification.objects.filter(recipient=resident).order_by("pk").first()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert token != "__loos_csrf_token__"
    response = other.post(
        f"/compte/notifications/{first.pk}/lire/", {"csrfmiddlewaretoken": token, "next": path}
    )
    assert response.status_code == 302
    assert other.get(path).content.decode().count("Nouveau</span>") == 2

    from citizens.models import User

    User.objects.filter(pk=actor.pk).update(display_name="Karim Benali")
    assert "Karim Benali a commenté" in other.get(path).content.decode()
    Notification.objects.filter(recipient=resident).update(read_at=timezone.now())
    assert "Nouveau</span>" not in other.get(path).content.decode()
    Notification.objects.filter(recipient=resident).delete()
    assert "Aucune notification" in other.get(path).content.decode()


def test_bell_shows_the_unread_count_for_screen_readers_too(project, resident):
    client = login(resident)
    assert "non lue" not in client.get("/compte/").content.decode()
    notify_of_comments(project, resident, 3)
    html = client.get("/compte/").content.decode()
    assert "(3 non lues)" in html
    assert 'aria-hidden="true">3</span>' in html


def test_bell_caps_the_count(project, resident):
    notify(recipients=[resident], kind="k", target=project)
    Notification.objects.bulk_create(
        [Notification(recipient=resident, kind="k") for _ in range(150)]
    )
    html = login(resident).get("/compte/").content.decode()
    assert ">99+</span>" in html
    assert "(plus de 99 non lues)" in html


def test_following_a_notification_marks_it_read_and_leads_to_its_object(project, resident):
    notify_of_comments(project, resident, 1)
    notification = Notification.objects.get()
    response = login(resident).get(f"/compte/notifications/{notification.pk}/ouvrir/")
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_foreign_link_is_never_followed(resident):
    notification = Notification.objects.create(
        recipient=resident, kind="k", url="https://evil.example/"
    )
    response = login(resident).get(f"/compte/notifications/{notification.pk}/ouvrir/")
    assert response["Location"] == "/compte/notifications/"


def test_mark_one_read_then_all_read(project, resident):
    notify_of_comments(project, resident, 3)
    first, *others = Notification.objects.order_by("pk")
    client = login(resident)
    response = client.post(
        f"/compte/notifications/{first.pk}/lire/", {"next": "/compte/notifications/?page=1"}
    )
    assert response["Location"] == "/compte/notifications/?page=1"
    assert Notification.objects.filter(read_at__isnull=True).count() == 2

    response = client.post("/compte/notifications/tout-lire/", {"next": "https://evil.example/"})
    assert response["Location"] == "/compte/notifications/"
    assert not Notification.objects.filter(read_at__isnull=True).exists()


@pytest.mark.parametrize(
    "path", ["/compte/notifications/tout-lire/", "/compte/notifications/1/lire/"]
)
def test_marking_read_needs_a_post(resident, path):
    assert login(resident).get(path).status_code == 405


# --- Preferences ---------------------------------------------------------------------------


def test_default_preference_is_the_daily_digest(resident):
    assert resident.email_frequency == EmailFrequency.DAILY
    html = login(resident).get("/compte/preferences/").content.decode()
    assert re.search(r'value="daily"\s+id="id_email_frequency_1" required checked>', html)
    assert len(re.findall(r"required checked>", html)) == 1


@pytest.mark.parametrize("choice", EmailFrequency.values)
def test_resident_chooses_their_rhythm(resident, choice):
    response = login(resident).post("/compte/preferences/", {"email_frequency": choice})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.email_frequency == choice


@pytest.mark.parametrize("data", [{}, {"email_frequency": "hourly"}])
def test_bad_preference_gets_a_french_message_and_a_400(resident, data):
    response = login(resident).post("/compte/preferences/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choisissez" in html
    resident.refresh_from_db()
    assert resident.email_frequency == EmailFrequency.DAILY


def test_account_page_links_to_notifications_and_preferences(resident_client):
    html = resident_client.get("/compte/").content.decode()
    assert 'href="/compte/notifications/"' in html
    assert 'href="/compte/preferences/"' in html


# --- One-click unsubscribe -----------------------------------------------------------------


def test_unsubscribe_link_works_without_login(project):
    reader = ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE)
    notify_of_comments(project, reader, 1)
    url = f"/compte/desabonnement/{unsubscribe_token(reader.pk)}/"
    anonymous = Client(enforce_csrf_checks=True)

    page = anonymous.get(url)
    assert page.status_code == 200
    assert "Me désabonner" in page.content.decode()
    reader.refresh_from_db()
    assert reader.email_frequency == EmailFrequency.IMMEDIATE  # a GET changes nothing

    # What a mail client sends for RFC 8058 one-click: no session, no CSRF token.
    done = anonymous.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert "ne recevra plus" in done.content.decode()
    reader.refresh_from_db()
    assert reader.email_frequency == EmailFrequency.NEVER
    # The pending email is not sent any more; the in-app notification stays.
    assert EmailDelivery.objects.get().status == DeliveryStatus.CANCELLED
    assert Notification.objects.filter(recipient=reader).exists()


@pytest.mark.parametrize(
    "token", ["nope", "12:forged-signature", "abc:def:ghi", lambda: unsubscribe_token(10**9)]
)
def test_bad_unsubscribe_token_is_a_404_with_a_message(client, token):
    token = token() if callable(token) else token
    response = client.post(f"/compte/desabonnement/{token}/")
    assert response.status_code == 404
    assert "pas valide" in response.content.decode()


def test_token_of_one_resident_cannot_be_turned_into_anothers(resident, other_resident):
    token = unsubscribe_token(resident.pk)
    forged = f"{other_resident.pk}:{token.split(':', 1)[1]}"
    assert Client().post(f"/compte/desabonnement/{forged}/").status_code == 404
    other_resident.refresh_from_db()
    assert other_resident.email_frequency == EmailFrequency.DAILY


def test_mark_all_is_offered_while_anything_is_unread_even_on_another_page(project, resident):
    notify_of_comments(project, resident, 25)
    Notification.objects.filter(
        pk__in=Notification.objects.order_by("-created_at", "-pk").values("pk")[:20]
    ).update(read_at=timezone.now())
    client = login(resident)
    assert "Tout marquer comme lu" in client.get("/compte/notifications/").content.decode()
    client.post("/compte/notifications/tout-lire/")
    assert "Tout marquer comme lu" not in client.get("/compte/notifications/").content.decode()
