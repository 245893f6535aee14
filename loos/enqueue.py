"""Enqueue Celery tasks without letting a broker outage fail a resident's request.

`task.delay()` raises when Redis is down. Called from `transaction.on_commit`, that error
would turn a request whose write is already committed into a 500. Here the error is logged
and a fallback decides what becomes of the work:

- `run_here(task, kwargs)`: run the task's body in this process at once. For short work a
  person is waiting for, such as an account email (confirmation, password reset).
- no fallback: the work is recorded in the database already (a pending row) and a periodic
  task sends it again once the broker is back (see `citizens.services.data_exports_resume`).

    enqueue_on_commit(send_account_email, kwargs=kwargs, if_broker_down=run_here(...))
"""

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What publishing raises when the broker is unreachable (kombu wraps most socket errors).
BROKER_ERRORS = (KombuOperationalError, RedisError, OSError)


def enqueue(task, *, kwargs: dict, if_broker_down: Callable[[], None] | None = None) -> bool:
    """Send `task` with keyword arguments; True when the broker accepted it."""
    if task.app.conf.task_always_eager:
        # Run in-process (no broker): the task's own errors must surface, not be mistaken
        # for an outage.
        task.apply_async(kwargs=kwargs)
        return True
    try:
        task.apply_async(kwargs=kwargs)
    except BROKER_ERRORS as exc:
        logger.error(
            "Broker unreachable: task %s not enqueued (%s); %s.",
            task.name,
            exc,
            "running it here instead" if if_broker_down else "it will be sent again later",
        )
        if if_broker_down is not None:
            if_broker_down()
        return False
    return True


def enqueue_on_commit(
    task, *, kwargs: dict, if_broker_down: Callable[[], None] | None = None
) -> None:
    """`enqueue` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, kwargs=kwargs, if_broker_down=if_broker_down))


def run_here(task, kwargs: dict) -> Callable[[], None]:
    """A fallback running `task`'s body in this process; its failure is logged, not raised
    (the request that asked for it has already succeeded)."""

    def run() -> None:
        try:
            task.run(**kwargs)
        except Exception:
            logger.exception("Task %s failed when run in-process.", task.name)

    return run
