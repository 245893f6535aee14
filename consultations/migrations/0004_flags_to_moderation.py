"""Flags move to moderation.Flag (one model for every moderated item, pointing at its item by
content type): the existing flags of contributions and comments are copied there, then the
old table and the comments' proxy admin model go."""

from django.db import migrations

BATCH = 2000


def copy_flags(apps, schema_editor):
    OldFlag = apps.get_model("consultations", "Flag")
    Flag = apps.get_model("moderation", "Flag")
    ContentType = apps.get_model("contenttypes", "ContentType")
    contribution_type, _ = ContentType.objects.get_or_create(
        app_label="consultations", model="contribution"
    )
    comment_type, _ = ContentType.objects.get_or_create(app_label="projects", model="comment")
    batch = []
    for old in OldFlag.objects.order_by("pk").iterator(chunk_size=BATCH):
        if old.contribution_id:
            content_type, object_id = contribution_type, old.contribution_id
        else:
            content_type, object_id = comment_type, old.comment_id
        batch.append(
            Flag(
                reporter_id=old.reporter_id,
                content_type=content_type,
                object_id=object_id,
                reason=old.reason,
                details=old.details,
                created_at=old.created_at,
            )
        )
        if len(batch) >= BATCH:
            Flag.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Flag.objects.bulk_create(batch, ignore_conflicts=True)


def copy_flags_back(apps, schema_editor):
    OldFlag = apps.get_model("consultations", "Flag")
    Flag = apps.get_model("moderation", "Flag")
    for flag in Flag.objects.select_related("content_type").iterator(chunk_size=BATCH):
        target = (
            {"contribution_id": flag.object_id}
            if flag.content_type.model == "contribution"
            else {"comment_id": flag.object_id}
        )
        OldFlag.objects.create(
            reporter_id=flag.reporter_id,
            reason=flag.reason,
            details=flag.details,
            created_at=flag.created_at,
            **target,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0003_content_changes"),
        ("moderation", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_flags, copy_flags_back),
        migrations.DeleteModel(name="FlaggedComment"),
        migrations.DeleteModel(name="Flag"),
    ]
