"""Test-only helpers for the real-worker tests: a throwaway Redis, an SMTP server that can hold
a message (to kill a worker mid-send), bulk residents."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import shutil
import socket
import subprocess
import threading
import time

import kombu.pools
import pytest
from django.utils import timezone

from citizens.models import Notification, User
from tests.conftest import SMTPSink, free_port


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class ThrowawayRedis:
    """A `redis-server` of our own on a free port, without persistence: stopping it loses
    everything queued, like a crashed broker."""

    def __init__(self):
        self.binary = shutil.which("redis-server")
        if not self.binary:
            pytest.fail("redis-server is required for this test: apt-get install redis-server")
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> ThrowawayRedis:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        deadline = time.monotonic() + 10
        while _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)


@contextlib.contextmanager
def producer_on(url: str):
    """Point this process's Celery producer at `url`, then back where it was."""
    from loos.celery import app

    def reset_pools() -> None:
        # kombu keeps its connection and producer pools in global registries: drop them all
        # (they are rebuilt on next use), then the app's references to them.
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    reset_pools()
    app.conf.broker_url = url
    try:
        yield app
    finally:
        reset_pools()
        app.conf.broker_url = previous


class HoldingSMTPSink(SMTPSink):
    """The test SMTP server, which can also hold one message in DATA without answering: the
    sender is then stuck between sending and hearing "250 OK", which is where the test kills
    it. A held message is never recorded (the sender is dead by the time it is released)."""

    def __init__(self):
        super().__init__()
        self.hold_after: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        if (
            self.hold_after is not None
            and len(self.messages) >= self.hold_after
            and not self.release.is_set()
        ):
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Try again later"
        return await super().handle_DATA(server, session, envelope)


def bulk_residents(count: int, **fields) -> list[User]:
    """`count` residents in three queries' worth of inserts (no password, no factory)."""
    stamp = time.monotonic_ns()
    users = User.objects.bulk_create(
        [
            User(
                email=f"bulk{stamp}-{index}@example.org",
                display_name=f"Habitant {index}",
                password="!",
                **fields,
            )
            for index in range(count)
        ]
    )
    return users


def notify_yesterday(users: list[User], *, kind: str = "project_comment", params=None) -> None:
    """One unread notification each, yesterday at noon (local time): in today's daily digest."""
    yesterday_noon = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() - dt.timedelta(days=1), dt.time(12))
    )
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=kind,
                params=params or {"project": "Place de la République"},
                url="/projets/place/",
                created_at=yesterday_noon,
            )
            for user in users
        ]
    )


def wait_until(predicate, timeout: float = 30, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()
