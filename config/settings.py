"""Settings for K-AI Arena.

Everything that differs between a laptop demo, CI and production is read from the environment
once, here. Defaults give the embedded demo: a SQLite file and the Redis at 127.0.0.1:6379.
"""
import ipaddress
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import tunables

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# ARENA_ENV=production turns on every defence a public contest needs (secure cookies, HSTS,
# proof of work, two-factor sign-in for organizers and experts) and refuses demo secrets.
PRODUCTION = env("ARENA_ENV", default="demo") == "production"
DEMO_SECRET_KEY = "insecure-demo-key-set-SECRET_KEY-in-production"
SECRET_KEY = env("SECRET_KEY", default=DEMO_SECRET_KEY)
# Key of the voter pseudonyms (an HMAC of the browser session). Its own setting, so that
# rotating SECRET_KEY never splits a voter in two: keep it secret and never change it during a
# contest (docs/integrity.md). Production (and `manage.py check --deploy`) refuses the demo default.
VOTER_HASH_KEY_DEMO = "insecure-demo-voter-key-set-VOTER_HASH_KEY-in-production"
VOTER_HASH_KEY = env("VOTER_HASH_KEY", default=VOTER_HASH_KEY_DEMO)
# The proof-of-work challenges' HMAC key; unset, it is derived from SECRET_KEY.
POW_HMAC_KEY = env("ARENA_POW_HMAC_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
if PRODUCTION:
    # Refuse to start with a weak, demo or shared key, naming each (config/keys.py).
    from config.keys import key_problems, keys_refusal, refuse

    _problems = key_problems(
        {"SECRET_KEY": SECRET_KEY, "VOTER_HASH_KEY": VOTER_HASH_KEY,
         **({"ARENA_POW_HMAC_KEY": POW_HMAC_KEY} if POW_HMAC_KEY else {})},
        demo_values={DEMO_SECRET_KEY, VOTER_HASH_KEY_DEMO},
    )
    if _problems:
        refuse(keys_refusal(_problems))
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config.apps.AdminConfig",  # Django's admin, signed in to through the console's sign-in
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",  # serves its Swagger UI files itself, so /api/docs needs no CDN
    "contest",
    "arena",
    "voting",
    "expert",  # the expert track, above voting: it lends voting its judgments (expert.apps)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.KoreanFirstLocaleMiddleware",
    "config.middleware.RequestGuardMiddleware",  # before any that reads the host or the body
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "config.middleware.EnrolmentRequiredMiddleware",  # after OTPMiddleware: see its docstring
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.SyncChainMiddleware",  # last: see its docstring
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: a SQLite file by default (WAL, and BEGIN IMMEDIATE so that concurrent writers queue
# instead of failing with "database is locked"); DATABASE_URL selects PostgreSQL.
# Seconds a request waits for a free database connection of its process's pool before the API
# answers 503 (Django's pool below, and the vote's own in voting/fast_vote.py).
DB_POOL_TIMEOUT = env.float("DB_POOL_TIMEOUT", default=10.0)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The default SQLite file (and the test one) live in var/, which a fresh clone does not
    # have: the settings that choose these paths create their folders, whether or not an
    # embedded Redis also needs var/.
    VAR_DIR.mkdir(exist_ok=True)
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file, not ":memory:", so that the worker and ASGI processes of end-to-end tests share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
elif env.bool("DB_POOL", default=True):
    # Each ASGI request runs in a thread of its own, and so does each Celery task of the
    # threads pool: with persistent connections every thread kept one (past max_connections
    # under load), without them every request paid for a new backend. A pool per process
    # (psycopg_pool, Django's "pool" option) hands a few connections around and bounds them;
    # Django returns a request's connection to the pool when the request ends, which requires
    # CONN_MAX_AGE = 0. A request that waits DB_POOL_TIMEOUT seconds for a free connection gets
    # the API's 503 (config.api) instead of queueing without end.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
        "timeout": DB_POOL_TIMEOUT,
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: the site's queries are short lookups, and PostgreSQL compiles any
    # query whose estimated cost passes jit_above_cost, which a lookup's estimate can do while
    # the statistics are stale or missing, and compiling then costs far more than the lookup
    # (docs/performance.md). A DATABASE_URL's own `options` are kept.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "config.cache.RedisCache",  # one Redis connection pool per process
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_PREFIX", default="kai"),
        # Shared by every request thread, the pool is bounded: past REDIS_POOL_MAX_SIZE
        # connections a thread waits (up to 10 s) for a free one instead of failing.
        "OPTIONS": {
            "pool_class": "redis.BlockingConnectionPool",
            "max_connections": env.int("REDIS_POOL_MAX_SIZE", default=50),
            "timeout": 10,
        },
    }
}

