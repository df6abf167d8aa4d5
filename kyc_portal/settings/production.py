"""Production: everything secure by default; `manage.py check --deploy` reports nothing."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .env import env

# Console backends print confirmation codes and links, and whole e-mails, into the logs.
if SMS_BACKEND == "console":  # noqa: F405
    raise ImproperlyConfigured(
        "SMS_BACKEND=console would print confirmation codes into the logs: use http (or file "
        "for a demo) in production."
    )
if EMAIL_BACKEND.endswith("console.EmailBackend"):  # noqa: F405
    raise ImproperlyConfigured(
        "EMAIL_URL=consolemail:// would print whole e-mails into the logs: use smtp:// in "
        "production."
    )

DEBUG = False
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
STAFF_OTP_REQUIRED = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
