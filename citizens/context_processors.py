import rules
from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .middleware import STAFF_SESSION_KEY


def _may_have_staff_role(request, user) -> bool:
    """Whether the header should ask the rules: the roles that see the reports are staff
    roles, whose sessions are marked at login (citizens.middleware). A resident's page then
    spends no query on their groups; a role given during a session shows its link at the
    next login (the reports themselves check the rules at each request)."""
    session = getattr(request, "session", None)
    return bool(
        user.is_superuser
        or user.is_staff
        or (session is not None and session.get(STAFF_SESSION_KEY))
    )


def site(request):
    user = getattr(request, "user", None)
    return {
        "TOWN_NAME": settings.TOWN_NAME,
        # Through django-rules only (not every auth backend), evaluated when the header asks:
        # one cached group lookup instead of loading all of Django's model permissions.
        "can_view_reports": SimpleLazyObject(
            lambda: (
                bool(user and user.is_authenticated)
                and _may_have_staff_role(request, user)
                and rules.has_perm("reports.view_reports", user)
            )
        ),
    }
