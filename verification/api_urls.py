"""REST API of verification (see verification.apis), under /api/v1/ (namespace "v1")."""

from django.urls import path

from . import apis

_case = "review/cases/<uuid:case_id>"

urlpatterns = [
    # Reviewers
    path("review/queue", apis.ReviewQueueApi.as_view(), name="review-queue"),
    path("review/queue/claim-next", apis.ClaimNextApi.as_view(), name="review-claim-next"),
    path("review/cases/mine", apis.MyReviewCasesApi.as_view(), name="review-cases-mine"),
    path(_case, apis.ReviewCaseApi.as_view(), name="review-case"),
    path(f"{_case}/reveal", apis.RevealApi.as_view(), name="review-case-reveal"),
    path(f"{_case}/claim", apis.ClaimCaseApi.as_view(), name="review-case-claim"),
    path(f"{_case}/release", apis.ReleaseCaseApi.as_view(), name="review-case-release"),
    path(f"{_case}/assign", apis.AssignCaseApi.as_view(), name="review-case-assign"),
    path(f"{_case}/approve", apis.ApproveCaseApi.as_view(), name="review-case-approve"),
    path(f"{_case}/reject", apis.RejectCaseApi.as_view(), name="review-case-reject"),
    path(
        f"{_case}/request-information",
        apis.RequestInformationApi.as_view(),
        name="review-case-request-information",
    ),
    path(f"{_case}/send-to-check", apis.SendToCheckApi.as_view(), name="review-case-send-to-check"),
    path(f"{_case}/escalate", apis.EscalateCaseApi.as_view(), name="review-case-escalate"),
    path(
        "review/checks/<uuid:check_id>/rerun",
        apis.CheckRerunApi.as_view(),
        name="review-check-rerun",
    ),
    path(
        "review/checks/<uuid:check_id>/override",
        apis.CheckOverrideApi.as_view(),
        name="review-check-override",
    ),
    path(
        "review/documents/<uuid:document_id>/decision",
        apis.DocumentDecisionApi.as_view(),
        name="review-document-decision",
    ),
    # Customers
    path("me/cases", apis.MyCasesApi.as_view(), name="my-cases"),
    path("me/documents", apis.MyDocumentsApi.as_view(), name="my-documents"),
    path(
        "me/cases/<uuid:case_id>/provide-information",
        apis.MyCaseProvideInformationApi.as_view(),
        name="my-case-provide-information",
    ),
    # Store staff, for their store's customers
    path("store/cases/<uuid:case_id>", apis.StoreCaseApi.as_view(), name="store-case"),
    path(
        "store/cases/<uuid:case_id>/documents",
        apis.StoreCaseDocumentsApi.as_view(),
        name="store-case-documents",
    ),
    path(
        "store/cases/<uuid:case_id>/provide-information",
        apis.StoreCaseProvideInformationApi.as_view(),
        name="store-case-provide-information",
    ),
]
