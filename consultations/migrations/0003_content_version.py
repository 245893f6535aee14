"""Consultation.content_version: changes whenever the round page's cached list of
contributions would change (a contribution, its option, the updates that cite it, an
author's name), kept by PostgreSQL triggers like Project.content_version (see
projects/migrations/0003 and loos/fragments.py). Also bumps the project whose timeline shows
a contribution or a round's title. Nothing is created on SQLite (no cache there).
"""

from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION loos_consultation_own_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.content_version := nextval('loos_content_version');
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS loos_consultation_own_version ON consultations_consultation;
CREATE TRIGGER loos_consultation_own_version
  BEFORE INSERT OR UPDATE ON consultations_consultation
  FOR EACH ROW EXECUTE FUNCTION loos_consultation_own_version();

-- As for projects: the greatest version must not go back when a round is deleted.
CREATE OR REPLACE FUNCTION loos_consultation_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
    WHERE id = (SELECT max(id) FROM consultations_consultation);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_consultation_deleted ON consultations_consultation;
CREATE TRIGGER loos_consultation_deleted AFTER DELETE ON consultations_consultation
  FOR EACH STATEMENT EXECUTE FUNCTION loos_consultation_deleted();

-- A round's title, address and dates show on its project's page (its list of rounds, the
-- contributions the timeline cites).
CREATE OR REPLACE FUNCTION loos_consultation_touch_project() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE projects_project SET content_version = nextval('loos_content_version')
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.project_id ELSE NEW.project_id END;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_consultation_touch_project ON consultations_consultation;
CREATE TRIGGER loos_consultation_touch_project
  AFTER INSERT OR DELETE OR UPDATE OF slug, title, project_id, opens_at, closes_at
  ON consultations_consultation FOR EACH ROW EXECUTE FUNCTION loos_consultation_touch_project();

-- A contribution or an option: bump its round; a cited contribution also bumps the
-- projects whose updates cite it.
CREATE OR REPLACE FUNCTION loos_touch_consultation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
      WHERE id = NEW.consultation_id;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.consultation_id <> NEW.consultation_id) THEN
    UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
      WHERE id = OLD.consultation_id;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_synthesis_touch ON consultations_synthesis;
DROP FUNCTION IF EXISTS loos_synthesis_touch();
DROP TRIGGER IF EXISTS loos_option_touch_consultation ON consultations_option;
CREATE TRIGGER loos_option_touch_consultation AFTER INSERT OR UPDATE OR DELETE
  ON consultations_option FOR EACH ROW EXECUTE FUNCTION loos_touch_consultation();

-- A synthesis: the round's page shows it, its project's page the round's state.
CREATE OR REPLACE FUNCTION loos_synthesis_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  round_id bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.consultation_id
                          ELSE NEW.consultation_id END;
BEGIN
  UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
    WHERE id = round_id;
  UPDATE projects_project SET content_version = nextval('loos_content_version')
    WHERE id IN (SELECT project_id FROM consultations_consultation WHERE id = round_id);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_synthesis_touch ON consultations_synthesis;
CREATE TRIGGER loos_synthesis_touch AFTER INSERT OR UPDATE OR DELETE
  ON consultations_synthesis FOR EACH ROW EXECUTE FUNCTION loos_synthesis_touch();

CREATE OR REPLACE FUNCTION loos_contribution_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
      WHERE id = NEW.consultation_id;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.consultation_id <> NEW.consultation_id) THEN
    UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
      WHERE id = OLD.consultation_id;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE projects_project SET content_version = nextval('loos_content_version')
      WHERE id IN (SELECT u.project_id
                   FROM consultations_contribution_cited_in_updates m
                   JOIN projects_projectupdate u ON u.id = m.projectupdate_id
                   WHERE m.contribution_id = OLD.id);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_contribution_touch ON consultations_contribution;
CREATE TRIGGER loos_contribution_touch AFTER INSERT OR UPDATE OR DELETE
  ON consultations_contribution FOR EACH ROW EXECUTE FUNCTION loos_contribution_touch();

-- An update starts or stops citing a contribution: both pages change.
CREATE OR REPLACE FUNCTION loos_cited_contribution_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  row_contribution bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.contribution_id
                                  ELSE NEW.contribution_id END;
  row_update bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.projectupdate_id
                            ELSE NEW.projectupdate_id END;
