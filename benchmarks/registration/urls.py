"""The portal's URLs, plus the baseline view and read-outs the registration benchmark uses.

Only the benchmark's server loads this URL conf (benchmarks/registration/settings.py).
"""

from django.urls import path

from kyc_portal.urls import urlpatterns as portal_urlpatterns

from . import views

urlpatterns = [
    path("bench/bare-registration", views.bare_registration, name="bench-bare-registration"),
    path("bench/counts", views.counts, name="bench-counts"),
    path("bench/hash-time", views.hash_time, name="bench-hash-time"),
    *portal_urlpatterns,
]
