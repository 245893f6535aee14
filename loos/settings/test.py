"""Tests run against PostgreSQL and Redis (DATABASE_URL / REDIS_URL, else local defaults)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loos")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("DEVTOOLS", "true")  # the town generator has tests

from .base import *  # noqa: E402, F403
from .base import REDIS_URL, env  # noqa: E402

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In-memory outbox, unless a test gives a worker a real SMTP server through EMAIL_URL.
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tests run tasks in-process unless a test starts a real worker (see tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CACHES = {
    "default": {
        "BACKEND": "loos.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"loos-test-{os.getpid()}",
    },
    "pages": {
        "BACKEND": "loos.cache.ResilientRedisCache",
        "LOCATION": env("REDIS_CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": f"loos-test-{os.getpid()}",
    },
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files come straight from the finders; nothing is collected outside production.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