BEGIN
  UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
    WHERE id IN (SELECT consultation_id FROM consultations_contribution
                 WHERE id = row_contribution);
  UPDATE projects_project SET content_version = nextval('loos_content_version')
    WHERE id IN (SELECT project_id FROM projects_projectupdate WHERE id = row_update);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_cited_contribution_touch
  ON consultations_contribution_cited_in_updates;
CREATE TRIGGER loos_cited_contribution_touch AFTER INSERT OR UPDATE OR DELETE
  ON consultations_contribution_cited_in_updates FOR EACH ROW
  EXECUTE FUNCTION loos_cited_contribution_touch();

-- A round's page links the updates citing its contributions (title, project's address).
CREATE OR REPLACE FUNCTION loos_update_touch_consultations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
    WHERE id IN (SELECT c.consultation_id
                 FROM consultations_contribution_cited_in_updates m
                 JOIN consultations_contribution c ON c.id = m.contribution_id
                 WHERE m.projectupdate_id = OLD.id);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_update_touch_consultations ON projects_projectupdate;
CREATE TRIGGER loos_update_touch_consultations AFTER DELETE OR UPDATE OF title, project_id
  ON projects_projectupdate FOR EACH ROW EXECUTE FUNCTION loos_update_touch_consultations();

CREATE OR REPLACE FUNCTION loos_project_slug_touch_consultations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
    WHERE project_id = NEW.id OR id IN (SELECT c.consultation_id
                 FROM projects_projectupdate u
                 JOIN consultations_contribution_cited_in_updates m ON m.projectupdate_id = u.id
                 JOIN consultations_contribution c ON c.id = m.contribution_id
                 WHERE u.project_id = NEW.id);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_project_slug_touch_consultations ON projects_project;
CREATE TRIGGER loos_project_slug_touch_consultations
  AFTER UPDATE OF slug, title ON projects_project
  FOR EACH ROW WHEN (OLD.slug IS DISTINCT FROM NEW.slug OR OLD.title IS DISTINCT FROM NEW.title)
  EXECUTE FUNCTION loos_project_slug_touch_consultations();

-- A resident renamed: the rounds they contributed to show their new name.
CREATE OR REPLACE FUNCTION loos_user_touch_consultations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE consultations_consultation SET content_version = nextval('loos_content_version')
    WHERE id IN (SELECT DISTINCT consultation_id FROM consultations_contribution
                 WHERE author_id = NEW.id);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_user_touch_consultations ON citizens_user;
CREATE TRIGGER loos_user_touch_consultations AFTER UPDATE OF display_name ON citizens_user
  FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION loos_user_touch_consultations();
"""

DROP = """
DROP TRIGGER IF EXISTS loos_user_touch_consultations ON citizens_user;
DROP FUNCTION IF EXISTS loos_user_touch_consultations();
DROP TRIGGER IF EXISTS loos_project_slug_touch_consultations ON projects_project;
DROP FUNCTION IF EXISTS loos_project_slug_touch_consultations();
DROP TRIGGER IF EXISTS loos_update_touch_consultations ON projects_projectupdate;
DROP FUNCTION IF EXISTS loos_update_touch_consultations();
DROP TRIGGER IF EXISTS loos_cited_contribution_touch ON consultations_contribution_cited_in_updates;
DROP FUNCTION IF EXISTS loos_cited_contribution_touch();
DROP TRIGGER IF EXISTS loos_contribution_touch ON consultations_contribution;
DROP FUNCTION IF EXISTS loos_contribution_touch();
DROP TRIGGER IF EXISTS loos_synthesis_touch ON consultations_synthesis;
DROP FUNCTION IF EXISTS loos_synthesis_touch();
DROP TRIGGER IF EXISTS loos_option_touch_consultation ON consultations_option;
DROP FUNCTION IF EXISTS loos_touch_consultation();
DROP TRIGGER IF EXISTS loos_consultation_touch_project ON consultations_consultation;
DROP FUNCTION IF EXISTS loos_consultation_touch_project();
DROP TRIGGER IF EXISTS loos_consultation_deleted ON consultations_consultation;
DROP FUNCTION IF EXISTS loos_consultation_deleted();
DROP TRIGGER IF EXISTS loos_consultation_own_version ON consultations_consultation;
DROP FUNCTION IF EXISTS loos_consultation_own_version();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0002_flagged_comment"),
        ("projects", "0003_content_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultation",
            name="content_version",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="consultation",
            index=models.Index(fields=["content_version"], name="consultation_version_idx"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
