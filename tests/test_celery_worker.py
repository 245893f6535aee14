"""Celery on Redis with a real worker process (not eager)."""

import pytest

from tests.factories import PASSWORD

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_signup_confirmation_email_is_sent_by_a_real_worker_through_smtp(
    client, smtp_sink, start_worker, mailoutbox
):
    start_worker(extra_env={"EMAIL_URL": smtp_sink.url})
    response = client.post(
        "/compte/signup/",
        {
            "email": "nadia@example.org",
            "display_name": "Nadia S.",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    # Nothing was sent in-process: the request only enqueued the task on Redis.
    assert mailoutbox == []
    [message] = smtp_sink.wait_for(1)
    assert message["To"] == "nadia@example.org"
    assert "Loos-en-Gohelle" in message["Subject"]
    assert "/compte/confirm-email/" in message.get_body(("plain",)).get_content()
