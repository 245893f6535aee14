import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from loos.enqueue import enqueue, enqueue_on_commit, run_here

from . import personal_data
from .models import DataExport, DataExportState, User


@transaction.atomic
def user_update_profile(*, user: User, display_name: str, neighbourhood, language: str) -> User:
    user.display_name = display_name
    user.neighbourhood = neighbourhood
    user.language = language
    user.full_clean(exclude=["password"])
    user.save(update_fields=["display_name", "neighbourhood", "language"])
    return user


# --- Personal data: download and account deletion --------------------------------


logger = logging.getLogger(__name__)

# A resident may ask for this many downloads per day (each one reads all their data).
DATA_EXPORTS_PER_DAY = 5
# A preparation still pending or running after this long is considered lost.
STALE_AFTER = timedelta(hours=1)


class DataExportLimitReached(Exception):
    pass


def data_export_request(*, user: User) -> DataExport:
    """Ask for a download; the task prepares it after commit. A download already in
    preparation is returned rather than doubled."""
    from .tasks import prepare_data_export

    with transaction.atomic():
        # Serialise a person's requests (double clicks, two tabs).
        User.objects.select_for_update().filter(pk=user.pk).first()
        current = DataExport.objects.filter(user=user).in_progress().first()
        if current is not None:
            if current.requested_at > timezone.now() - STALE_AFTER:
                return current
            # Its task was lost (broker down at enqueue time): give up on it, start anew.
            data_export_fail(export_id=current.pk, error="stale")
        since = timezone.now() - timedelta(days=1)
        if DataExport.objects.filter(user=user, requested_at__gte=since).count() >= (
            DATA_EXPORTS_PER_DAY
        ):
            raise DataExportLimitReached
        export = DataExport.objects.create(user=user, token=uuid.uuid4())
        # With the broker down the download stays pending; data_exports_resume sends it again.
        enqueue_on_commit(prepare_data_export, kwargs={"export_id": export.pk})
    return export


def _set_progress(export_id: int, value: int) -> None:
    DataExport.objects.filter(pk=export_id, state=DataExportState.RUNNING).update(progress=value)


def data_export_prepare(*, export_id: int) -> None:
    """Build the files of a download. Runs in a Celery task; exits quietly when the download
    is ready, expired or gone; safe to run again after a crash: each run writes files of its
    own, the first to finish marks the download ready and removes what interrupted runs left."""
    from .exports import (
        build_export,
        delete_export_files,
        delete_other_attempts,
        write_export_files,
    )

    claimed = DataExport.objects.filter(
        pk=export_id, state__in=[DataExportState.PENDING, DataExportState.RUNNING]
    ).update(state=DataExportState.RUNNING, started_at=timezone.now(), progress=5)
    if not claimed:
        return
    export = DataExport.objects.select_related("user", "user__neighbourhood").get(pk=export_id)
    user = export.user
    data = build_export(user, progress=lambda value: _set_progress(export_id, value))
    files = write_export_files(
        token=str(export.token), data=data, language=user.language, attempt=uuid.uuid4().hex
    )
    now = timezone.now()
    with transaction.atomic():
        done = DataExport.objects.filter(pk=export_id, state=DataExportState.RUNNING).update(
            state=DataExportState.READY,
            progress=100,
            finished_at=now,
            expires_at=now + timedelta(days=settings.DATA_EXPORT_TTL_DAYS),
            **files,
        )
        if done:
            transaction.on_commit(lambda: _send_data_export_ready(export_id=export_id))
    if done:
        delete_other_attempts(token=str(export.token), keep=[files["json_name"], files["zip_name"]])
    else:
        # Deleted meanwhile (the account was deleted), or another run finished first: leave
        # no file of this run behind.
        delete_export_files([files["json_name"], files["zip_name"]])


