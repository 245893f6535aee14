"""The resident's language: the footer switch also saves it on their account.

Django's `set_language` only sets a cookie, so e-mails (rendered with the account's
language, away from any request) would stay in French for a resident reading the site in
English. This view runs Django's own and then records the choice; logging in puts the
account's language back in the cookie, on any device.
"""

from django.conf import settings
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .services import user_set_language


@require_POST
def set_language(request):
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        user_set_language(user=request.user, language=language)
    return response


def set_language_cookie(request, response, language: str):
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response
