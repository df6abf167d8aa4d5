"""Checks on cases (verification/checks/): which provider does each kind, how long a check
may take and how often it is tried. Vendor adapters add their addresses and keys here."""

from django.core.exceptions import ImproperlyConfigured

from .env import BASE_DIR, env, env_choice

# Built-in providers work offline; the HTTP vendor adapter needs BACKGROUND_VENDOR_* below.
_PROVIDERS = {
    "document_reading": {"rapidocr": "verification.checks.providers.ocr.RapidOcrProvider"},
    "face_match": {"dlib": "verification.checks.providers.face.DlibFaceMatchProvider"},
    "in_person_biometric": {
        "in_store": "verification.checks.providers.in_store.InStoreBiometricProvider"
    },
    "background": {
        "reference_file": "verification.checks.providers.reference_file.ReferenceFileProvider",
        "http_vendor": "verification.checks.providers.background_http.HttpVendorProvider",
    },
}
_CHOSEN = {
    "document_reading": env_choice(
        "CHECK_DOCUMENT_READING_PROVIDER", choices=("rapidocr",), default="rapidocr"
    ),
    "face_match": env_choice("CHECK_FACE_MATCH_PROVIDER", choices=("dlib",), default="dlib"),
    "in_person_biometric": "in_store",
    "background": env_choice(
        "CHECK_BACKGROUND_PROVIDER",
        choices=("reference_file", "http_vendor"),
        default="reference_file",
    ),
}
KYC_CHECK_PROVIDERS = {kind: _PROVIDERS[kind][name] for kind, name in _CHOSEN.items()}

# Attempts per check (the first and its retries) before it is marked failed.
KYC_CHECK_ATTEMPTS = env.int("KYC_CHECK_ATTEMPTS", default=4)
# Seconds one attempt may take before it is stopped and counted as timed out.
KYC_CHECK_TIME_LIMIT = env.int("KYC_CHECK_TIME_LIMIT", default=60)

# Face match: the largest descriptor distance still taken for the same person.
FACE_MATCH_THRESHOLD = env.float("FACE_MATCH_THRESHOLD", default=0.6)

# Background checks from a reference file (CSV of known records), imported with
# `manage.py import_background_records`; kept here between imports.
BACKGROUND_REFERENCE_FILE = env.path(
    "BACKGROUND_REFERENCE_FILE", default=str(BASE_DIR / "var" / "background.csv")
)
# Background checks from a vendor over HTTPS (JSON), answering by signed webhook.
BACKGROUND_VENDOR_URL = env.str("BACKGROUND_VENDOR_URL", default="")
BACKGROUND_VENDOR_API_KEY = env.str("BACKGROUND_VENDOR_API_KEY", default="")
BACKGROUND_VENDOR_WEBHOOK_SECRET = env.str("BACKGROUND_VENDOR_WEBHOOK_SECRET", default="")
BACKGROUND_VENDOR_TIMEOUT = env.float("BACKGROUND_VENDOR_TIMEOUT", default=10.0)

if _CHOSEN["background"] == "http_vendor" and not (
    BACKGROUND_VENDOR_URL and BACKGROUND_VENDOR_API_KEY and BACKGROUND_VENDOR_WEBHOOK_SECRET
):
    raise ImproperlyConfigured(
        "CHECK_BACKGROUND_PROVIDER=http_vendor needs BACKGROUND_VENDOR_URL, "
        "BACKGROUND_VENDOR_API_KEY and BACKGROUND_VENDOR_WEBHOOK_SECRET to be set."
    )
