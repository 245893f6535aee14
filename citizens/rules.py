"""Predicates shared by every app: who a person is on the platform."""

import rules
from allauth.account.models import EmailAddress

from .models import MAYORS_OFFICE, MUNICIPAL_TEAM


@rules.predicate
def is_verified_resident(user) -> bool:
    """Logged in, active, with a verified email address (cached on the user object)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_loos_email_verified", None)
    if cached is None:
        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        user._loos_email_verified = cached
    return cached


def _in_group(name: str):
    @rules.predicate(name=f"in_group:{name}")
    def predicate(user) -> bool:
        if not user or not user.is_authenticated:
            return False
        groups = getattr(user, "_loos_group_names", None)
        if groups is None:
            groups = set(user.groups.values_list("name", flat=True))
            user._loos_group_names = groups
        return name in groups

    return predicate


is_team_member = _in_group(MUNICIPAL_TEAM)
is_mayors_office = _in_group(MAYORS_OFFICE)
is_superuser = rules.is_superuser
is_staff_role = is_team_member | is_mayors_office | is_superuser

rules.add_perm("citizens.view_account", rules.is_authenticated)


# --- Personal data and staff security --------------------------------------------


@rules.predicate
def is_export_owner(user, export) -> bool:
    return export is not None and user.is_authenticated and export.user_id == user.pk


# Who must have a second factor (TOTP) before reaching the back office and the reports.
needs_second_factor = is_staff_role | rules.is_staff
rules.add_rule("citizens.needs_second_factor", needs_second_factor)

rules.add_perm("citizens.request_data_export", rules.is_authenticated & rules.is_active)
rules.add_perm("citizens.download_data_export", is_export_owner)
rules.add_perm("citizens.delete_account", rules.is_authenticated & rules.is_active)
rules.add_perm("citizens.view_activity", rules.is_authenticated)

# --- Notifications ---------------------------------------------------------------------------


@rules.predicate
def is_notification_recipient(user, notification) -> bool:
    return notification is not None and notification.recipient_id == user.pk


rules.add_perm("citizens.view_notifications", rules.is_authenticated)
rules.add_perm("citizens.read_notification", rules.is_authenticated & is_notification_recipient)
rules.add_perm("citizens.change_email_preferences", rules.is_authenticated)
# The delivery log in the admin: the team sees what was sent and what failed (read-only).
rules.add_perm("citizens.view_emaildelivery", is_team_member | is_superuser)
