"""Settings of the site processes the fault tests start (tests/faults/harness.py).

Production's settings, so persistent connections (CONN_MAX_AGE), their health checks and the
500/503 handling are the ones deployed, with what a test on plain HTTP needs: cookies without
`Secure`, static files from the finders (no collectstatic), and, when the harness asks for it
(FAULTS_UNLIMITED=true), no rate limits, since every simulated resident comes from 127.0.0.1.
"""

from loos.settings.production import *  # noqa: F403
from loos.settings.production import env

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

if env.bool("FAULTS_UNLIMITED", default=False):
    RATE_LIMITS: dict = {}
    ACCOUNT_RATE_LIMITS = False
