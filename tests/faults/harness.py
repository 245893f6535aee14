"""Real servers a fault test may stop and start: a throwaway PostgreSQL cluster, a throwaway
Redis, and the site itself served by gunicorn in a subprocess, plus a small HTTP client.

Never the machine's shared servers: each class starts its own process from the machine's
binaries, on a free port, in a temporary folder, and removes it afterwards.

    with ThrowawayPostgres() as pg, ThrowawayRedis() as redis:
        site = LiveServerProcess(database_url=pg.url, redis_url=redis.url())
        site.manage("migrate", "--noinput")
        site.start()
        pg.stop()                      # pg_ctl stop -m fast: in-flight requests fail
        HttpSession(site.url).get("/")  # 503
        pg.start()
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str, every=0.1):
    """Poll `predicate` until it returns a true value (returned); fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def _as_postgres() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its binaries as `postgres`."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is missing: apt-get install postgresql")
    return found


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary folder, a free port)."""

    def __init__(self, dbname: str = "loos", *, host: str = "127.0.0.1", netns: str | None = None):
        # `netns`: a network namespace to run the server in (`ip netns exec`), listening on
        # `host`, an address of that namespace (make cluster-test).
        self.dbname, self.host, self.netns = dbname, host, netns
        self.port = free_port()
        # Under /tmp itself: pytest's tmp_path is private to root, and the server runs as
        # postgres.
        self.dir = Path(tempfile.mkdtemp(prefix="loos-faults-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@{self.host}:{self.port}/{self.dbname}"

    def _run(self, *args: str) -> None:
        netns = ["ip", "netns", "exec", self.netns] if self.netns else []
        command = [*netns, *_as_postgres(), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> ThrowawayPostgres:
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.data, "postgres")
        self._run(
            pg_bin("initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        if self.host != "127.0.0.1":
            # initdb trusts loopback only; trust the hosts of the namespace's own subnet.
            with (self.data / "pg_hba.conf").open("a") as hba:
                hba.write("host all all samenet trust\n")
        self.start()
        import psycopg

        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}"')
        return self

    def admin_dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user=postgres dbname={dbname} connect_timeout=5"

    def start(self) -> None:
        """Start (or restart) on the same port; returns once it accepts connections."""
        options = (
            f"-p {self.port} -c listen_addresses={self.host} -k {self.dir} "
            "-c fsync=off -c max_connections=60"
        )
        self._run(
            pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", options, "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """`fast` ends every session at once (in-flight queries fail); returns once down."""
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def connect(self, autocommit: bool = True):
        """A psycopg connection to the database, for the test's own checks."""
        import psycopg

        return psycopg.connect(self.admin_dsn(self.dbname), autocommit=autocommit)

    def destroy(self) -> None:
        if self.running:
            try:
                self.stop("immediate")
            except subprocess.SubprocessError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> ThrowawayPostgres:
        try:
            return self.init()
        except BaseException:
            self.destroy()
            raise

    def __exit__(self, *exc) -> None:
        self.destroy()


