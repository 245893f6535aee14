#!/usr/bin/env python3
"""Benchmark of the daily digest: `make bench-digest` (or `python scripts/bench_digest.py -n N`).

Creates a scratch database next to DATABASE_URL's (`<name>_bench_digest`, dropped at the end),
fills it with N residents (10,000 by default) who each had activity yesterday, starts a
throwaway redis-server, a local SMTP sink in its own process and ONE Celery worker process on
the `digests` queue (a pool of 8 threads by default: sending is mostly waiting on PostgreSQL
and SMTP; `--pool solo` runs one task at a time), runs the daily digest fan-out, and prints
digests per second, the worker's CPU per digest and peak memory (VmHWM), and what the SMTP
sink received.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
KINDS = [
    ("project_comment", {"project": "Réaménagement de la place de la République"}),
    ("project_update", {"project": "Jardins partagés de la Cité 5", "title": "Les bacs arrivent"}),
    (
        "consultation_opened",
        {
            "consultation": "Quels jeux pour le square ?",
            "project": "Square Jean-Jaurès",
            "question": "Que voulez-vous pour les enfants du quartier ?",
            "closes_at": "2026-12-20T18:00:00+01:00",
        },
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


# --- The SMTP sink, in its own process ---------------------------------------------------------


def run_sink(
    port: int,
    count,
    recipients_path: str,
    ready,
    message_ids: bool = False,
    host: str = "127.0.0.1",
) -> None:
    """Counts messages; on SIGTERM writes one line per recipient to `recipients_path` (with
    the message's Message-ID after a space when `message_ids`)."""
    from email.parser import BytesHeaderParser

    from aiosmtpd.controller import Controller

    seen: list[str] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            suffix = ""
            if message_ids:
                headers = BytesHeaderParser().parsebytes(envelope.content)
                suffix = f" {headers.get('Message-ID', '')}"
            seen.extend(f"{rcpt}{suffix}" for rcpt in envelope.rcpt_tos)
            with count.get_lock():
                count.value += 1
            return "250 OK"

    controller = Controller(Handler(), hostname=host, port=port)
    controller.start()
    ready.set()

    def stop(*_):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough
        controller.stop()
        Path(recipients_path).write_text("\n".join(seen))
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        signal.pause()


# --- The scratch database ----------------------------------------------------------------------


def bench_database_url(database_url: str) -> tuple[str, str, str]:
    """(bench URL, bench db name, maintenance URL)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") or "loos"
    bench = f"{name}_bench_digest"
    return (
        urlunsplit(parts._replace(path=f"/{bench}")),
        bench,
        urlunsplit(parts._replace(path="/postgres")),
    )


def recreate_database(maintenance_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def populate(residents: int, per_resident: int) -> None:
    """Residents and yesterday's notifications, by bulk inserts."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.core.management import call_command
    from django.utils import timezone

    from citizens.models import Neighbourhood, Notification, User

    call_command("migrate", verbosity=0)
    hoods = [
        Neighbourhood.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in [("centre", "Centre"), ("cite-5", "Cité 5"), ("cite-11", "Cité 11")]
    ]
    started = time.monotonic()
    users = User.objects.bulk_create(
        [
            User(
                email=f"habitant{index}@bench.example.org",
                display_name=f"Habitant {index}",
                password=UNUSABLE_PASSWORD_PREFIX,
                neighbourhood=hoods[index % len(hoods)],
                language="fr" if index % 10 else "en",
            )
            for index in range(residents)
        ],
        batch_size=2000,
    )
    ids = [user.pk for user in users]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    base = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(8)))
    rng = random.Random(42)
    batch: list[Notification] = []
    for user_id in ids:
        for _ in range(per_resident):
            kind, params = rng.choice(KINDS)
            batch.append(
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    actor_id=rng.choice(ids),
                    params=params,
                    url="/projets/place-de-la-republique/",
                    created_at=base + dt.timedelta(minutes=rng.randrange(0, 12 * 60)),
                )
            )
        if len(batch) >= 5000:
            Notification.objects.bulk_create(batch)
            batch = []
    Notification.objects.bulk_create(batch)
    print(
        f"data: {residents} residents, {residents * per_resident} notifications from yesterday "
        f"({time.monotonic() - started:.1f} s of bulk inserts)"
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_delay_seconds(pid: int) -> float:
    """Time the process's threads spent ready to run but waiting for a CPU held by others."""
    return sum(
        int((task / "schedstat").read_text().split()[1]) / 1e9
        for task in Path(f"/proc/{pid}/task").iterdir()
    )


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--residents", type=int, default=10_000)
    parser.add_argument("--per-resident", type=int, default=3, help="notifications each")
    parser.add_argument(
        "--pool",
        default="threads",
        choices=["solo", "threads"],
        help="the worker's pool: solo (one task at a time) or threads (still one process)",
    )
    parser.add_argument("--concurrency", type=int, default=8, help="threads of the pool")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("bench-digest: set DATABASE_URL to a PostgreSQL server (make bench-digest does)")
    redis_server = shutil.which("redis-server")
    if not redis_server:
        sys.exit("bench-digest: redis-server is missing: apt-get install redis-server")
    bench_url, bench_name, maintenance_url = bench_database_url(database_url)

    redis_port, smtp_port = free_port(), free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "loos.settings.production",
        "SECRET_KEY": secrets.token_hex(32),
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": bench_url,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))

    workdir = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    processes: list[subprocess.Popen] = []
    sink = None
    recreate_database(maintenance_url, bench_name)
    try:
        import django

        django.setup()
        populate(args.residents, args.per_resident)

        processes.append(
            subprocess.Popen(
                [redis_server, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""]
                + ["--appendonly", "no", "--loglevel", "warning"],
                stdout=subprocess.DEVNULL,
            )
        )
        wait_port(redis_port)

        count = multiprocessing.Value("l", 0)
        ready = multiprocessing.Event()
        recipients_path = str(workdir / "recipients.txt")
        sink = multiprocessing.Process(
            target=run_sink, args=(smtp_port, count, recipients_path, ready), daemon=True
        )
        sink.start()
        ready.wait(10)

        log = workdir / "worker.log"
        worker = subprocess.Popen(
            [sys.executable]
            + (
                ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]]
                if "BENCH_PROFILE" in os.environ
                else []
            )
            + ["-m", "celery", "-A", "loos", "worker", f"--pool={args.pool}"]
            + [
                f"--concurrency={1 if args.pool == 'solo' else args.concurrency}",
                "-Q",
                "digests",
                "--without-gossip",
                "--without-mingle",
            ]
            + ["--without-heartbeat", "--loglevel=warning"],
            cwd=ROOT,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        processes.append(worker)
        from loos.celery import app

        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5) and time.monotonic() < deadline:
            if worker.poll() is not None:
                sys.exit(f"worker exited early:\n{log.read_text()}")
        # The worker replies to pings once it consumes: the clock starts at the fan-out.
        from citizens.models import EmailDelivery
        from citizens.tasks import digests_fan_out

        cpu_before = cpu_seconds(worker.pid)
        delay_before = run_delay_seconds(worker.pid)
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        digests_fan_out.delay(frequency="daily")
        last_report = started
        while count.value < args.residents:
            time.sleep(0.05)
            if worker.poll() is not None:
                sys.exit(f"worker died:\n{log.read_text()[-3000:]}")
            if time.monotonic() - last_report > 10:
                last_report = time.monotonic()
                print(f"  … {count.value} digests after {last_report - started:.0f} s")
            if time.monotonic() - started > 1800:
                sys.exit("bench-digest: not finished after 30 minutes")
        elapsed = time.monotonic() - started
        time.sleep(1)  # anything sent twice would arrive now
        rss = peak_rss_mb(worker.pid)
        cpu = cpu_seconds(worker.pid) - cpu_before
        delay = run_delay_seconds(worker.pid) - delay_before
        sink_cpu = cpu_seconds(sink.pid)
        redis_cpu = cpu_seconds(processes[0].pid)
        sent = EmailDelivery.objects.filter(status="sent").count()
        worker.terminate()
        worker.wait(30)
        os.kill(sink.pid, signal.SIGTERM)
        sink.join(10)
        recipients = Path(recipients_path).read_text().split("\n")

        rate = args.residents / elapsed
        print(f"daily digest: {args.residents} digests in {elapsed:.1f} s")
        pool = "solo pool" if args.pool == "solo" else f"a pool of {args.concurrency} threads"
        # (one process either way: threads share it)
        print(f"throughput:   {rate:.0f} digests/s with one worker process ({pool})")
        per = 1000 / args.residents
        print(
            f"CPU per digest: worker {cpu * per:.2f} ms, SMTP sink {sink_cpu * per:.2f} ms, "
            f"Redis {redis_cpu * per:.2f} ms"
        )
        print(
            f"machine: {os.cpu_count()} CPUs, load average {load_before:.1f} at the start; the "
            f"worker waited {delay:.1f} s for a CPU held by other processes"
        )
        print(f"worker peak RSS (VmHWM): {rss:.0f} MB")
        print(
            f"SMTP sink:    {len(recipients)} messages, {len(set(recipients))} distinct "
            f"recipients; {sent} delivery rows marked sent"
        )
        problems = [
            line
            for line in log.read_text().splitlines()
            if "ERROR" in line or "Traceback" in line or "WARNING" in line
        ]
        if problems:
            print("worker log warnings/errors:\n  " + "\n  ".join(problems[:20]))
        if len(recipients) != args.residents or len(set(recipients)) != args.residents:
            sys.exit("bench-digest: the sink did not receive exactly one digest per resident")
        if rate < 200:
            print("bench-digest: below the target of 200 digests/s")
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if sink is not None and sink.is_alive():
            sink.kill()
        from django.db import connections

        connections.close_all()
        recreate_database(maintenance_url, bench_name, drop_only=True)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
