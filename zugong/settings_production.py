"""Production settings: the defaults of zugong.settings, hardened for HTTPS behind nginx.

    DJANGO_SETTINGS_MODULE=zugong.settings_production
    ZUGONG_SECRET_KEY=<50 or more random characters>  ZUGONG_ALLOWED_HOSTS=zugong.example.gov.cn

``manage.py check --deploy --fail-level WARNING`` passes with these."""

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F403
from .settings import env_bool, env_int, env_str

DEBUG = False
SECRET_KEY = env_str("ZUGONG_SECRET_KEY", "")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("ZUGONG_SECRET_KEY must be set to at least 50 random characters")

# nginx terminates TLS and says so in X-Forwarded-Proto (it must overwrite any such header from clients).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("ZUGONG_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("ZUGONG_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ZUGONG_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("ZUGONG_HSTS_PRELOAD", True)

SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS if host and host != "*"]  # noqa: F405