class ThrowawayRedis:
    """A redis-server of its own, in the foreground of a subprocess, on a free port."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="loos-faults-redis-"))
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0):
        import redis

        return redis.Redis(port=self.port, db=db, socket_connect_timeout=2, socket_timeout=5)

    def start(self) -> ThrowawayRedis:
        server = shutil.which("redis-server")
        if not server:
            raise RuntimeError("redis-server is missing: apt-get install redis-server")
        self.process = subprocess.Popen(
            [
                server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.dir),
            ],
            stdout=(self.dir / "redis.log").open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self._answers, timeout=20, what="redis-server to answer PING")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited: {(self.dir / 'redis.log').read_text()}")
        try:
            return bool(self.client().ping())
        except OSError:
            return False
        except Exception:  # redis.exceptions.ConnectionError and friends
            return False

    def stop(self) -> None:
        """Stop the server (its data, kept in memory only, goes with it)."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)
        wait_until(lambda: not port_open(self.port), timeout=10, what="Redis to close its port")

    def destroy(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> ThrowawayRedis:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.destroy()


class LiveServerProcess:
    """The site served by gunicorn in a subprocess, with production settings on plain HTTP
    (tests/faults/server_settings.py): persistent database connections, several threads."""

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str = "",
        extra_env: dict[str, str] | None = None,
        workers: int = 2,
        threads: int = 4,
    ):
        self.port = free_port()
        self.workers = workers
        self.threads = threads
        self.process: subprocess.Popen | None = None
        ARTIFACTS.mkdir(exist_ok=True)
        self.log = ARTIFACTS / f"site-{os.getpid()}-{time.monotonic_ns()}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.faults.server_settings",
            "SECRET_KEY": "faults-" + "k" * 50,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CONN_MAX_AGE": "60",
            "PASSWORD_HASHERS": "django.contrib.auth.hashers.MD5PasswordHasher",
            "EMAIL_URL": "dummymail://",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str, timeout: float = 180) -> str:
        """`manage.py <args>` with the site's environment (e.g. migrate before start)."""
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def python(self, code: str, timeout: float = 120):
        """Run `code` in a Django process with the site's environment; it prints JSON on its
        last line, returned decoded."""
        script = f"import django, json\ndjango.setup()\n{code}"
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"script failed:\n{done.stdout}{done.stderr}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, timeout: float = 60) -> LiveServerProcess:
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "loos.wsgi",
                "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(self.workers),
                "--threads", str(self.threads),
                "--worker-class", "gthread",
                "--timeout", "60",
                "--graceful-timeout", "5",
                "--access-logfile", "-",
                "--access-logformat", '%(m)s %(U)s %(s)s %(L)ss',
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self._answers, timeout=timeout, what=f"the site to answer ({self.log})")
        return self

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"the site exited:\n{self.log.read_text()}")
        try:
            HttpSession(self.url, timeout=5).get("/healthz")
        except OSError:
            return False
        return True

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def __enter__(self) -> LiveServerProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- HTTP ------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    url: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def json(self):
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class HttpSession:
    """A browser-like client without JavaScript: cookies, CSRF token, no redirect following."""

    base_url: str
    timeout: float = 30
    jar: CookieJar = field(default_factory=CookieJar)

    def __post_init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def forget_all_but(self, *names: str) -> None:
        for cookie in list(self.jar):
            if cookie.name not in names:
                self.jar.clear(cookie.domain, cookie.path, cookie.name)

    def request(self, method: str, path: str, data: dict | None = None, headers=None) -> Response:
        url = urllib.parse.urljoin(self.base_url, path)
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        request.add_header("Accept-Language", "fr")
        try:
            with self.opener.open(request, timeout=self.timeout) as raw:
                return Response(raw.status, _lower(raw.headers), raw.read().decode(), url)
        except urllib.error.HTTPError as error:  # any status but 2xx, 3xx included
            with error:
                text = error.read().decode(errors="replace")
            return Response(error.code, _lower(error.headers), text, url)

    def get(self, path: str, headers=None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict) -> Response:
        """POST a form with the CSRF token the site set in a cookie (GET a form page first)."""
        token = self.cookie("csrftoken")
        return self.request(
            "POST",
            path,
            {**data, "csrfmiddlewaretoken": token},
            headers={"Referer": urllib.parse.urljoin(self.base_url, path)},
        )

    def login(self, email: str, password: str) -> Response:
        page = self.get("/compte/login/")
        if page.status != 200:
            return page
        return self.post("/compte/login/", {"login": email, "password": password})


def _lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


# --- Celery ----------------------------------------------------------------------------------


@contextmanager
def celery_broker(url: str):
    """Point this process's Celery producer at another broker (a throwaway Redis)."""
    from loos.celery import app

    previous = app.conf.broker_url

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.broker_url = url
    reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url = previous
        reset_pools()
