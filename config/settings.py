"""Django settings, read from the environment (see .env.example for every variable).

Local use needs no variable at all: SQLite under var/, Redis on 127.0.0.1, DEBUG on.
``APP_ENV=production`` turns on the production checks in ``config.checks``: DEBUG off,
a real SECRET_KEY, explicit ALLOWED_HOSTS.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import environ

from config.env import (
    EnvError,
    database_config,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_parsed,
    env_str,
    proxy_ssl_header,
    redis_url,
)
from trader.fx.providers import fixed_rates_parse

BASE_DIR = Path(__file__).resolve().parent.parent

# A local .env fills in what the environment does not set (never during tests, so a
# developer's .env cannot point the suite at a real database).
if os.environ.get("APP_ENV") != "test" and (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False, parse_comments=True)
VAR_DIR = Path(env_str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

APP_ENV = env_choice("APP_ENV", default="local", choices=("local", "production", "test"))
IS_PRODUCTION = APP_ENV == "production"

# The local default is deliberately recognisable: config.checks refuses it in production.
INSECURE_DEFAULT_SECRET_KEY = "insecure-local-development-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", default=None if IS_PRODUCTION else INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=not IS_PRODUCTION)
LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[] if IS_PRODUCTION else LOCAL_HOSTS)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
# CORS (seed trading-support "CORS enabled"), django-cors-headers: the browser origins allowed to call
# the API from another site's page (scheme://host[:port], comma-separated). None by default: only the
# platform's own pages. The API only (not the pages, the admin or /health); without cookies (a
# cross-site caller sends its X-API-Key). A malformed origin fails the system checks (corsheaders.E013).
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "content-type", "x-api-key", "x-requested-with")
CORS_EXPOSE_HEADERS = ("Retry-After",)  # throttled and exchange-busy answers say when to try again
PORT = env_int("PORT", default=8891, minimum=1, maximum=65535)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "corsheaders",
    "django_celery_beat",
    "config.apps.PlatformConfig",
    "coinex",
    "ta",
    "trader",
    "dashboard",
]

MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",  # first: a preflight is answered before anything else can answer
    "django.middleware.security.SecurityMiddleware",
    "trader.api.middleware.BodySizeLimitMiddleware",  # 413 before anything reads an oversized body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------
DATABASE_URL = env_parsed(
    "DATABASE_URL",
    default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    parse=database_config,
    what="database URL",
)
DATABASES = {"default": DATABASE_URL}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so a Celery worker or ASGI server started by a test shares it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    # Web, worker and beat write concurrently: WAL lets readers run beside the writer, and
    # IMMEDIATE transactions wait for the write lock instead of failing "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
else:
    # Under ASGI each request runs its sync code in a thread of its own, so persistent
    # connections (CONN_MAX_AGE > 0) pile up one per thread and are never handed back (all
    # 100 server connections held by one web process). Django's advice for ASGI: no
    # persistent connections, the backend's pool instead. Every connection is closed (or
    # returned to the pool) at the end of its request or Celery task.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The pool is for the web processes (config/asgi.py marks them with PLATFORM_WEB_PROCESS);
    # DB_POOL=false turns it off there too (e.g. behind PgBouncer). Celery's prefork children
    # do not pool: a pool's threads do not survive fork, and Celery closes the connection
    # after every task, so a worker holds at most one per child process.
    DB_POOL = env_bool("DB_POOL", default=os.environ.get("PLATFORM_WEB_PROCESS") == "1")
    # Per web process: the server's connections are at most WEB_CONCURRENCY x DB_POOL_MAX_SIZE.
    DB_POOL_MIN_SIZE = env_int("DB_POOL_MIN_SIZE", default=2, minimum=0, maximum=100)
    DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", default=4, minimum=1, maximum=100)
    if DB_POOL_MIN_SIZE > DB_POOL_MAX_SIZE:
        raise EnvError(f"DB_POOL_MIN_SIZE={DB_POOL_MIN_SIZE} is above DB_POOL_MAX_SIZE={DB_POOL_MAX_SIZE}")
    if DB_POOL:
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": DB_POOL_MIN_SIZE,
            "max_size": DB_POOL_MAX_SIZE,
            # A request waits this long for a free connection, then fails (a 500, not a hang).
            "timeout": env_float("DB_POOL_TIMEOUT_S", default=10.0, minimum=0.1, maximum=120),
        }
        # Names the web tier's connections in pg_stat_activity (what the pool bound applies to).
        DATABASES["default"]["OPTIONS"].setdefault(
            "application_name", env_str("DB_APPLICATION_NAME", default="platform-web"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, channel layer and the message bus ---------------------
REDIS_URL = env_parsed("REDIS_URL", default="redis://127.0.0.1:6379/0", parse=redis_url, what="Redis URL")
REDIS_SOCKET_TIMEOUT_S = env_float("REDIS_SOCKET_TIMEOUT_S", default=2.0, minimum=0.1, maximum=60)

# channels-redis waits for a socket's next message with BZPOPMIN for up to 5 s; redis-py 8 made
# socket_timeout default to 5 s, which killed every idle socket (channels_redis#422). The read
# timeout must outlast that wait: 15 s still notices a dead Redis. Messages a socket has not taken
# within CHANNEL_EXPIRY_S, or beyond CHANNEL_CAPACITY queued, are dropped by channels-redis without
# telling the sender: every live message carries a sequence number, so the page sees the gap and
# asks for a fresh snapshot (docs/DASHBOARD.md "Live push").
CHANNEL_BLOCKING_READ_S = 5
CHANNEL_CAPACITY = env_int("CHANNEL_CAPACITY", default=200, minimum=10)
CHANNEL_EXPIRY_S = env_int("CHANNEL_EXPIRY_S", default=30, minimum=5)
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, "socket_timeout": CHANNEL_BLOCKING_READ_S * 3,
                       "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_S}],
            "prefix": "channels",
            "capacity": CHANNEL_CAPACITY,
            "expiry": CHANNEL_EXPIRY_S,
        },
    },
}

# Django's cache (DRF's throttle counters) in Redis, shared by every web process; keys under
# "django-cache:". clear() removes only those (config.cache), never the broker's queues.
CACHES = {
    "default": {
        "BACKEND": "config.cache.PrefixedRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "django-cache",
        "OPTIONS": {"socket_timeout": REDIS_SOCKET_TIMEOUT_S, "socket_connect_timeout": REDIS_SOCKET_TIMEOUT_S},
    },
}

# --- Web tier (config/runner.py, Dockerfile) -------------------------------------------------
# uvicorn worker processes serving HTTP and WebSockets (the variable uvicorn itself reads).
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", default=min(os.cpu_count() or 1, 4), minimum=1, maximum=64)
# Threads per web process running HTTP requests (config.wsgi_http); each holds a database
# connection only while it serves a request, so DB_POOL_MAX_SIZE below this makes requests wait.
WEB_THREADS = env_int("WEB_THREADS", default=4, minimum=1, maximum=64)

# --- Celery ------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT_S", default=300, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT_S", default=240, minimum=5)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "config.beat:HealthReportingScheduler"
# A task the worker took but never acknowledged (the worker died) is delivered again after this.
# Above every acks-late task's time limit (a running task is never delivered twice; the trader
# cycle's is 540 s), far below Redis's 1-hour default (trader/tests/faults/test_worker_killed.py).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_BROKER_VISIBILITY_TIMEOUT_S", default=600, minimum=2),
}
# Queue names and routing live in config.celery (one place, with the reasons).

# --- Auth, i18n, static ------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION

# --- Security in production -----------------------------------------------------------
# Production is served over HTTPS, usually by a TLS proxy in front (README "Behind a TLS
# proxy"): secure cookies, plain-HTTP requests redirected, HSTS. Each is settable, so that
# `check --deploy` is clean with the defaults and an operator can still turn one off.
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = env_parsed(
        "SECURE_PROXY_SSL_HEADER", default="X-Forwarded-Proto: https", parse=proxy_ssl_header, what="header"
    )
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The containers' own health checks call http://127.0.0.1:8891/health without the proxy.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
    # Short by default (cookiecutter-django's advice): raise it once HTTPS is known to work,
    # since a browser keeps refusing plain HTTP for this long.
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=60, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- REST API and OpenAPI ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The API key first: without credentials DRF then answers 401 (its header), not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "trader.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Authenticated callers read; writes need a full-scope key or a logged-in user (403 otherwise).
    "DEFAULT_PERMISSION_CLASSES": ["trader.api.permissions.ReadOrFullScope"],
    "DEFAULT_THROTTLE_CLASSES": ["trader.api.throttling.PerKeyRateThrottle"],
    "EXCEPTION_HANDLER": "trader.api.errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["trader.api.parsers.JSONParser"],  # deep nesting is a 400, not a 500
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CoinEx Trading Platform API",
    "DESCRIPTION": "Market data, TA signals and control of the CoinEx futures trading bot.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Offline: Swagger UI's JS and CSS come from drf-spectacular-sidecar via static/.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Separate request and response components: exact request schemas (minLength, writeOnly).
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TraderModeEnum": "trader.models.status.TraderMode",
        "TradingModeEnum": ["dry-run", "live"],
        # "status" is a backtest's state here and a connection test's result there: name both.
        "BacktestStatusEnum": "trader.models.backtest.BacktestStatus",
        "ConnectionTestStatusEnum": "coinex.credentials.ConnectionStatus",
        # A book's venue, and the spellings the credentials endpoints also accept (binance_usdm).
        "VenueEnum": "trader.models.books.Venue",
        "VenueSpellingEnum": ["coinex", "binance", "binance_usdm"],
        # An entry order's type, and the config field choosing it (entry_order_type): one set.
        "OrderTypeEnum": "trader.models.orders.EntryOrderType",
        # Where a backtest run or an optimiser study reads its candles (two request bodies, one set).
        "CandleSourceEnum": ["database", "files"],
    },
}
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", default=True)

# --- Logging -------------------------------------------------------------------------------
LOG_DIR = Path(env_str("LOG_DIR", default=str(VAR_DIR / "log")))
LOG_LEVEL = env_choice("LOG_LEVEL", default="info", choices=("debug", "info", "warning", "error")).upper()
LOG_CONSOLE_FORMAT = env_choice(
    "LOG_CONSOLE_FORMAT", default="json" if IS_PRODUCTION else "text", choices=("text", "json")
)
LOGGING_CONFIG = None  # configured by config.logging.configure_logging below, once

from config.logging import configure_logging  # noqa: E402  (needs the values above)

configure_logging(log_dir=LOG_DIR, level=LOG_LEVEL, console_format=LOG_CONSOLE_FORMAT)

# --- Platform -----------------------------------------------------------------------------
HEALTH_CELERY_TIMEOUT_S = env_float("HEALTH_CELERY_TIMEOUT_S", default=3.0, minimum=0.5, maximum=30)
# /health answers the worker ping from a per-process cache this fresh, refreshed in the background.
HEALTH_PROBE_CACHE_S = env_float("HEALTH_PROBE_CACHE_S", default=5.0, minimum=0.1, maximum=300)
KLINES_DIR = Path(env_str("KLINES_DIR", default=str(BASE_DIR.parent / "shared" / "data" / "klines")))

# --- Market data (ta: issue 3; docs/MARKET_DATA.md) ------------------------------------------
# binance: BINANCE_BASE_URL's klines (spot by default); binance_usdm: the USD-M futures klines at
# BINANCE_FUTURES_BASE_URL, the candles of the contracts traded on the Binance venue.
MARKET_DATA_SOURCE = env_choice(
    "MARKET_DATA_SOURCE", default="simulated", choices=("simulated", "binance", "binance_usdm", "replay")
)
MARKET_DATA_BACKFILL_CANDLES = env_int("MARKET_DATA_BACKFILL_CANDLES", default=500, minimum=1, maximum=100_000)
MARKET_DATA_CACHE_CANDLES = env_int("MARKET_DATA_CACHE_CANDLES", default=200, minimum=1, maximum=1500)
MARKET_DATA_SIMULATED_SEED = env_int("MARKET_DATA_SIMULATED_SEED", default=20260301, minimum=0)
MARKET_DATA_REPLAY_DIR = Path(env_str("MARKET_DATA_REPLAY_DIR", default=str(KLINES_DIR)))
MARKET_DATA_REPLAY_START = env_str("MARKET_DATA_REPLAY_START", default="2024-06-01T00:00:00Z")
MARKET_DATA_REPLAY_SPEED = env_float("MARKET_DATA_REPLAY_SPEED", default=60.0, minimum=0.1, maximum=100_000)
BINANCE_BASE_URL = env_str("BINANCE_BASE_URL", default="https://api.binance.us")
BINANCE_TIMEOUT_S = env_float("BINANCE_TIMEOUT_S", default=10.0, minimum=0.1, maximum=120)  # klines and futures
BINANCE_WEIGHT_LIMIT_1M = env_int("BINANCE_WEIGHT_LIMIT_1M", default=1200, minimum=10)
# Derivatives data (issue 19; docs/MARKET_DATA.md "Derivatives data"): open interest, long/short
# ratios, taker volume and funding from Binance USD-M's public data endpoints (binance, binance_usdm),
# made up by the simulated market, or replayed. They share an IP budget of ~1000 requests / 5 min:
# the fetcher takes DERIVATIVES_BUDGET_REQUESTS_5M of it, counted in Redis across processes.
DERIVATIVES_ENABLED = env_bool("DERIVATIVES_ENABLED", default=True)
DERIVATIVES_BASE_URL = env_str("DERIVATIVES_BASE_URL", default="https://fapi.binance.com").rstrip("/")
DERIVATIVES_BUDGET_REQUESTS_5M = env_int("DERIVATIVES_BUDGET_REQUESTS_5M", default=400, minimum=1, maximum=1000)
DERIVATIVES_BUDGET_MAX_WAIT_S = env_float("DERIVATIVES_BUDGET_MAX_WAIT_S", default=30.0, minimum=0, maximum=300)
DERIVATIVES_BACKFILL_DAYS = env_int("DERIVATIVES_BACKFILL_DAYS", default=30, minimum=1, maximum=365)
# Replay from a database: MARKET_DATA_REPLAY_DATABASE_URL names one holding ta_candle rows
# (e.g. a copy filled with import_candles); unset, replay reads MARKET_DATA_REPLAY_DIR's CSV files.
if env_str("MARKET_DATA_REPLAY_DATABASE_URL", default="-") != "-":
    DATABASES["replay"] = env_parsed(
        "MARKET_DATA_REPLAY_DATABASE_URL", default="", parse=database_config, what="database URL"
    )

def _checked(parse):
    """A parser that validates with ``parse`` and keeps the text as given."""
    return lambda text: (parse(text), text)[1]


# --- Currencies (trader/fx, docs/RISK.md "PnL in USDT, CHF and EUR") -------------------------------
# fixed: FX_FIXED_RATES (per USDT), offline, the default; ecb: the ECB's daily reference rates.
FX_PROVIDER = env_choice("FX_PROVIDER", default="fixed", choices=("fixed", "ecb"))
FX_FIXED_RATES = env_parsed("FX_FIXED_RATES", default="CHF=0.80,EUR=0.92", parse=_checked(fixed_rates_parse),
                            what="list of CODE=rate per USDT, e.g. CHF=0.80,EUR=0.92")
FX_FIXED_RATES_DATE = env_parsed("FX_FIXED_RATES_DATE", default="2026-03-01", parse=_checked(date.fromisoformat),
                                 what="date (YYYY-MM-DD)")
FX_ECB_URL = env_str("FX_ECB_URL", default="https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml")
FX_CACHE_S = env_int("FX_CACHE_S", default=6 * 3600, minimum=60, maximum=7 * 86400)
FX_TIMEOUT_S = env_float("FX_TIMEOUT_S", default=5.0, minimum=0.1, maximum=60)

# --- CoinEx futures (coinex/, docs/COINEX.md) ------------------------------------------------------
COINEX_BASE_URL = env_str("COINEX_BASE_URL", default="https://api.coinex.com/v2").rstrip("/")
# Credentials in the environment take precedence over those saved at runtime (coinex.credentials).
COINEX_ACCESS_ID = env_str("COINEX_ACCESS_ID", default="")
COINEX_SECRET_KEY = env_str("COINEX_SECRET_KEY", default="")
CREDENTIALS_ENCRYPTION_KEY = env_str("CREDENTIALS_ENCRYPTION_KEY", default="")
COINEX_TIMEOUT_S = env_float("COINEX_TIMEOUT_S", default=10.0, minimum=1, maximum=60)
# CoinEx refuses a signed request older than this window; an unanswered order is resent only after it.
COINEX_REQUEST_WINDOW_MS = env_int("COINEX_REQUEST_WINDOW_MS", default=5000, minimum=1000, maximum=60_000)
COINEX_PAPER_STARTING_BALANCE = env_float("COINEX_PAPER_STARTING_BALANCE", default=1000.0, minimum=1, maximum=1e9)
COINEX_PAPER_TAKER_FEE_PCT = env_float("COINEX_PAPER_TAKER_FEE_PCT", default=0.05, minimum=0, maximum=1)
COINEX_PAPER_MAKER_FEE_PCT = env_float("COINEX_PAPER_MAKER_FEE_PCT", default=0.03, minimum=0, maximum=1)
COINEX_PAPER_SLIPPAGE_PCT = env_float("COINEX_PAPER_SLIPPAGE_PCT", default=0.05, minimum=0, maximum=5)
COINEX_PAPER_FUNDING_RATE_PCT = env_float("COINEX_PAPER_FUNDING_RATE_PCT", default=0.0, minimum=-1, maximum=1)

# --- Binance USD-M futures, the second live venue (coinex/binance/, docs/EXCHANGES.md) ----------------
# https://fapi.binance.com, or the official testnet https://testnet.binancefuture.com (its own keys).
BINANCE_FUTURES_BASE_URL = env_str("BINANCE_FUTURES_BASE_URL", default="https://fapi.binance.com").rstrip("/")
BINANCE_API_KEY = env_str("BINANCE_API_KEY", default="")  # wins over credentials saved at runtime
BINANCE_API_SECRET = env_str("BINANCE_API_SECRET", default="")
# BINANCE_TIMEOUT_S (above, with the market data) serves the futures adapter too.
BINANCE_RECV_WINDOW_MS = env_int("BINANCE_RECV_WINDOW_MS", default=5000, minimum=1000, maximum=60000)
BINANCE_HEDGE_MODE = env_bool("BINANCE_HEDGE_MODE", default=False)  # one-way unless asked
# Dry-run on Binance USD-M charges Binance's fees (VIP 0 standard: taker 0.05 %, maker 0.02 %).
BINANCE_PAPER_TAKER_FEE_PCT = env_float("BINANCE_PAPER_TAKER_FEE_PCT", default=0.05, minimum=0, maximum=1)
BINANCE_PAPER_MAKER_FEE_PCT = env_float("BINANCE_PAPER_MAKER_FEE_PCT", default=0.02, minimum=0, maximum=1)
# The exchange stream process (manage.py run_streams; docs/EXCHANGES.md "Streams"). Off by default:
# the offline demo's simulated market has no stream. Testnet streams: wss://stream.binancefuture.com
STREAMS_ENABLED = env_bool("STREAMS_ENABLED", default=False)
BINANCE_FUTURES_WS_URL = env_str("BINANCE_FUTURES_WS_URL", default="wss://fstream.binance.com").rstrip("/")
COINEX_FUTURES_WS_URL = env_str("COINEX_FUTURES_WS_URL", default="wss://socket.coinex.com/v2/futures").rstrip("/")
STREAMS_SILENCE_S = env_float("STREAMS_SILENCE_S", default=30.0, minimum=1, maximum=600)  # no frame: alarm
STREAMS_BACKOFF_MAX_S = env_float("STREAMS_BACKOFF_MAX_S", default=30.0, minimum=0.05, maximum=300)
STREAMS_CANDLE_WRITE_S = env_float("STREAMS_CANDLE_WRITE_S", default=2.0, minimum=0, maximum=60)
# Mark prices reach the open pages at most this often (each push renders the scanner and trader pages once).
STREAMS_PRICE_PUSH_S = env_float("STREAMS_PRICE_PUSH_S", default=1.0, minimum=1, maximum=60)

from config.logging import secret_register  # noqa: E402

secret_register(COINEX_SECRET_KEY)
secret_register(BINANCE_API_SECRET)
secret_register(CREDENTIALS_ENCRYPTION_KEY)

# --- TA engine (ta/engine, ta/services/analysis.py, docs/INDICATORS.md) -------------------------------
# Candles per timeframe (5m, 1h, 4h) each analysis reads; the engine needs at least 100.
TA_CANDLES_LIMIT = env_int("TA_CANDLES_LIMIT", default=500, minimum=100, maximum=5000)
# Swing strength of the structure engine (seed trading-support "Configurable strength (default: 5
# periods)"): bars each side that must stay below a swing high (above a swing low) to confirm it.
# 1-20; the structure scan needs 2 x strength + 2 candles (docs/STRUCTURE.md "Swings").
STRUCTURE_SWING_STRENGTH = env_int("STRUCTURE_SWING_STRENGTH", default=5, minimum=1, maximum=20)
# The derivatives factors (open interest, CVD, long/short crowding, funding; docs/STRUCTURE.md) in the
# scanner's base score too: off by default, so the seed's score stays as it is (the confluence uses them).
SCANNER_DERIVATIVES_FACTORS = env_bool("SCANNER_DERIVATIVES_FACTORS", default=False)
# Analyse a symbol as soon as its candles change (ta.signals.candles_updated).
TA_CHAIN_AFTER_FETCH = env_bool("TA_CHAIN_AFTER_FETCH", default=True)
# numba (pandas-ta's JIT, used by the engine's kernels) caches compiled code here; it reads
# the variable when first imported, which happens after settings load.
NUMBA_CACHE_DIR = Path(env_str("NUMBA_CACHE_DIR", default=str(VAR_DIR / "numba-cache")))
os.environ["NUMBA_CACHE_DIR"] = str(NUMBA_CACHE_DIR)

# --- Trader (trader/, docs/TRADER.md) ----------------------------------------------------------
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", default="")
TELEGRAM_CHAT_ID = env_str("TELEGRAM_CHAT_ID", default="")
TELEGRAM_API_URL = env_str("TELEGRAM_API_URL", default="https://api.telegram.org")
# Mirror the lock as live-trader-lock.json in this folder for the old tooling (unset: no file).
TRADER_LOCKFILE_DIR = env_str("TRADER_LOCKFILE_DIR", default="") or None
# A scan older than this is not traded on; market data older than 3 candles trips the breaker.
TRADER_MAX_SIGNAL_AGE_S = env_int("TRADER_MAX_SIGNAL_AGE_S", default=900, minimum=30, maximum=86_400)
TRADER_RATE_LIMIT_BURST = env_int("TRADER_RATE_LIMIT_BURST", default=3, minimum=1, maximum=100)
# The cycle lease (trader/cycle/lease.py): renewed every third of it while a cycle runs, so a
# dead worker's lease expires within this and the next cycle recovers what it left.
TRADER_CYCLE_LEASE_S = env_float("TRADER_CYCLE_LEASE_S", default=30.0, minimum=1, maximum=600)
# manage.py outage_watch: seconds between its Redis and database probes.
OUTAGE_WATCH_INTERVAL_S = env_float("OUTAGE_WATCH_INTERVAL_S", default=10.0, minimum=0.1, maximum=300)

# --- REST API (trader/api, docs/API.md) -------------------------------------------------------------
def _throttle_rate(value: str) -> str:
    """``<requests>/<s|sec|m|min|h|hour|d|day>`` or ``off``; returned as DRF reads it ("" = off)."""
    if value.lower() in ("off", "none", "0"):
        return ""
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period.lower() not in ("s", "sec", "m", "min", "h", "hour", "d", "day"):
        raise ValueError("expected requests/period such as 120/min, or off")
    return f"{int(count)}/{period.lower()}"


# Requests per API key (or user) and period; a client over it gets 429 with Retry-After.
API_THROTTLE_RATE = env_parsed("API_THROTTLE_RATE", default="120/min", parse=_throttle_rate, what="rate")

# --- Dashboard (dashboard/, docs/DASHBOARD.md) ------------------------------------------------------
# The pages' own login form (the admin's would refuse operators who are not staff).
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
