"""The customer's consent to the face comparison and selfie; the store's in-store check."""

from django.urls import path

from customers.views import biometrics as views

urlpatterns = [
    path(
        "my-application/<uuid:case_id>/biometrics/consent/",
        views.biometric_consent,
        name="biometric_consent",
    ),
    path(
        "my-application/<uuid:case_id>/biometrics/withdraw/",
        views.biometric_consent_withdraw,
        name="biometric_consent_withdraw",
    ),
    path(
        "my-application/<uuid:case_id>/biometrics/selfie/",
        views.biometric_selfie,
        name="biometric_selfie",
    ),
    path(
        "store/applications/<uuid:customer_id>/biometric/",
        views.store_biometric,
        name="store_biometric",
    ),
]
