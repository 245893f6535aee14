"""Settings shared by every environment, read from environment variables.

With no variable set, the site runs on the embedded default: SQLite, Celery tasks run
eagerly in-process, the cache in local memory.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
TOWN_NAME = env("TOWN_NAME", default="Loos-en-Gohelle")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rules.apps.AutodiscoverRulesConfig",
    "crispy_forms",
    "crispy_bootstrap5",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "citizens",
    "moderation",
    "projects",
    "consultations",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "loos.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "loos.urls"
WSGI_APPLICATION = "loos.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "citizens.context_processors.site",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "loos.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "loos",
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "citizens.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    # Argon2id with OWASP's parameters (see citizens/hashers.py); PBKDF2 hashes made before
    # are still checked and upgraded at the next login.
    default=[
        "citizens.hashers.OwaspArgon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "citizens:account"

# django-allauth: email is the login, verified before anything else.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_SIGNUP_FORM_CLASS = "citizens.forms.SignupExtraForm"
ACCOUNT_ADAPTER = "citizens.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{TOWN_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
# allauth's rate limits stay on (its defaults), and need a shared cache in production.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = TOWN_NAME

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{TOWN_NAME} <participation@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# Celery: eager in-process without Redis (the embedded default), on Redis otherwise.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
# Above the longest countdown or retry backoff we use (1 hour), so Redis never
# redelivers a task that is merely waiting. A task whose worker died unacknowledged is
# redelivered once this has passed (docs/readme-faults.md); tests lower it through the env.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 3600),
    # A broker that does not answer fails a publish in seconds instead of holding a request.
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Emails to one person go on their own queue, so a digest fan-out never delays them.
CELERY_TASK_ROUTES = {
    "citizens.tasks.send_account_email": {"queue": "emails"},
}
CELERY_BEAT_SCHEDULE: dict = {}

# Notifications: immediate emails on `emails`, digest fan-out and sends on `digests`.
CELERY_TASK_ROUTES |= {
    "citizens.tasks.send_notification_emails": {"queue": "emails"},
    "citizens.tasks.send_digest_chunk": {"queue": "digests"},
    "citizens.tasks.digests_fan_out": {"queue": "digests"},
    "citizens.tasks.team_moderation_summary": {"queue": "digests"},
}
CELERY_BEAT_SCHEDULE |= {
    # Each pass is idempotent; the later ones pick up what a lost broker dropped.
    "notifications-daily-digest": {
        "task": "citizens.tasks.digests_fan_out",
        "schedule": crontab(minute=0, hour="7-10"),
        "kwargs": {"frequency": "daily"},
    },
    "notifications-weekly-digest": {
        "task": "citizens.tasks.digests_fan_out",
        "schedule": crontab(minute=15, hour="7-10", day_of_week="mon"),
        "kwargs": {"frequency": "weekly"},
    },
    "notifications-team-moderation-summary": {
        "task": "citizens.tasks.team_moderation_summary",
        "schedule": crontab(minute=30, hour=8),
    },
    "notifications-outbox-sweep": {"task": "citizens.tasks.deliveries_sweep", "schedule": 60.0},
    # The log of content changes cached pages are keyed by: the last row of each object.
    "content-changes-compact": {
        "task": "citizens.tasks.content_changes_compact",
        "schedule": crontab(minute=45, hour=3),
    },
    "notifications-purge": {
        "task": "citizens.tasks.notifications_purge",
        "schedule": crontab(minute=30, hour=3, day_of_week="sun"),
    },
    "notifications-consultations-opened": {
        "task": "consultations.notifications.consultations_notify_opened",
        "schedule": crontab(minute="*/5"),
    },
    "notifications-consultations-closing-soon": {
        "task": "consultations.notifications.consultations_notify_closing_soon",
        "schedule": crontab(minute=10),
    },
}
# Base of the exponential backoff (seconds) when the SMTP server refuses for now.
NOTIFICATIONS_RETRY_BACKOFF = env.int("NOTIFICATIONS_RETRY_BACKOFF", default=30)
# Residents per digest task: each task writes their rows, then sends them.
NOTIFICATIONS_DIGEST_CHUNK = env.int("NOTIFICATIONS_DIGEST_CHUNK", default=500)
# Notifications and their email log are forgotten after this many days.
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=365)

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Map tiles: residents' browsers load them only from this URL; empty means no tiles.
MAP_TILES_URL = env("MAP_TILES_URL", default="")
MAP_TILES_ATTRIBUTION = env("MAP_TILES_ATTRIBUTION", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Writes per resident: "<count>/<s|m|h|d>" windows (citizens.ratelimit). A 429 page explains.
RATE_LIMITS = {
    "propose": ["3/m", "10/d"],
    "comment": ["6/m", "120/d"],
    "contribute": ["5/m", "60/d"],
    "vote": ["10/m", "200/d"],
    "flag": ["10/m", "60/d"],
    "support": ["30/m", "500/d"],
    "follow": ["30/m", "500/d"],
}
# allauth's own limits, set explicitly: signups and password resets per IP, and a login
# lockout after repeated failures for one account ("key" is the email).
ACCOUNT_RATE_LIMITS = {
    "signup": "10/h/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "5/m/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}

# What each role may do in the admin (Django model permissions, synced after migrate).
_TEAM_MODELS = {
    "projects": ["project", "projectupdate", "statuschange", "comment"],
    "consultations": [
        "consultation",
        "option",
        "contribution",
        "synthesis",
    ],
    "citizens": ["neighbourhood"],
}
ROLE_PERMISSIONS = {
    "municipal_team": [
        f"{app}.{action}_{model}"
        for app, models in _TEAM_MODELS.items()
        for model in models
        for action in ("view", "add", "change")
    ]
    + [
        "moderation.view_moderationlog",
        "moderation.view_flag",
        "citizens.view_user",
        "projects.delete_projectupdate",
        "consultations.delete_option",
    ],
    "mayors_office": [],
}

# Benchmarks (`make bench`): a floor page and a per-response SQL query count header.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)
if env.bool("QUERY_COUNT_HEADER", default=False):
    MIDDLEWARE.insert(0, "loos.middleware.QueryCountHeaderMiddleware")

# Behind a reverse proxy, how many X-Forwarded-For hops to trust for client IPs (allauth's
# per-IP limits). 0: use REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Personal data and staff security (issue 7) ------------------------------------------
# Sessions record their account so that deleting an account ends its sessions.
SESSION_ENGINE = "citizens.sessions"
# Residents' data downloads: private files, outside MEDIA_ROOT and static, served only through
# a view that checks their owner. Several servers must share this folder (a mounted volume).
PRIVATE_STORAGE_ROOT = env("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "private"))
DATA_EXPORT_TTL_DAYS = 7
# Staff (municipal team, mayor's office, superusers) need TOTP for these paths, and their
# sessions end after this many seconds without a request.
STAFF_MFA_REQUIRED_PATHS = ["/admin/", "/rapports/"]
STAFF_SESSION_IDLE_SECONDS = 30 * 60
MIDDLEWARE += ["citizens.middleware.StaffSecurityMiddleware"]
CELERY_BEAT_SCHEDULE["purge-expired-data-exports"] = {
    "task": "citizens.tasks.purge_data_exports",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["clear-expired-sessions"] = {
    "task": "citizens.tasks.clear_expired_sessions",
    "schedule": 24 * 3600.0,
}
# Who residents write to about their data and the site's accessibility (shown on
# /confidentialite/ and /accessibilite/; without them, the pages point to the town hall).
PRIVACY_CONTACT_EMAIL = env("PRIVACY_CONTACT_EMAIL", default="")
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL", default="")
TOWN_HALL_ADDRESS = env("TOWN_HALL_ADDRESS", default="")

# --- Faults: outages of PostgreSQL and Redis (issue 9, docs/readme-faults.md) --------------
# A persistent connection is checked before it is reused, so the first request after a
# PostgreSQL restart opens a new one instead of failing; connecting gives up after a few
# seconds rather than holding a worker. Meanwhile requests answer 503 (loos.outage).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if USING_POSTGRES:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
MIDDLEWARE += ["loos.outage.DatabaseOutageMiddleware"]
OUTAGE_RETRY_AFTER = 30  # seconds, sent as Retry-After with the 503
# Tasks are fire-and-forget: nobody reads their results. Without this, every enqueue also
# subscribes to the result backend, which blocks a request ~20 s when Redis is down.
CELERY_TASK_IGNORE_RESULT = True
LOGGING["filters"] = {"skip_outage_tracebacks": {"()": "loos.outage.SkipOutageTracebacks"}}
LOGGING["loggers"]["django.request"] = {"filters": ["skip_outage_tracebacks"]}
CELERY_BEAT_SCHEDULE["resume-data-exports"] = {
    "task": "citizens.tasks.resume_data_exports",
    "schedule": 600.0,
}
ACCOUNT_FORMS = {"signup": "citizens.signup.AtomicSignupForm"}

# --- Participation reports (reports app) ---------------------------------------------------
# First day of the current municipal term: the "mandat en cours" preset of /rapports/ starts here.
REPORTS_TERM_START = env("REPORTS_TERM_START", default="2020-07-01")
# Exported reports are personal: kept outside MEDIA_ROOT and static, served to their owner only.
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=PRIVATE_STORAGE_ROOT)
# Exports are deleted after this many days.
REPORTS_EXPORT_RETENTION_DAYS = env.int("REPORTS_EXPORT_RETENTION_DAYS", default=7)
CELERY_BEAT_SCHEDULE["reports-precompute-town"] = {
    "task": "reports.tasks.precompute_town_reports",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["reports-purge-exports"] = {
    "task": "reports.tasks.purge_old_exports",
    "schedule": 6 * 3600.0,
}
# Memory PostgreSQL may use per sort or hash while computing a report (one transaction only).
REPORTS_WORK_MEM = env("REPORTS_WORK_MEM", default="64MB")
# A report's independent groups of queries run on this many connections at once (PostgreSQL).
REPORTS_QUERY_THREADS = env.int("REPORTS_QUERY_THREADS", default=3)

# --- Hostile input (issue 9) --------------------------------------------------------------
# Admin query strings carrying NUL characters or impossible dates get a 400 page, not a 500.
MIDDLEWARE += ["loos.query_guard.HostileQueryMiddleware"]

# Fragments of the busiest pages cached in Redis under versions PostgreSQL keeps
# (loos/fragments.py); off on SQLite, where there are no triggers.
FRAGMENT_CACHE = env.bool("FRAGMENT_CACHE", default=True)
FRAGMENT_CACHE_TIMEOUT = env.int("FRAGMENT_CACHE_TIMEOUT", default=3600)
