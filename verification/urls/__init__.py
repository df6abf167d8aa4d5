"""Web pages of verification: documents, the review queue and case screen, the process."""

from . import documents, process, review, webhooks

app_name = "verification"

urlpatterns = [
    *documents.urlpatterns,
    *review.urlpatterns,
    *process.urlpatterns,
    *webhooks.urlpatterns,
]
