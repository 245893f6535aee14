"""Keep the roles' Django permissions (what the admin lets each group do) in one place.

Groups are created by a data migration; their model permissions follow
`settings.ROLE_PERMISSIONS` and are re-synced after every `migrate`, so a new model's
permissions reach the team without a hand-made migration.
"""

from django.conf import settings


def sync_role_permissions(**kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    for group_name, codenames in settings.ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = set()
        for dotted in codenames:
            app_label, codename = dotted.split(".", 1)
            wanted.update(
                Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).values_list("pk", flat=True)
            )
        group.permissions.set(wanted)
