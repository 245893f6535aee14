#!/usr/bin/env python3
"""`make bench-rush`: a round's closing rush against the production stack.

300 simulated residents (threads, one HTTP session each, each behind its own client address
as a reverse proxy would report it) log in, read the round, contribute and vote — changing
their vote now and then — during the last minutes of a round, for 60 seconds. Prints
requests per second, p95 latency, errors (anything but deliberate 429s), and checks that
every accepted contribution and the last accepted vote of each resident are in the database
exactly once: nothing lost, nothing doubled.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import http.cookiejar
import json
import os
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pages import PY, ROOT, base_env, free_port, probe, sh  # noqa: E402

PASSWORD = "rush-password-2026"  # noqa: S105 - benchmark accounts in a throwaway database
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

SETUP = r"""
import json
from datetime import timedelta
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from citizens.models import User
from consultations.models import Consultation, Option, Contribution, Vote
from projects.models import Project
n = int(RESIDENTS)
User.objects.filter(email__endswith="@rush.example").delete()
Project.objects.filter(slug="rush-project").delete()
hashed = make_password(PASSWORD)
users = User.objects.bulk_create(
    User(email=f"rush{i}@rush.example", display_name=f"Habitant {i}", password=hashed)
    for i in range(n)
)
EmailAddress.objects.bulk_create(
    EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
)
project = Project.objects.create(
    title="Place du marché", slug="rush-project", summary="Closing rush", category="public_spaces"
)
now = timezone.now()
round_ = Consultation.objects.create(
    project=project, title="Dernières minutes", slug="rush-round", question="Quel aménagement ?",
    opens_at=now - timedelta(days=20), closes_at=now + timedelta(seconds=int(CLOSE_IN)),
)
options = [Option.objects.create(consultation=round_, label=label, position=i)
           for i, label in enumerate(["Arbres", "Bancs", "Jeux"])]
print(json.dumps({"slug": round_.slug, "options": [o.pk for o in options],
                  "emails": [u.email for u in users]}))
"""

CHECK = r"""
import json
from collections import Counter
from consultations.models import Consultation, Contribution, Vote, Option
round_ = Consultation.objects.get(slug="rush-round")
bodies = list(Contribution.objects.filter(consultation=round_).values_list("body", flat=True))
votes = {v["user__email"]: v["option_id"] for v in
         Vote.objects.filter(consultation=round_).values("user__email", "option_id")}
