"""PostgreSQL restarted while residents are writing: 503 meanwhile, recovery without a restart
of the site, and no acknowledged write lost.

The site runs in gunicorn (2 processes x 4 threads) with production settings, persistent
connections included, on a PostgreSQL cluster of its own that the test stops with
`pg_ctl stop -m fast` (every session ends at once, in-flight queries fail) and starts again.
"""

import time

import pytest

from tests.factories import PASSWORD
from tests.faults.harness import HttpSession, wait_until
from tests.faults.writes import ProfileUpdateWrite, SignupWrite, WriteLoad

pytestmark = pytest.mark.faults

THREADS = 2  # per kind of write
OUTAGE_SECONDS = 2
# Migrate the new cluster, then create the residents (one Django process for both).
MIGRATE_AND_SEED = f"""
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from tests.factories import ResidentFactory
print(json.dumps([
    ResidentFactory(email=f"faults-resident-{{i}}@example.org").email for i in range({THREADS})
]))
"""


def sessions_opened(pg) -> int:
    with pg.connect() as db:
        return db.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [pg.dbname]
        ).fetchone()[0]


def writes_waiting(pg) -> int:
    with pg.connect() as db:
        return db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            [pg.dbname],
        ).fetchone()[0]


def test_postgres_restart_under_load_answers_503_then_recovers_and_loses_no_acknowledged_write(
    throwaway_postgres, site_process
):
    pg = throwaway_postgres
    site = site_process(
        database_url=pg.url,
        # Redis plays no part here: a local-memory cache, tasks (emails) run in the request.
        extra_env={"FAULTS_UNLIMITED": "true", "CELERY_TASK_ALWAYS_EAGER": "true"},
    )
    phases = {"start": time.monotonic()}
    residents = site.python(MIGRATE_AND_SEED)
    phases["migrate"] = time.monotonic()
    site.start()
    phases["site"] = time.monotonic()
    writes = [ProfileUpdateWrite(residents, PASSWORD), SignupWrite(PASSWORD)]
    load = WriteLoad(site, writes, threads=THREADS)
    sessions_before = sessions_opened(pg)
    load.start()
    try:
        wait_until(
            lambda: load.each_kind_acknowledged(15), timeout=40, what="writes before the outage"
        )
        phases["load"] = time.monotonic()
        # Persistent connections (CONN_MAX_AGE) are in use: at most one per server thread
        # however many requests, so the restarts below kill connections the site will reuse.
        assert sessions_opened(pg) - sessions_before <= site.workers * site.threads + 1

        # Writes in flight when PostgreSQL goes: a transaction of the test's own holds the
        # users' table, so the next writes wait inside PostgreSQL until it stops.
        blocker = pg.connect(autocommit=False)
        blocker.execute("LOCK TABLE citizens_user IN EXCLUSIVE MODE")  # reads still pass
        wait_until(lambda: writes_waiting(pg) >= THREADS, timeout=20, what="writes to wait")
        down_at = time.monotonic()
        pg.stop("fast")
        blocker.close()
        # An outage of a couple of seconds at least, met by many writes.
        wait_until(
            lambda: (
                load.count(lambda a: a.unavailable and a.started > down_at) >= 10 * THREADS
                and time.monotonic() - down_at > OUTAGE_SECONDS
            ),
            timeout=30,
            what="503 answers during the outage",
        )
        visitor = HttpSession(site.url)
        health = visitor.get("/healthz")
        page = visitor.get("/compte/signup/")  # lists the neighbourhoods

        pg.start()
        back_at = time.monotonic()
        wait_until(
            lambda: load.each_kind_acknowledged(3, since=back_at),
            timeout=40,
            what="writes acknowledged again after PostgreSQL came back",
        )

        # A quick restart between two requests: every persistent connection the site holds
        # is now dead, and the next requests must not notice (each is checked before reuse).
        load.hold()
        pg.stop("fast")
        pg.start()
        load.resume()
        quiet_restart_at = time.monotonic()
        wait_until(
            lambda: load.each_kind_acknowledged(3, since=quiet_restart_at),
            timeout=40,
            what="writes after a restart between requests",
        )
    finally:
        attempts = load.stop()

    # During the outage: JSON for monitoring, a French page for people, both with Retry-After.
    assert (health.status, health.json()["checks"]["database"]) == (503, "unavailable")
    assert page.status == 503
    assert page.headers["retry-after"] == "30"
    assert "Service momentanément indisponible" in page.body
    assert "no-store" in page.headers["cache-control"]

    # Never a 500 nor a dropped connection: only successes and 503s.
    unexpected = [str(a) for a in attempts if a.unexpected]
    assert unexpected == []
    unavailable = [a for a in attempts if a.unavailable]
    assert unavailable, "no request met the outage"
    assert {a.retry_after for a in unavailable} == {"30"}
    assert all("Service momentanément indisponible" in a.body for a in unavailable)

    # Recovery by itself: once PostgreSQL accepted connections again, no request failed,
    # after either restart (connections it had killed were checked and replaced, not reused).
    after = [str(a) for a in attempts if a.started >= back_at and not a.acknowledged]
    assert after == []

    # Every write that got its success answer is in the database.
    with pg.connect() as db:
        for write in writes:
            assert write.missing(db, [a for a in attempts if a.kind == write.name]) == []

    in_flight = [a for a in attempts if a.started < down_at < a.finished]
    assert len(in_flight) >= THREADS
    assert not any(a.acknowledged for a in in_flight)  # they were waiting, not committed
    print(
        f"\n{len(attempts)} writes attempted: "
        f"{sum(a.acknowledged for a in attempts)} acknowledged, {len(unavailable)} answered 503 "
        f"({len(in_flight)} in flight when PostgreSQL stopped), none lost; "
        f"outage {back_at - down_at:.1f} s"
    )
    print(" ".join(f"{name} {phases[name] - phases['start']:.1f}s" for name in phases))
    log = site.log_text()
    assert "Database unreachable, answered 503" in log
    assert " 500 " not in log
