"""NotificationInbox: a version per resident that PostgreSQL triggers change at every write
to their notifications, and when the author of one of them is renamed (the texts name
them). The resident's notifications page is cached under it (loos/fragments.py). Nothing is
created on SQLite, where pages are not cached."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CREATE = """
CREATE SEQUENCE IF NOT EXISTS loos_content_version;

CREATE OR REPLACE FUNCTION loos_notification_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO citizens_notificationinbox (user_id, version)
      VALUES (NEW.recipient_id, nextval('loos_content_version'))
      ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version;
  END IF;
  IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.recipient_id <> NEW.recipient_id) THEN
    UPDATE citizens_notificationinbox SET version = nextval('loos_content_version')
      WHERE user_id = OLD.recipient_id;
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_notification_touch ON citizens_notification;
CREATE TRIGGER loos_notification_touch AFTER INSERT OR UPDATE OR DELETE
  ON citizens_notification FOR EACH ROW EXECUTE FUNCTION loos_notification_touch();

CREATE OR REPLACE FUNCTION loos_actor_touch_inboxes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE citizens_notificationinbox SET version = nextval('loos_content_version')
    WHERE user_id IN (SELECT DISTINCT recipient_id FROM citizens_notification
                      WHERE actor_id = NEW.id);
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS loos_actor_touch_inboxes ON citizens_user;
CREATE TRIGGER loos_actor_touch_inboxes AFTER UPDATE OF display_name ON citizens_user
  FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
  EXECUTE FUNCTION loos_actor_touch_inboxes();
"""

DROP = """
DROP TRIGGER IF EXISTS loos_actor_touch_inboxes ON citizens_user;
DROP FUNCTION IF EXISTS loos_actor_touch_inboxes();
DROP TRIGGER IF EXISTS loos_notification_touch ON citizens_notification;
DROP FUNCTION IF EXISTS loos_notification_touch();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("citizens", "0006_merge_0004_notifications_0005_data_exports"),
    ]

    operations = [
        migrations.CreateModel(
            name="NotificationInbox",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "version des notifications",
                "verbose_name_plural": "versions des notifications",
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
