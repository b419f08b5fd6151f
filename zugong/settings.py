"""Settings for Zugong. Every value that differs between machines comes from the environment,
read through the strict helpers below so that a bad value fails loudly at start-up."""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_networks(name: str, default: str) -> list[str]:
    """Comma-separated IP addresses or CIDR networks (host bits clear: 10.0.0.0/8, not 10.0.0.1/8)."""
    items = env_list(name, default)
    for item in items:
        try:
            ipaddress.ip_network(item)
        except ValueError:
            raise ImproperlyConfigured(f"{name} must list IP addresses or networks (CIDR), got {item!r}")
    return items


DEBUG = env_bool("ZUGONG_DEBUG", False)
SECRET_KEY = env_str("ZUGONG_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_bool("ZUGONG_REQUIRE_SECRET", False):
        raise ImproperlyConfigured("ZUGONG_SECRET_KEY must be set in production")
    SECRET_KEY = "dev-only-insecure-key-change-me-in-production-0123456789abcdef"
ALLOWED_HOSTS = env_list("ZUGONG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "zugong.core.admin_site.ZugongAdminConfig",  # django.contrib.admin, 系统管理员 only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "zugong.core",
    "zugong.orgs",
    "zugong.people",
    "zugong.accounts",
    "zugong.auditlog",
    "zugong.imports",
    "zugong.dues",
    "zugong.training",
    "zugong.evaluations",
    "zugong.studyday",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "zugong.accounts.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zugong.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "zugong.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "zugong.urls"
WSGI_APPLICATION = "zugong.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "zugong" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zugong.core.context_processors.scope",
            ],
        },
    },
]

_default_db = f"sqlite:///{BASE_DIR / 'var' / 'zugong.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(env_str("DATABASE_URL", _default_db), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["zugong.accounts.backends.LockoutModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "zugong.accounts.validators.ComplexityValidator",
        "OPTIONS": {"min_length": 8, "min_classes": 3},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("ZUGONG_STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "zugong" / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(env_str("ZUGONG_MEDIA_ROOT", str(BASE_DIR / "var" / "media")))

# Login security (等保 2.0 三级): lockout after repeated failures, 30 minutes' idle timeout.
ZUGONG_LOCKOUT_FAILURES = env_int("ZUGONG_LOCKOUT_FAILURES", 5)
ZUGONG_LOCKOUT_WINDOW_MINUTES = env_int("ZUGONG_LOCKOUT_WINDOW_MINUTES", 15)
# The reverse proxies (nginx) whose X-Forwarded-For is believed for the client IP; empty: REMOTE_ADDR only.
ZUGONG_TRUSTED_PROXIES = env_networks("ZUGONG_TRUSTED_PROXIES", "")
SESSION_COOKIE_AGE = env_int("ZUGONG_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # each request pushes the expiry on: an idle, not an absolute, timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # pages pass the token in hx-headers and forms, never read from the cookie
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("ZUGONG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Everything is served from this machine (政务内网): no inline script or style, no other origin.
# img-src allows data: for the small SVG icons inside Bootstrap's own stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "font-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "zugong.accounts.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "zugong.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "组工 Zugong API",
    "DESCRIPTION": "区委组织部工作平台接口。所有接口按调用者的角色授权范围过滤。",
    "VERSION": "0.1.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "OrgStatusEnum": "zugong.orgs.models.OrgStatus",
        "MembershipStatusEnum": "zugong.people.choices.MembershipStatus",
        "DuesCategoryEnum": "zugong.dues.models.Category",
        "TrainingCategoryEnum": "zugong.training.models.Category",
        "DuesReminderChannelEnum": "zugong.dues.models.Reminder.Channel",
        "TrainingReminderChannelEnum": "zugong.training.models.Reminder.Channel",
        "EvaluationKindEnum": "zugong.evaluations.builtins.Kind",
        "EvaluationSubjectKindEnum": "zugong.evaluations.models.Subject.Kind",
        "EvaluationModeEnum": "zugong.evaluations.models.Evaluation.Mode",
        "CreditModeEnum": "zugong.training.models.Mode",
        "IssueCategoryEnum": "zugong.evaluations.models_opinions.Issue.Category",
        "OpinionSourceEnum": "zugong.evaluations.models_opinions.Opinion.Source",
        "SpotCheckGradeEnum": "zugong.studyday.models_checks.SpotCheckItem.Grade",
        "SpotCheckStatusEnum": "zugong.studyday.models_checks.SpotCheck.Status",
        "TrainingGradeEnum": "zugong.training.models.Grade",
        "DuesPaymentMethodEnum": "zugong.dues.models.Payment.Method",
        "SessionKindEnum": "zugong.studyday.choices.SessionKind",
        "AttendanceStatusEnum": "zugong.studyday.models.Attendance.Status",
        "AttendanceMethodEnum": "zugong.studyday.models.Attendance.Method",
        "LeaveRequestStatusEnum": "zugong.studyday.models.LeaveRequest.Status",
        "SubmissionStatusEnum": "zugong.studyday.models.Submission.Status",
    },
}

# The demo district's root organization code; the root grant covers the whole district.
ZUGONG_PAGE_SIZE = env_int("ZUGONG_PAGE_SIZE", 50)
# Audit rows are kept at least 180 days (网络安全法 第二十一条: logs kept no less than six months).
ZUGONG_AUDIT_RETENTION_DAYS = env_int("ZUGONG_AUDIT_RETENTION_DAYS", 180)
# Roster import limits: upload size and data rows.
ZUGONG_IMPORT_MAX_BYTES = env_int("ZUGONG_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
ZUGONG_IMPORT_MAX_ROWS = env_int("ZUGONG_IMPORT_MAX_ROWS", 200_000)
# Uploaded workbooks (clear ID numbers inside) of jobs never imported are emptied after this many days.
ZUGONG_IMPORT_KEEP_DAYS = env_int("ZUGONG_IMPORT_KEEP_DAYS", 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ZUGONG_LOG_LEVEL", "WARNING")},
}
