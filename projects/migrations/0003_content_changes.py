"""Triggers that log, in citizens.ContentChange, every write that changes what the project
page or a list of projects shows (see loos/fragments.py): the project's row (text, status,
counters), its comments, updates, status changes and the comments its updates cite, the name
of a proposer or commenter, the name of a neighbourhood. A trigger only appends rows: it
never locks a project, so concurrent writes cannot deadlock on it. Nothing on SQLite."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION loos_project_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM loos_content_changed('project', ARRAY[OLD.id]);
  ELSE
    PERFORM loos_content_changed('project', ARRAY[NEW.id]);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_project_changed ON projects_project;
CREATE TRIGGER loos_project_changed AFTER INSERT OR UPDATE OR DELETE ON projects_project
  FOR EACH ROW EXECUTE FUNCTION loos_project_changed();

-- A row that belongs to a project (comment, update, status change).
CREATE OR REPLACE FUNCTION loos_project_part_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM loos_content_changed('project', ARRAY[NEW.project_id]);
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM loos_content_changed('project', ARRAY[OLD.project_id, NEW.project_id]);
  ELSE
    PERFORM loos_content_changed('project', ARRAY[OLD.project_id]);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_comment_changed ON projects_comment;
CREATE TRIGGER loos_comment_changed AFTER INSERT OR UPDATE OR DELETE ON projects_comment
  FOR EACH ROW EXECUTE FUNCTION loos_project_part_changed();
DROP TRIGGER IF EXISTS loos_update_changed ON projects_projectupdate;
CREATE TRIGGER loos_update_changed AFTER INSERT OR UPDATE OR DELETE ON projects_projectupdate
  FOR EACH ROW EXECUTE FUNCTION loos_project_part_changed();
DROP TRIGGER IF EXISTS loos_status_changed ON projects_statuschange;
CREATE TRIGGER loos_status_changed AFTER INSERT OR UPDATE OR DELETE ON projects_statuschange
  FOR EACH ROW EXECUTE FUNCTION loos_project_part_changed();

-- An update starts or stops citing a comment.
CREATE OR REPLACE FUNCTION loos_cited_comment_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loos_content_changed('project', ARRAY(
    SELECT project_id FROM projects_projectupdate
    WHERE id IN (CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE OLD.projectupdate_id END,
                 CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE NEW.projectupdate_id END)));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_cited_comment_changed ON projects_projectupdate_cited_comments;
CREATE TRIGGER loos_cited_comment_changed AFTER INSERT OR UPDATE OR DELETE
  ON projects_projectupdate_cited_comments FOR EACH ROW
  EXECUTE FUNCTION loos_cited_comment_changed();

-- A resident renamed: the projects they proposed or commented on show their new name.
CREATE OR REPLACE FUNCTION loos_user_renamed_projects() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loos_content_changed('project', ARRAY(
    SELECT id FROM projects_project WHERE author_id = NEW.id
    UNION SELECT project_id FROM projects_comment WHERE author_id = NEW.id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_user_renamed_projects ON citizens_user;
CREATE TRIGGER loos_user_renamed_projects AFTER UPDATE OF display_name ON citizens_user
  FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION loos_user_renamed_projects();

-- Project cards and pages show their neighbourhood's name.
CREATE OR REPLACE FUNCTION loos_neighbourhood_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loos_content_changed('project', ARRAY(
    SELECT id FROM projects_project WHERE neighbourhood_id = NEW.id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_neighbourhood_renamed ON citizens_neighbourhood;
CREATE TRIGGER loos_neighbourhood_renamed AFTER UPDATE OF name ON citizens_neighbourhood
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION loos_neighbourhood_renamed();
"""

DROP = """
DROP TRIGGER IF EXISTS loos_neighbourhood_renamed ON citizens_neighbourhood;
DROP FUNCTION IF EXISTS loos_neighbourhood_renamed();
DROP TRIGGER IF EXISTS loos_user_renamed_projects ON citizens_user;
DROP FUNCTION IF EXISTS loos_user_renamed_projects();
DROP TRIGGER IF EXISTS loos_cited_comment_changed ON projects_projectupdate_cited_comments;
DROP FUNCTION IF EXISTS loos_cited_comment_changed();
DROP TRIGGER IF EXISTS loos_status_changed ON projects_statuschange;
DROP TRIGGER IF EXISTS loos_update_changed ON projects_projectupdate;
DROP TRIGGER IF EXISTS loos_comment_changed ON projects_comment;
DROP FUNCTION IF EXISTS loos_project_part_changed();
DROP TRIGGER IF EXISTS loos_project_changed ON projects_project;
DROP FUNCTION IF EXISTS loos_project_changed();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_search_vector_trigger"),
        ("citizens", "0007_content_changes"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
