"""Settings shared by every environment, read from environment variables.

With no variable set, the site runs on the embedded default: SQLite, Celery tasks run
eagerly in-process, the cache in local memory. One section per concern; `local.py`,
`production.py` and `test.py` override a few values, never append to lists.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Core ------------------------------------------------------------------------------------
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
TOWN_NAME = env("TOWN_NAME", default="Loos-en-Gohelle")
ROOT_URLCONF = "loos.urls"
WSGI_APPLICATION = "loos.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Benchmarks (`make bench`): a floor page and a per-response SQL query count header.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)
QUERY_COUNT_HEADER = env.bool("QUERY_COUNT_HEADER", default=False)

MIDDLEWARE = [
    *(["loos.middleware.QueryCountHeaderMiddleware"] if QUERY_COUNT_HEADER else []),
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
    # Staff need TOTP for STAFF_MFA_REQUIRED_PATHS; their idle sessions end.
    "citizens.middleware.StaffSecurityMiddleware",
    # PostgreSQL unreachable: a 503 page with Retry-After instead of a 500 (docs/faults.md).
    "loos.outage.DatabaseOutageMiddleware",
    # Admin query strings carrying NUL characters or impossible dates get a 400, not a 500.
    "loos.query_guard.HostileQueryMiddleware",
]

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"skip_outage_tracebacks": {"()": "loos.outage.SkipOutageTracebacks"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.request": {"filters": ["skip_outage_tracebacks"]},
    },
}

# --- Apps ------------------------------------------------------------------------------------
# Developer and benchmark tools (devtools/): on in local and test settings, off in production
# unless a benchmark turns them on (scripts/bench_pages.py).
DEVTOOLS = env.bool("DEVTOOLS", default=False)
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
    "pagecache",
    *(["devtools"] if DEVTOOLS else []),
]
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Database --------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A persistent connection is checked before it is reused, so the first request after a
# PostgreSQL restart opens a new one instead of failing; connecting gives up after a few
# seconds rather than holding a worker. Meanwhile requests answer 503 (loos.outage).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if USING_POSTGRES:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
OUTAGE_RETRY_AFTER = 30  # seconds, sent as Retry-After with the 503

# --- Cache -----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# The cached pages (pagecache) may live on their own Redis, run with maxmemory and
# allkeys-lru, apart from the Celery broker (README, "Configuration").
REDIS_CACHE_URL = env("REDIS_CACHE_URL", default="") or REDIS_URL
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "loos.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "loos",
            "TIMEOUT": 300,
        },
        "pages": {
            "BACKEND": "loos.cache.ResilientRedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": "loos",
        },
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Fragments of the busiest pages cached in Redis (the "pages" cache) under versions
# PostgreSQL keeps (pagecache/); off on SQLite, where there are no triggers.
FRAGMENT_CACHE = env.bool("FRAGMENT_CACHE", default=True)
FRAGMENT_CACHE_TIMEOUT = env.int("FRAGMENT_CACHE_TIMEOUT", default=3600)
# Slots per page for free-text searches (pagecache.fragments): bounds what searches can store.
PAGECACHE_TEXT_SLOTS = env.int("PAGECACHE_TEXT_SLOTS", default=256)

# --- Celery ----------------------------------------------------------------------------------
# Eager in-process without Redis (the embedded default), on Redis otherwise.
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
CELERY_TIMEZONE = "Europe/Paris"
# Tasks are fire-and-forget: nobody reads their results. Without this, every enqueue also
# subscribes to the result backend, which blocks a request ~20 s when Redis is down.
CELERY_TASK_IGNORE_RESULT = True
# Above the longest countdown or retry backoff we use (1 hour), so Redis never
# redelivers a task that is merely waiting. A task whose worker died unacknowledged is
# redelivered once this has passed (docs/faults.md); tests lower it through the env.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 3600),
    # A broker that does not answer fails a publish in seconds instead of holding a request.
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Emails to one person go on their own queue (`emails`), so a digest fan-out (`digests`)
# never delays them.
CELERY_TASK_ROUTES = {
    "citizens.tasks.send_account_email": {"queue": "emails"},
    "citizens.tasks.send_notification_emails": {"queue": "emails"},
    "citizens.tasks.send_digest_chunk": {"queue": "digests"},
    "citizens.tasks.digests_fan_out": {"queue": "digests"},
    "citizens.tasks.team_moderation_summary": {"queue": "digests"},
}
CELERY_BEAT_SCHEDULE = {
    # Notifications. Each digest pass is idempotent; the later ones pick up what a lost
    # broker dropped.
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
    # The log of content changes cached pages are keyed by: the last row of each object.
    "content-changes-compact": {
        "task": "pagecache.tasks.content_changes_compact",
        "schedule": crontab(minute=45, hour=3),
    },
    # Personal data: expired downloads and sessions go; downloads the broker lost are resent.
    "purge-expired-data-exports": {
        "task": "citizens.tasks.purge_data_exports",
        "schedule": 3600.0,
    },
    "clear-expired-sessions": {
        "task": "citizens.tasks.clear_expired_sessions",
        "schedule": 24 * 3600.0,
    },
    "resume-data-exports": {
        "task": "citizens.tasks.resume_data_exports",
        "schedule": 600.0,
    },
    # Participation reports.
    "reports-precompute-town": {
        "task": "reports.tasks.precompute_town_reports",
        "schedule": 3600.0,
    },
    "reports-purge-exports": {
        "task": "reports.tasks.purge_old_exports",
        "schedule": 6 * 3600.0,
    },
}

# --- Email -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{TOWN_NAME} <participation@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# --- Security --------------------------------------------------------------------------------
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
# Sessions record their account so that deleting an account ends its sessions.
SESSION_ENGINE = "citizens.sessions"
SESSION_COOKIE_HTTPONLY = True
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Staff (municipal team, mayor's office, superusers) need TOTP for these paths, and their
# sessions end after this many seconds without a request.
STAFF_MFA_REQUIRED_PATHS = ["/admin/", "/rapports/"]
STAFF_SESSION_IDLE_SECONDS = 30 * 60
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

# --- allauth ---------------------------------------------------------------------------------
# Email is the login, verified before anything else.
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
ACCOUNT_FORMS = {"signup": "citizens.signup.AtomicSignupForm"}
ACCOUNT_ADAPTER = "citizens.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{TOWN_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
# allauth's own limits, set explicitly: signups and password resets per IP, and a login
# lockout after repeated failures for one account ("key" is the email). They need a shared
# cache in production.
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
# Behind a reverse proxy, how many X-Forwarded-For hops to trust for client IPs (allauth's
# per-IP limits). 0: use REMOTE_ADDR.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = TOWN_NAME

# --- Internationalisation --------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = CELERY_TIMEZONE
USE_I18N = True
USE_TZ = True

# --- Static and media files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "media"))
# Residents' data downloads: private files, outside MEDIA_ROOT and static, served only through
# a view that checks their owner. Several servers must share this folder (a mounted volume).
PRIVATE_STORAGE_ROOT = env("PRIVATE_STORAGE_ROOT", default=str(BASE_DIR / "private"))
# Exported reports are personal too: kept outside MEDIA_ROOT and static, served to their owner.
PRIVATE_MEDIA_ROOT = env("PRIVATE_MEDIA_ROOT", default=PRIVATE_STORAGE_ROOT)

# --- Project settings ------------------------------------------------------------------------
# Map tiles: residents' browsers load them only from this URL; empty means no tiles.
MAP_TILES_URL = env("MAP_TILES_URL", default="")
MAP_TILES_ATTRIBUTION = env("MAP_TILES_ATTRIBUTION", default="")
# Who residents write to about their data and the site's accessibility (shown on
# /confidentialite/ and /accessibilite/; without them, the pages point to the town hall).
PRIVACY_CONTACT_EMAIL = env("PRIVACY_CONTACT_EMAIL", default="")
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL", default="")
TOWN_HALL_ADDRESS = env("TOWN_HALL_ADDRESS", default="")
# Residents' data downloads are deleted after this many days.
DATA_EXPORT_TTL_DAYS = 7
# Notifications: base of the exponential backoff (seconds) when the SMTP server refuses for
# now; residents per digest task (each task writes their rows, then sends them); days after
# which notifications and their email log are forgotten.
NOTIFICATIONS_RETRY_BACKOFF = env.int("NOTIFICATIONS_RETRY_BACKOFF", default=30)
NOTIFICATIONS_DIGEST_CHUNK = env.int("NOTIFICATIONS_DIGEST_CHUNK", default=500)
NOTIFICATIONS_RETENTION_DAYS = env.int("NOTIFICATIONS_RETENTION_DAYS", default=365)
# Reports: first day of the current municipal term (the "mandat en cours" preset of
# /rapports/ starts here); days an export is kept; memory PostgreSQL may use per sort or hash
# while computing a report (one transaction only); connections a report's independent groups
# of queries run on at once (PostgreSQL).
REPORTS_TERM_START = env("REPORTS_TERM_START", default="2020-07-01")
REPORTS_EXPORT_RETENTION_DAYS = env.int("REPORTS_EXPORT_RETENTION_DAYS", default=7)
REPORTS_WORK_MEM = env("REPORTS_WORK_MEM", default="64MB")
REPORTS_QUERY_THREADS = env.int("REPORTS_QUERY_THREADS", default=3)
