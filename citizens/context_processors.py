from django.conf import settings


def site(request):
    return {
        "TOWN_NAME": settings.TOWN_NAME,
    }