def _send_data_export_ready(*, export_id: int) -> None:
    from .tasks import send_account_email

    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None:
        return
    user = export.user
    context = {
        "user": user,
        "export": export,
        "url": settings.SITE_URL.rstrip("/") + reverse("citizens:data_export"),
        "TOWN_NAME": settings.TOWN_NAME,
    }
    with translation.override(user.language):
        subject = render_to_string("citizens/email/data_export_ready_subject.txt", context)
        body = render_to_string("citizens/email/data_export_ready_message.txt", context)
        html = render_to_string("citizens/email/data_export_ready_message.html", context)
    kwargs = {
        "subject": settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split()),
        "body": body,
        "html": html,
        "to": [user.email],
        "from_email": settings.DEFAULT_FROM_EMAIL,
    }
    enqueue(send_account_email, kwargs=kwargs, if_broker_down=run_here(send_account_email, kwargs))


def data_exports_purge(*, now=None) -> int:
    """Delete the files of expired downloads (the row stays a while so that an old link
    answers "expired"), and forget rows expired for more than 30 days."""
    from .exports import delete_export_files

    now = now or timezone.now()
    purged = 0
    for export in DataExport.objects.expired(now).only("pk", "json_name", "zip_name")[:500]:
        delete_export_files([export.json_name, export.zip_name])
        purged += DataExport.objects.filter(pk=export.pk, state=DataExportState.READY).update(
            state=DataExportState.EXPIRED, json_name="", zip_name=""
        )
    stale = now - timedelta(days=30)
    DataExport.objects.filter(state=DataExportState.EXPIRED, expires_at__lte=stale).delete()
    DataExport.objects.filter(state=DataExportState.FAILED, requested_at__lte=stale).delete()
    return purged


def data_export_fail(*, export_id: int, error: str) -> None:
    DataExport.objects.filter(
        pk=export_id, state__in=[DataExportState.PENDING, DataExportState.RUNNING]
    ).update(state=DataExportState.FAILED, error=error[:200], finished_at=timezone.now())


class LastSuperuserError(Exception):
    pass


def user_delete_account(*, user: User, erase_content: bool) -> None:
    """Delete an account in one transaction. Each registered section first removes or
    anonymises its part (citizens.personal_data); then the user row is deleted, and every
    foreign key left to it (comments, contributions, proposals, votes…) becomes NULL:
    "ancien participant"."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if (
            user.is_superuser
            and not User.objects.filter(is_superuser=True, is_active=True)
            .exclude(pk=user.pk)
            .exists()
        ):
            raise LastSuperuserError
        # The person's own section (sessions, addresses) goes last: the others may need
        # their name to scrub it from the logs. What stays is written in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            for section in reversed(personal_data.sections()):
                section.erase(user, erase_content=erase_content)
        pk = user.pk
        user.delete()
    logger.info("Account %s deleted (content erased: %s).", pk, erase_content)


# --- Faults: work whose task could not be queued ---------------------------------

# A download still pending (never started) this long after it was asked for lost its task,
# most likely because the broker was down when it was enqueued (loos.enqueue).
RESUME_PENDING_AFTER = timedelta(minutes=10)


def data_exports_resume(*, now=None, pending_for: timedelta = RESUME_PENDING_AFTER) -> int:
    """Enqueue again the preparation of downloads pending for `pending_for`; returns how many
    were sent. A download prepared twice is still prepared once: the task claims it, writes
    files of its own, and only the first to finish marks it ready and sends the email."""
    from .tasks import prepare_data_export

    now = now or timezone.now()
    pending = DataExport.objects.filter(
        state=DataExportState.PENDING,
        started_at__isnull=True,
        requested_at__lte=now - pending_for,
        requested_at__gt=now - STALE_AFTER,
    ).values_list("pk", flat=True)
    sent = 0
    for export_id in pending[:500]:
        if not enqueue(prepare_data_export, kwargs={"export_id": export_id}):
            break  # the broker is still down: the next run will try again
        sent += 1
    return sent


def user_set_language(*, user: User, language: str) -> User:
    """Remember the language picked with the site's switch (e-mails follow it)."""
    if language in dict(settings.LANGUAGES) and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
