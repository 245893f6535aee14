"""Triggers that log, in citizens.ContentChange, every write that changes what a round's
page, a list of rounds, or a project's page shows of its rounds (see loos/fragments.py): the
round's row, its options, contributions and synthesis, the updates citing contributions, the
title of its project, an author's name. Like those of projects (0003), they only append rows
and lock nothing that votes and contributions need. Nothing on SQLite."""

from django.db import migrations

CREATE = """
-- The round's row; a project's page lists its rounds (title, address, dates).
CREATE OR REPLACE FUNCTION loos_round_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM loos_content_changed('round', ARRAY[OLD.id]);
    PERFORM loos_content_changed('project', ARRAY[OLD.project_id]);
  ELSE
    PERFORM loos_content_changed('round', ARRAY[NEW.id]);
    IF TG_OP = 'INSERT' OR (OLD.title, OLD.slug, OLD.project_id, OLD.opens_at, OLD.closes_at)
        IS DISTINCT FROM (NEW.title, NEW.slug, NEW.project_id, NEW.opens_at, NEW.closes_at)
    THEN
      PERFORM loos_content_changed('project', ARRAY[NEW.project_id]);
      IF TG_OP = 'UPDATE' THEN
        PERFORM loos_content_changed('project', ARRAY[OLD.project_id]);
      END IF;
    END IF;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_round_changed ON consultations_consultation;
CREATE TRIGGER loos_round_changed AFTER INSERT OR UPDATE OR DELETE
  ON consultations_consultation FOR EACH ROW EXECUTE FUNCTION loos_round_changed();

-- An option of a round (label, results).
CREATE OR REPLACE FUNCTION loos_round_part_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM loos_content_changed('round', ARRAY[NEW.consultation_id]);
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM loos_content_changed('round', ARRAY[OLD.consultation_id, NEW.consultation_id]);
  ELSE
    PERFORM loos_content_changed('round', ARRAY[OLD.consultation_id]);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_option_changed ON consultations_option;
CREATE TRIGGER loos_option_changed AFTER INSERT OR UPDATE OR DELETE
  ON consultations_option FOR EACH ROW EXECUTE FUNCTION loos_round_part_changed();

-- A contribution: its round; when it changes, the projects whose updates cite it.
CREATE OR REPLACE FUNCTION loos_contribution_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM loos_content_changed('round', ARRAY[NEW.consultation_id]);
  ELSE
    IF TG_OP = 'UPDATE' THEN
      PERFORM loos_content_changed('round', ARRAY[OLD.consultation_id, NEW.consultation_id]);
    ELSE
      PERFORM loos_content_changed('round', ARRAY[OLD.consultation_id]);
    END IF;
    PERFORM loos_content_changed('project', ARRAY(
      SELECT u.project_id FROM consultations_contribution_cited_in_updates m
      JOIN projects_projectupdate u ON u.id = m.projectupdate_id
      WHERE m.contribution_id = OLD.id));
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_contribution_changed ON consultations_contribution;
CREATE TRIGGER loos_contribution_changed AFTER INSERT OR UPDATE OR DELETE
  ON consultations_contribution FOR EACH ROW EXECUTE FUNCTION loos_contribution_changed();

-- A synthesis: the round shows it; its project's page shows the round's state.
CREATE OR REPLACE FUNCTION loos_synthesis_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  round_id bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.consultation_id
                          ELSE NEW.consultation_id END;
BEGIN
  PERFORM loos_content_changed('round', ARRAY[round_id]);
  PERFORM loos_content_changed('project', ARRAY(
    SELECT project_id FROM consultations_consultation WHERE id = round_id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_synthesis_changed ON consultations_synthesis;
CREATE TRIGGER loos_synthesis_changed AFTER INSERT OR UPDATE OR DELETE
  ON consultations_synthesis FOR EACH ROW EXECUTE FUNCTION loos_synthesis_changed();

-- An update starts or stops citing a contribution: both pages change.
CREATE OR REPLACE FUNCTION loos_cited_contribution_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  row_contribution bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.contribution_id
                                  ELSE NEW.contribution_id END;
  row_update bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.projectupdate_id
                            ELSE NEW.projectupdate_id END;
BEGIN
  PERFORM loos_content_changed('round', ARRAY(
    SELECT consultation_id FROM consultations_contribution WHERE id = row_contribution));
  PERFORM loos_content_changed('project', ARRAY(
    SELECT project_id FROM projects_projectupdate WHERE id = row_update));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_cited_contribution_changed
  ON consultations_contribution_cited_in_updates;
CREATE TRIGGER loos_cited_contribution_changed AFTER INSERT OR UPDATE OR DELETE
  ON consultations_contribution_cited_in_updates FOR EACH ROW
  EXECUTE FUNCTION loos_cited_contribution_changed();

-- A round's page links the updates citing its contributions (title, project's address).
CREATE OR REPLACE FUNCTION loos_update_changed_rounds() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loos_content_changed('round', ARRAY(
    SELECT c.consultation_id FROM consultations_contribution_cited_in_updates m
    JOIN consultations_contribution c ON c.id = m.contribution_id
    WHERE m.projectupdate_id = OLD.id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_update_changed_rounds ON projects_projectupdate;
CREATE TRIGGER loos_update_changed_rounds AFTER DELETE OR UPDATE OF title, project_id
  ON projects_projectupdate FOR EACH ROW EXECUTE FUNCTION loos_update_changed_rounds();

-- A project renamed or moved: its rounds name it, and rounds link its updates.
CREATE OR REPLACE FUNCTION loos_project_renamed_rounds() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loos_content_changed('round', ARRAY(
    SELECT id FROM consultations_consultation WHERE project_id = NEW.id
    UNION
    SELECT c.consultation_id FROM projects_projectupdate u
    JOIN consultations_contribution_cited_in_updates m ON m.projectupdate_id = u.id
    JOIN consultations_contribution c ON c.id = m.contribution_id
    WHERE u.project_id = NEW.id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_project_renamed_rounds ON projects_project;
CREATE TRIGGER loos_project_renamed_rounds AFTER UPDATE OF slug, title ON projects_project
  FOR EACH ROW WHEN (OLD.slug IS DISTINCT FROM NEW.slug OR OLD.title IS DISTINCT FROM NEW.title)
  EXECUTE FUNCTION loos_project_renamed_rounds();

-- A resident renamed: the rounds they contributed to show their new name.
CREATE OR REPLACE FUNCTION loos_user_renamed_rounds() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loos_content_changed('round', ARRAY(
    SELECT DISTINCT consultation_id FROM consultations_contribution WHERE author_id = NEW.id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_user_renamed_rounds ON citizens_user;
CREATE TRIGGER loos_user_renamed_rounds AFTER UPDATE OF display_name ON citizens_user
  FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION loos_user_renamed_rounds();
"""

