"""The one way to enqueue a Celery task from a request: after commit, never failing it.

`task.delay()` raises when Redis is down. Called from `transaction.on_commit`, that error
would turn a request whose write is already committed into a 500. Here the error is logged
and a fallback decides what becomes of the work:

- `run_here(task, kwargs)`: run the task's body in this process at once. For short work a
  person is waiting for, such as an account email (confirmation, password reset).
- a callable of your own, e.g. marking the work failed so that the person can ask again.
- no fallback: the work is recorded in the database already (a pending row, an outbox) and a
  periodic task sends it again once the broker is back (`citizens.services.data_exports_resume`,
  the notifications outbox sweep).

    enqueue_on_commit(send_account_email, kwargs=kwargs, if_broker_down=run_here(...))
    enqueue_on_commit(send_notification_emails, kwargs={"delivery_ids": ids}, queue="emails")

It lives in the project package, next to `loos/celery.py`, because it is Celery plumbing that
knows no model: it imports Django, kombu and redis only, so every app (citizens at the bottom
included) can use it without depending on another app, and no app owns it.

Tasks fanning out other tasks from inside a worker call `apply_async` themselves: there a
broker error should fail the running task, which is retried or run again by beat.
"""

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What publishing raises when the broker is unreachable (kombu wraps most socket errors).
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)


def enqueue(
    task,
    *,
    kwargs: dict,
    queue: str | None = None,
    if_broker_down: Callable[[], None] | None = None,
) -> bool:
    """Send `task` with keyword arguments (on `queue`, else its route); True when the broker
    accepted it."""
    options = {"queue": queue} if queue else {}
    if task.app.conf.task_always_eager:
        # Run in-process (no broker): the task's own errors must surface, not be mistaken
        # for an outage.
        task.apply_async(kwargs=kwargs, **options)
        return True
    try:
        task.apply_async(kwargs=kwargs, **options)
    except BROKER_ERRORS as exc:
        logger.error(
            "Broker unreachable: task %s not enqueued (%s); %s.",
            task.name,
            exc,
            "running the fallback instead" if if_broker_down else "it will be sent again later",
        )
        if if_broker_down is not None:
            if_broker_down()
        return False
    return True


def enqueue_on_commit(
    task,
    *,
    kwargs: dict,
    queue: str | None = None,
    if_broker_down: Callable[[], None] | None = None,
) -> None:
    """`enqueue` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(
        lambda: enqueue(task, kwargs=kwargs, queue=queue, if_broker_down=if_broker_down)
    )


def run_here(task, kwargs: dict) -> Callable[[], None]:
    """A fallback running `task`'s body in this process; its failure is logged, not raised
    (the request that asked for it has already succeeded)."""

    def run() -> None:
        try:
            task.run(**kwargs)
        except Exception:
            logger.exception("Task %s failed when run in-process.", task.name)

    return run
