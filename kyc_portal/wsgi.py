"""WSGI entry point for gunicorn."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc_portal.settings.production")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    sys.stderr.write(f"Configuration error: {error}\n")
    raise SystemExit(2) from None
