"""The deployment's files (deploy/) as a town applies them: nginx accepts the site and proxies
as documented, PgBouncer parses its file and pools Django's connections, `check --deploy` is
clean with the example environment, a backup restores the rows it was taken with.

Quick checks run by `make test`; the several-machine layout under load, with a node killed,
is `make cluster-test` (scripts/cluster_test.py, docs/deployment.md).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.deploy.stack import DEPLOY, Nginx, PgBouncer, Redis, open_dir, read_env_file
from tests.faults.harness import ROOT


def needs(binary: str, package: str) -> None:
    """A missing Debian package skips these tests on a workstation, fails them in CI."""
    if not (shutil.which(binary) or shutil.which(binary, path="/usr/sbin:/sbin")):
        message = f"{binary} is missing: apt-get install {package}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def database_server() -> tuple[str, int]:
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loos"))
    return parts.hostname or "127.0.0.1", parts.port or 5432


# --- nginx -----------------------------------------------------------------------------------


class EchoHandler(BaseHTTPRequestHandler):
    """A stand-in web node: answers with the request's headers as JSON."""

    def do_GET(self):  # noqa: N802 - http.server's API
        body = json.dumps({k.lower(): v for k, v in self.headers.items()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_node():
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def files_dirs():
    static_root, media_root = open_dir("loos-static-"), open_dir("loos-media-")
    (static_root / "css").mkdir(mode=0o755)
    (static_root / "css" / "site.0123456789ab.css").write_text("body { color: #000 }\n")
    (static_root / "css" / "site.css").write_text("body { color: #000 }\n")
    (media_root / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (media_root / "page.html").write_text("<script>alert(1)</script>")
    for path in [*static_root.rglob("*"), *media_root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield static_root, media_root
    shutil.rmtree(static_root, ignore_errors=True)
    shutil.rmtree(media_root, ignore_errors=True)


def fetch(url: str, *, method: str = "GET", headers: dict | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {})  # noqa: S310
    if method == "POST":
        request.data = b"login=x"
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_nginx_accepts_the_site_with_several_upstreams_and_tls(files_dirs, tmp_path):
    needs("nginx", "nginx")
    needs("openssl", "openssl")
    static_root, media_root = files_dirs
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=participation.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    proxy = Nginx(
        upstreams=["127.0.0.1:18001", "127.0.0.1:18002"],
        static_root=static_root,
        media_root=media_root,
        tls=(cert, key),
    )
    try:
        result = proxy.test_config()
        tls_snippet = (proxy.dir / "snippets" / "loos-tls.conf").read_text()
    finally:
        proxy.destroy()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
    assert f"ssl_certificate {cert};" in tls_snippet


def test_nginx_overwrites_forwarded_headers_and_serves_files_safely(echo_node, files_dirs):
    needs("nginx", "nginx")
    static_root, media_root = files_dirs
    with Nginx(upstreams=[echo_node], static_root=static_root, media_root=media_root) as proxy:
        status, _, body = fetch(
            proxy.url + "/projets/",
            headers={"X-Forwarded-For": "203.0.113.66", "X-Forwarded-Proto": "https"},
        )
        assert status == 200
        seen = json.loads(body)
        # A client's own X-Forwarded-* are replaced by what nginx saw, never appended to.
        assert seen["x-forwarded-for"] == "127.0.0.1"
        assert seen["x-forwarded-proto"] == "http"

        status, headers, _ = fetch(proxy.url + "/static/css/site.0123456789ab.css")
        assert status == 200
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        status, headers, _ = fetch(proxy.url + "/static/css/site.css")
        assert (status, headers["Cache-Control"]) == (200, "public, max-age=3600")

        status, headers, _ = fetch(proxy.url + "/media/page.html")
        assert status == 200
        assert headers["Content-Type"] == "application/octet-stream"
        assert headers["Content-Disposition"] == "attachment"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in headers["Content-Security-Policy"]
        status, headers, _ = fetch(proxy.url + "/media/photo.png")
        assert (status, headers["Content-Type"]) == (200, "image/png")
        assert "Content-Disposition" not in headers

        # Login attempts per address: a burst of 5 passes, then 429.
        statuses = [fetch(proxy.url + "/compte/login/", method="POST")[0] for _ in range(8)]
        assert statuses[:6] == [200] * 6 and 429 in statuses[6:], statuses


# --- PgBouncer -------------------------------------------------------------------------------


def test_pgbouncer_parses_its_file_and_pools_django_connections():
    needs("pgbouncer", "pgbouncer")
    host, port = database_server()
    with PgBouncer(pg_host=host, pg_port=port, dbname="postgres") as bouncer:
        code = (
            "from django.conf import settings; from django.db import connection\n"
            "d = settings.DATABASES['default']\n"
            "with connection.cursor() as c:\n"
            "    for i in range(10): c.execute('select %s', [i])\n"
            "    c.execute('select current_setting(%s)', ['application_name'])\n"
            "print(d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS']['prepare_threshold'], i)"
        )
        env = {
            **production_env(),
            "DATABASE_URL": bouncer.url,
            "DATABASE_POOLER": "pgbouncer",
        }
        result = manage("shell", "-v", "0", "-c", code, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.split() == ["True", "None", "9"]


# --- Settings --------------------------------------------------------------------------------


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**extra: str) -> dict[str, str]:
    """This process's environment, less what the tests set, plus the example env file."""
    # DJANGO_* includes DJANGO_ALLOW_ASYNC_UNSAFE, which the browser tests set in this process.
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_"))
        and k not in {"DATABASE_URL", "REDIS_URL", "REDIS_CACHE_URL", "EMAIL_URL"}
    }
    return {
        **clean,
        **read_env_file(DEPLOY / "env" / "loos.env.example"),
        "SECRET_KEY": secrets.token_hex(32),
        **extra,
    }


def test_check_deploy_is_clean_with_the_example_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SHOW = (
    "import json; from django.conf import settings as s\n"
    "print(json.dumps({'proxy_ssl': s.SECURE_PROXY_SSL_HEADER,"
    " 'proxies': s.ALLAUTH_TRUSTED_PROXY_COUNT,"
    " 'cursors': s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS', False),"
    " 'caches': {alias: c['LOCATION'] for alias, c in s.CACHES.items()},"
    " 'broker': s.CELERY_BROKER_URL}))"
)


def show_settings(**env: str) -> dict:
    result = manage("shell", "-v", "0", "-c", SHOW, env=production_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_behind_the_proxy_its_headers_and_the_two_redis_are_used():
    shown = show_settings()
    assert shown == {
        "proxy_ssl": ["HTTP_X_FORWARDED_PROTO", "https"],
        "proxies": 1,
        "cursors": True,
        # Cached pages on the cache Redis; rate limits and locks beside the broker.
        "caches": {"default": "redis://10.0.0.21:6379/0", "pages": "redis://10.0.0.21:6380/0"},
        "broker": "redis://10.0.0.21:6379/0",
    }


def test_without_a_proxy_forwarded_headers_are_not_trusted():
    shown = show_settings(
        BEHIND_PROXY="false",
        TRUSTED_PROXY_COUNT="0",
        DATABASE_POOLER="",
        REDIS_CACHE_URL="",
    )
    assert shown["proxy_ssl"] is None
    assert shown["proxies"] == 0
    assert shown["cursors"] is False
    assert shown["caches"] == {"default": shown["broker"], "pages": shown["broker"]}


def test_an_unknown_pooler_is_refused():
    result = manage("check", env=production_env(DATABASE_POOLER="pgpool"))
    assert result.returncode != 0
    assert "DATABASE_POOLER" in result.stderr


def test_client_ip_behind_one_proxy_is_the_address_nginx_saw(rf, settings):
    """allauth's per-IP limits read the last X-Forwarded-For hop: the one nginx wrote."""
    from allauth.core.internal.httpkit import get_client_ip

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.1")
    assert get_client_ip(request) == "203.0.113.9"


# --- Backups ---------------------------------------------------------------------------------


def test_backup_then_restore_gives_back_every_row(tmp_path):
    import psycopg

    host, port = database_server()
    suffix = secrets.token_hex(4)
    source, restored = f"loos_backup_src_{suffix}", f"loos_backup_dst_{suffix}"
    admin = f"host={host} port={port} user=postgres dbname=postgres"
    env = {
        **os.environ,
        "PGHOST": host,
        "PGPORT": str(port),
        "PGUSER": "postgres",
        "PGDATABASE": source,
        "BACKUP_DIR": str(tmp_path / "backups"),
        "BACKUP_KEEP_DAYS": "14",
    }
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{source}"')
    try:
        with psycopg.connect(f"host={host} port={port} user=postgres dbname={source}") as conn:
            conn.execute("CREATE TABLE django_migrations (id serial primary key, name text)")
            conn.execute("INSERT INTO django_migrations (name) VALUES ('0001'), ('0002')")
            conn.execute("CREATE TABLE contribution (id serial primary key, body text)")
            conn.execute(
                "INSERT INTO contribution (body) SELECT 'Contribution ' || g "
                "FROM generate_series(1, 500) g"
            )
        backup = subprocess.run(
            [str(DEPLOY / "bin" / "loos-backup")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert backup.returncode == 0, backup.stderr
        dump = Path(backup.stdout.strip())
        assert dump.parent == tmp_path / "backups" and dump.suffix == ".dump"
        assert not list(dump.parent.glob("*.partial"))

        restore = subprocess.run(
            [str(DEPLOY / "bin" / "loos-restore"), str(dump), restored],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert restore.returncode == 0, restore.stderr
        assert "2 migrations applied" in restore.stdout
        with psycopg.connect(f"host={host} port={port} user=postgres dbname={restored}") as conn:
            rows = conn.execute("SELECT count(*), min(body), max(id) FROM contribution").fetchone()
        assert rows == (500, "Contribution 1", 500)

        again = subprocess.run(
            [str(DEPLOY / "bin" / "loos-restore"), str(dump), restored],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode != 0, "restoring over an existing database must be refused"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            for name in (source, restored):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Redis -----------------------------------------------------------------------------------


def test_the_broker_redis_never_evicts_and_persists_the_cache_redis_evicts_and_forgets():
    needs("redis-server", "redis-server")
    with Redis("broker") as broker, Redis("cache") as cache:
        b, c = broker.client(), cache.client()
        assert b.config_get("maxmemory-policy") == {"maxmemory-policy": "noeviction"}
        assert b.config_get("appendonly") == {"appendonly": "yes"}
        assert b.config_get("save")["save"] != ""
        assert c.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
        assert c.config_get("appendonly") == {"appendonly": "no"}
        assert c.config_get("save") == {"save": ""}
        assert int(c.config_get("maxmemory")["maxmemory"]) > 0


# --- systemd ---------------------------------------------------------------------------------


def test_systemd_units_pass_systemd_analyze_verify(tmp_path):
    """The units as written, with /srv/loos pointing at this checkout (its .venv, deploy/bin)."""
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is missing (systemd)")
    units = sorted((DEPLOY / "systemd").iterdir())
    for unit in units:
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/loos", str(ROOT)))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{unit.name}" for unit in units)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_beat_unit_refuses_a_second_beat(tmp_path):
    """The unit's flock, as written, around a stand-in for celery beat: the second exits 75,
    which the unit does not restart."""
    unit = (DEPLOY / "systemd" / "loos-beat.service").read_text()
    assert "ConditionPathExists=/etc/loos/beat-host" in unit
    assert "RestartPreventExitStatus=75" in unit
    exec_start = unit.split("ExecStart=", 1)[1].split("\n", 1)[0].rstrip(" \\")
    lock = "/var/lib/loos-beat/beat.lock"
    flock = exec_start.split(lock)[0].split() + [str(tmp_path / "beat.lock")]
    first = subprocess.Popen([*flock, "sleep", "20"])
    try:
        time.sleep(0.5)
        second = subprocess.run([*flock, "true"], timeout=10)
        assert first.poll() is None
        assert second.returncode == 75
    finally:
        first.kill()
        first.wait(5)
