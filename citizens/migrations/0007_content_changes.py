"""ContentChange: the append-only log of writes that change what a cached page shows, and
the triggers of this app: a resident's notifications (new, read, deleted) and the renaming
of their author (the texts name them). The triggers of projects and consultations are in
their own 0003 migrations. Nothing is created on SQLite, where pages are not cached."""

from django.db import migrations, models

CREATE = """
CREATE SEQUENCE IF NOT EXISTS loos_content_version;

-- Append one change: (kind, object) at the next version. Inserting never waits for another
-- transaction (the version is the primary key, from a sequence). A bulk load that makes a
-- whole town (generate_town) sets loos.skip_content_log for its transaction.
CREATE OR REPLACE FUNCTION loos_content_changed(change_kind text, ids bigint[])
RETURNS void LANGUAGE sql AS $$
  INSERT INTO citizens_contentchange (version, kind, object_id)
  SELECT nextval('loos_content_version'), change_kind, id
  FROM (SELECT DISTINCT unnest(ids) AS id) o
  WHERE id IS NOT NULL
    AND current_setting('loos.skip_content_log', true) IS DISTINCT FROM 'on';
$$;

CREATE OR REPLACE FUNCTION loos_notification_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM loos_content_changed('inbox', ARRAY[NEW.recipient_id]);
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM loos_content_changed('inbox', ARRAY[OLD.recipient_id, NEW.recipient_id]);
  ELSE
    PERFORM loos_content_changed('inbox', ARRAY[OLD.recipient_id]);
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_notification_changed ON citizens_notification;
CREATE TRIGGER loos_notification_changed AFTER INSERT OR UPDATE OR DELETE
  ON citizens_notification FOR EACH ROW EXECUTE FUNCTION loos_notification_changed();

CREATE OR REPLACE FUNCTION loos_actor_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loos_content_changed('inbox', ARRAY(
    SELECT DISTINCT recipient_id FROM citizens_notification WHERE actor_id = NEW.id));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_actor_renamed ON citizens_user;
CREATE TRIGGER loos_actor_renamed AFTER UPDATE OF display_name ON citizens_user
  FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION loos_actor_renamed();
"""

DROP = """
DROP TRIGGER IF EXISTS loos_actor_renamed ON citizens_user;
DROP FUNCTION IF EXISTS loos_actor_renamed();
DROP TRIGGER IF EXISTS loos_notification_changed ON citizens_notification;
DROP FUNCTION IF EXISTS loos_notification_changed();
DROP FUNCTION IF EXISTS loos_content_changed(text, bigint[]);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("citizens", "0006_merge_0004_notifications_0005_data_exports")]

    operations = [
        migrations.CreateModel(
            name="ContentChange",
            fields=[
                ("version", models.BigIntegerField(primary_key=True, serialize=False)),
                ("kind", models.CharField(max_length=10)),
                ("object_id", models.BigIntegerField()),
            ],
            options={
                "verbose_name": "changement de contenu",
                "verbose_name_plural": "changements de contenu",
                "indexes": [
                    models.Index(
                        fields=["kind", "object_id", "version"], name="contentchange_object_idx"
                    ),
                    models.Index(fields=["kind", "version"], name="contentchange_kind_idx"),
                ],
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
