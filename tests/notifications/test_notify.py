"""The machinery: notify() writes the outbox with the event; immediate emails go after commit."""

import pytest
from django.db import transaction

from citizens.models import DeliveryStatus, EmailDelivery, EmailFrequency, Notification
from citizens.notifications import notify
from citizens.notifications.registry import get_kind, render
from citizens.notifications.tokens import unsubscribe_url
from projects import notifications as project_events
from tests.factories import CommentFactory, FollowFactory, ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_notify_dedupes_excludes_the_actor_and_people_who_cannot_sign_in(project):
    actor, first, second = ResidentFactory(), ResidentFactory(), ResidentFactory()
    inactive = ResidentFactory(is_active=False)
    unverified = UserFactory(verified=False)
    count = notify(
        recipients=[first, first.pk, second, actor, inactive, unverified, None],
        kind="project_comment",
        actor=actor,
        target=project,
        params={"project": project.title},
    )
    assert count == 2
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    notification = Notification.objects.get(recipient=first)
    assert notification.url == project.get_absolute_url()
    assert notification.content_type.model == "project"
    assert notification.object_id == project.pk
    assert notification.actor == actor


def test_immediate_rows_only_for_residents_who_chose_immediate(project):
    immediate = ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE)
    daily = ResidentFactory()
    never = ResidentFactory(email_frequency=EmailFrequency.NEVER)
    notify(recipients=[immediate, daily, never], kind="project_update", target=project)
    assert Notification.objects.count() == 3
    assert list(EmailDelivery.objects.values_list("recipient_id", "kind", "status")) == [
        (immediate.pk, "project_update", DeliveryStatus.PENDING)
    ]


def test_rows_are_written_in_the_event_transaction_and_vanish_with_it(project):
    fan = FollowFactory(project=project, user=ResidentFactory(email_frequency="immediate")).user
    with pytest.raises(RuntimeError), transaction.atomic():
        project_events.comment_posted(comment=CommentFactory(project=project))
        assert Notification.objects.filter(recipient=fan).exists()
        raise RuntimeError("the comment could not be saved")
    assert not Notification.objects.exists()
    assert not EmailDelivery.objects.exists()


def test_immediate_email_is_sent_after_commit_with_both_parts_and_unsubscribe_headers(
    project, django_capture_on_commit_callbacks, mailoutbox
):
    fan = ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE, display_name="Nadia S.")
    FollowFactory(project=project, user=fan)
    author = ResidentFactory(display_name="Karim <b>B.</b>")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            project_events.comment_posted(comment=CommentFactory(project=project, author=author))
            assert mailoutbox == []  # nothing leaves before the commit

    [message] = mailoutbox
    assert message.to == [fan.email]
    assert message.subject == "[Loos-en-Gohelle] Nouveau commentaire sur « Place de la République »"
    assert "Karim <b>B.</b> a commenté le projet « Place de la République »." in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert "Karim &lt;b&gt;B.&lt;/b&gt;" in html  # what residents write is escaped
    notification = Notification.objects.get(recipient=fan)
    assert f"http://127.0.0.1:8000/compte/notifications/{notification.pk}/ouvrir/" in html
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe_url(fan.pk)}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 1)
    assert delivery.sent_at is not None


def test_email_is_written_in_the_recipients_language(
    project, django_capture_on_commit_callbacks, mailoutbox
):
    reader = ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[reader], kind="project_comment", target=project, params={})
    [message] = mailoutbox
    # The English catalogue may not translate every new string yet; the HTML says its language.
    assert '<html lang="en">' in message.alternatives[0][0]


def test_once_key_announces_an_event_once(project):
    reader = ResidentFactory()
    assert notify(recipients=[reader], kind="x", target=project, once_key="round:1") == 1
    assert notify(recipients=[reader], kind="x", target=project, once_key="round:1") == 0
    assert Notification.objects.count() == 1


def test_unknown_kind_still_renders_and_missing_params_stay_empty():
    assert render(kind_name="gone", params={}, actor_name=None).text == (
        "Du nouveau vous concerne sur la plateforme."
    )
    rendered = render(kind_name="project_comment", params={}, actor_name="Marie")
    assert rendered.text == "Marie a commenté le projet «  »."
    assert get_kind("project_comment").name == "project_comment"


def test_format_fields_cannot_reach_attributes():
    # A translated string is a format string: attribute lookups in it are refused.
    from citizens.notifications.registry import _format

    assert _format("{actor.__class__}", {"actor": "x"}) == ""


@pytest.mark.parametrize(
    "subject",
    ["Plain ASCII subject", "Votre journée : 2 nouveautés", "« " + "Réaménagement " * 12 + "»"],
)
def test_subjects_are_encoded_so_that_mail_clients_read_them_back(subject):
    import email
    from email import policy

    from citizens.notifications.emails import NotificationEmail

    raw = NotificationEmail(subject=subject, body="x", to=["a@example.org"]).message().as_bytes()
    parsed = email.message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == subject
    assert all(len(line) <= 78 for line in raw.split(b"\n"))
