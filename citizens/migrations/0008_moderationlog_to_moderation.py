"""ModerationLog now belongs to the moderation app (moderation 0002), which keeps its table
citizens_moderationlog and its rows: here it only leaves citizens' model state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("citizens", "0007_content_changes"),
        ("moderation", "0002_moderationlog"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ModerationLog")],
            database_operations=[],
        ),
    ]
