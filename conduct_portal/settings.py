"""Settings for the Conduct Portal, read from the environment.

With no environment at all the portal runs on one machine: an SQLite file, Celery tasks run
in-process and e-mail goes to the console. `DJANGO_ENV=production` refuses to start on an
unsafe setting.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file. CONDUCT_PORTAL_ENV_FILE names another
# file, or none when empty: the test run's (tests/hermetic.py), so a developer's .env never
# reaches the tests.
ENV_FILE = env.str("CONDUCT_PORTAL_ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE, overwrite=False)

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
SECRET_KEY = env.str("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])


# A cache each process keeps for itself: sign-in counts and cached pages would differ by process.
UNSHARED_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}


def refuse_unsafe_production_settings() -> None:
    """Production must not start with a default secret, no allowed hosts, DEBUG on, no
    two-factor sign-in, a cache each process keeps to itself, or no broker."""
    problems = []
    if SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
        problems.append("SECRET_KEY must be set to a random value of at least 50 characters")
    if not ALLOWED_HOSTS:
        problems.append("ALLOWED_HOSTS must name the hosts the portal answers to")
    if DEBUG:
        problems.append("DEBUG must be off")
    if not env.bool("MFA_REQUIRED", default=True):
        problems.append("MFA_REQUIRED must be on: safeguarding data needs two-factor sign-in")
    cache_url = env.str("CACHE_URL", default="")
    try:
        cache_backend = environ.Env.cache_url_config(cache_url)["BACKEND"] if cache_url else ""
    except Exception:  # django-environ raises several kinds for an unknown scheme
        cache_backend = ""
    if not cache_backend or cache_backend in UNSHARED_CACHES:
        # Failed sign-ins are counted in the cache: per process, each would allow its own.
        problems.append(
            "CACHE_URL must point at a cache every web process shares (e.g. redis://…), "
            "not locmem, dummy or file"
        )
    broker = env.str("CELERY_BROKER_URL", default="")
    if not broker or broker.startswith("memory://"):
        # Without one, e-mails and escalations would run inside the web request.
        problems.append("CELERY_BROKER_URL must name the broker the workers use (e.g. redis://…)")
    if problems:
        raise ImproperlyConfigured("Unsafe production settings: " + "; ".join(problems))


if PRODUCTION:
    refuse_unsafe_production_settings()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    # One provider for every school's single sign-on: each school's or trust's Entra ID
    # tenant or Google Workspace is a SocialApp of its own (signin/README.md).
    "allauth.socialaccount.providers.openid_connect",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "people",
    "signin",
    "policies",
    "acknowledgements",
    "incidents",
    "allegations",
    "notifications",
    "governance",
    "audit",
    "ops",
    "seeding",  # seed_demo and seed_scale
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lib.htmx.HtmxRedirectMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "signin.sessions.SessionLifetimeMiddleware",
    "signin.mfa.RequireMFAMiddleware",
    "audit.middleware.RefusalAuditMiddleware",
]

ROOT_URLCONF = "conduct_portal.urls"
WSGI_APPLICATION = "conduct_portal.wsgi.application"
ASGI_APPLICATION = "conduct_portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The hottest fragments only (lib/jinja.py); every page is a Django template.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates_jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "lib.jinja.environment"},
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Django's server-side cursors cost PostgreSQL round trips for every iterated form choice list;
# the portal's lists are small, and plain cursors also work behind a transaction pooler.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    # PostgreSQL binds the parameters, and a statement a connection runs a second time is
    # prepared there: parsed and planned once, not on every request (half its CPU for a page,
    # bench/README.md). Off behind a pooler that hands one connection to many (PgBouncer's
    # transaction mode): DATABASE_PREPARED_STATEMENTS=false.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=2
    )
# The SQLite demo serves several people at once. SQLite has one writer at a time: a transaction
# that reads then writes (a sign-in, a report) would fail with "database is locked" when another
# wrote in between, so every transaction takes the write lock as it begins (IMMEDIATE) and waits
# up to 20 s for it; WAL lets readers go on while someone writes.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sign-in is by e-mail; people are added by their school, so nobody signs themselves up.
ACCOUNT_ADAPTER = "signin.adapters.AccountAdapter"  # people.adapters, and single sign-on only
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
# Failed sign-ins, counted in the shared cache (README, Security). A school's staff share one
# public address, so the tight limit is per account at an address (5 in 5 minutes:
# people.adapters), then per account from anywhere (20 an hour), and only then a ceiling per
# address high enough that one person's typos never lock out colleagues (200 an hour; the
# account's own limits stop counting a locked-out account against it). Each rate is checked
# in order and the first that refuses stops the rest. Every sign-in form sent (successful ones
# too) from one address: 120 a minute, for a staff room signing in together.
ACCOUNT_RATE_LIMITS = {
    "login_failed_account_at_address": "5/5m/key",
    "login_failed": "20/h/key,200/h/ip",
    "login": "120/m/ip",
}
# How many proxies of our own stand in front of the web processes, each appending to
# X-Forwarded-For (docker-compose.yml: 1). 0 ignores the header: right when gunicorn is reached
# directly, where anyone can write it. lib/client.py reads it; allauth is told the same.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# Tracking every request would cost a write each time: sessions are still listed and can be ended.
USERSESSIONS_TRACK_ACTIVITY = False
# Two-factor authentication: TOTP with recovery codes; required of the roles in
# signin.mfa, offered to everyone. Production refuses to start without it.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Passkeys are a second factor and, on their own, a way to sign in (user verification on the
# device counts as the second factor: signin.mfa).
MFA_PASSKEY_LOGIN_ENABLED = True
# WebAuthn needs a secure context; http://localhost is one, for the local demo and the tests.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=DEBUG)
MFA_ADAPTER = "signin.adapters.MFAAdapter"  # who must keep their authenticator
MFA_TOTP_ISSUER = "Conduct Portal"
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=PRODUCTION)
# Publishing a policy, exporting and changing who holds which role ask for the password (and
# code) again when the last sign-in is older than this.
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
LOGIN_URL = "account_login"
LOGIN_URL_PATH = "/accounts/login/"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# Single sign-on (signin/): only known people, matched by a verified e-mail address, and never a
# new account; the apps live in the database, one per school's or trust's configuration.
SOCIALACCOUNT_ADAPTER = "signin.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # signin.adapters connects, on its own rules
SOCIALACCOUNT_STORE_TOKENS = False  # the portal never calls the provider's APIs
SOCIALACCOUNT_LOGIN_ON_GET = False  # a sign-in starts with a POST (CSRF), never a link
# Where each kind of provider publishes its OpenID configuration ({tenant}: the Entra tenant).
# The tests point both at an OpenID Connect provider of their own on loopback.
SIGNIN_ISSUERS = {
    "microsoft": "https://login.microsoftonline.com/{tenant}/v2.0",
    "google": "https://accounts.google.com",
}
SIGNIN_FORM_ORIGINS = ["https://login.microsoftonline.com", "https://accounts.google.com"]

# Widgets (every <input> and <select>, crispy's included) from Django's own Jinja2 templates:
# the same HTML, several times faster to render than through the Django engine (the admin's
# own widgets, which have no Jinja2 template, through the Django engine: lib/forms.py).
FORM_RENDERER = "lib.forms.FastRenderer"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded evidence lives outside anything the web server serves.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private_media")))
# Evidence is at most 10 files of 10 MB a report; incidents/evidence/ refuses more, naming
# each file. This ceiling only turns away requests that no form of the portal could send.
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# E-mail: the console on one machine; EMAIL_URL (e.g. smtp://relay:25) in production.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Conduct Portal <portal@localhost>")
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Celery: with no broker configured, tasks run in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    # Named in full: an eager apply_async still takes a producer from kombu's pool, and a bare
    # "memory://" makes kombu warn, on every task, that it is guessing the host.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Urgent notifications have their own queue, served by their own worker
# (`celery -A conduct_portal worker -Q urgent`), so a Prevent alert never waits behind a backlog
# of reminders. A worker started without -Q serves both queues, so nothing is stranded.
CELERY_TASK_QUEUES = (Queue("celery"), Queue("urgent"))
CELERY_TASK_ROUTES = {
    "notifications.deliver_urgent": {"queue": "urgent"},
    "notifications.sweep": {"queue": "urgent"},
    "incidents.run_escalations": {"queue": "urgent"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "policy-review-reminders": {
        "task": "policies.send_review_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "signoff-reminders": {
        "task": "acknowledgements.send_signoff_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    "incident-escalations": {
        "task": "incidents.run_escalations",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Cases follow their roles when memberships start or end by date (incidents/handover.py).
    "incident-reroute": {
        "task": "incidents.reroute",
        "schedule": crontab(minute=5),
    },
    # Leavers recorded in advance are signed out once their last day has passed (signin/).
    "signin-leavers-sessions": {
        "task": "signin.end_leavers_sessions",
        "schedule": crontab(hour=0, minute=10),
    },
    "incident-retention": {
        "task": "incidents.run_retention",
        "schedule": crontab(hour=2, minute=15),
    },
    # Evidence files no record names: a report rolled back after writing them (incidents/evidence).
    "evidence-sweep": {
        "task": "incidents.sweep_evidence",
        "schedule": crontab(hour=2, minute=45),
    },
    # Concerns about adults (allegations/): the one-working-day LADO clock, and malicious
    # allegations removed once found so.
    "allegation-lado-escalations": {
        "task": "allegations.lado_escalations",
        "schedule": 300.0,
        "options": {"expires": 250},
    },
    "allegation-malicious-removal": {
        "task": "allegations.remove_malicious",
        "schedule": crontab(hour=2, minute=30),
    },
    "notifications-sweep": {
        "task": "notifications.sweep",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
}

# /healthz/status (ops/health.py): beyond these ages a beat task or the outbox counts as late,
# and workers have this long to answer. With a token set, monitoring must send it as
# "Authorization: Bearer <token>"; without one the status (states, counts, ages) is open.
HEALTH_HEARTBEAT_LATE_SECONDS = env.int("HEALTH_HEARTBEAT_LATE_SECONDS", default=180)
HEALTH_PENDING_LATE_SECONDS = env.int("HEALTH_PENDING_LATE_SECONDS", default=300)
HEALTH_WORKER_TIMEOUT = env.float("HEALTH_WORKER_TIMEOUT", default=1.0)
HEALTH_STATUS_TOKEN = env.str("HEALTH_STATUS_TOKEN", default="")

# A session ends after 30 minutes without a request, and 12 hours after sign-in whatever happens
# (signin.sessions); the cookie itself lasts no longer and dies with the browser.
SESSION_IDLE_SECONDS = 30 * 60
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No inline script or style anywhere: everything the pages run is a file in static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap draws its icons as data: SVG
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        # Starting single sign-on is a POST to the portal that redirects to the provider, and
        # browsers hold a form's redirects to form-action too.
        "form-action": ["'self'", *SIGNIN_FORM_ORIGINS],
        "frame-ancestors": ["'none'"],
    }
}

# The cache counts failed sign-ins: shared (Redis) in production, so every web process sees them.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "lib.redis_cache.RedisCache"  # one client, not one per call
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # A load balancer's health check speaks plain HTTP to the web process: answer it, not 301.
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/status)?$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # WeasyPrint narrates every step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # pikepdf announces its logging bridge in every process that parses a PDF.
        "pikepdf": {"level": "WARNING"},
    },
}
