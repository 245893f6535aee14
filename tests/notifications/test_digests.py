"""Digests, the team's summary, the exactly-once sender and the outbox sweep (in-process)."""

import datetime as dt
import smtplib
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from citizens import tasks
from citizens.models import DeliveryStatus, EmailDelivery, EmailFrequency, Notification, User
from citizens.notifications import delivery as outbox
from citizens.notifications import notify
from citizens.notifications.periods import Period, period_for, previous_period
from consultations.models import ContributionState
from tests.factories import ContributionFactory, ResidentFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db

YESTERDAY_NOON = timezone.make_aware(dt.datetime(2026, 3, 10, 12, 0))
THE_MORNING_AFTER = timezone.make_aware(dt.datetime(2026, 3, 11, 7, 0))


def notify_at(when, project, *recipients, kind="project_comment"):
    """notify(), as if it had happened at `when`."""
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    notify(recipients=recipients, kind=kind, target=project, params={"project": project.title})
    Notification.objects.filter(pk__gt=last).update(created_at=when)


def run_daily_digest(time_machine, now=THE_MORNING_AFTER):
    time_machine.move_to(now)
    return tasks.digests_fan_out(frequency="daily")


def test_periods_are_whole_local_days_and_weeks_from_monday():
    assert previous_period("daily", now=THE_MORNING_AFTER) == Period("daily", dt.date(2026, 3, 10))
    week = previous_period("weekly", now=THE_MORNING_AFTER)  # a Wednesday
    assert (week.start_date, week.last_day) == (dt.date(2026, 3, 2), dt.date(2026, 3, 8))
    assert week.start.isoformat() == "2026-03-02T00:00:00+01:00"
    with pytest.raises(ValueError):
        period_for("weekly", "2026-03-03")


def test_daily_digest_goes_to_residents_with_something_new_only(project, time_machine, mailoutbox):
    busy = ResidentFactory(display_name="Josiane D.")
    idle = ResidentFactory()
    notify_at(YESTERDAY_NOON, project, busy)
    notify_at(YESTERDAY_NOON, project, busy, kind="project_update")
    notify_at(YESTERDAY_NOON - timedelta(days=2), project, idle)  # old news: not in this digest

    assert run_daily_digest(time_machine) == 1
    [message] = mailoutbox
    assert message.to == [busy.email]
    assert message.subject == "[Loos-en-Gohelle] Votre journée : 2 nouveautés vous concernent"
    assert "Bonjour Josiane D.," in message.body
    assert "mardi 10 mars 2026" in message.body
    assert message.body.count("a commenté le projet") == 1
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.alternatives[0][1] == "text/html"
    delivery = EmailDelivery.objects.get()
    assert (delivery.recipient, delivery.kind, delivery.period_start) == (
        busy,
        "digest_daily",
        dt.date(2026, 3, 10),
    )
    assert (delivery.status, delivery.item_count) == (DeliveryStatus.SENT, 2)


def test_digest_for_a_resident_with_nothing_new_is_not_sent(project, time_machine, mailoutbox):
    reader = ResidentFactory()
    notify_at(YESTERDAY_NOON, project, reader)
    Notification.objects.update(read_at=timezone.now())  # already seen in-app
    ResidentFactory()  # nothing at all
    assert run_daily_digest(time_machine) == 0
    assert mailoutbox == []
    assert not EmailDelivery.objects.exists()


def test_digest_follows_each_residents_rhythm(project, time_machine, mailoutbox):
    weekly = ResidentFactory(email_frequency=EmailFrequency.WEEKLY)
    never = ResidentFactory(email_frequency=EmailFrequency.NEVER)
    immediate = ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE)
    notify_at(YESTERDAY_NOON, project, weekly, never, immediate)
    mailoutbox.clear()
    assert run_daily_digest(time_machine) == 0

    time_machine.move_to(timezone.make_aware(dt.datetime(2026, 3, 16, 7, 15)))  # Monday
    assert tasks.digests_fan_out(frequency="weekly") == 1
    [message] = mailoutbox
    assert message.to == [weekly.email]
    assert "Votre semaine : 1 nouveauté vous concerne" in message.subject
    assert "du 9 mars au 15 mars 2026" in message.body


def test_notifications_emailed_one_by_one_are_not_repeated_in_the_digest(
    project, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    reader = ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        notify_at(YESTERDAY_NOON, project, reader)
    assert len(mailoutbox) == 1
    reader.email_frequency = EmailFrequency.DAILY  # changed their mind in the evening
    reader.save()
    notify_at(YESTERDAY_NOON, project, reader, kind="project_update")
    run_daily_digest(time_machine)
    assert len(mailoutbox) == 2
    assert "1 nouveauté" in mailoutbox[1].subject
    assert "Nouvelle actualité" in mailoutbox[1].body


def test_running_the_digest_again_sends_nothing_twice(project, time_machine, mailoutbox):
    readers = [ResidentFactory() for _ in range(3)]
    notify_at(YESTERDAY_NOON, project, *readers)
    assert run_daily_digest(time_machine) == 3
    assert run_daily_digest(time_machine, THE_MORNING_AFTER + timedelta(hours=1)) == 0
    # Even a chunk task delivered twice by the broker sends nothing more.
    tasks.send_digest_chunk(
        frequency="daily", period_start="2026-03-10", user_ids=[r.pk for r in readers]
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(r.email for r in readers)


def test_digest_fan_out_is_chunked(project, time_machine, settings):
    readers = [ResidentFactory() for _ in range(5)]
    notify_at(YESTERDAY_NOON, project, *readers)
    time_machine.move_to(THE_MORNING_AFTER)
    chunks = []
    settings.NOTIFICATIONS_DIGEST_CHUNK = 2
    outbox.digest_fan_out(period=previous_period("daily"), enqueue=chunks.append)
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert sorted(sum(chunks, [])) == sorted(r.pk for r in readers)


def test_long_digest_lists_thirty_items_and_links_to_the_rest(project, time_machine, mailoutbox):
    reader = ResidentFactory()
    for _ in range(33):
        notify_at(YESTERDAY_NOON, project, reader)
    run_daily_digest(time_machine)
    [message] = mailoutbox
    assert "33 nouveautés" in message.subject
    assert message.body.count("a commenté le projet") == 30
    assert "Et 3 autres notifications" in message.body


# --- The team's moderation summary ---------------------------------------------------------


def test_team_summary_goes_to_the_team_when_something_waits(mailoutbox):
    member = TeamMemberFactory()
    TeamMemberFactory(email_frequency=EmailFrequency.NEVER)
    ResidentFactory()
    assert tasks.team_moderation_summary() == 0
    assert mailoutbox == []

    waiting_since = timezone.now() - timedelta(days=3)
    ContributionFactory(state=ContributionState.PENDING, created_at=waiting_since)
    ContributionFactory(flag_count=2)
    assert tasks.team_moderation_summary() == 1
    [message] = mailoutbox
    assert message.to == [member.email]
    assert "Modération : 2 éléments à examiner" in message.subject
    since = date_format(timezone.localtime(waiting_since), "j F Y")
    assert f"Contributions en attente de validation : 1 (le plus ancien depuis le {since})" in (
        message.body
    )
    assert f"le plus ancien depuis le {since}" in message.alternatives[0][0]
    # Once a day.
    assert tasks.team_moderation_summary() == 0
    assert len(mailoutbox) == 1


# --- Sending exactly once ------------------------------------------------------------------


def pending_immediate(project, count=1):
    readers = [ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE) for _ in range(count)]
    notify(recipients=readers, kind="project_comment", target=project, params={})
    return list(EmailDelivery.objects.order_by("pk").values_list("pk", flat=True))


def test_a_sent_delivery_is_never_sent_again(project, mailoutbox):
    [pk] = pending_immediate(project)
    assert outbox.send_deliveries([pk])[outbox.Outcome.SENT] == 1
    assert outbox.send_deliveries([pk])[outbox.Outcome.SKIPPED] == 1
    assert len(mailoutbox) == 1


class RefusingBackend:
    """An SMTP connection that answers with the given error."""

    error: Exception

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise self.error


@pytest.mark.parametrize(
    ("error", "outcome", "counted"),
    [
        (smtplib.SMTPDataError(451, b"Try again later"), "retry", 1),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (450, b"busy")}), "retry", 1),
        # The server unreachable: retried, without using up the email's attempts.
        (smtplib.SMTPServerDisconnected("gone"), "retry", 0),
        (ConnectionRefusedError(), "retry", 0),
        (smtplib.SMTPDataError(554, b"Rejected"), "failed", 1),
        (smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")}), "failed", 1),
    ],
)
def test_only_transient_smtp_errors_are_retried(
    project, monkeypatch, settings, error, outcome, counted
):
    settings.EMAIL_BACKEND = "tests.notifications.test_digests.RefusingBackend"
    monkeypatch.setattr(RefusingBackend, "error", error, raising=False)
    first, second = pending_immediate(project, 2)
    if outcome == "retry":
        with pytest.raises(outbox.TransientDeliveryError) as caught:
            outbox.send_deliveries([first, second], retry_number=3)
        assert caught.value.remaining_ids == [first, second]
        assert 60 <= caught.value.countdown <= 120  # the third retry: 2 × 2 × 30 s, jittered
        for row in EmailDelivery.objects.filter(pk__in=[first, second]):
            # The whole rest of the batch waits for the retry; the sweep leaves it alone.
            assert row.status == DeliveryStatus.PENDING
            assert row.next_attempt_at > timezone.now() + timedelta(seconds=59)
        # A transient error stops the batch: the second email was not tried.
        assert EmailDelivery.objects.get(pk=second).attempts == 0
    else:
        outbox.send_deliveries([first, second])
        # A permanent error fails its row only; the batch goes on.
        assert EmailDelivery.objects.get(pk=second).status == DeliveryStatus.FAILED
    row = EmailDelivery.objects.get(pk=first)
    assert row.attempts == counted
    assert row.status == (DeliveryStatus.PENDING if outcome == "retry" else DeliveryStatus.FAILED)
    assert row.last_error.startswith(type(error).__name__)


