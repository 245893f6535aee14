#!/usr/bin/env python3
"""`make bench`: page throughput and latency at town and city scale.

For each scale it makes (once) a PostgreSQL database filled by `generate_town`, starts the
production stack (gunicorn, DEBUG off, Redis cache) on it, and measures each page with wrk
from a second process: requests/s, p50 and p99 latency, SQL queries per request (from the
X-Queries header the bench settings add) and the ratio of its throughput to the floor's,
measured in the same run. Figures go to stdout and to bench-results/pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
# Both scales hold the same popular project (2,000 comments on top of the rest) and the same
# round closing under a rush (10,000 contributions and votes), so that the page figures compare
# the same pages in a small and a big database.
HOT = ["--hot-comments", "2000", "--hot-contributions", "10000"]
SCALES = {
    # residents, extra generate_town arguments
    "town": (6_800, HOT),
    # 500,000 residents; --scale 0.55 gives 1.1 M contributions and 0.96 M comments.
    "city": (500_000, ["--scale", "0.55", *HOT]),
}


def sh(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, **kwargs)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(db_url: str, redis_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "loos.settings.production",
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",  # plain http on loopback
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_url,
        "BENCH_ENDPOINTS": "true",
        "DEVTOOLS": "true",  # generate_town, on the production settings measured
        "QUERY_COUNT_HEADER": "true",
        "LOG_LEVEL": "WARNING",
    }


def ensure_database(scale: str, db_url: str, env: dict, regenerate: bool) -> None:
    import psycopg

    admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
    name = db_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and regenerate:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    marker = sh(
        PY,
        "manage.py",
        "shell",
        "-v",
        "0",
        "-c",
        "from django.db import connection\n"
        "t = connection.introspection.table_names()\n"
        "from citizens.models import User\n"
        "print(User.objects.count() if 'citizens_user' in t else 0)",
        env=env,
        capture_output=True,
    ).stdout.strip()
    residents = SCALES[scale][0]
    if int(marker or 0) >= residents:
        print(f"[{scale}] database {name} already generated ({marker} users)")
        return
    sh(PY, "manage.py", "migrate", "--noinput", "-v", "0", env=env)
    started = time.monotonic()
    sh(PY, "manage.py", "generate_town", "--residents", str(residents), *SCALES[scale][1], env=env)
    print(f"[{scale}] generated in {time.monotonic() - started:.0f} s")


def bench_targets(env: dict) -> dict[str, dict]:
    """Pick the pages to measure from the generated data; make a logged-in session."""
    code = r"""
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from importlib import import_module
from django.conf import settings
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
from django.db.models import Count
from citizens.models import User, Neighbourhood
from projects.models import Project
from consultations.models import Consultation
try:
    from citizens.models import Notification
except ImportError:
    Notification = None
project = Project.objects.visible().order_by("-comment_count").first()
round_ = Consultation.objects.order_by("-contribution_count").first()
hood = Neighbourhood.objects.order_by("pk").first()
user = None
if Notification is not None:
    row = Notification.objects.values("recipient").annotate(n=Count("id")).order_by("-n").first()
    user = User.objects.filter(pk=row["recipient"]).first() if row else None
