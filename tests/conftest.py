"""Fixtures shared by the whole suite: people in every role, a real browser, a real worker."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import (
    PASSWORD,
    MayorsOfficeFactory,
    ResidentFactory,
    SuperuserFactory,
    TeamMemberFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(autouse=True)
def _english_free_defaults(settings):
    """Every test starts in French, the residents' language."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached fragments never leak from one test to the next."""
    from django.core.cache import caches

    for alias in ("default", "pages"):
        cache = caches[alias]
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{cache.key_prefix}:*", count=1000):
            client.delete(key)
    yield


@pytest.fixture
def resident(db):
    return ResidentFactory(display_name="Marie L.")


@pytest.fixture
def other_resident(db):
    return ResidentFactory(display_name="Karim B.")


@pytest.fixture
def unverified_user(db):
    return UserFactory(verified=False)


@pytest.fixture
def team_member(db):
    return TeamMemberFactory(display_name="Claire (mairie)")


@pytest.fixture
def mayors_office(db):
    return MayorsOfficeFactory(display_name="Cabinet du maire")


@pytest.fixture
def superuser(db):
    return SuperuserFactory(display_name="Admin")


def login(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def resident_client(resident):
    return login(resident)


@pytest.fixture
def password():
    return PASSWORD


# --- A real browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium is required for browser tests: apt-get install chromium ({CHROMIUM})"
        )
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
    # test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def mobile_page(browser, live_server):
    context = browser.new_context(
        locale="fr-FR", base_url=live_server.url, viewport={"width": 360, "height": 740}
    )
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page) -> list[str]:
    """Run axe-core (WCAG 2.1 AA) on the page; return readable violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}
        },
    )
    return [
        f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def browser_login(page, user) -> None:
    page.goto("/compte/login/")
    page.get_by_label("Courriel").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def browser_login_staff(page, user) -> None:
    """Log a staff user in through the real pages, second factor (TOTP) included."""
    from tests.factories import totp_code

    browser_login(page, user)
    page.wait_for_url("**/compte/2fa/authenticate/**")
    form = page.locator("form[action$='/2fa/authenticate/']")
    form.locator("input[name=code]").fill(totp_code(user))
    form.locator("button[type=submit]:not([form])").click()
    page.wait_for_load_state()


# --- A real Celery worker on Redis ---------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_tests() -> str:
    from django.db import connection

    s = connection.settings_dict
    user = s["USER"] or "postgres"
    return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class WorkerProcess:
    """`celery worker` in a subprocess, on the test database and the test Redis."""

    def __init__(
        self,
        extra_env: dict[str, str] | None = None,
        queues: str = "default,emails,digests",
        pool: str = "solo",
    ):
        self.extra_env = extra_env or {}
        self.queues = queues
        self.pool = pool  # "prefork": tasks run in a child process, as in production
        self.process: subprocess.Popen | None = None
        self.log = ROOT / "test-artifacts" / f"worker-{os.getpid()}-{time.monotonic_ns()}.log"

    def start(self) -> "WorkerProcess":
        from django.conf import settings

        self.log.parent.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "loos.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATABASE_URL": database_url_for_tests(),
            "REDIS_URL": settings.REDIS_URL,
            **self.extra_env,
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "loos",
                "worker",
                f"--pool={self.pool}",
                "--concurrency=1",
                "-Q",
                self.queues,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=info",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if "ready." in self.log.read_text():
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log.read_text()}")
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after 30 s:\n{self.log.read_text()}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def celery_not_eager():
    """Producer side of a real-worker test: send tasks to Redis instead of running them."""
    from loos.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def start_worker(celery_not_eager):
    workers: list[WorkerProcess] = []

    def start(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(**kwargs).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


# --- A real SMTP server --------------------------------------------------------------------


class SMTPSink:
    """aiosmtpd in a thread: records every message it accepts; can refuse for a while."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        self.refuse_remaining = 0
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        import email
        from email import policy

        if self.refuse_remaining > 0:
            self.refuse_remaining -= 1
            return "451 Try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.1)
        return self.messages


@pytest.fixture
def smtp_sink():
    sink = SMTPSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()
