"""Uploaded identity documents: limits, quota and where the files are kept.

Files go to STORAGES["default"] (a private folder, PRIVATE_MEDIA_ROOT) unless
DOCUMENT_STORAGE=s3 selects S3-compatible object storage through django-storages, which
is not a dependency of the portal: install it where it is used
(``pip install "django-storages[s3]"``).
Either way documents are never given a public URL: the portal streams them after checks.
"""

import importlib.util

from django.core.exceptions import ImproperlyConfigured

from .env import env, env_choice

MEGABYTE = 1024 * 1024

# Largest upload accepted, in bytes (checked before the file is read).
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * MEGABYTE)
# Largest image accepted, in pixels (width × height), checked from the header before the
# pixels are decoded. 40 MP covers any phone camera; a decompression bomb is refused.
DOCUMENT_MAX_PIXELS = env.int("DOCUMENT_MAX_PIXELS", default=40_000_000)
# A scanned paper form (PDF) with more pages than this is refused.
DOCUMENT_MAX_PDF_PAGES = env.int("DOCUMENT_MAX_PDF_PAGES", default=50)
# Per customer: at most this many documents, and this many bytes in all.
DOCUMENT_QUOTA_PER_CUSTOMER = env.int("DOCUMENT_QUOTA_PER_CUSTOMER", default=30)
DOCUMENT_QUOTA_BYTES = env.int("DOCUMENT_QUOTA_BYTES", default=100 * MEGABYTE)
# Re-encoding: JPEG quality of the stored image and longest side of the thumbnail.
DOCUMENT_JPEG_QUALITY = env.int("DOCUMENT_JPEG_QUALITY", default=90)
DOCUMENT_THUMBNAIL_SIZE = env.int("DOCUMENT_THUMBNAIL_SIZE", default=320)

# filesystem: STORAGES["default"] (PRIVATE_MEDIA_ROOT). s3: the bucket described below.
DOCUMENT_STORAGE = env_choice(
    "DOCUMENT_STORAGE", choices=("filesystem", "s3"), default="filesystem"
)
DOCUMENT_S3_STORAGE: dict | None = None
if DOCUMENT_STORAGE == "s3":
    if importlib.util.find_spec("storages") is None:
        raise ImproperlyConfigured(
            'DOCUMENT_STORAGE=s3 needs django-storages: pip install "django-storages[s3]".'
        )
    DOCUMENT_S3_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "access_key": env.str("AWS_ACCESS_KEY_ID"),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY"),
            # Any S3-compatible service (MinIO, Ceph, a cloud provider's endpoint).
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "location": env.str("AWS_LOCATION", default="kyc-documents"),
            # Private objects, never overwritten, no public or signed URLs handed out.
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }
