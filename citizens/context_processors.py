import rules
from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    user = getattr(request, "user", None)
    return {
        "TOWN_NAME": settings.TOWN_NAME,
        # Through django-rules only (not every auth backend), evaluated when the header asks:
        # one cached group lookup instead of loading all of Django's model permissions.
        "can_view_reports": SimpleLazyObject(
            lambda: (
                bool(user and user.is_authenticated)
                and rules.has_perm("reports.view_reports", user)
            )
        ),
    }
