# ruff: noqa: S608 - SQL built from numbers computed here and our own table names only.
"""A believable town, generated inside PostgreSQL for benchmarks (see `manage.py generate_town`).

Every big table is filled by one `INSERT … SELECT … FROM generate_series()` computed by the
server, so a town of 100,000 residents and a million contributions, comments and votes takes a
minute or two, not hours. `setseed()` plus serial plans make the same seed give the same town.

Time runs from `now - years` to now. Residents join over that span (a few more early on); a
resident only acts after joining. Projects move through their lifecycle at a pace set by their
age (with its StatusChange rows), rounds open when a project reaches "in consultation", and
contributions, votes, comments, supports, follows, flags, answers, outcomes, syntheses, updates
citing what residents said, and moderation decisions follow from there.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone

from citizens import town
from citizens.models import MAYORS_OFFICE, MUNICIPAL_TEAM, Neighbourhood, User
from consultations.models import Consultation, Contribution, Option, Synthesis, Vote
from moderation.models import Flag, ModerationLog
from projects.models import (
    Comment,
    Follow,
    Project,
    ProjectUpdate,
    StatusChange,
    Support,
)

BENCH_EMAIL_DOMAIN = "bench.loos.invalid"
NEIGHBOURHOOD_NAMES = [name for name, _slug, _population in town.NEIGHBOURHOODS]
LIFECYCLE = ["proposed", "under_study", "in_consultation", "decided", "in_progress", "completed"]


@dataclass
class Counts:
    """How much of everything; `for_residents` scales a town of 100,000 to 1,000,000 items."""

    residents: int
    contributions: int
    comments: int
    votes: int
    supports: int
    follows: int
    projects: int
    neighbourhoods: int
    team: int
    # One popular project and one round closing under a rush (see _hot_spots): how many
    # comments and contributions they get on top of the rest.
    hot_comments: int = 0
    hot_contributions: int = 0

    @classmethod
    def for_residents(cls, residents: int, scale: float = 1.0) -> Counts:
        per = residents / 100_000 * scale
        return cls(
            residents=residents,
            contributions=int(400_000 * per),
            comments=int(350_000 * per),
            votes=int(250_000 * per),
            supports=int(300_000 * per),
            follows=int(150_000 * per),
            projects=max(30, residents // 125),
            neighbourhoods=max(6, min(40, residents // 5_000)),
            team=max(3, residents // 5_000),
        )


@dataclass
class TownGenerator:
    counts: Counts
    years: float
    seed: int
    log: callable = print
    now: dt.datetime = field(default_factory=timezone.now)
    created: dict = field(default_factory=dict)

    def run(self) -> dict:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            self.cursor = cursor
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SELECT setseed(%s)", [(self.seed % 2_000_000) / 2_000_000])
            # The log of content changes for the page caches (pagecache) would double
            # every insert: not written while the town is made (this transaction only). The
            # town's pages start at version 0.
            cursor.execute("SET LOCAL loos.skip_content_log = 'on'")
            self._constants()
            for step in (
                self._neighbourhoods,
                self._residents,
                self._staff,
                self._projects,
                self._status_changes,
                self._rounds,
                self._options,
                self._contributions,
                self._votes,
                self._comments,
                self._hot_spots,
                self._supports_and_follows,
                self._flags,
                self._syntheses,
                self._updates,
                self._moderation_log,
                self._counters,
                self._notifications,
                self._email_addresses,
            ):
                step_started = time.perf_counter()
                step()
                self.log(
                    f"  {step.__name__.strip('_'):<22} {time.perf_counter() - step_started:6.1f} s"
                )
            cursor.execute("SET LOCAL loos.skip_content_log = 'off'")
        self.created["seconds"] = round(time.perf_counter() - started, 1)
        return self.created

    # --- helpers ---------------------------------------------------------------------------

    def _exec(self, sql: str, params=()) -> int:
        self.cursor.execute(sql, params)
        return self.cursor.rowcount

    def _scalar(self, sql: str, params=()):
        self.cursor.execute(sql, params)
        return self.cursor.fetchone()[0]

    def _insert(self, model, columns: dict[str, str], source: str, *, conflict=False) -> int:
        """INSERT … SELECT with the given column expressions; other NOT NULL columns get their
        Django default, so a field added later does not break the generator."""
        names, expressions, params = list(columns), list(columns.values()), []
        for model_field in model._meta.concrete_fields:
            column = model_field.column
            if column in columns or model_field.primary_key:
                continue
            if model_field.null:
                continue
            value = model_field.get_default()
            if value is None and isinstance(model_field, models.DateTimeField):
                value = self.now
            if value is None:
                raise ValueError(f"generate_town cannot fill {model.__name__}.{model_field.name}")
            names.append(column)
            expressions.append("%s")
            params.append(model_field.get_db_prep_save(value, connection))
        quoted = ", ".join(connection.ops.quote_name(name) for name in names)
        sql = (
            f"INSERT INTO {model._meta.db_table} ({quoted}) "
            f"SELECT {', '.join(expressions)} {source}"
        )
        if conflict:
            sql += " ON CONFLICT DO NOTHING"
        count = self._exec(sql, params)
        self.created[model._meta.label] = self.created.get(model._meta.label, 0) + count
        return count

    def _id_range(self, model, where: str = "TRUE") -> tuple[int, int]:
        self.cursor.execute(f"SELECT min(id), max(id) FROM {model._meta.db_table} WHERE {where}")
        return self.cursor.fetchone()

    # --- steps -----------------------------------------------------------------------------

    def _constants(self) -> None:
        span = self.years * 365.25 * 86400
        self._exec("DROP TABLE IF EXISTS bench_const")
        self._exec(
            "CREATE TEMP TABLE bench_const AS SELECT %s::timestamptz AS now, "
            "%s::timestamptz AS t0, %s::double precision AS span",
            [self.now, self.now - dt.timedelta(seconds=span), span],
        )

    def _neighbourhoods(self) -> None:
        count = self.counts.neighbourhoods
        names = [
            NEIGHBOURHOOD_NAMES[i] if i < len(NEIGHBOURHOOD_NAMES) else f"Quartier {i + 1}"
            for i in range(count)
        ]
        # Populations follow the skew of where residents live (see _residents), plus the
        # people who never open an account.
        weights = [((i + 1) / count) ** (1 / 1.4) - (i / count) ** (1 / 1.4) for i in range(count)]
        Neighbourhood.objects.bulk_create(
            Neighbourhood(
                name=name,
                slug=f"bench-{i + 1}",
                population=int(self.counts.residents * 1.6 * weight),
            )
            for i, (name, weight) in enumerate(zip(names, weights, strict=True))
        )
        self.hoods = self._id_range(Neighbourhood, "slug LIKE 'bench-%%'")
        self.created["citizens.Neighbourhood"] = count

    def _residents(self) -> None:
        n = self.counts.residents
        hood_min, hood_max = self.hoods
        hoods = hood_max - hood_min + 1
        self._insert(
            User,
            {
                "password": "'!'",
                "email": f"'habitant' || g || '@{BENCH_EMAIL_DOMAIN}'",
                "display_name": "'Habitant ' || g",
                "neighbourhood_id": (
                    f"CASE WHEN random() < 0.08 THEN NULL "
                    f"ELSE {hood_min} + floor({hoods} * power(random(), 1.4))::bigint END"
                ),
                "language": "'fr'",
                "is_staff": "false",
                "is_superuser": "false",
                "is_active": "true",
                "date_joined": f"k.t0 + k.span * power(g::float / {n}, 1.1) * interval '1 second'",
            },
            f"FROM generate_series(1, {n}) g CROSS JOIN bench_const k ORDER BY g",
        )
        first, last = self._id_range(User, f"email LIKE '%%@{BENCH_EMAIL_DOMAIN}'")
        if last - first + 1 != n:
            raise RuntimeError("Resident ids are not contiguous; run on an empty database.")
        self.resident_first = first
        # A resident who had joined by time t, picked with r in [0, 1). Constants are inlined
        # (no table read) so that PostgreSQL inlines the function into each INSERT.
        t0 = self.now - dt.timedelta(days=365.25 * self.years)
        span = self.years * 365.25 * 86400
        self._exec(
            f"""
            CREATE OR REPLACE FUNCTION pg_temp.resident(t timestamptz, r double precision)
            RETURNS bigint LANGUAGE sql STABLE AS $$
              SELECT {first}::bigint + floor(r * greatest(1.0, {n} * power(
                greatest(0.0, least(1.0, extract(epoch FROM (t - '{t0.isoformat()}'::timestamptz))
                / {span})), 1 / 1.1
              )))::bigint
            $$
            """
        )

    def _staff(self) -> None:
        team = Group.objects.get(name=MUNICIPAL_TEAM)
        office = Group.objects.get(name=MAYORS_OFFICE)
        start = self.now - dt.timedelta(days=365.25 * self.years)
        members = []
        for i in range(self.counts.team):
            user = User.objects.create_user(
                email=f"equipe{i + 1}@{BENCH_EMAIL_DOMAIN}",
                display_name=f"Équipe municipale {i + 1}",
                is_staff=True,
                date_joined=start,
            )
            user.groups.add(team)
            members.append(user.pk)
        for i in range(2):
            User.objects.create_user(
                email=f"cabinet{i + 1}@{BENCH_EMAIL_DOMAIN}",
                display_name=f"Cabinet du maire {i + 1}",
                date_joined=start,
            ).groups.add(office)
        self.team = (min(members), len(members))
        self._exec(
            f"""
            CREATE OR REPLACE FUNCTION pg_temp.team(r double precision)
            RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
              SELECT {self.team[0]}::bigint + floor(r * {self.team[1]})::bigint
            $$
            """
        )
        self.created["citizens.User (staff)"] = self.counts.team + 2

    def _projects(self) -> None:
        p = self.counts.projects
        hood_min, hood_max = self.hoods
        hoods = hood_max - hood_min + 1
        # The plan of every project: when it starts, how far it went, its pace.
        self._exec("DROP TABLE IF EXISTS bench_project")
        self._exec(
            f"""
            CREATE TEMP TABLE bench_project AS
            SELECT rn, created_at, stage, declined, resident, hood,
                   least((k.now - created_at) / (steps + 2), interval '75 days') AS step,
                   steps
            FROM (
              SELECT rn, created_at, stage, declined, resident, hood,
                     CASE WHEN declined THEN 2 ELSE stage END AS steps
              FROM (
                SELECT g AS rn,
                       k.t0 + (0.02 + 0.975 * random()) * k.span * interval '1 second'
                         AS created_at,
                       random() AS r_stage, random() < 0.12 AS maybe_declined,
                       random() < 0.35 AS resident,
                       CASE WHEN random() < 0.1 THEN NULL
                            ELSE {hood_min} + floor(random() * {hoods})::bigint END AS hood
                FROM generate_series(1, {p}) g CROSS JOIN bench_const k
              ) raw CROSS JOIN bench_const k
              CROSS JOIN LATERAL (
                SELECT least(5, floor(r_stage * (1.5 + 6 * extract(epoch FROM k.now - created_at)
                       / k.span)))::int AS stage
              ) s
              CROSS JOIN LATERAL (SELECT maybe_declined AND stage >= 1 AS declined) d
            ) planned CROSS JOIN bench_const k
            """
        )
        lifecycle = "ARRAY[" + ", ".join(f"'{s}'" for s in LIFECYCLE) + "]"
        categories = (
            "ARRAY['roads', 'public_spaces', 'culture', 'environment', 'solidarity', 'other']"
        )
        what = (
            "ARRAY['Réaménagement', 'Rénovation', 'Végétalisation', 'Création', "
            "'Sécurisation', 'Embellissement', 'Éclairage', 'Animation']"
        )
        where = (
            "ARRAY['de la rue Jean-Jaurès', 'du parc', 'de la place de la mairie', "
            "'des abords de l''école', 'du terril', 'de la salle des fêtes', "
            "'du chemin vert', 'de la cité minière', 'du marché', 'du city-stade']"
        )
        self._insert(
            Project,
            {
                "title": f"({what})[1 + floor(random() * 8)::int] || ' ' || "
                f"({where})[1 + floor(random() * 10)::int] || ' (' || b.rn || ')'",
                "slug": "'bench-projet-' || b.rn",
                "summary": "'Un projet co-construit avec les habitants du quartier.'",
                "body": "'Le projet **concerne** les abords, la circulation et les usages. "
                "Il a été discuté en réunion publique puis en ligne.'",
                "category": f"({categories})[1 + floor(random() * 6)::int]",
                "neighbourhood_id": "b.hood",
                "origin": "CASE WHEN b.resident THEN 'resident' ELSE 'municipal' END",
                "status": (
                    f"CASE WHEN b.declined THEN 'declined' ELSE ({lifecycle})[b.stage + 1] END"
                ),
                "author_id": "CASE WHEN b.resident THEN pg_temp.resident(b.created_at, random()) "
                "ELSE pg_temp.team(random()) END",
                "is_hidden": "false",
                "created_at": "b.created_at",
                "updated_at": "b.created_at + b.steps * b.step",
                "status_changed_at": "b.created_at + b.steps * b.step",
            },
            "FROM bench_project b ORDER BY b.rn",
        )
        first, last = self._id_range(Project, "slug LIKE 'bench-projet-%%'")
        if last - first + 1 != p:
            raise RuntimeError("Project ids are not contiguous; run on an empty database.")
        self._exec("ALTER TABLE bench_project ADD COLUMN id bigint")
        self._exec("UPDATE bench_project SET id = %s + rn - 1", [first])
        self.project_first = first

    def _status_changes(self) -> None:
        lifecycle = "ARRAY[" + ", ".join(f"'{s}'" for s in LIFECYCLE) + "]"
        self._insert(
            StatusChange,
            {
                "project_id": "b.id",
                "from_status": f"({lifecycle})[s]",
                "to_status": f"CASE WHEN b.declined AND s = 2 THEN 'declined' "
                f"ELSE ({lifecycle})[s + 1] END",
                "answer": "CASE WHEN b.declined AND s = 2 THEN 'Le projet n''est pas retenu : "
                "son coût dépasse le budget de l''année. Il sera réétudié.' ELSE '' END",
                "author_id": "pg_temp.team(random())",
                "created_at": "b.created_at + s * b.step",
            },
            "FROM bench_project b CROSS JOIN LATERAL generate_series(1, b.steps) s",
        )

    def _rounds(self) -> None:
        # One round when the project reached "in consultation"; a few upcoming ones too.
        self._exec("DROP TABLE IF EXISTS bench_round")
        self._exec(
            """
            CREATE TEMP TABLE bench_round AS
            SELECT b.id AS project_id, b.rn AS project_rn,
                   CASE WHEN b.stage >= 2 AND NOT b.declined THEN b.created_at + 2 * b.step
                        ELSE k.now + (1 + random() * 13) * interval '1 day' END AS opens_at,
                   random() AS r_length, random() < 0.15 AS before_mode,
                   random() < 0.6 AS with_options
            FROM bench_project b CROSS JOIN bench_const k
            WHERE (b.stage >= 2 AND NOT b.declined) OR (b.stage = 1 AND random() < 0.1)
            """
        )
        self._exec(
            """
            ALTER TABLE bench_round ADD COLUMN closes_at timestamptz;
            UPDATE bench_round r SET closes_at = r.opens_at + least(
              greatest(b.step * 0.9, interval '10 days'),
              (14 + r.r_length * 28) * interval '1 day')
            FROM bench_project b WHERE b.id = r.project_id;
            """
        )
        self._insert(
            Consultation,
            {
                "project_id": "r.project_id",
                "title": "'Concertation : ' || p.title",
                "slug": "'bench-concertation-' || row_number() OVER (ORDER BY r.opens_at)",
                "question": "'Comment voulez-vous que ce lieu évolue ?'",
                "context": "'Donnez votre avis : **chaque contribution** est lue par l''équipe.'",
                "opens_at": "r.opens_at",
                "closes_at": "r.closes_at",
                "moderation": "CASE WHEN r.before_mode THEN 'before' ELSE 'after' END",
                "author_id": "pg_temp.team(random())",
                "created_at": "r.opens_at - interval '7 days'",
            },
            "FROM bench_round r JOIN projects_project p ON p.id = r.project_id ORDER BY r.opens_at",
        )
        self._exec(
            """
            ALTER TABLE bench_round ADD COLUMN id bigint;
            UPDATE bench_round r SET id = c.id FROM consultations_consultation c
              WHERE c.project_id = r.project_id AND c.opens_at = r.opens_at;
            ALTER TABLE bench_round ADD COLUMN window_end timestamptz;
            UPDATE bench_round r SET window_end = least(r.closes_at, k.now) FROM bench_const k;
            ALTER TABLE bench_round ADD COLUMN has_synthesis boolean;
            UPDATE bench_round r SET has_synthesis = r.closes_at < k.now - interval '30 days'
              AND random() < 0.85 FROM bench_const k;
            """
        )

    def _options(self) -> None:
        self._insert(
            Option,
            {
                "consultation_id": "r.id",
                "label": "(ARRAY['Des arbres et des bancs', 'Un espace de jeux', "
                "'Un parking vélo', 'Un jardin partagé'])[o]",
                "description": "''",
                "position": "o - 1",
                "vote_count": "0",
            },
            "FROM bench_round r "
            "CROSS JOIN LATERAL generate_series(1, 2 + floor(r.r_length * 3)::int) o "
            "WHERE r.with_options ORDER BY r.id, o",
        )
        self._exec(
            """
            ALTER TABLE bench_round ADD COLUMN opt_min bigint, ADD COLUMN opt_count int;
            UPDATE bench_round r SET opt_min = o.first, opt_count = o.n
              FROM (SELECT consultation_id, min(id) AS first, count(*) AS n
                    FROM consultations_option GROUP BY consultation_id) o
              WHERE o.consultation_id = r.id;
            UPDATE bench_round SET opt_count = 0 WHERE opt_count IS NULL;
            -- Rounds already opened, numbered for random picks (all / with options).
            ALTER TABLE bench_round ADD COLUMN rn int, ADD COLUMN vrn int;
            UPDATE bench_round r SET rn = x.rn FROM (
              SELECT id, row_number() OVER (ORDER BY id) AS rn FROM bench_round, bench_const k
              WHERE opens_at < k.now) x WHERE x.id = r.id;
            UPDATE bench_round r SET vrn = x.rn FROM (
              SELECT id, row_number() OVER (ORDER BY id) AS rn FROM bench_round, bench_const k
              WHERE opens_at < k.now AND opt_count > 0) x WHERE x.id = r.id;
            CREATE INDEX ON bench_round (rn); CREATE INDEX ON bench_round (vrn);
            ANALYZE bench_round;
            """
        )
        self.opened_rounds = self._scalar("SELECT count(rn) FROM bench_round")
        self.voting_rounds = self._scalar("SELECT count(vrn) FROM bench_round")

    def _contributions(self) -> None:
        n, rounds = self.counts.contributions, self.opened_rounds
        sentences = (
            "ARRAY['Il faudrait plus d''arbres pour l''ombre en été.', "
            "'Les trottoirs sont trop étroits pour les poussettes.', "
            "'Un banc près de l''arrêt de bus serait bienvenu.', "
            "'Attention à la vitesse des voitures aux heures d''école.', "
            "'Pourquoi pas un jardin partagé géré par les voisins ?', "
            "'L''éclairage est insuffisant le soir, on ne se sent pas en sécurité.', "
            "'Pensez aux personnes âgées : des rampes et des mains courantes.', "
            "'Gardons la mémoire de la mine : une plaque, une photo, un nom.', "
            "'Des toilettes publiques manquent près du marché.', "
            "'Je suis contre : cela va supprimer des places de stationnement.']"
        )
        self._insert(
            Contribution,
            {
                "consultation_id": "r.id",
                "author_id": "pg_temp.resident(t.at, x.r_author)",
                "body": f"({sentences})[1 + floor(x.r_body * 10)::int]",
                "option_id": "CASE WHEN r.opt_count > 0 AND x.r_option < 0.5 "
                "THEN r.opt_min + floor(x.r_option * 2 * r.opt_count)::bigint END",
                "state": "s.state",
                "moderation_reason": "CASE WHEN s.state IN ('rejected', 'hidden') "
                "THEN 'Propos contraires à la charte de participation.' ELSE '' END",
                "moderated_at": "CASE WHEN s.state IN ('rejected', 'hidden') "
                "THEN t.at + interval '1 day' END",
                "flag_count": "0",
                "answer": "CASE WHEN a.answered THEN 'Merci, l''équipe étudie votre proposition.' "
                "ELSE '' END",
                "answered_at": "CASE WHEN a.answered THEN a.at END",
                "answered_by_id": "CASE WHEN a.answered THEN pg_temp.team(x.r_team) END",
                "outcome": "CASE WHEN r.has_synthesis AND s.state = 'published' THEN "
                "(CASE WHEN x.r_outcome < 0.3 THEN 'yes' WHEN x.r_outcome < 0.5 THEN 'partly' "
                "WHEN x.r_outcome < 0.8 THEN 'no' ELSE '' END) ELSE '' END",
                "outcome_reason": "''",
                "created_at": "t.at",
                "published_at": "CASE WHEN s.state IN ('published', 'hidden') THEN "
                "t.at + CASE WHEN r.before_mode THEN interval '6 hours' ELSE interval '0' END END",
            },
            f"""
            FROM (SELECT 1 + floor(random() * {rounds})::int AS rn, random() AS r_at,
                         random() AS r_author, random() AS r_body, random() AS r_option,
                         random() AS r_state, random() AS r_answer, random() AS r_delay,
                         random() AS r_team, random() AS r_outcome
                  FROM generate_series(1, {n}) g) x
            JOIN bench_round r ON r.rn = x.rn
            CROSS JOIN bench_const k
            CROSS JOIN LATERAL (SELECT r.opens_at + x.r_at * (r.window_end - r.opens_at) AS at) t
            CROSS JOIN LATERAL (SELECT CASE
                WHEN x.r_state < 0.05 THEN 'rejected' WHEN x.r_state < 0.09 THEN 'hidden'
                WHEN x.r_state < 0.11 OR (r.before_mode AND t.at > k.now - interval '1 day')
                  THEN 'pending'
                ELSE 'published' END AS state) s
            CROSS JOIN LATERAL (SELECT
                t.at + interval '1 hour' + x.r_delay * x.r_delay * interval '20 days' AS at) d
            CROSS JOIN LATERAL (SELECT s.state = 'published' AND x.r_answer < 0.45
                AND d.at < k.now AS answered, d.at) a
            ORDER BY t.at
            """,
        )

    def _votes(self) -> None:
        if not self.voting_rounds:
            return
        self._insert(
            Vote,
            {
                "consultation_id": "r.id",
                "option_id": "r.opt_min + floor(x.r_option * r.opt_count)::bigint",
                "user_id": "pg_temp.resident(t.at, x.r_user)",
                "created_at": "t.at",
                "updated_at": "t.at",
            },
            f"""
            FROM (SELECT 1 + floor(random() * {self.voting_rounds})::int AS vrn,
                         random() AS r_at, random() AS r_user, random() AS r_option
                  FROM generate_series(1, {self.counts.votes}) g) x
            JOIN bench_round r ON r.vrn = x.vrn
            CROSS JOIN LATERAL (SELECT r.opens_at + x.r_at * (r.window_end - r.opens_at) AS at) t
            ORDER BY t.at
            """,
            conflict=True,
        )

    def _comments(self) -> None:
        total = self.counts.comments
        top, team_share = int(total * 0.7), 0.15
        p = self.counts.projects
        sentences = (
            "ARRAY['Bonne idée, je soutiens.', 'Et pour les personnes à mobilité réduite ?', "
            "'Quel est le calendrier des travaux ?', 'Je ne suis pas d''accord avec ce choix.', "
            "'Merci pour la réunion de mardi, c''était utile.', "
            "'Il faudrait consulter aussi les commerçants.', "
            "'Les enfants du quartier ont fait des dessins pour le projet !', "
            "'Combien cela va-t-il coûter ?']"
        )
        self._insert(
            Comment,
            {
                "project_id": "b.id",
                "author_id": "pg_temp.resident(t.at, x.r_author)",
                "parent_id": "NULL",
                "body": f"({sentences})[1 + floor(x.r_body * 8)::int]",
                "by_team": "false",
                "state": "CASE WHEN x.r_state < 0.03 THEN 'hidden' ELSE 'published' END",
                "moderation_reason": "CASE WHEN x.r_state < 0.03 "
                "THEN 'Propos injurieux.' ELSE '' END",
                "is_deleted": "x.r_state > 0.995",
                "flag_count": "0",
                "reply_count": "0",
                "created_at": "t.at",
            },
            f"""
            FROM (SELECT 1 + floor(random() * {p})::int AS rn, random() AS r_at,
                         random() AS r_author, random() AS r_body, random() AS r_state
                  FROM generate_series(1, {top}) g) x
            JOIN bench_project b ON b.rn = x.rn
            CROSS JOIN bench_const k
            CROSS JOIN LATERAL (SELECT b.created_at + x.r_at * (k.now - b.created_at) AS at) t
            ORDER BY t.at
            """,
        )
        first, last = self._id_range(Comment)
        # The team answers some residents (within hours or days).
        team_replies = self._insert(
            Comment,
            {
                "project_id": "c.project_id",
                "author_id": "pg_temp.team(random())",
                "parent_id": "c.id",
                "body": "'Merci pour votre message : nous en parlons en réunion de chantier et "
                "vous répondrons précisément sur ce point.'",
                "by_team": "true",
                "state": "'published'",
                "moderation_reason": "''",
                "is_deleted": "false",
                "flag_count": "0",
                "reply_count": "0",
                "created_at": "c.created_at + interval '2 hours' "
                "+ power(random(), 2) * interval '10 days'",
            },
            f"""
            FROM projects_comment c CROSS JOIN bench_const k
            WHERE c.parent_id IS NULL AND c.id BETWEEN {first} AND {last}
              AND random() < {team_share / 0.7} AND c.created_at < k.now - interval '10 days'
            """,
        )
        replies = max(0, total - top - team_replies)
        self._insert(
            Comment,
            {
                "project_id": "c.project_id",
                "author_id": "pg_temp.resident(t.at, x.r_author)",
                "parent_id": "c.id",
                "body": f"({sentences})[1 + floor(x.r_body * 8)::int]",
                "by_team": "false",
                "state": "'published'",
                "moderation_reason": "''",
                "is_deleted": "false",
                "flag_count": "0",
                "reply_count": "0",
                "created_at": "t.at",
            },
            f"""
            FROM (SELECT {first} + floor(random() * {last - first + 1})::bigint AS parent,
                         random() AS r_at, random() AS r_author, random() AS r_body
                  FROM generate_series(1, {replies}) g) x
            JOIN projects_comment c ON c.id = x.parent
            CROSS JOIN bench_const k
            CROSS JOIN LATERAL (SELECT c.created_at + x.r_at * least(k.now - c.created_at,
                interval '20 days') AS at) t
            ORDER BY t.at
            """,
        )

    def _hot_spots(self) -> None:
        """The popular project and its round, closing in two days: `hot_comments` comments (a
        quarter of them replies) on the project, `hot_contributions` contributions and as many
        votes on the round — the pages a city's rush falls on."""
        if not (self.counts.hot_comments or self.counts.hot_contributions):
            return
        # The most recent round of a project in consultation, preferably one with options.
        self.cursor.execute(
            """
            SELECT r.id, r.project_id FROM bench_round r
            JOIN bench_project b ON b.id = r.project_id CROSS JOIN bench_const k
            WHERE r.opens_at < k.now
            ORDER BY (b.stage = 2 AND NOT b.declined) DESC, r.opt_count > 0 DESC,
                     r.opens_at DESC
            LIMIT 1
            """
        )
        row = self.cursor.fetchone()
        if row is None:
            return
        round_id, project_id = row
        self._exec(
            """
            UPDATE bench_round r SET closes_at = k.now + interval '2 days', window_end = k.now,
                   has_synthesis = false, before_mode = false
              FROM bench_const k WHERE r.id = %s;
            UPDATE consultations_consultation c SET closes_at = r.closes_at, moderation = 'after'
              FROM bench_round r WHERE r.id = c.id AND c.id = %s;
            UPDATE projects_project SET status = 'in_consultation' WHERE id = %s;
            """,
            [round_id, round_id, project_id],
        )
        self.created["hot project"] = project_id
        self.created["hot round"] = round_id
        n = self.counts.hot_contributions
        if n:
            self._insert(
                Contribution,
                {
                    "consultation_id": "r.id",
                    "author_id": "pg_temp.resident(t.at, random())",
                    "body": "(ARRAY['Oui, mais avec plus d''arbres et des bancs à l''ombre.', "
                    "'Pensez aux enfants qui vont à l''école à pied.', "
                    "'Un espace de jeux serait formidable pour le quartier.', "
                    "'Gardez le marché du samedi sur la place, il fait vivre le centre.', "
                    "'Je préfère un parking vélo couvert près de la gare.'])"
                    "[1 + floor(random() * 5)::int]",
                    "option_id": "CASE WHEN r.opt_count > 0 AND random() < 0.5 "
                    "THEN r.opt_min + floor(random() * r.opt_count)::bigint END",
                    "state": "CASE WHEN random() < 0.03 THEN 'hidden' ELSE 'published' END",
                    "moderation_reason": "''",
                    "flag_count": "0",
                    "answer": "''",
                    "outcome": "''",
                    "outcome_reason": "''",
                    "created_at": "t.at",
                    "published_at": "t.at",
                },
                f"""
                FROM generate_series(1, {n}) g
                JOIN bench_round r ON r.id = {round_id}
                CROSS JOIN LATERAL (SELECT r.opens_at + power(random(), 0.5)
                    * (r.window_end - r.opens_at) AS at) t
                ORDER BY t.at
                """,
            )
            self._insert(
                Vote,
                {
                    "consultation_id": "r.id",
                    "option_id": "r.opt_min + floor(random() * r.opt_count)::bigint",
                    "user_id": "pg_temp.resident(t.at, random())",
                    "created_at": "t.at",
                    "updated_at": "t.at",
                },
                f"""
                FROM generate_series(1, {n}) g
                JOIN bench_round r ON r.id = {round_id} AND r.opt_count > 0
                CROSS JOIN LATERAL (SELECT r.opens_at + power(random(), 0.5)
                    * (r.window_end - r.opens_at) AS at) t
                """,
                conflict=True,
            )
        n = self.counts.hot_comments
        if n:
            top = n - n // 4
            self._insert(
                Comment,
                {
                    "project_id": "b.id",
                    "author_id": "pg_temp.resident(t.at, random())",
                    "parent_id": "NULL",
                    "body": "(ARRAY['Enfin ! Ce projet est attendu depuis longtemps.', "
                    "'Qui entretiendra les plantations ?', "
                    "'Le stationnement des riverains doit être pris en compte.', "
                    "'Bravo pour la concertation, continuez comme ça.'])"
                    "[1 + floor(random() * 4)::int]",
                    "by_team": "false",
                    "state": "CASE WHEN random() < 0.02 THEN 'hidden' ELSE 'published' END",
                    "moderation_reason": "''",
                    "is_deleted": "false",
                    "flag_count": "0",
                    "reply_count": "0",
                    "created_at": "t.at",
                },
                f"""
                FROM generate_series(1, {top}) g
                JOIN bench_project b ON b.id = {project_id}
                CROSS JOIN bench_const k
                CROSS JOIN LATERAL (SELECT b.created_at + power(random(), 0.3)
                    * (k.now - b.created_at) AS at) t
                ORDER BY t.at
                """,
            )
            self._insert(
                Comment,
                {
                    "project_id": "c.project_id",
                    "author_id": "pg_temp.resident(k.now, random())",
                    "parent_id": "c.id",
                    "body": "'Je suis d''accord avec vous.'",
                    "by_team": "false",
                    "state": "'published'",
                    "moderation_reason": "''",
                    "is_deleted": "false",
                    "flag_count": "0",
                    "reply_count": "0",
                    "created_at": "c.created_at + (k.now - c.created_at) * random()",
                },
                f"""
                FROM (SELECT id, project_id, created_at FROM projects_comment
                      WHERE project_id = {project_id} AND parent_id IS NULL
                      ORDER BY random() LIMIT {n - top}) c
                CROSS JOIN bench_const k
                """,
            )

    def _notifications(self) -> None:
        """What residents were told: a reply to their comment, news and status changes of the
        projects they follow (after they started following). Older ones are read."""
        from citizens.models import Notification

        types = ContentType.objects.get_for_models(Comment, Project, ProjectUpdate)
        common = {
            "read_at": "CASE WHEN n.at < k.now - interval '14 days' OR random() < 0.3 "
            "THEN n.at + interval '1 day' END",
            "created_at": "n.at",
        }
        self._insert(
            Notification,
            {
                "recipient_id": "p.author_id",
                "kind": "'comment_reply'",
                "actor_id": "c.author_id",
                "content_type_id": str(types[Comment].pk),
                "object_id": "c.id",
                "params": "jsonb_build_object('project', j.title, 'by_team', c.by_team)",
                "url": "'/projets/' || j.slug || '/#commentaire-' || c.id",
                **common,
            },
            """
            FROM projects_comment c
            JOIN projects_comment p ON p.id = c.parent_id
            JOIN projects_project j ON j.id = c.project_id
            CROSS JOIN bench_const k
            CROSS JOIN LATERAL (SELECT c.created_at AS at) n
            WHERE c.author_id <> p.author_id AND c.state = 'published'
            """,
        )
        self._insert(
            Notification,
            {
                "recipient_id": "f.user_id",
                "kind": "'project_update'",
                "actor_id": "u.author_id",
                "content_type_id": str(types[ProjectUpdate].pk),
                "object_id": "u.id",
                "params": "jsonb_build_object('project', j.title, 'title', u.title)",
                "url": "'/projets/' || j.slug || '/#actualite-' || u.id",
                **common,
            },
            """
            FROM projects_projectupdate u
            JOIN projects_project j ON j.id = u.project_id
            JOIN projects_follow f ON f.project_id = u.project_id
                 AND f.created_at < u.published_at
            CROSS JOIN bench_const k
            CROSS JOIN LATERAL (SELECT u.published_at AS at) n
            WHERE u.published_at < k.now
            """,
        )
        self._insert(
            Notification,
            {
                "recipient_id": "f.user_id",
                "kind": "'project_status'",
                "actor_id": "s.author_id",
                "content_type_id": str(types[Project].pk),
                "object_id": "j.id",
                "params": "jsonb_build_object('project', j.title, 'from_status', s.from_status, "
                "'to_status', s.to_status, 'answer', s.answer)",
                "url": "'/projets/' || j.slug || '/'",
                **common,
            },
            """
            FROM projects_statuschange s
            JOIN projects_project j ON j.id = s.project_id
            JOIN projects_follow f ON f.project_id = s.project_id
                 AND f.created_at < s.created_at
            CROSS JOIN bench_const k
            CROSS JOIN LATERAL (SELECT s.created_at AS at) n
            """,
        )

    def _supports_and_follows(self) -> None:
        p = self.counts.projects
        for model, count in ((Support, self.counts.supports), (Follow, self.counts.follows)):
            self._insert(
                model,
                {
                    "project_id": "b.id",
                    "user_id": "pg_temp.resident(t.at, x.r_user)",
                    "created_at": "t.at",
                },
                f"""
                FROM (SELECT 1 + floor(power(random(), 1.5) * {p})::int AS rn,
                             random() AS r_at, random() AS r_user
                      FROM generate_series(1, {count}) g) x
                JOIN bench_project b ON b.rn = x.rn
                CROSS JOIN bench_const k
                CROSS JOIN LATERAL (SELECT b.created_at + x.r_at * (k.now - b.created_at) AS at) t
                """,
                conflict=True,
            )

    def _flags(self) -> None:
        reasons = "ARRAY['spam', 'insult', 'off_topic', 'personal_data', 'other']"
        for model, share in ((Contribution, 0.03), (Comment, 0.02)):
            first, last = self._id_range(model)
            if first is None:
                continue
            count = int((last - first + 1) * share)
            self._insert(
                Flag,
                {
                    "reporter_id": "pg_temp.resident(i.created_at + interval '1 day', x.r_user)",
                    "content_type_id": str(ContentType.objects.get_for_model(model).pk),
                    "object_id": "i.id",
                    "reason": f"({reasons})[1 + floor(x.r_reason * 5)::int]",
                    "details": "''",
                    "created_at": "i.created_at + interval '1 day'",
                },
                f"""
                FROM (SELECT {first} + floor(power(random(), 0.7) * {last - first + 1})::bigint
                               AS item, random() AS r_user, random() AS r_reason
                      FROM generate_series(1, {count}) g) x
                JOIN {model._meta.db_table} i ON i.id = x.item
                """,
                conflict=True,
            )

    def _syntheses(self) -> None:
        self._insert(
            Synthesis,
            {
                "consultation_id": "r.id",
                "body": "'## Ce que nous avons entendu\n\nVous avez été nombreux à demander "
                "**plus de verdure** et des cheminements sûrs pour les enfants. "
                "La majorité des propositions est reprise dans le projet.\n\n"
                "- les arbres seront plantés à l''automne ;\n"
                "- un passage piéton sera ajouté devant l''école.'",
                "author_id": "pg_temp.team(random())",
                "published_at": "r.closes_at + (7 + random() * 23) * interval '1 day'",
                "created_at": "r.closes_at + interval '3 days'",
            },
            "FROM bench_round r WHERE r.has_synthesis",
        )

    def _updates(self) -> None:
        self._insert(
            ProjectUpdate,
            {
                "project_id": "b.id",
                "title": "(ARRAY['Ce qui a changé grâce à vous', 'Le chantier démarre', "
                "'Retour sur la réunion publique', 'Le projet est voté', "
                "'Les premières plantations'])[1 + floor(random() * 5)::int]",
                "body": "'Grâce à vos contributions, le projet a évolué : **les trottoirs "
                "seront élargis** et les arbres conservés. Merci à toutes et à tous.'",
                "author_id": "pg_temp.team(random())",
                "published_at": "b.created_at + u::float / (n.count + 1) * (k.now - b.created_at)",
            },
            """
            FROM bench_project b CROSS JOIN bench_const k
            CROSS JOIN LATERAL (SELECT floor(random() * (1 + b.stage * 1.2))::int AS count) n
            CROSS JOIN LATERAL generate_series(1, n.count) u
            """,
        )
        # Updates after a round cite what residents said in it; some cite comments.
        self._exec(
            """
            INSERT INTO consultations_contribution_cited_in_updates
                (contribution_id, projectupdate_id)
            SELECT c.id, u.id
            FROM projects_projectupdate u
            JOIN bench_round r ON r.project_id = u.project_id AND u.published_at > r.closes_at
            CROSS JOIN LATERAL (
              SELECT id FROM consultations_contribution
              WHERE consultation_id = r.id AND state = 'published' AND outcome IN ('yes', 'partly')
              ORDER BY id OFFSET floor(random() * 20)::int LIMIT 1 + floor(random() * 3)::int
            ) c
            WHERE random() < 0.7
            ON CONFLICT DO NOTHING
            """
        )
        self.created["citations of contributions"] = self.cursor.rowcount
        self._exec(
            """
            INSERT INTO projects_projectupdate_cited_comments (projectupdate_id, comment_id)
            SELECT u.id, c.id
            FROM projects_projectupdate u
            CROSS JOIN LATERAL (
              SELECT id FROM projects_comment
              WHERE project_id = u.project_id AND parent_id IS NULL AND state = 'published'
                AND created_at < u.published_at
              ORDER BY created_at DESC LIMIT 1
            ) c
            WHERE random() < 0.3
            ON CONFLICT DO NOTHING
            """
        )
        self.created["citations of comments"] = self.cursor.rowcount

    def _moderation_log(self) -> None:
        types = ContentType.objects.get_for_models(Contribution, Comment)
        contribution_type, comment_type = types[Contribution], types[Comment]
        self._insert(
            ModerationLog,
            {
                "actor_id": "CASE WHEN c.state = 'hidden' AND random() < 0.4 THEN NULL "
                "ELSE pg_temp.team(random()) END",
                "action": "CASE c.state WHEN 'rejected' THEN 'reject' WHEN 'hidden' THEN 'hide' "
                "ELSE 'publish' END",
                "content_type_id": str(contribution_type.pk),
                "object_id": "c.id",
                "object_repr": "left(c.body, 200)",
                "from_state": "CASE c.state WHEN 'hidden' THEN 'published' ELSE 'pending' END",
                "to_state": "c.state",
                "reason": "CASE WHEN c.state = 'published' THEN '' ELSE c.moderation_reason END",
                "automatic": "false",
                "created_at": "coalesce(c.moderated_at, c.published_at)",
            },
            """
            FROM consultations_contribution c
            JOIN consultations_consultation r ON r.id = c.consultation_id
            WHERE c.state IN ('rejected', 'hidden')
               OR (r.moderation = 'before' AND c.state = 'published')
            """,
        )
        # Hides without an actor were automatic (three flags).
        self._exec(
            f"UPDATE citizens_moderationlog SET automatic = true WHERE actor_id IS NULL "
            f"AND content_type_id = {contribution_type.pk} AND action = 'hide'"
        )
        self._insert(
            ModerationLog,
            {
                "actor_id": "pg_temp.team(random())",
                "action": "'hide'",
                "content_type_id": str(comment_type.pk),
                "object_id": "c.id",
                "object_repr": "left(c.body, 200)",
                "from_state": "'published'",
                "to_state": "'hidden'",
                "reason": "c.moderation_reason",
                "automatic": "false",
                "created_at": "c.created_at + interval '1 day'",
            },
            "FROM projects_comment c WHERE c.state = 'hidden'",
        )

    def _counters(self) -> None:
        """The denormalised counters the services keep, computed once for the whole town."""
        self._exec(
            """
            UPDATE projects_project p SET
              support_count = coalesce((SELECT count(*) FROM projects_support s
                                        WHERE s.project_id = p.id), 0),
              follower_count = coalesce((SELECT count(*) FROM projects_follow f
                                         WHERE f.project_id = p.id), 0),
              comment_count = coalesce((SELECT count(*) FROM projects_comment c
                                        WHERE c.project_id = p.id AND c.state = 'published'
                                          AND NOT c.is_deleted), 0);
            UPDATE projects_comment c SET reply_count = r.n
              FROM (SELECT parent_id, count(*) AS n FROM projects_comment
                    WHERE parent_id IS NOT NULL AND state = 'published' GROUP BY parent_id) r
              WHERE r.parent_id = c.id;
            UPDATE consultations_consultation c SET
              contribution_count = coalesce((SELECT count(*) FROM consultations_contribution x
                                   WHERE x.consultation_id = c.id AND x.state = 'published'), 0),
              vote_count = coalesce((SELECT count(*) FROM consultations_vote v
                                     WHERE v.consultation_id = c.id), 0);
            UPDATE consultations_option o SET vote_count = v.n
              FROM (SELECT option_id, count(*) AS n FROM consultations_vote GROUP BY option_id) v
              WHERE v.option_id = o.id;
            """
        )

        # Flags point at their item through its content type (moderation.Flag).
        for model in (Contribution, Comment):
            self._exec(
                f"""
                UPDATE {model._meta.db_table} c SET flag_count = f.n
                  FROM (SELECT object_id, count(*) AS n FROM moderation_flag
                        WHERE content_type_id = {ContentType.objects.get_for_model(model).pk}
                        GROUP BY object_id) f
                  WHERE f.object_id = c.id;
                """
            )

    def _email_addresses(self) -> None:
        from allauth.account.models import EmailAddress

        self._insert(
            EmailAddress,
            {"user_id": "u.id", "email": "u.email", "verified": "true", "primary": "true"},
            "FROM citizens_user u",
        )
