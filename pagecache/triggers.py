"""PostgreSQL triggers generated from the declarations (registry.py), one per dependency.

Why triggers rather than bumps in the services: every kind of write counts, whether it goes
through a service, the admin's bulk actions, a data migration or hand-made SQL, and a
declaration cannot be forgotten by one of several write paths. A trigger only appends rows to
the log (models.ContentChange) and never locks or updates a parent row, so thousands of
residents voting in one round, or a notification sent to thousands, cannot deadlock on it.

`install` runs after every `migrate` (apps.py, post_migrate): it creates or replaces the
trigger of every declared dependency and drops the generated triggers no declaration asks
for any more, so the declarations are the only source. Nothing happens on SQLite, where
pages are not cached.
"""

from __future__ import annotations

import hashlib

from . import registry

PREFIX = "pagecache_"

LOG_FUNCTION = """
CREATE SEQUENCE IF NOT EXISTS pagecache_version;

-- Append one change: (kind, object) at the next version. Inserting never waits for another
-- transaction (the version is the primary key, from a sequence). A bulk load that makes a
-- whole town (generate_town) sets loos.skip_content_log for its transaction.
CREATE OR REPLACE FUNCTION pagecache_log(change_kind text, ids bigint[])
RETURNS void LANGUAGE sql AS $$
  INSERT INTO pagecache_contentchange (version, kind, object_id)
  SELECT nextval('pagecache_version'), change_kind, id
  FROM (SELECT DISTINCT unnest(ids) AS id) o
  WHERE id IS NOT NULL
    AND current_setting('loos.skip_content_log', true) IS DISTINCT FROM 'on';
$$;
"""


def trigger_name(kind: registry.Kind, index: int, on: registry.On) -> str:
    name = f"{PREFIX}{kind.name}_{index}_{on.table}"
    if len(name) > 63:  # PostgreSQL's limit for identifiers
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[:54]}_{digest}"
    return name


def _ids(on: registry.On, row: str) -> str:
    if on.key is not None:
        return f"ARRAY[{row}.{on.key}]"
    return f"ARRAY({on.keys.format(row=row)})"


def _ids_both(on: registry.On) -> str:
    if on.key is not None:
        return f"ARRAY[OLD.{on.key}, NEW.{on.key}]"
    return f"ARRAY(({on.keys.format(row='OLD')}) UNION ({on.keys.format(row='NEW')}))"


def function_sql(kind: registry.Kind, index: int, on: registry.On) -> str:
    name = trigger_name(kind, index, on)
    columns = on.columns
    unchanged = ""
    if columns:
        old = ", ".join(f"OLD.{c}" for c in columns)
        new = ", ".join(f"NEW.{c}" for c in columns)
        unchanged = (
            f"  IF TG_OP = 'UPDATE' AND ROW({old}) IS NOT DISTINCT FROM ROW({new}) THEN\n"
            "    RETURN NULL;\n  END IF;\n"
        )
    log = f"PERFORM pagecache_log('{kind.name}', "
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"{unchanged}"
        f"  IF TG_OP = 'INSERT' THEN {log}{_ids(on, 'NEW')});\n"
        f"  ELSIF TG_OP = 'UPDATE' THEN {log}{_ids_both(on)});\n"
        f"  ELSE {log}{_ids(on, 'OLD')});\n"
        "  END IF;\n"
        "  RETURN NULL;\n"
        "END $$;"
    )


def trigger_sql(kind: registry.Kind, index: int, on: registry.On) -> str:
    name = trigger_name(kind, index, on)
    update = "UPDATE"
    if on.columns:
        update += " OF " + ", ".join(on.columns)
    return (
        f"DROP TRIGGER IF EXISTS {name} ON {on.table};\n"
        f"CREATE TRIGGER {name} AFTER INSERT OR {update} OR DELETE ON {on.table}\n"
        f"  FOR EACH ROW EXECUTE FUNCTION {name}();"
    )


def wanted() -> dict[str, tuple[str, str]]:
    """Every generated trigger: name -> (table, SQL that creates it and its function)."""
    out = {}
    for kind in registry.kinds():
        for index, on in enumerate(registry.depends_on(kind)):
            name = trigger_name(kind, index, on)
            out[name] = (
                on.table,
                function_sql(kind, index, on) + "\n" + trigger_sql(kind, index, on),
            )
    return out


def install(connection) -> None:
    """Create or replace the declared triggers, drop the generated ones no longer declared.

    Each trigger carries the digest of the SQL that made it (its comment): one that has not
    changed is left alone, so a deploy without new declarations takes no lock on the tables.
    """
    if connection.vendor != "postgresql":
        return
    triggers = wanted()
    with connection.cursor() as cursor:
        cursor.execute(LOG_FUNCTION)
        cursor.execute(
            "SELECT t.tgname, c.relname, obj_description(t.oid, 'pg_trigger') FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND t.tgname LIKE %s",
            [PREFIX.replace("_", r"\_") + "%"],
        )
        current = {}
        for name, table, digest in cursor.fetchall():
            if triggers.get(name, (None,))[0] != table:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
            else:
                current[name] = digest
        cursor.execute(
            "SELECT proname FROM pg_proc WHERE proname LIKE %s AND prorettype = 'trigger'::regtype",
            [PREFIX.replace("_", r"\_") + "%"],
        )
        for (name,) in cursor.fetchall():
            if name not in triggers:
                cursor.execute(f'DROP FUNCTION IF EXISTS "{name}"()')
        for name, (table, sql) in triggers.items():
            digest = hashlib.sha256(sql.encode()).hexdigest()
            if current.get(name) != digest:
                cursor.execute(sql)
                cursor.execute(f"COMMENT ON TRIGGER {name} ON {table} IS '{digest}'")
