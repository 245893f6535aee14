"""Time the participation report on a generated town (see generate_town and `make bench-report`).

manage.py bench_report --database loos_bench_reports [--repeat 3] [--explain 3]
"""

import json
import os
import statistics
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from citizens.models import MAYORS_OFFICE, User
from consultations.models import Consultation
from devtools.management.bench_db import require_postgres, use_database
from projects.models import Project
from reports.periods import STANDARD_PRESETS
from reports.scopes import CONSULTATION, NEIGHBOURHOOD, PROJECT, TOWN, Scope
from reports.selectors import period_for_preset, report_compute, report_story
from reports.selectors.figures import tune_session
from reports.services import report_snapshot_refresh

TARGET_SECONDS = 2.0
TABLES = [
    "citizens_user",
    "consultations_contribution",
    "projects_comment",
    "consultations_vote",
    "projects_support",
    "projects_follow",
    "moderation_flag",
    "projects_project",
    "consultations_consultation",
    "projects_statuschange",
    "projects_projectupdate",
    "citizens_moderationlog",
]


class Command(BaseCommand):
    help = "Time the town-wide and one-project participation reports, with their query counts."

    def add_arguments(self, parser):
        parser.add_argument("--database", help="Database name on the same server.")
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument(
            "--explain", type=int, default=0, help="EXPLAIN ANALYZE the N slowest queries."
        )
        parser.add_argument("--output", help="Also write the figures as JSON to this file.")

    def handle(self, *args, **options):
        require_postgres()
        if options["database"]:
            use_database(options["database"], create=False, migrate=False)
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        self.stdout.write(
            f"Database {connection.settings_dict['NAME']} ({os.cpu_count()} CPUs, "
            f"load average {load}):"
        )
        sizes = self._sizes()
        for table, rows in sizes.items():
            self.stdout.write(f"  {table:<30} {rows:>12,}".replace(",", " "))

        busiest = (
            Project.objects.annotate(n=Count("consultations__contributions")).order_by("-n").first()
        )
        busiest_round = (
            Consultation.objects.annotate(n=Count("contributions")).order_by("-n").first()
        )
        hood = busiest.neighbourhood
        cases = [(f"town-wide, {preset}", Scope(TOWN), preset) for preset in STANDARD_PRESETS]
        cases += [
            (f"one project ({busiest.slug}), tout", Scope(PROJECT, busiest), "tout"),
            (f"one round ({busiest_round.slug}), tout", Scope(CONSULTATION, busiest_round), "tout"),
        ]
        if hood is not None:
            cases.append(
                (f"one neighbourhood ({hood.slug}), tout", Scope(NEIGHBOURHOOD, hood), "tout")
            )

        results, slow = [], []
        self.stdout.write(
            f"\nReport computation ({options['repeat']} runs each; best / median, query groups "
            "run concurrently; then the same on one connection):"
        )
        for label, scope, preset in cases:
            period = period_for_preset(preset)
            # One run on this connection alone, to count (and EXPLAIN) every query, with the
            # CPU time PostgreSQL spent on it (what the load of the machine does not change)…
            with CaptureQueriesContext(connection) as captured:
                cpu_before = self._backend_cpu()
                started = time.perf_counter()
                report_compute(scope=scope, period=period, concurrent=False)
                sequential = time.perf_counter() - started
                cpu = self._backend_cpu() - cpu_before if cpu_before is not None else None
            queries = len(captured.captured_queries)
            slow.extend((float(q["time"]), q["sql"]) for q in captured.captured_queries)
            # …then as the page and the tasks run it: its groups of queries side by side.
            timings = []
            for _run in range(options["repeat"]):
                started = time.perf_counter()
                report_compute(scope=scope, period=period)
                timings.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as story_queries:
                started = time.perf_counter()
                story = report_story(scope=scope, period=period)
                story_seconds = time.perf_counter() - started
            row = {
                "case": label,
                "period": f"{period.start} → {period.end}",
                "best_s": round(min(timings), 3),
                "median_s": round(statistics.median(timings), 3),
                "queries": queries,
                "sequential_s": round(sequential, 3),
                "postgres_cpu_s": None if cpu is None else round(cpu, 2),
                "story_s": round(story_seconds, 3),
                "story_queries": len(story_queries.captured_queries),
                "story_entries": story["total"],
            }
            results.append(row)
            flag = "" if not label.startswith("town") or row["best_s"] < TARGET_SECONDS else "  (!)"
            cpu_text = "" if cpu is None else f", PostgreSQL CPU {cpu:4.2f} s"
            self.stdout.write(
                f"  {label:<44} {row['best_s']:6.3f} / {row['median_s']:6.3f} s "
                f"(one connection {sequential:5.3f} s{cpu_text}) {queries:3d} queries · "
                f"story {row['story_s']:.3f} s, {row['story_queries']} queries{flag}"
            )

        self.stdout.write("\nBeat precomputation and the page:")
        started = time.perf_counter()
        for preset in STANDARD_PRESETS:
            report_snapshot_refresh(preset=preset)
        precompute = time.perf_counter() - started
        self.stdout.write(f"  4 town-wide snapshots computed in {precompute:.2f} s")
        page = self._page_timings(busiest)
        for label, (seconds, queries) in page.items():
            self.stdout.write(f"  GET {label:<44} {seconds:6.3f} s {queries:3d} queries")

        if options["explain"]:
            self._explain(slow, options["explain"])
        if options["output"]:
            Path(options["output"]).write_text(
                json.dumps(
                    {
                        "cpus": os.cpu_count(),
                        "load_average_at_end": os.getloadavg(),
                        "sizes": sizes,
                        "reports": results,
                        "precompute_s": round(precompute, 2),
                        "pages": {
                            k: {"seconds": round(v[0], 3), "queries": v[1]} for k, v in page.items()
                        },
                    },
                    indent=2,
                    ensure_ascii=False,
                )
            )
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        self.stdout.write(f"\nLoad average at the end: {load}")
        worst = max(r["best_s"] for r in results if r["case"].startswith("town"))
        verdict = "OK" if worst < TARGET_SECONDS else "ABOVE TARGET"
        self.stdout.write(
            f"\nSlowest town-wide report: {worst:.3f} s (target {TARGET_SECONDS:.0f} s): {verdict}"
        )

    @staticmethod
    def _backend_cpu() -> float | None:
        """CPU seconds used so far by this connection's PostgreSQL process (local server)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _sizes(self) -> dict:
        sizes = {}
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our table names
                sizes[table] = cursor.fetchone()[0]
        return sizes

    def _page_timings(self, project) -> dict:
        user = User.objects.filter(groups__name=MAYORS_OFFICE).first()
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        timings = {}
        for label, params in (
            ("/rapports/?periode=tout (snapshot)", {"periode": "tout"}),
            ("/rapports/?periode=30j (snapshot)", {"periode": "30j"}),
            (
                "/rapports/ one project, tout (live)",
                {"periode": "tout", "perimetre": f"projet:{project.slug}"},
            ),
        ):
            client.get("/rapports/", params)  # draws and caches the charts
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get("/rapports/", params)
                seconds = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            timings[label] = (seconds, len(captured.captured_queries))
        return timings

    def _explain(self, slow, count: int) -> None:
        seen, picked = set(), []
        for seconds, sql in sorted(slow, reverse=True):
            if sql not in seen:
                seen.add(sql)
                picked.append((seconds, sql))
            if len(picked) == count:
                break
        for seconds, sql in picked:
            self.stdout.write(f"\n--- {seconds:.3f} s\n{sql[:600]}\n")
            # With the session settings the report uses (work_mem, no JIT).
            with transaction.atomic(), connection.cursor() as cursor:
                tune_session()
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                for (line,) in cursor.fetchall():
                    self.stdout.write(f"    {line}")
