"""French full-text search on PostgreSQL: a trigger keeps Project.search_vector up to date
(title A, summary B, body C) and a GIN index serves the queries.

Accents: the `french_unaccent` text search configuration is `french` with the `unaccent`
dictionary in front of the stemmer, so "ecole" finds "école". When the `unaccent` extension
cannot be created (not installed, no privilege), the configuration is a plain copy of
`french`: search still works, only accent-sensitive. On SQLite nothing is created (the
selector falls back to a simple match).
"""

from django.db import migrations, transaction

CONFIG = "french_unaccent"

CREATE_CONFIG = f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{CONFIG}') THEN
    CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = pg_catalog.french);
  END IF;
END
$$;
"""

USE_UNACCENT = f"""
ALTER TEXT SEARCH CONFIGURATION {CONFIG}
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
"""

CREATE_TRIGGER = f"""
CREATE OR REPLACE FUNCTION projects_project_search_vector_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector :=
       setweight(to_tsvector('{CONFIG}', coalesce(NEW.title, '')), 'A')
    || setweight(to_tsvector('{CONFIG}', coalesce(NEW.summary, '')), 'B')
    || setweight(to_tsvector('{CONFIG}', coalesce(NEW.body, '')), 'C');
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS projects_project_search_vector_trigger ON projects_project;
CREATE TRIGGER projects_project_search_vector_trigger
  BEFORE INSERT OR UPDATE OF title, summary, body, search_vector ON projects_project
  FOR EACH ROW EXECUTE FUNCTION projects_project_search_vector_update();

CREATE INDEX IF NOT EXISTS project_search_idx ON projects_project USING gin (search_vector);

UPDATE projects_project SET search_vector = NULL;
"""

DROP_ALL = f"""
DROP INDEX IF EXISTS project_search_idx;
DROP TRIGGER IF EXISTS projects_project_search_vector_trigger ON projects_project;
DROP FUNCTION IF EXISTS projects_project_search_vector_update();
DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG};
UPDATE projects_project SET search_vector = NULL;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    alias = schema_editor.connection.alias
    try:
        # A savepoint: a refused CREATE EXTENSION must not abort the migration.
        with transaction.atomic(using=alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        has_unaccent = True
    except Exception:  # noqa: BLE001 - any refusal means "no unaccent"
        has_unaccent = False
    schema_editor.execute(CREATE_CONFIG)
    if has_unaccent:
        schema_editor.execute(USE_UNACCENT)
    schema_editor.execute(CREATE_TRIGGER)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP_ALL)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
