"""The page cache becomes its own app: the log of content changes moves here from citizens
(the table is renamed, its rows kept), and the triggers written by hand in the migrations of
citizens (0007), projects (0003) and consultations (0003) are dropped. The triggers are now
generated from each app's `cached_pages.py` after every migrate (pagecache/triggers.py)."""

from django.db import migrations, models

LEGACY_TRIGGERS = [
    ("loos_actor_renamed", "citizens_user"),
    ("loos_notification_changed", "citizens_notification"),
    ("loos_neighbourhood_renamed", "citizens_neighbourhood"),
    ("loos_user_renamed_projects", "citizens_user"),
    ("loos_cited_comment_changed", "projects_projectupdate_cited_comments"),
    ("loos_status_changed", "projects_statuschange"),
    ("loos_update_changed", "projects_projectupdate"),
    ("loos_comment_changed", "projects_comment"),
    ("loos_project_changed", "projects_project"),
    ("loos_user_renamed_rounds", "citizens_user"),
    ("loos_project_renamed_rounds", "projects_project"),
    ("loos_update_changed_rounds", "projects_projectupdate"),
    ("loos_cited_contribution_changed", "consultations_contribution_cited_in_updates"),
    ("loos_synthesis_changed", "consultations_synthesis"),
    ("loos_contribution_changed", "consultations_contribution"),
    ("loos_option_changed", "consultations_option"),
    ("loos_round_changed", "consultations_consultation"),
]
LEGACY_FUNCTIONS = [
    "loos_actor_renamed()",
    "loos_notification_changed()",
    "loos_neighbourhood_renamed()",
    "loos_user_renamed_projects()",
    "loos_cited_comment_changed()",
    "loos_project_part_changed()",
    "loos_project_changed()",
    "loos_user_renamed_rounds()",
    "loos_project_renamed_rounds()",
    "loos_update_changed_rounds()",
    "loos_cited_contribution_changed()",
    "loos_synthesis_changed()",
    "loos_contribution_changed()",
    "loos_round_part_changed()",
    "loos_round_changed()",
    "loos_content_changed(text, bigint[])",
]


def forwards(apps, schema_editor):
    schema_editor.execute("ALTER TABLE citizens_contentchange RENAME TO pagecache_contentchange")
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in LEGACY_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for function in LEGACY_FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")
    schema_editor.execute("ALTER SEQUENCE IF EXISTS loos_content_version RENAME TO pagecache_version")


def backwards(apps, schema_editor):
    # The generated triggers are dropped by hand if need be; the old ones are not restored.
    schema_editor.execute("ALTER TABLE pagecache_contentchange RENAME TO citizens_contentchange")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER SEQUENCE IF EXISTS pagecache_version RENAME TO loos_content_version")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("citizens", "0007_content_changes"),
        ("projects", "0003_content_changes"),
        ("consultations", "0003_content_changes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards, elidable=False)],
            state_operations=[
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
                                fields=["kind", "object_id", "version"],
                                name="contentchange_object_idx",
                            ),
                            models.Index(
                                fields=["kind", "version"], name="contentchange_kind_idx"
                            ),
                        ],
                    },
                ),
            ],
        ),
    ]
