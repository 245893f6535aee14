"""ContentChange now belongs to the pagecache app (pagecache/0001 renames its table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("citizens", "0007_content_changes"),
        ("pagecache", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ContentChange")],
        ),
    ]
