"""Customer-facing and store pages, one module per part of the onboarding journey."""

from . import biometrics, confirmation, documents, registration, store, store_prefill

app_name = "customers"

urlpatterns = [
    *registration.urlpatterns,
    *confirmation.urlpatterns,
    *store.urlpatterns,
    *store_prefill.urlpatterns,
    *documents.urlpatterns,
    *biometrics.urlpatterns,
]
