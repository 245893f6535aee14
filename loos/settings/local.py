"""The embedded default for a developer or a demo: DEBUG on, console email."""

import os

# The town generator and benchmark commands (devtools/) are at hand on a developer's machine.
os.environ.setdefault("DEVTOOLS", "true")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = env.bool("DEBUG", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come straight from the finders; nothing is collected outside production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
