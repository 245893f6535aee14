# ruff: noqa: S608 - SQL built from numbers computed here and our own table names only.
"""Generate a believable town in PostgreSQL, for benchmarks (reports, city-scale pages).

    manage.py generate_town --database loos_bench --residents 100000 --years 5 --seed 42 --flush

100,000 residents give 1,000,000 contributions, comments and votes (400k/350k/250k), plus
supports, follows, flags, projects in every status, rounds, syntheses, updates and the
moderation log; `--scale` multiplies the items per resident, explicit counts override.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from devtools.management.bench_db import require_postgres, use_database
from devtools.town_generator import Counts, TownGenerator

# Tables emptied by --flush (CASCADE reaches the rest: flags, citations, snapshots…).
FLUSHED = [
    "citizens_user",
    "citizens_neighbourhood",
    "projects_project",
    "citizens_moderationlog",
    "account_emailaddress",
    "django_session",
    "reports_reportsnapshot",
    "reports_reportexport",
]


class Command(BaseCommand):
    help = "Generate a town of residents, projects, rounds and participation in PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("--database", help="Database name on the same server (created).")
        parser.add_argument("--residents", type=int, default=100_000)
        parser.add_argument("--scale", type=float, default=1.0, help="Items per resident ×.")
        parser.add_argument("--years", type=float, default=5.0)
        parser.add_argument("--seed", type=int, default=42)
        for name in ("contributions", "comments", "votes", "supports", "follows", "projects"):
            parser.add_argument(f"--{name}", type=int, help=f"Exact number of {name}.")
        parser.add_argument(
            "--hot-comments",
            type=int,
            default=0,
            help="Comments on one popular project, on top of the rest (e.g. 2000).",
        )
        parser.add_argument(
            "--hot-contributions",
            type=int,
            default=0,
            help="Contributions (and votes) on one round closing in two days (e.g. 10000).",
        )
        parser.add_argument(
            "--flush", action="store_true", help="Empty the tables first (all their data!)."
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Do nothing if the database already holds a town made with these options.",
        )

    def handle(self, *args, **options):
        require_postgres()
        if options["database"]:
            use_database(options["database"], create=True, migrate=True, stdout=self.stdout)
        if options["residents"] < 10 or options["years"] <= 0:
            raise CommandError("At least 10 residents over a positive number of years.")
        counts = Counts.for_residents(options["residents"], options["scale"])
        for name in ("contributions", "comments", "votes", "supports", "follows", "projects"):
            if options[name] is not None:
                setattr(counts, name, options[name])
        counts.hot_comments = options["hot_comments"]
        counts.hot_contributions = options["hot_contributions"]
        signature = (
            f"generate_town {counts} years={options['years']} seed={options['seed']}"
        ).replace("'", "")
        database = connection.settings_dict["NAME"]
        if options["reuse"] and self._comment(database) == signature:
            self.stdout.write(f"{database} already holds this town; nothing to do.")
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM citizens_user)")
            not_empty = cursor.fetchone()[0]
        if not_empty and not options["flush"]:
            raise CommandError(
                f"{database} already has users: pass --flush to empty it first "
                "(never on a real database)."
            )
        self.stdout.write(f"Generating into {database}: {counts}")
        with transaction.atomic():
            if options["flush"]:
                with connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {', '.join(FLUSHED)} RESTART IDENTITY CASCADE")
            created = TownGenerator(
                counts=counts, years=options["years"], seed=options["seed"], log=self.stdout.write
            ).run()
        with connection.cursor() as cursor:
            # The steady state of a live database (autovacuum has run): statistics and the
            # visibility map that index-only scans rely on. (VACUUM cannot run in a
            # transaction, as in the test suite.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
            cursor.execute(f'COMMENT ON DATABASE "{database}" IS %s', [signature])
        for label, count in created.items():
            self.stdout.write(f"  {label:<36} {count:>10,}".replace(",", " "))

    @staticmethod
    def _comment(database: str) -> str | None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [database],
            )
            row = cursor.fetchone()
        return row[0] if row else None
