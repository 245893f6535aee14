"""Redis stopped: the site keeps serving residents, then everything works again once Redis is
back, without restarting anything.

The site runs in gunicorn with production settings on the test database, with a throwaway
`redis-server` as its cache and Celery broker, and a real SMTP server catching its emails.
"""

import time
from datetime import timedelta

import pytest

from citizens.models import DataExport, DataExportState, User
from citizens.services import data_exports_resume
from tests.conftest import database_url_for_tests
from tests.factories import PASSWORD
from tests.faults.harness import HttpSession, celery_broker, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

PAGES = ["/", "/compte/login/", "/compte/signup/", "/confidentialite/"]


def signup(site, email: str):
    visitor = HttpSession(site.url)
    assert visitor.get("/compte/signup/").status == 200
    return visitor.post(
        "/compte/signup/",
        {
            "email": email,
            "display_name": "Nadia S.",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def mail_to(sink, address: str) -> list:
    return [m for m in sink.messages if m["To"] == address]


def test_redis_down_pages_logins_and_writes_go_on_and_all_resumes_when_it_is_back(
    throwaway_redis, site_process, smtp_sink, start_worker, resident, tmp_path
):
    redis = throwaway_redis
    private = str(tmp_path / "private")
    site = site_process(
        database_url=database_url_for_tests(),
        redis_url=redis.url(),
        extra_env={"EMAIL_URL": smtp_sink.url, "PRIVATE_STORAGE_ROOT": private},
        threads=2,
    ).start()
    assert HttpSession(site.url).get("/healthz").status == 200

    redis.stop()

    # Monitoring sees it at once.
    health = HttpSession(site.url).get("/healthz")
    assert health.status == 503
    assert health.json()["checks"] == {"database": "ok", "redis": "unavailable"}

    # Pages render (cache misses are not errors), fast.
    visitor = HttpSession(site.url)
    for path in PAGES:
        started = time.monotonic()
        assert visitor.get(path).status == 200, path
        assert time.monotonic() - started < 5, f"{path} waited for Redis"

    # A resident logs in (allauth's rate limits fail open), reads and saves their profile.
    resident_session = HttpSession(site.url)
    login = resident_session.login(resident.email, PASSWORD)
    assert (login.status, login.location) == (302, "/compte/")
    assert resident_session.get("/compte/").status == 200
    profile = {"display_name": "Marie pendant la panne", "neighbourhood": "", "language": "fr"}
    saved = resident_session.post("/compte/", profile)
    assert (saved.status, saved.location) == (302, "/compte/")
    resident.refresh_from_db()
    assert resident.display_name == "Marie pendant la panne"

    # A visitor signs up: the confirmation email cannot be queued, so it is sent at once.
    during = signup(site, "nadia.panne@example.org")
    assert during.status == 302
    assert User.objects.filter(email="nadia.panne@example.org").exists()
    [confirmation] = smtp_sink.wait_for(1)
    assert confirmation["To"] == "nadia.panne@example.org"
    assert "/compte/confirm-email/" in confirmation.get_body(("plain",)).get_content()

    # A resident asks for their data: recorded, prepared once Redis is back.
    assert resident_session.get("/compte/donnees/").status == 200
    asked = resident_session.post("/compte/donnees/", {})
    assert (asked.status, asked.location) == (302, "/compte/donnees/")
    [export] = DataExport.objects.filter(user=resident)
    assert export.state == DataExportState.PENDING

    log = site.log_text()
    assert "Broker unreachable: task citizens.tasks.send_account_email not enqueued" in log
    assert "Broker unreachable: task citizens.tasks.prepare_data_export not enqueued" in log
    assert " 500 " not in log

    # Redis is back: nothing restarted, everything works again.
    redis.start()
    wait_until(
        lambda: HttpSession(site.url).get("/healthz").status == 200,
        timeout=20,
        what="/healthz to answer 200 again",
    )
    worker = start_worker(
        extra_env={
            "REDIS_URL": redis.url(),
            "EMAIL_URL": smtp_sink.url,
            "PRIVATE_STORAGE_ROOT": private,
        }
    )
    after = signup(site, "nadia.retour@example.org")
    assert after.status == 302
    wait_until(
        lambda: mail_to(smtp_sink, "nadia.retour@example.org"),
        timeout=30,
        what="the confirmation email sent by the worker",
    )
    assert "citizens.tasks.send_account_email" in worker.log.read_text()
    assert site.log_text().count("Broker unreachable") == 2  # no new failure to enqueue

    # The cache is written to again (allauth's rate-limit counters, for instance).
    assert redis.client().keys("loos:*")

    # The periodic sweep sends the pending download's task again; the worker prepares it.
    with celery_broker(redis.url()):
        assert data_exports_resume(pending_for=timedelta(0)) == 1
    wait_until(
        lambda: DataExport.objects.get(pk=export.pk).state == DataExportState.READY,
        timeout=30,
        what="the download to be prepared",
    )
    wait_until(
        lambda: mail_to(smtp_sink, resident.email),
        timeout=30,
        what="the 'your data is ready' email",
    )
