"""Settings for K-AI Arena.

Everything that differs between a laptop demo, CI and production is read from the environment
once, here. Defaults give the embedded demo: a SQLite file and the Redis at 127.0.0.1:6379.
"""
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="insecure-demo-key-set-SECRET_KEY-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "ninja",  # serves its Swagger UI files itself, so /api/docs needs no CDN
    "contest",
    "arena",
    "voting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.KoreanFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_PREFIX", default="kai"),
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [REDIS_URL],
            "prefix": env("CHANNEL_PREFIX", default="kai-asgi"),
            "capacity": 1000,
            "expiry": 120,
        },
    }
}

# Organizers and experts sign in (see config/roles.py); citizens stay anonymous.
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}

# The arena's own limits. Every one is a setting so that a contest can tune it without a deploy.
ARENA = {
    "PROMPT_MAX_CHARS": env.int("ARENA_PROMPT_MAX_CHARS", default=4000),
    "MAX_TURNS": env.int("ARENA_MAX_TURNS", default=5),
    # Tokens are pushed to the browser at most this often (seconds) and in batches of at most
    # this many characters, so that a fast model does not flood the channel layer.
    "STREAM_BATCH_SECONDS": env.float("ARENA_STREAM_BATCH_SECONDS", default=0.05),
    "STREAM_BATCH_CHARS": env.int("ARENA_STREAM_BATCH_CHARS", default=200),
    # Battles started per session (and per client address) in a window, enforced in Redis.
    "BATTLE_RATE": env("ARENA_BATTLE_RATE", default="30/h"),
    "RESPONSE_MAX_CHARS": env.int("ARENA_RESPONSE_MAX_CHARS", default=20000),
}
CSRF_FAILURE_VIEW = "config.api.csrf_failure"

# Leaderboards: the bootstrap is seeded, so anyone recomputing from the export gets the same CIs.
LEADERBOARD = {
    "BOOTSTRAP_ROUNDS": env.int("LEADERBOARD_BOOTSTRAP_ROUNDS", default=1000),
    "SEED": env.int("LEADERBOARD_SEED", default=0),
    # The style-controlled view refits one row per vote, so it takes fewer rounds.
    "STYLE_BOOTSTRAP_ROUNDS": env.int("LEADERBOARD_STYLE_BOOTSTRAP_ROUNDS", default=100),
    # A model is shown as provisional (잠정) until it has this many counted votes.
    "PROVISIONAL_VOTES": env.int("LEADERBOARD_PROVISIONAL_VOTES", default=30),
    # Weights of each track in the combined board; published on the leaderboard page.
    "TRACK_WEIGHTS": {
        "citizen": env.float("LEADERBOARD_WEIGHT_CITIZEN", default=0.5),
        "expert": env.float("LEADERBOARD_WEIGHT_EXPERT", default=0.5),
    },
    "REFRESH_SECONDS": env.int("LEADERBOARD_REFRESH_SECONDS", default=60),
}
CELERY_BEAT_SCHEDULE = {
    "leaderboards-refresh": {
        "task": "voting.tasks.leaderboards_refresh",
        "schedule": LEADERBOARD["REFRESH_SECONDS"],
    }
}

# Mail (expert invitations): printed to the console unless EMAIL_URL names an SMTP server,
# e.g. smtp+tls://user:password@mail.example.org:587.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="K-AI Arena <noreply@localhost>")

# The expert track (see docs/expert-track.md).
EXPERT = {
    "RATIONALE_MIN_CHARS": env.int("EXPERT_RATIONALE_MIN_CHARS", default=20),
    "RATIONALE_MAX_CHARS": env.int("EXPERT_RATIONALE_MAX_CHARS", default=5000),
    "SKIP_REASON_MIN_CHARS": env.int("EXPERT_SKIP_REASON_MIN_CHARS", default=5),
    "JUDGES_PER_PAIR": env.int("EXPERT_JUDGES_PER_PAIR", default=3),
    "GOLD_PER_EXPERT": env.int("EXPERT_GOLD_PER_EXPERT", default=2),
    "IMPORT_MAX_ROWS": env.int("EXPERT_IMPORT_MAX_ROWS", default=5000),
    "PROMPT_MAX_CHARS": env.int("EXPERT_PROMPT_MAX_CHARS", default=8000),
}