user = user or User.objects.filter(is_staff=False).first()
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(json.dumps({
    "project": project.slug, "project_comments": project.comment_count,
    "round": round_.slug, "round_contributions": round_.contribution_count,
    "category": project.category, "hood": hood.slug if hood else "",
    "session": session.session_key,
}))
"""
    out = sh(PY, "manage.py", "shell", "-v", "0", "-c", code, env=env, capture_output=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    cookie = f"sessionid={data['session']}"
    return {
        "floor": {"path": "/bench/floor"},
        "home": {"path": "/"},
        "projects_filtered": {"path": f"/projets/?theme={data['category']}&tri=soutiens"},
        "projects_search": {"path": "/projets/?q=place+rue"},
        "project_page": {"path": f"/projets/{data['project']}/", "items": data["project_comments"]},
        "round_page": {
            "path": f"/consultations/{data['round']}/",
            "items": data["round_contributions"],
        },
        "notifications": {"path": "/compte/notifications/", "cookie": cookie},
    }


WRK_LINE = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def measure(url: str, cookie: str | None, duration: int, connections: int) -> dict:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    result = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result).group(1))
    lat = {p: to_ms(v, u) for p, v, u in WRK_LINE.findall(result)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result)
    return {
        "rps": round(rps, 1),
        "p50_ms": round(lat["50"], 1),
        "p99_ms": round(lat["99"], 1),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect (e.g. to the login page) must show as such, not be followed


def probe(url: str, cookie: str | None) -> tuple[int, int]:
    # Loopback http:// only: the URL is built from 127.0.0.1 and our own paths.
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, int(response.headers.get("X-Queries", -1))
    except urllib.error.HTTPError as error:
        return error.code, int(error.headers.get("X-Queries", -1))


def run_scale(scale: str, args) -> dict:
    db_url = f"{args.pg}/loos_bench_{scale}"
    env = base_env(db_url, args.redis)
    ensure_database(scale, db_url, env, args.regenerate)
    static_root = tempfile.mkdtemp(prefix="loos-static-")
    env["STATIC_ROOT"] = static_root
    sh(PY, "manage.py", "collectstatic", "--noinput", "-v", "0", env=env)
    targets = bench_targets(env)
    # A cold cache: the "first" query count is a page rendered in full (this Redis database
    # is the benchmarks' own).
    import redis

    redis.Redis.from_url(args.redis).flushdb()
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "loos.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                probe(base + "/healthz", None)
                break
            except OSError:
                time.sleep(0.2)
        results = {}
        # The floor is measured first and again last: its throughput swings most with what
        # else the machine does, and each page's ratio is to the mean of the two.
        targets["floor_again"] = targets["floor"]
        for name, target in targets.items():
            url = base + target["path"]
            status, queries = probe(url, target.get("cookie"))
            if status != 200:
                raise SystemExit(f"{name}: {url} answered {status}")
            measure(url, target.get("cookie"), 2, args.connections)  # warm-up
            figures = measure(url, target.get("cookie"), args.duration, args.connections)
            # The steady state (fragments cached) and the first request (rendered in full).
            _, warm_queries = probe(url, target.get("cookie"))
            figures.update(queries=warm_queries, queries_first=queries, path=target["path"])
            if "items" in target:
                figures["items"] = target["items"]
            results[name] = figures
        again = results.pop("floor_again")
        first = results["floor"]
        first["runs_rps"] = [first["rps"], again["rps"]]
        first["rps"] = round((first["rps"] + again["rps"]) / 2, 1)
        first["p50_ms"] = max(first["p50_ms"], again["p50_ms"])
        first["p99_ms"] = max(first["p99_ms"], again["p99_ms"])
        floor = first["rps"]
        for figures in results.values():
            figures["ratio_to_floor"] = round(figures["rps"] / floor, 3)
        return results
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        shutil.rmtree(static_root, ignore_errors=True)


def print_table(scale: str, results: dict, workers: int, connections: int) -> None:
    print(f"\n{scale} scale — gunicorn {workers} sync workers, wrk {connections} connections")
    print(
        f"{'page':<20}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'queries':>9}{'first':>7}"
        f"{'/floor':>8}  path"
    )
    for name, f in results.items():
        print(
            f"{name:<20}{f['rps']:>9.1f}{f['p50_ms']:>9.1f}{f['p99_ms']:>9.1f}"
            f"{f['queries']:>9}{f['queries_first']:>7}{f['ratio_to_floor']:>8.2f}  {f['path']}"
        )
    runs = " and ".join(f"{rps:.1f}" for rps in results["floor"]["runs_rps"])
    print(f"(floor measured first and last: {runs} requests/s; the ratios use their mean)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="town,city")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/8")
    )
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    output = ROOT / "bench-results" / "pages.json"
    output.parent.mkdir(exist_ok=True)
    everything = json.loads(output.read_text()) if output.exists() else {}
    for scale in args.scales.split(","):
        results = run_scale(scale, args)
        print_table(scale, results, args.workers, args.connections)
        everything[scale] = {
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "machine": f"{os.cpu_count()} cores",
            "workers": args.workers,
            "connections": args.connections,
            "pages": results,
        }
        output.write_text(json.dumps(everything, indent=2, ensure_ascii=False))
    print(f"\nwritten to {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