# Redis pub/sub, not the list-based RedisChannelLayer: a web process then receives every
# websocket's messages pushed on one subscription instead of popping them one round trip at a
# time, which capped delivery near 1,500 token batches a second (docs/performance.md). Nothing
# is lost by having no queue: a browser that (re)connects catches up from the snapshot.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [REDIS_URL],
            "prefix": env("CHANNEL_PREFIX", default="kai-asgi"),
        },
    }
}

# Organizers and experts sign in (see config/roles.py); citizens stay anonymous.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Organizers and experts prove a second factor (TOTP, django-otp) at sign-in: required in
# production. A first organizer bootstraps with `manage.py addstatictoken <user>` (a one-time
# code), and the site then leads them to enrol an authenticator app (config/second_factor.py).
TWO_FACTOR_REQUIRED = env.bool("ARENA_2FA", default=PRODUCTION)
# The issuer an authenticator app lists the account under (the otpauth:// URI's).
OTP_TOTP_ISSUER = "K-AI 아레나"
# Sign-in attempts per username and per client network (django-ratelimit, in Redis).
LOGIN_LIMITS = {
    "username": env("LOGIN_LIMIT_USERNAME", default="5/15m"),
    "network": env("LOGIN_LIMIT_NETWORK", default="50/h"),
}