def test_a_delivery_gives_up_after_its_last_attempt(project, monkeypatch, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_digests.RefusingBackend"
    monkeypatch.setattr(RefusingBackend, "error", smtplib.SMTPDataError(451, b"later"), False)
    [pk] = pending_immediate(project)
    EmailDelivery.objects.filter(pk=pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    outbox.send_deliveries([pk])
    assert EmailDelivery.objects.get(pk=pk).status == DeliveryStatus.FAILED


def test_backoff_grows_and_stays_below_the_visibility_timeout(settings):
    settings.NOTIFICATIONS_RETRY_BACKOFF = 30
    assert 15 <= outbox.backoff_seconds(1) <= 30
    assert 60 <= outbox.backoff_seconds(3) <= 120
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert outbox.backoff_seconds(30) <= outbox.MAX_BACKOFF_SECONDS < visibility


def test_a_delivery_is_cancelled_when_the_resident_changed_their_mind(project, mailoutbox):
    [pk] = pending_immediate(project)
    User.objects.update(email_frequency=EmailFrequency.WEEKLY)
    outbox.send_deliveries([pk])
    assert mailoutbox == []
    assert EmailDelivery.objects.get(pk=pk).status == DeliveryStatus.CANCELLED


# --- The outbox sweep ----------------------------------------------------------------------


def test_sweep_re_enqueues_what_is_overdue_once_per_lease(project, time_machine):
    now = timezone.now()
    time_machine.move_to(now)
    immediate = pending_immediate(project, 3)
    enqueued = []

    def enqueue(ids, is_immediate):
        enqueued.append((ids, is_immediate))

    assert outbox.sweep(enqueue=enqueue) == 0  # just written: their task is on its way

    time_machine.move_to(now + timedelta(minutes=2))
    assert outbox.sweep(enqueue=enqueue) == 3
    assert enqueued == [(immediate, True)]
    assert outbox.sweep(enqueue=enqueue) == 0  # not again before the lease ends

    time_machine.move_to(now + timedelta(minutes=13))
    assert outbox.sweep(enqueue=enqueue) == 3


def test_sweep_leaves_rows_due_when_the_broker_is_unreachable(project, time_machine):
    now = timezone.now()
    time_machine.move_to(now)
    pending_immediate(project, 2)
    time_machine.move_to(now + timedelta(minutes=2))

    def broken(ids, is_immediate):
        raise ConnectionRefusedError("redis is down")

    with pytest.raises(ConnectionRefusedError):
        outbox.sweep(enqueue=broken)
    assert outbox.sweep(enqueue=lambda ids, is_immediate: None) == 2


def test_sweep_task_sends_what_was_left(project, time_machine, mailoutbox):
    now = timezone.now()
    time_machine.move_to(now)
    pending_immediate(project, 2)  # written, but their task never ran (no commit here)
    assert mailoutbox == []
    time_machine.move_to(now + timedelta(minutes=2))
    assert tasks.deliveries_sweep() == 2
    assert len(mailoutbox) == 2
    assert not EmailDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()


def test_purge_forgets_old_notifications_and_log_rows_only(project, time_machine, settings):
    settings.NOTIFICATIONS_RETENTION_DAYS = 365
    reader = ResidentFactory(email_frequency=EmailFrequency.IMMEDIATE)
    now = timezone.now()
    time_machine.move_to(now - timedelta(days=400))
    notify(recipients=[reader], kind="project_comment", target=project, params={})
    EmailDelivery.objects.update(status=DeliveryStatus.SENT)
    time_machine.move_to(now)
    notify(recipients=[reader], kind="project_update", target=project, params={})

    assert tasks.notifications_purge() == 1
    assert list(Notification.objects.values_list("kind", flat=True)) == ["project_update"]
    assert list(EmailDelivery.objects.values_list("kind", flat=True)) == ["project_update"]