DROP = """
DROP TRIGGER IF EXISTS loos_user_renamed_rounds ON citizens_user;
DROP FUNCTION IF EXISTS loos_user_renamed_rounds();
DROP TRIGGER IF EXISTS loos_project_renamed_rounds ON projects_project;
DROP FUNCTION IF EXISTS loos_project_renamed_rounds();
DROP TRIGGER IF EXISTS loos_update_changed_rounds ON projects_projectupdate;
DROP FUNCTION IF EXISTS loos_update_changed_rounds();
DROP TRIGGER IF EXISTS loos_cited_contribution_changed
  ON consultations_contribution_cited_in_updates;
DROP FUNCTION IF EXISTS loos_cited_contribution_changed();
DROP TRIGGER IF EXISTS loos_synthesis_changed ON consultations_synthesis;
DROP FUNCTION IF EXISTS loos_synthesis_changed();
DROP TRIGGER IF EXISTS loos_contribution_changed ON consultations_contribution;
DROP FUNCTION IF EXISTS loos_contribution_changed();
DROP TRIGGER IF EXISTS loos_option_changed ON consultations_option;
DROP FUNCTION IF EXISTS loos_round_part_changed();
DROP TRIGGER IF EXISTS loos_round_changed ON consultations_consultation;
DROP FUNCTION IF EXISTS loos_round_changed();
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
        ("projects", "0003_content_changes"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