# Production: cookies only over HTTPS, HSTS, and the TLS proxy's word on the scheme.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=PRODUCTION)
# Not HttpOnly: the page's script reads the CSRF cookie to send X-CSRFToken (static/arena/api.js).
CSRF_COOKIE_HTTPONLY = False
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
if env.bool("BEHIND_TLS_PROXY", default=PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
# kombu's Redis transport, reusing one client for its publishes and acks (config/broker.py).
if CELERY_BROKER_URL.startswith("redis://"):
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
CELERY_RESULT_BACKEND = None
# One result backend object per process, not per thread. Making one scans every installed
# package's entry points (importlib.metadata reads their files), and under ASGI each request
# runs in a new thread, so each battle start paid that scan to dispatch its two tasks
# (docs/performance.md). The disabled backend holds no state, so sharing it is safe.
CELERY_RESULT_BACKEND_THREAD_SAFE = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A side's task only hands its stream to the process's event loop (arena.runner) and waits, so
# a pool thread costs a parked thread, not a busy one: hundreds fit in one worker process.
# 1,000, not 500: 500 battles at once are 1,000 sides, and with 500 threads the later sides
# queued for a thread.
# `celery -A config worker` runs this configuration; docs/performance.md has the measurements.
CELERY_WORKER_POOL = env("CELERY_WORKER_POOL", default="threads")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=1000)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Seoul"
# One queue name per deployment, so that two sites (or a test run) on one Redis never take
# each other's work.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="arena")

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("한국어")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Serve files straight from the finders when collectstatic has not run (the demo and tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Every line carries the request id that started it (config/logs.py), from the web process into
# the worker's lines about the battle's sides. LOG_FORMAT=json (production's default): one JSON
# object a line (python-json-logger), for a log collector; plain: for a person at a terminal.
LOG_FORMAT = env("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT,
                             "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
# The worker logs through LOGGING above, not Celery's own format, so its lines are JSON too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The contest's own tunables (config/tunables.py): every one is a setting, read from its own
# environment variable, so that a contest can tune it without a deploy. The arena's limits:
ARENA = tunables.arena(env, production=PRODUCTION, pow_hmac_key=POW_HMAC_KEY or f"pow:{SECRET_KEY}")
CSRF_FAILURE_VIEW = "config.api.csrf_failure"

# The client address of the caps and the sign-in throttle (config.limits.client_ip): the
# socket's peer, unless that peer is one of TRUSTED_PROXIES (addresses or networks; * when
# nothing but the proxy can reach this server) and CLIENT_IP_HEADER names the header they set
# (HTTP_X_FORWARDED_FOR, or X-Forwarded-For as sent); the two go together.
CLIENT_IP_HEADER = env("CLIENT_IP_HEADER", default="")
if CLIENT_IP_HEADER and not CLIENT_IP_HEADER.startswith("HTTP_"):
    CLIENT_IP_HEADER = "HTTP_" + CLIENT_IP_HEADER.upper().replace("-", "_")
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
if bool(CLIENT_IP_HEADER) != bool(TRUSTED_PROXIES):
    raise ImproperlyConfigured(
        "CLIENT_IP_HEADER and TRUSTED_PROXIES go together: the header your reverse proxy sets "
        "(e.g. X-Forwarded-For) and that proxy's addresses or networks as this server sees them "
        "(e.g. 172.16.0.0/12 for Docker's networks), or neither."
    )
for _proxy in TRUSTED_PROXIES:
    try:
        if _proxy != "*":
            ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is neither an address, a network (a.b.c.d/n) nor *."
        ) from None
RATELIMIT_IP_META_KEY = "config.limits.client_ip"
RATELIMIT_IPV4_MASK = 24
RATELIMIT_IPV6_MASK = 64

# Content-Security-Policy (django-csp): every script, style, image and connection comes from
# this site, with no inline script or style allowed, so injected markup cannot run or restyle
# the page even if it got past the Markdown sanitiser. 'self' covers the same host's
# websockets in current browsers.
SELF, NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The leaderboards and the anomalous-voter screen (config/tunables.py), and what beat runs.
LEADERBOARD = tunables.leaderboard(env)
ANOMALY = tunables.anomaly(env)
# One beat at a time, however many run (docs/operations.md, "Scale out"): celery-redbeat keeps
# the schedule and its last runs in Redis and holds a Redis lock while it runs; another beat
# waits for the lock, so a deployment may start a standby beat (or two by mistake) and each
# entry still runs once per period. The lock lapses BEAT_LOCK_SECONDS after a lost beat's last
# tick (a standby asks every BEAT_TICK_SECONDS); a beat that finds its lock gone (Redis emptied)
# exits, and its supervisor starts it again. Keys are per queue: one deployment, one beat.
BEAT_TICK_SECONDS = 5
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = BEAT_TICK_SECONDS
CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL  # config/celery.py hands it to redbeat
CELERY_REDBEAT_KEY_PREFIX = f"{CELERY_TASK_DEFAULT_QUEUE}:redbeat:"
CELERY_REDBEAT_LOCK_TIMEOUT = 5 * BEAT_TICK_SECONDS
CELERY_BEAT_SCHEDULE = {
    "entrants-probe": {
        "task": "arena.tasks.entrants_probe_due",
        "schedule": ARENA["HEALTH_PROBE_EVERY_SECONDS"],
    },
    "responses-reap": {
        "task": "arena.tasks.responses_reap_due",
        "schedule": ARENA["REAP_EVERY_SECONDS"],
        # A reap no worker took in time is dropped: the next one does its work.
        "options": {"expires": ARENA["REAP_EVERY_SECONDS"]},
    },
    "leaderboards-refresh": {
        "task": "voting.tasks.leaderboards_refresh",
        "schedule": LEADERBOARD["REFRESH_SECONDS"],
    },
    "voters-screen": {
        "task": "voting.tasks.voters_screen",
        "schedule": ANOMALY["SCREEN_SECONDS"],
    },
}

# Health and metrics (config/health.py, config/metrics.py; docs/operations.md). `/metrics` asks
# for `Authorization: Bearer <METRICS_TOKEN>`. Without a token it answers only a demo's own
# loopback, and production refuses to start: behind a proxy on the same host every request
# comes from the loopback. METRICS_ENABLED=false turns the endpoint off instead.
# Each readiness check (database, Redis, a worker's ping) gets HEALTH_CHECK_TIMEOUT_SECONDS.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
METRICS_TOKEN = env("METRICS_TOKEN", default="")
if PRODUCTION and METRICS_ENABLED and not METRICS_TOKEN:
    from config.keys import HOW_TO_MAKE_ONE, refuse

    refuse(
        "ARENA_ENV=production refuses /metrics without METRICS_TOKEN: behind a proxy on the same "
        "host every request comes from the loopback, so the loopback proves nothing. Set "
        f"METRICS_TOKEN (make one with: {HOW_TO_MAKE_ONE}) and give it to Prometheus, or set "
        "METRICS_ENABLED=false to turn /metrics off."
    )
HEALTH_CHECK_TIMEOUT_SECONDS = env.float("HEALTH_CHECK_TIMEOUT_SECONDS", default=2.0)

# Organizer exports (console and management commands) are written under this folder, one
# sub-folder per export job; only organizers can download them.
EXPORTS_DIR = Path(env("EXPORTS_DIR", default=str(VAR_DIR / "exports")))

# Mail (expert invitations, password resets): printed to the console unless EMAIL_URL names an
# SMTP server, e.g. smtp+tls://user:password@mail.example.org:587; production requires one.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
if PRODUCTION and EMAIL_BACKEND in (  # noqa: F821 (set by the line above)
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
):
    # Invitation and password-reset links are credentials: in a log or a file they are anyone's.
    raise ImproperlyConfigured(
        "ARENA_ENV=production refuses an EMAIL_URL that writes mail to the console or a file "
        "(invitation and password-reset links would land in the log): set EMAIL_URL to your "
        "mail server, e.g. smtp+tls://user:password@mail.example.org:587."
    )
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="K-AI Arena <noreply@localhost>")

# The expert track (see docs/expert-track.md).
EXPERT = tunables.expert(env)