print(json.dumps({
    "bodies": bodies, "votes": votes,
    "vote_count": round_.vote_count,
    "option_counts": {str(o.pk): o.vote_count for o in Option.objects.filter(consultation=round_)},
    "contribution_count": round_.contribution_count,
}))
"""


class SourceAddressHandler(urllib.request.HTTPHandler):
    """Connects from a given local address (127.0.x.y): a client of its own for a proxy."""

    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        connection = functools.partial(http.client.HTTPConnection, source_address=(self.address, 0))
        return self.do_open(connection, req)


class Resident(threading.Thread):
    def __init__(
        self, index, email, args, base, slug, options, deadline, stats, via_proxy=False, source=""
    ):
        super().__init__(daemon=True)
        self.index, self.email, self.args, self.base = index, email, args, base
        self.slug, self.options, self.deadline, self.stats = slug, options, deadline, stats
        self.jar = http.cookiejar.CookieJar()
        handlers = [urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()]
        if via_proxy:
            # Behind nginx, which writes X-Forwarded-For itself: each resident connects from
            # a loopback address of its own (or `source`, given by the caller).
            self.ip = source or f"127.0.{index // 250 + 1}.{index % 250 + 1}"
            self.headers = {}
            handlers.append(SourceAddressHandler(self.ip))
        else:
            self.ip = f"198.18.{index // 250}.{index % 250 + 1}"  # benchmark range, never used
            self.headers = {"X-Forwarded-For": self.ip}
        self.opener = urllib.request.build_opener(*handlers)
        self.accepted_bodies: list[str] = []
        self.last_vote: int | None = None

    def request(self, method, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(  # noqa: S310 - loopback http only
            self.base + path,
            data=body,
            method=method,
            headers={**self.headers, "Referer": self.base + path},
        )
        started = self.stats.begin()
        try:
            with self.opener.open(req, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
        except OSError as exc:
            status, text = 0, str(exc)
        self.stats.record(time.perf_counter() - started, status, method, path)
        return status, text

    def csrf(self, path):
        status, text = self.request("GET", path)
        match = CSRF.search(text)
        return match.group(1) if match else ""

    def run(self):
        token = self.csrf("/compte/login/")
        status, _ = self.request(
            "POST",
            "/compte/login/",
            {"csrfmiddlewaretoken": token, "login": self.email, "password": PASSWORD},
        )
        if status != 302:
            return
        round_path = f"/consultations/{self.slug}/"
        n = 0
        while time.monotonic() < self.deadline:
            token = self.csrf(round_path)
            action = random.random()
            if action < 0.45:
                n += 1
                body = f"Contribution {self.index}-{n} {secrets.token_hex(4)} pour la place."
                status, _ = self.request(
                    "POST", round_path + "contribuer/", {"csrfmiddlewaretoken": token, "body": body}
                )
                if status == 302:
                    self.accepted_bodies.append(body)
            elif action < 0.9:
                option = random.choice(self.options)
                status, _ = self.request(
                    "POST", round_path + "voter/", {"csrfmiddlewaretoken": token, "option": option}
                )
                if status == 302:
                    self.last_vote = option
            time.sleep(random.uniform(0.5, 2.5) * self.args.think)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter = Counter()
        self.errors: list[str] = []
        self.in_flight = 0

    def begin(self) -> float:
        with self.lock:
            self.in_flight += 1
        return time.perf_counter()

    def record(self, seconds, status, method, path):
        with self.lock:
            self.in_flight -= 1
            self.latencies.append(seconds)
            self.statuses[status] += 1
            if status not in (200, 302, 429):
                self.errors.append(f"{status} {method} {path}")


def prepare_round(env: dict, *, residents: int, seconds: int) -> dict:
    """Migrated database (env's DATABASE_URL): `residents` accounts and a round closing after
    the rush. Returns the round's slug, its options and the residents' emails."""
    sh(PY, "manage.py", "migrate", "--noinput", "-v", "0", env=env)
    code = (
        SETUP.replace("RESIDENTS", str(residents))
        .replace("CLOSE_IN", str(seconds + 120))
        .replace("PASSWORD)", f"{PASSWORD!r})")
    )
    return json.loads(
        sh(PY, "manage.py", "shell", "-v", "0", "-c", code, env=env, capture_output=True)
        .stdout.strip()
        .splitlines()[-1]
    )


def run_rush(base: str, setup: dict, args, *, via_proxy=False, events=(), stats=None, sources=()):
    """The residents' rush against `base`. `events`: (seconds after the start, callable) run
    from this thread meanwhile (e.g. killing a web node). `sources`: the client addresses
    (via_proxy), shared in turn when there are fewer than residents; none: one loopback
    address each. Returns (residents, stats, elapsed)."""
    stats = stats or Stats()
    started = time.monotonic()
    deadline = started + args.seconds
    residents = [
        Resident(
            i,
            email,
            args,
            base,
            setup["slug"],
            setup["options"],
            deadline,
            stats,
            via_proxy,
            sources[i % len(sources)] if sources else "",
        )  # fmt: skip
        for i, email in enumerate(setup["emails"])
    ]
    pending = sorted(events, key=lambda event: event[0])
    for resident in residents:
        resident.start()
        time.sleep(args.seconds / 10 / len(residents))  # arrivals spread over 10 % of the run
    for at, action in pending:
        time.sleep(max(0.0, started + at - time.monotonic()))
        action()
    for resident in residents:
        resident.join(args.seconds + 60)
    return residents, stats, time.monotonic() - started


def check_round(env: dict, residents, stats, elapsed: float, args) -> dict:
    """What the database holds against what the residents were told was accepted."""
    check = json.loads(
        sh(PY, "manage.py", "shell", "-v", "0", "-c", CHECK, env=env, capture_output=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    accepted = [body for r in residents for body in r.accepted_bodies]
    in_db = Counter(check["bodies"])
    lost = [b for b in accepted if in_db[b] == 0]
    doubled = [b for b, n in in_db.items() if n > 1]
    unexpected = [b for b in in_db if b not in set(accepted)]
    expected_votes = {r.email: r.last_vote for r in residents if r.last_vote is not None}
    wrong_votes = {e: o for e, o in expected_votes.items() if check["votes"].get(e) != o}
    counts_ok = check["vote_count"] == len(check["votes"]) == sum(check["option_counts"].values())
    latencies = sorted(stats.latencies)
    p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000 if latencies else 0
    total = sum(stats.statuses.values())
    return {
        "residents": args.residents,
        "seconds": round(elapsed, 1),
        "requests": total,
        "rps": round(total / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0,
        "p95_ms": round(p95, 1),
        "statuses": dict(stats.statuses),
        "errors": len(stats.errors),
        "deliberate_429": stats.statuses.get(429, 0),
        "contributions_accepted": len(accepted),
        "contributions_in_db": sum(in_db.values()),
        "lost": len(lost),
        "doubled": len(doubled),
        "unexpected": len(unexpected),
        "votes_expected": len(expected_votes),
        "votes_wrong": len(wrong_votes),
        "counters_consistent": counts_ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=1.0, help="think-time multiplier")
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    )
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/8")
    )
    args = parser.parse_args()

    import psycopg

    db = "loos_bench_rush"
    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db}"')
    env = base_env(f"{args.pg}/{db}", args.redis)
    env["TRUSTED_PROXY_COUNT"] = "1"
    setup = prepare_round(env, residents=args.residents, seconds=args.seconds)
    static_root = tempfile.mkdtemp(prefix="loos-static-")
    env["STATIC_ROOT"] = static_root
    sh(PY, "manage.py", "collectstatic", "--noinput", "-v", "0", env=env)
    port = free_port()
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "loos.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                probe(base + "/healthz", None)
                break
            except OSError:
                time.sleep(0.2)
        residents, stats, elapsed = run_rush(base, setup, args)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)

    report = check_round(env, residents, stats, elapsed, args)
    print(json.dumps(report, indent=2))
    out = ROOT / "bench-results" / "rush.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    ok = not stats.errors and not any(report[k] for k in ("lost", "doubled", "unexpected"))
    if not (ok and not report["votes_wrong"] and report["counters_consistent"]):
        print("FAILED: errors other than 429, or lost/doubled writes", stats.errors[:10])
        sys.exit(1)
    print("closing rush: no error other than deliberate 429s, nothing lost, nothing doubled")


if __name__ == "__main__":
    main()
