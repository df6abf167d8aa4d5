"""Settings for every environment; production.py and test.py adjust them."""

from django.utils.translation import gettext_lazy as _

from .cache import *  # noqa: F403
from .celery import *  # noqa: F403
from .checks import *  # noqa: F403
from .database import *  # noqa: F403
from .documents import *  # noqa: F403
from .email import *  # noqa: F403
from .encryption import *  # noqa: F403
from .env import BASE_DIR, env
from .policy import *  # noqa: F403
from .security import *  # noqa: F403
from .sms import *  # noqa: F403

DEBUG = env.bool("DEBUG", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "kyc_portal.core",
    "kyc_portal.accounts",
    "kyc_portal.audit",
    "kyc_portal.messaging",
    "customers",
    "verification",
    "risk",
    "feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kyc_portal.accounts.middleware.StaffSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kyc_portal.core.middleware.PrivateResponseMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kyc_portal.urls"
WSGI_APPLICATION = "kyc_portal.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

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
                "kyc_portal.accounts.context_processors.roles",
            ],
            "builtins": ["kyc_portal.core.templatetags.masking"],
        },
    }
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

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
CELERY_TIMEZONE = TIME_ZONE
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "kyc_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": env.path("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private"))
        },
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploaded documents are never served from a public URL; views stream them after checks.
MEDIA_URL = None
FILE_UPLOAD_PERMISSIONS = 0o600
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.NamespaceVersioning",
    # The version /api/schema/ describes when not asked for another one (?version=).
    "DEFAULT_VERSION": "v1",
    "EXCEPTION_HANDLER": "kyc_portal.core.api.exception_handler",
    # Anonymous API registrations per client address (customers.apis.RegistrationThrottle).
    "DEFAULT_THROTTLE_RATES": {"registration": env.str("API_REGISTRATION_RATE", default="20/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "KYC Portal API",
    "DESCRIPTION": "Registration, status and review of customer identification cases.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI is served from our own static files (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema component per choice set, even where several fields use it.
    "ENUM_NAME_OVERRIDES": {
        "DocumentTypeEnum": "customers.enums.DocumentType",
        "GenderEnum": "customers.enums.Gender",
        "CaseStateEnum": "verification.enums.CaseState",
        "CaseKindEnum": "verification.enums.CaseKind",
        "DocumentKindEnum": "verification.models.document.DocumentKind",
        "CustomerKindEnum": "customers.enums.CustomerKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal_data": {"()": "kyc_portal.crypto.masking.MaskPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
