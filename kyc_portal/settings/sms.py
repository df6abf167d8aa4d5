"""SMS: which backend sends text messages, and the HTTP gateway's address and key."""

from django.core.exceptions import ImproperlyConfigured

from .env import BASE_DIR, env, env_choice

SMS_BACKEND = env_choice("SMS_BACKEND", choices=("console", "file", "http"), default="console")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms"))
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_API_KEY = env.str("SMS_GATEWAY_API_KEY", default="")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=5.0)
SMS_SENDER_ID = env.str("SMS_SENDER_ID", default="KYCPortal")

if SMS_BACKEND == "http" and not (SMS_GATEWAY_URL and SMS_GATEWAY_API_KEY):
    raise ImproperlyConfigured(
        "SMS_BACKEND=http needs SMS_GATEWAY_URL and SMS_GATEWAY_API_KEY to be set."
    )
