"""Project.content_version: a number that changes whenever what the project page or a list
of projects caches (its row, timeline and comments; see loos/fragments.py) changes, kept by PostgreSQL
triggers so that every write is seen, whether it comes from a service, the admin, a bulk
UPDATE or SQL typed by hand. The numbers come from one sequence, so a version is never
reused, even across rolled-back transactions. On SQLite nothing is created and pages are
not cached (loos.fragments.enabled).
"""

from django.db import migrations, models

CREATE = """
CREATE SEQUENCE IF NOT EXISTS loos_content_version;

-- Any change to the project's row (its text, status, counters).
CREATE OR REPLACE FUNCTION loos_project_own_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.content_version := nextval('loos_content_version');
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS loos_project_own_version ON projects_project;
CREATE TRIGGER loos_project_own_version
  BEFORE INSERT OR UPDATE ON projects_project
  FOR EACH ROW EXECUTE FUNCTION loos_project_own_version();

-- Lists of projects are keyed by the greatest version: a deleted project must not make it
-- go back to a value an earlier list was cached under, so the newest remaining one moves.
CREATE OR REPLACE FUNCTION loos_project_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE projects_project SET content_version = nextval('loos_content_version')
    WHERE id = (SELECT max(id) FROM projects_project);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_project_deleted ON projects_project;
CREATE TRIGGER loos_project_deleted AFTER DELETE ON projects_project
  FOR EACH STATEMENT EXECUTE FUNCTION loos_project_deleted();

-- Project cards show their neighbourhood's name.
CREATE OR REPLACE FUNCTION loos_neighbourhood_touch_projects() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE projects_project SET content_version = nextval('loos_content_version')
    WHERE neighbourhood_id = NEW.id;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_neighbourhood_touch_projects ON citizens_neighbourhood;
CREATE TRIGGER loos_neighbourhood_touch_projects AFTER UPDATE OF name ON citizens_neighbourhood
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION loos_neighbourhood_touch_projects();

-- A row that belongs to a project (comment, update, status change): bump its project(s).
CREATE OR REPLACE FUNCTION loos_touch_project() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    UPDATE projects_project SET content_version = nextval('loos_content_version')
      WHERE id = NEW.project_id;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.project_id <> NEW.project_id) THEN
    UPDATE projects_project SET content_version = nextval('loos_content_version')
      WHERE id = OLD.project_id;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_comment_touch_project ON projects_comment;
CREATE TRIGGER loos_comment_touch_project AFTER INSERT OR UPDATE OR DELETE
  ON projects_comment FOR EACH ROW EXECUTE FUNCTION loos_touch_project();
DROP TRIGGER IF EXISTS loos_update_touch_project ON projects_projectupdate;
CREATE TRIGGER loos_update_touch_project AFTER INSERT OR UPDATE OR DELETE
  ON projects_projectupdate FOR EACH ROW EXECUTE FUNCTION loos_touch_project();
DROP TRIGGER IF EXISTS loos_status_touch_project ON projects_statuschange;
CREATE TRIGGER loos_status_touch_project AFTER INSERT OR UPDATE OR DELETE
  ON projects_statuschange FOR EACH ROW EXECUTE FUNCTION loos_touch_project();

-- An update citing a comment, or no longer citing it.
CREATE OR REPLACE FUNCTION loos_cited_comment_touch_project() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE projects_project SET content_version = nextval('loos_content_version')
    WHERE id IN (SELECT project_id FROM projects_projectupdate
                 WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.projectupdate_id
                                 ELSE NEW.projectupdate_id END);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_cited_comment_touch_project ON projects_projectupdate_cited_comments;
CREATE TRIGGER loos_cited_comment_touch_project AFTER INSERT OR UPDATE OR DELETE
  ON projects_projectupdate_cited_comments FOR EACH ROW
  EXECUTE FUNCTION loos_cited_comment_touch_project();

-- A resident renamed: the projects they proposed or commented on show their new name.
CREATE OR REPLACE FUNCTION loos_user_touch_projects() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE projects_project SET content_version = nextval('loos_content_version')
    WHERE author_id = NEW.id
       OR id IN (SELECT DISTINCT project_id FROM projects_comment WHERE author_id = NEW.id);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_user_touch_projects ON citizens_user;
CREATE TRIGGER loos_user_touch_projects AFTER UPDATE OF display_name ON citizens_user
  FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION loos_user_touch_projects();
"""

DROP = """
DROP TRIGGER IF EXISTS loos_user_touch_projects ON citizens_user;
DROP FUNCTION IF EXISTS loos_user_touch_projects();
DROP TRIGGER IF EXISTS loos_cited_comment_touch_project ON projects_projectupdate_cited_comments;
DROP FUNCTION IF EXISTS loos_cited_comment_touch_project();
DROP TRIGGER IF EXISTS loos_status_touch_project ON projects_statuschange;
DROP TRIGGER IF EXISTS loos_update_touch_project ON projects_projectupdate;
DROP TRIGGER IF EXISTS loos_comment_touch_project ON projects_comment;
DROP FUNCTION IF EXISTS loos_touch_project();
DROP TRIGGER IF EXISTS loos_neighbourhood_touch_projects ON citizens_neighbourhood;
DROP FUNCTION IF EXISTS loos_neighbourhood_touch_projects();
DROP TRIGGER IF EXISTS loos_project_deleted ON projects_project;
DROP FUNCTION IF EXISTS loos_project_deleted();
DROP TRIGGER IF EXISTS loos_project_own_version ON projects_project;
DROP FUNCTION IF EXISTS loos_project_own_version();
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
        ("citizens", "0006_merge_0004_notifications_0005_data_exports"),
    ]

    operations = [
        migrations.AddField(
            model_name="project",
            name="content_version",
            field=models.BigIntegerField(default=0, editable=False),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(fields=["content_version"], name="project_version_idx"),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
