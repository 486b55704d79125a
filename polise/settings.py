"""Polise settings: one module, configured by POLISE_* environment variables and DATABASE_URL.

POLISE_ENV=local (the default) gives a working instance with no configuration at all:
SQLite and a generated secret key under POLISE_DATA_DIR (./var). POLISE_ENV=production
refuses to start unless the values a real deployment needs are present and sane.
"""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from polise.core.env import Env

env = Env()

PACKAGE_DIR = Path(__file__).resolve().parent
POLISE_ENV = env.choice("POLISE_ENV", ("local", "production"), "local")
PRODUCTION = POLISE_ENV == "production"
DATA_DIR = Path(env.string("POLISE_DATA_DIR", "var")).resolve()
DEBUG = env.boolean("POLISE_DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured(
        "POLISE_DEBUG=1 is refused with POLISE_ENV=production; debug pages leak settings."
    )


def _local_secret_key() -> str:
    """A key generated once and kept in the data folder, so demo sessions survive restarts."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env.string("POLISE_SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "POLISE_SECRET_KEY is too short; expected at least 50 random characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
else:
    SECRET_KEY = env.optional("POLISE_SECRET_KEY") or _local_secret_key()

BASE_URL = env.string("POLISE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(BASE_URL)
if _base.scheme not in ("http", "https") or not _base.hostname:
    raise ImproperlyConfigured(
        f"POLISE_BASE_URL={BASE_URL!r} is not a URL; expected e.g. https://portal.example.go.id."
    )
if PRODUCTION and _base.scheme != "https":
    raise ImproperlyConfigured(
        f"POLISE_BASE_URL={BASE_URL!r} must use https with POLISE_ENV=production."
    )

ALLOWED_HOSTS = env.strings(
    "POLISE_ALLOWED_HOSTS",
    [_base.hostname] if PRODUCTION else [_base.hostname, "127.0.0.1", "localhost", "[::1]"],
)
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]

# Cookies are secure whenever Polise is served over https; the local demo runs on plain http.
_HTTPS = _base.scheme == "https"
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if _HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.integer("POLISE_HSTS_SECONDS", 31536000, minimum=0)

INSTALLED_APPS = [
    "polise.accounts.admin_apps.PoliseAdminConfig",  # Django's admin, grouped and audited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "polise.core",
    "polise.accounts",
    "polise.catalog",
    "polise.forge",
    "polise.forge.mirrors",
    "polise.deployments",
    "polise.sso",
    "polise.reports",
    "polise.onboarding",
    "polise.news",
    "polise.contributions",
    "polise.appdocs",
    "polise.ratings",
]

MIDDLEWARE = [
    "polise.core.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "polise.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "polise.core.middleware.RequestBodyLimitMiddleware",  # before CSRF reads the body
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "polise.urls"
WSGI_APPLICATION = "polise.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "admin:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


def _database() -> dict[str, Any]:
    url = env.optional("DATABASE_URL")
    if url is None:
        if PRODUCTION:
            raise ImproperlyConfigured(
                "DATABASE_URL is not set; POLISE_ENV=production expects postgres://USER:PASSWORD@HOST:PORT/NAME."
            )
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'polise.sqlite3'}"
    try:
        config: dict[str, Any] = dj_database_url.parse(  # type: ignore[assignment]
            url, conn_max_age=env.integer("POLISE_DB_CONN_MAX_AGE", 60, minimum=0)
        )
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL Polise understands ({exc}); expected "
            "postgres://…, mysql://… or sqlite:///path."
        ) from exc
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # WAL and immediate transactions let the web process and the worker share the file.
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    elif engine == "django.db.backends.mysql":
        config.setdefault("OPTIONS", {}).update(
            {"charset": "utf8mb4", "isolation_level": "read committed"}
        )
    elif engine != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            f"DATABASE_URL uses {engine}, which Polise does not support; use PostgreSQL, MySQL/MariaDB or SQLite."
        )
    config["TEST"] = (
        {"NAME": env.optional("POLISE_TEST_DATABASE_NAME")}
        if env.optional("POLISE_TEST_DATABASE_NAME")
        else {}
    )
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "id"
# Each language is named in itself, so a reader finds their own in the switcher.
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_SECURE = _HTTPS
TIME_ZONE = env.string("POLISE_TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.string("POLISE_STATIC_ROOT", str(DATA_DIR / "static")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    # Hashed names let whitenoise serve static files with far-future caching; `polise demo` and
    # `polise serve` collect them before the server starts.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads (report attachments, ...) go to S3-compatible object storage (the cluster's MinIO)
# when a bucket is named; they are private and only ever served through Polise's own views.
S3_BUCKET = env.optional("POLISE_S3_BUCKET")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.string("POLISE_S3_ENDPOINT_URL", required=True),
            "access_key": env.string("POLISE_S3_ACCESS_KEY", required=True),
            "secret_key": env.string("POLISE_S3_SECRET_KEY", required=True),
            "region_name": env.string("POLISE_S3_REGION", "us-east-1"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }

TASKS = {
    "default": {
        "BACKEND": env.string("POLISE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "forge"],
    }
}

# Background work (`polise worker`). A worker renews its lease while it lives; what a worker
# held when its lease ran out (killed, its node lost), and any outbox write or webhook delivery
# whose job was lost, is queued again by the sweep each worker runs every JOBS_SWEEP_SECONDS.
JOBS_LEASE_SECONDS = env.integer("POLISE_JOBS_LEASE_SECONDS", 300, minimum=1)
JOBS_SWEEP_SECONDS = env.integer("POLISE_JOBS_SWEEP_SECONDS", 60, minimum=1)

LOG_FORMAT = env.choice("POLISE_LOG_FORMAT", ("text", "json"), "text")
LOG_LEVEL = env.choice("POLISE_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "polise.core.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Problem reports.
# Members of this group (and superusers) see every security report, beside the app's owners.
REPORTS_SECURITY_GROUP = env.string("POLISE_REPORTS_SECURITY_GROUP", "security")
# A private repository where a detail-free notice is opened for each confidential report.
REPORTS_SECURITY_REPO = env.optional("POLISE_REPORTS_SECURITY_REPO")
# Names on GitHub instead of opaque references, when the platform team allows it.
REPORTS_SHOW_REPORTER_NAMES = env.boolean("POLISE_REPORTS_SHOW_REPORTER_NAMES", default=False)

# Ratings. The weighted (Bayesian) average of a dimension is (m * C + sum) / (m + n): C is the
# portal-wide mean of that dimension, n the app's count; m (default 5) is how many ratings at
# the portal mean each app starts with, so a handful of votes cannot top the ranking.
RATINGS_PRIOR_WEIGHT = env.integer("POLISE_RATINGS_PRIOR_WEIGHT", 5, minimum=0)
# How long each process keeps C (computing it reads every rating); 0 computes it every time.
RATINGS_PRIOR_CACHE_SECONDS = env.integer("POLISE_RATINGS_PRIOR_CACHE_SECONDS", 300, minimum=0)
RATINGS_PER_HOUR = env.integer("POLISE_RATINGS_PER_HOUR", 20, minimum=1)  # submissions per user
RATINGS_PROMPT_AFTER_LAUNCHES = env.integer("POLISE_RATINGS_PROMPT_AFTER_LAUNCHES", 3, minimum=1)

# GitHub (the forge); read by polise.forge.
GITHUB_API_URL = env.string("POLISE_GITHUB_API_URL", "https://api.github.com").rstrip("/")
GITHUB_WEBHOOK_SECRET = env.optional("POLISE_GITHUB_WEBHOOK_SECRET")
GITHUB_TOKEN = env.optional("POLISE_GITHUB_TOKEN")
GITHUB_APP_ID = env.optional("POLISE_GITHUB_APP_ID")
GITHUB_APP_PRIVATE_KEY = env.optional("POLISE_GITHUB_APP_PRIVATE_KEY")
GITHUB_APP_INSTALLATION_ID = env.optional("POLISE_GITHUB_APP_INSTALLATION_ID")
GITHUB_TIMEOUT_SECONDS = env.integer("POLISE_GITHUB_TIMEOUT_SECONDS", 10, minimum=1)
# The outbox's first retry delay (doubled each attempt, up to 30 minutes) and how long it waits
# after an attempt whose outcome is unknown before looking for what that attempt did.
FORGE_BACKOFF_BASE_SECONDS = env.integer("POLISE_FORGE_BACKOFF_BASE_SECONDS", 5, minimum=1)
FORGE_SETTLE_SECONDS = env.integer("POLISE_FORGE_SETTLE_SECONDS", 30, minimum=0)
if GITHUB_APP_ID and not (GITHUB_APP_PRIVATE_KEY and GITHUB_APP_INSTALLATION_ID):
    raise ImproperlyConfigured(
        "POLISE_GITHUB_APP_ID is set but POLISE_GITHUB_APP_PRIVATE_KEY (PEM, or _FILE) and "
        "POLISE_GITHUB_APP_INSTALLATION_ID are not; a GitHub App needs all three."
    )
if PRODUCTION and not (GITHUB_TOKEN or GITHUB_APP_ID):
    raise ImproperlyConfigured(
        "POLISE_GITHUB_TOKEN is not set, nor POLISE_GITHUB_APP_ID; POLISE_ENV=production expects "
        "GitHub credentials: a fine-grained token in POLISE_GITHUB_TOKEN (or _FILE), or the "
        "GitHub App's POLISE_GITHUB_APP_ID, POLISE_GITHUB_APP_PRIVATE_KEY and "
        "POLISE_GITHUB_APP_INSTALLATION_ID."
    )
# Local git mirrors (polise.forge.mirrors): where each repository is fetched from, and how long
# one fetch may take. The token travels in git's environment, never in the URL.
_github_web = (
    "https://github.com"
    if GITHUB_API_URL == "https://api.github.com"
    else GITHUB_API_URL.removesuffix("/api/v3")
)
GIT_URL_TEMPLATE = env.string("POLISE_GIT_URL_TEMPLATE", _github_web + "/{repo}.git")
if "{repo}" not in GIT_URL_TEMPLATE:
    raise ImproperlyConfigured(
        "POLISE_GIT_URL_TEMPLATE must contain {repo}, e.g. https://github.com/{repo}.git"
    )
GIT_FETCH_TIMEOUT_SECONDS = env.integer("POLISE_GIT_FETCH_TIMEOUT_SECONDS", 600, minimum=10)
if PRODUCTION and not GITHUB_WEBHOOK_SECRET:
    raise ImproperlyConfigured(
        "POLISE_GITHUB_WEBHOOK_SECRET is not set; POLISE_ENV=production expects the webhook secret."
    )

# Prometheus: /metrics answers a scraper with this bearer token and/or from these networks
# (comma-separated addresses or CIDR blocks); with neither, it is closed (404).
METRICS_TOKEN = env.optional("POLISE_METRICS_TOKEN")
try:
    METRICS_NETWORKS = [
        ipaddress.ip_network(net.strip(), strict=False)
        for net in env.strings("POLISE_METRICS_NETWORKS", [])
        if net.strip()
    ]
except ValueError as exc:
    raise ImproperlyConfigured(
        f"POLISE_METRICS_NETWORKS: {exc}; expected addresses or CIDR blocks, e.g. 10.0.9.0/24."
    ) from exc
if METRICS_TOKEN and len(METRICS_TOKEN) < 20:
    raise ImproperlyConfigured("POLISE_METRICS_TOKEN is too short; use 20+ random characters.")

# Onboarding: the servers Polise provisions apps on (read by polise.onboarding). Each admin
# account is Polise's own on that server: PostgreSQL CREATEDB CREATEROLE (not superuser), MySQL
# with GRANT OPTION, MinIO with the admin API; unset means that kind of resource is not offered.
PROVISION_POSTGRES_URL = env.optional("POLISE_PROVISION_POSTGRES_URL")
PROVISION_MYSQL_URL = env.optional("POLISE_PROVISION_MYSQL_URL")
# Where apps' MySQL users may connect from ('%' = any host of the LAN that reaches the server).
PROVISION_MYSQL_USER_HOST = env.string("POLISE_PROVISION_MYSQL_USER_HOST", "%")
# The GitHub organisation new repositories go to, the registry and webhook URL the repositories
# are set up with, the checks the default branch requires (the deploy workflow's job), and the
# Docker API (a manager's) that Swarm secrets are made through.
ONBOARDING_GITHUB_ORG = env.optional("POLISE_GITHUB_ORG")
ONBOARDING_REGISTRY = env.optional("POLISE_REGISTRY") or ""
ONBOARDING_WEBHOOK_URL = env.string("POLISE_WEBHOOK_URL", f"{BASE_URL}/hooks/github")
ONBOARDING_REQUIRED_CHECKS = env.strings("POLISE_REQUIRED_CHECKS", ["deploy"])
DOCKER_URL = env.string("POLISE_DOCKER_URL", "unix:///var/run/docker.sock")
# Apps' live state comes through a read-only Docker API socket proxy; unset: not shown.
DOCKER_READ_URL = env.optional("POLISE_DOCKER_READ_URL")
MINIO_ENDPOINT_URL = env.optional("POLISE_MINIO_ENDPOINT_URL")
MINIO_ADMIN_URL = env.optional("POLISE_MINIO_ADMIN_URL") or ""
MINIO_ACCESS_KEY = env.optional("POLISE_MINIO_ACCESS_KEY")
MINIO_SECRET_KEY = env.optional("POLISE_MINIO_SECRET_KEY")
MINIO_REGION = env.string("POLISE_MINIO_REGION", "us-east-1")
if MINIO_ENDPOINT_URL and not (MINIO_ACCESS_KEY and MINIO_SECRET_KEY):
    raise ImproperlyConfigured(
        "POLISE_MINIO_ENDPOINT_URL is set but POLISE_MINIO_ACCESS_KEY and "
        "POLISE_MINIO_SECRET_KEY (or their _FILE forms) are not; MinIO needs both."
    )

# SSO ------------------------------------------------------------------------------------------
# Accounts, the OpenID Connect provider, forward-auth, MFA, lockout and the audit log
# (polise.accounts and polise.sso). Kept in one block so the rest of the file stays shared.
from polise.sso import keys as _sso_keys  # noqa: E402

INSTALLED_APPS += [
    "oauth2_provider",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # one-time recovery codes
    "axes",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
]
# OTP after authentication (it reads request.user); axes last, as its docs require.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
MIDDLEWARE += ["allauth.account.middleware.AccountMiddleware", "axes.middleware.AxesMiddleware"]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "sso:login"
LOGIN_REDIRECT_URL = "catalog:launcher"
# A working day; the sign-in session (and its forward-auth cookie) ends with it.
SESSION_COOKIE_AGE = env.integer("POLISE_SESSION_SECONDS", 12 * 3600, minimum=300)

try:
    if PRODUCTION:
        OIDC_PRIVATE_KEY = _sso_keys.check_rsa_pem(
            env.string("POLISE_OIDC_PRIVATE_KEY", required=True), name="POLISE_OIDC_PRIVATE_KEY"
        )
    else:
        OIDC_PRIVATE_KEY = _sso_keys.check_rsa_pem(
            env.optional("POLISE_OIDC_PRIVATE_KEY") or _sso_keys.local_private_key(DATA_DIR),
            name="POLISE_OIDC_PRIVATE_KEY",
        )
    OIDC_INACTIVE_KEYS = [
        _sso_keys.check_rsa_pem(pem, name="POLISE_OIDC_INACTIVE_KEYS")
        for pem in _sso_keys.split_pems(env.optional("POLISE_OIDC_INACTIVE_KEYS") or "")
    ]
except _sso_keys.KeyError_ as exc:
    raise ImproperlyConfigured(str(exc)) from exc
if PRODUCTION and len(_sso_keys.split_pems(OIDC_PRIVATE_KEY)) != 1:
    raise ImproperlyConfigured("POLISE_OIDC_PRIVATE_KEY must hold exactly one PEM private key.")

# DOT's models are swappable; Polise keeps the stock ones and says so, so migrations that point
# at them resolve (extra data lives in polise.sso's own models instead of swapped ones).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105
OIDC_ID_TOKEN_SECONDS = env.integer("POLISE_OIDC_ID_TOKEN_SECONDS", 300, minimum=30)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": BASE_URL,
    "OIDC_RSA_PRIVATE_KEY": OIDC_PRIVATE_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": OIDC_INACTIVE_KEYS,
    "OAUTH2_VALIDATOR_CLASS": "polise.sso.oidc.PoliseValidator",
    "SCOPES": {
        "openid": "Sign you in",
        "profile": "Your name and user name",
        "email": "Your e-mail address",
        "groups": "Your org units and roles",
    },
    "DEFAULT_SCOPES": ["openid"],
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # tokens hashed at rest
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ID_TOKEN_EXPIRE_SECONDS": OIDC_ID_TOKEN_SECONDS,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.integer("POLISE_OIDC_ACCESS_TOKEN_SECONDS", 600, minimum=30),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.integer(
        "POLISE_OIDC_REFRESH_TOKEN_SECONDS", SESSION_COOKIE_AGE, minimum=60
    ),
    # Consent is remembered through live tokens; the office's own apps skip it by their flag.
    "REQUEST_APPROVAL_PROMPT": "auto",
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"] if PRODUCTION else ["http", "https"],
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
    "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
    # Polise ends only the tokens of the session that signs out, not every session's.
    "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": False,
}

# Forward-auth: the proxy's sub-request carries the user's cookies for the app's host, so the
# forward-auth cookie must be scoped to a domain that covers the apps (e.g. .example.go.id).
FORWARD_AUTH_COOKIE_NAME = "polise_fa"
FORWARD_AUTH_COOKIE_DOMAIN = env.optional("POLISE_FORWARD_AUTH_COOKIE_DOMAIN")
# How stale a revoked session or changed policy may be in another worker's memory.
FORWARD_AUTH_CACHE_SECONDS = env.integer("POLISE_FORWARD_AUTH_CACHE_SECONDS", 10, minimum=0)

# Brute-force protection: failures are counted per account *and* source address together, so
# an attacker cannot lock a user out from elsewhere and one address cannot try many accounts
# beyond the limit each. Behind the proxy, trust exactly as many X-Forwarded-For hops as set.
AXES_FAILURE_LIMIT = env.integer("POLISE_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = env.integer("POLISE_LOCKOUT_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "polise.sso.signin.lockout_response"
AXES_IPWARE_PROXY_COUNT = env.integer("POLISE_TRUSTED_PROXY_COUNT", 0, minimum=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Polise"
AUDIT_RETENTION_DAYS = env.integer("POLISE_AUDIT_RETENTION_DAYS", 365, minimum=1)

EMAIL_HOST = env.optional("POLISE_EMAIL_HOST")
if EMAIL_HOST or PRODUCTION:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = EMAIL_HOST or "localhost"
    EMAIL_PORT = env.integer("POLISE_EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env.optional("POLISE_EMAIL_USER") or ""
    EMAIL_HOST_PASSWORD = env.optional("POLISE_EMAIL_PASSWORD") or ""
    EMAIL_USE_TLS = env.boolean("POLISE_EMAIL_STARTTLS", default=False)
    EMAIL_USE_SSL = env.boolean("POLISE_EMAIL_SSL", default=False)
    EMAIL_TIMEOUT = env.integer("POLISE_EMAIL_TIMEOUT_SECONDS", 10, minimum=1)
else:
    # The demo prints mail to the console instead of needing a mail server.
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.string("POLISE_EMAIL_FROM", f"Polise <noreply@{_base.hostname}>")
PASSWORD_RESET_TIMEOUT = env.integer("POLISE_PASSWORD_RESET_SECONDS", 3600, minimum=300)

# Sign in with GitHub (developers; linked by Developer.github_login, never a new account).
# Off unless the OAuth app's id and secret are set. POLISE_GITHUB_OAUTH_URL points at GitHub
# Enterprise (or the tests' stand-in) instead of github.com.
GITHUB_OAUTH_CLIENT_ID = env.optional("POLISE_GITHUB_OAUTH_CLIENT_ID")
GITHUB_OAUTH_SECRET = env.optional("POLISE_GITHUB_OAUTH_SECRET")
SOCIALACCOUNT_ADAPTER = "polise.sso.github.SocialAccountAdapter"
SOCIALACCOUNT_ONLY = True  # allauth's own local accounts stay off: Polise has its login page
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_STORE_TOKENS = False
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_PROVIDERS: dict[str, Any] = {
    "github": {
        "SCOPE": ["read:user"],
        "APPS": (
            [{"client_id": GITHUB_OAUTH_CLIENT_ID, "secret": GITHUB_OAUTH_SECRET}]
            if GITHUB_OAUTH_CLIENT_ID and GITHUB_OAUTH_SECRET
            else []
        ),
        **(
            {"GITHUB_URL": env.string("POLISE_GITHUB_OAUTH_URL")}
            if env.optional("POLISE_GITHUB_OAUTH_URL")
            else {}
        ),
    }
}
