"""What a database outage looks like to people and to monitoring (loos.outage), in-process.

The real outage, with a PostgreSQL cluster stopped under load, is in test_postgres_restart.py.
"""

import json
import logging
import sqlite3

import psycopg
import pytest
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, connection
from django.test import Client

from citizens.models import User
from citizens.sessions import SessionStore
from loos.outage import is_database_outage
from tests.conftest import free_port


def wrapped(driver_error: Exception) -> OperationalError:
    """What Django raises for `driver_error` (its wrapper sets the cause)."""
    error = OperationalError(str(driver_error))
    error.__cause__ = driver_error
    return error


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (wrapped(psycopg.OperationalError("connection failed: Connection refused")), True),
        (wrapped(psycopg.OperationalError("server closed the connection unexpectedly")), True),
        (wrapped(psycopg.errors.AdminShutdown("terminating connection")), True),
        (wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")), True),
        (wrapped(psycopg.errors.ConnectionFailure("connection failure")), True),
        (InterfaceError("connection already closed"), True),
        (psycopg.OperationalError("consuming input failed: server closed the connection"), True),
        (wrapped(psycopg.errors.DeadlockDetected("deadlock detected")), False),
        (wrapped(psycopg.errors.QueryCanceled("canceling statement due to timeout")), False),
        (wrapped(psycopg.errors.SerializationFailure("could not serialize access")), False),
        (wrapped(sqlite3.OperationalError("database is locked")), False),
        (IntegrityError("duplicate key"), False),
        (DatabaseError("something else"), False),
        (ValueError("a bug"), False),
        (None, False),
    ],
)
def test_only_an_unreachable_database_counts_as_an_outage(error, outage):
    assert is_database_outage(error) is outage


@pytest.fixture
def faults_urls(settings):
    settings.ROOT_URLCONF = "tests.faults.urls"


@pytest.fixture
def quiet_client():
    """A client that gets the 500/503 response instead of the exception re-raised."""
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_an_outage_met_by_a_view_is_a_french_503_page_with_retry_after(
    faults_urls, quiet_client, caplog
):
    with caplog.at_level(logging.ERROR):
        response = quiet_client.get("/test-panne/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "<h1>Service momentanément indisponible</h1>" in html
    assert "Merci de réessayer dans 30 secondes." in html
    assert "Content-Security-Policy" in response.headers  # the site's headers still apply
    assert [r.getMessage() for r in caplog.records if r.name == "loos.outage"] == [
        "Database unreachable, answered 503 to GET /test-panne/: "
        "connection failed: Connection refused"
    ]


@pytest.mark.django_db
def test_an_outage_asked_for_in_json_is_answered_in_json(faults_urls, quiet_client):
    response = quiet_client.get("/test-panne/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert json.loads(response.content) == {
        "status": "unavailable",
        "checks": {"database": "unavailable"},
    }


@pytest.mark.django_db
def test_other_database_errors_stay_500(faults_urls, quiet_client):
    assert quiet_client.get("/test-erreur/").status_code == 500


@pytest.mark.django_db(transaction=True)
def test_a_resident_meets_the_503_even_when_the_outage_hits_a_middleware(resident, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(resident)
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    try:
        with caplog.at_level(logging.ERROR):
            # The session and the user are loaded by middleware, before any view.
            page = client.get("/compte/")
            health = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert "Service momentanément indisponible" in page.content.decode()
    assert health.status_code == 503
    assert json.loads(health.content)["checks"]["database"] == "unavailable"
    # One line per request, without Django's traceback for each of them.
    outage_lines = [r for r in caplog.records if r.name == "loos.outage"]
    assert len(outage_lines) == 2
    assert [r for r in caplog.records if r.name == "django.request"] == []


@pytest.mark.django_db(transaction=True)
def test_a_session_that_cannot_be_saved_during_an_outage_is_not_taken_for_a_logout():
    store = SessionStore()
    store["step"] = 1
    store.create()
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())
    try:
        store["step"] = 2
        # Django's own store raises UpdateError here, which its middleware turns into 400.
        with pytest.raises(OperationalError) as raised:
            store.save()
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port
    assert is_database_outage(raised.value)


@pytest.mark.django_db(transaction=True)
def test_a_signup_cut_by_an_outage_leaves_no_half_made_account(monkeypatch):
    import allauth.account.forms

    def outage(*args, **kwargs):
        raise wrapped(psycopg.errors.AdminShutdown("terminating connection"))

    # The database goes away after the account is written, before its email address is.
    monkeypatch.setattr(allauth.account.forms, "setup_user_email", outage)
    response = Client(raise_request_exception=False).post(
        "/compte/signup/",
        {
            "email": "coupee@example.org",
            "display_name": "Nadia S.",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
        },
    )
    assert response.status_code == 503
    # An account without its address could never be confirmed, and would block the address.
    assert not User.objects.filter(email="coupee@example.org").exists()
