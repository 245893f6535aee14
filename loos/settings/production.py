"""Production: refuses to start without a real SECRET_KEY; passes `check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("Set the SECRET_KEY environment variable to a long random value.")

DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# Behind nginx, which overwrites X-Forwarded-Proto (deploy/nginx/loos-proxy.conf), the scheme
# it reports is trusted; without a proxy the header could come from anyone, so it is ignored.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Only a plain-http benchmark on loopback turns these off (SECURE_COOKIES=false).
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Through PgBouncer in transaction pooling (DATABASE_POOLER=pgbouncer, docs/deployment.md):
# consecutive transactions may run on different PostgreSQL sessions, so nothing may outlive a
# transaction there: no server-side cursors (QuerySet.iterator()) and no prepared statements
# (psycopg prepares a query run five times on a connection).
DATABASE_POOLER = env("DATABASE_POOLER", default="")
if DATABASE_POOLER == "pgbouncer":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None  # noqa: F405
elif DATABASE_POOLER:
    raise ImproperlyConfigured("DATABASE_POOLER is either empty or 'pgbouncer'.")
# The pages cache may live on a Redis of its own (REDIS_CACHE_URL, base.py); the default
# cache (rate limits, allauth's locks) stays beside the broker, which never evicts.
