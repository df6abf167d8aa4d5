"""URLs of the review pages (see verification.views.queue and verification.views.case)."""

from django.urls import path

from verification.views import case, queue

urlpatterns = [
    path("review/", queue.review_queue, name="review-queue"),
    path("review/next/", queue.review_claim_next, name="review-claim-next"),
    path("review/cases/<uuid:case_id>/", case.review_case, name="review-case"),
    path("review/cases/<uuid:case_id>/reveal/", case.review_case_reveal, name="review-case-reveal"),
    path(
        "review/cases/<uuid:case_id>/actions/<slug:action>/",
        case.review_case_action,
        name="review-case-action",
    ),
    path(
        "review/cases/<uuid:case_id>/checks/<uuid:check_id>/<slug:action>/",
        case.review_check_action,
        name="review-check-action",
    ),
    path(
        "review/cases/<uuid:case_id>/documents/<uuid:document_id>/decision/",
        case.review_document_decide,
        name="review-document-decide",
    ),
]
