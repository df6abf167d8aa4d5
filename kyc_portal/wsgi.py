"""WSGI entry point for gunicorn."""

import gc
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

# The long-lived objects of the loaded application (Django, the apps, the models) are
# moved out of the garbage collector's sight: otherwise its full passes over them add
# about 100 ms to one request in a hundred.
gc.collect()
gc.freeze()
