# ruff: noqa: S608 - SQL built from numbers computed here and our own table names only.
"""Point the default connection at a dedicated benchmark database on the same server."""

import psycopg
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections


def require_postgres() -> dict:
    settings_dict = connections["default"].settings_dict
    if not settings_dict["ENGINE"].endswith("postgresql"):
        raise CommandError(
            "This command needs PostgreSQL (set DATABASE_URL); it refuses to run on SQLite."
        )
    return settings_dict


def use_database(name: str, *, create: bool, migrate: bool, stdout=None) -> None:
    """Switch the default connection to database `name` (created and migrated if asked)."""
    settings_dict = require_postgres()
    if not name.replace("_", "").isalnum():
        raise CommandError("Database names are letters, digits and underscores only.")
    params = {
        "host": settings_dict["HOST"] or "127.0.0.1",
        "port": settings_dict["PORT"] or 5432,
        "user": settings_dict["USER"] or "postgres",
        "password": settings_dict["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            if not create:
                raise CommandError(f"Database {name} does not exist; run generate_town first.")
            admin.execute(f'CREATE DATABASE "{name}"')
            if stdout:
                stdout.write(f"Created database {name}.")
    connections["default"].close()
    settings_dict["NAME"] = name
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)
