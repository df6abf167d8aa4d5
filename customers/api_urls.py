"""REST API v1 for the mobile app, mounted at /api/v1/ (namespace "v1"); see docs/api.md."""

from django.urls import path

from . import apis

urlpatterns = [
    path(
        "registrations/individual",
        apis.IndividualRegistrationApi.as_view(),
        name="registration-individual",
    ),
    path(
        "registrations/enterprise",
        apis.EnterpriseRegistrationApi.as_view(),
        name="registration-enterprise",
    ),
    path("me/application", apis.ApplicationApi.as_view(), name="application"),
    path("me/application/confirm", apis.ConfirmApi.as_view(), name="application-confirm"),
    path(
        "me/application/resend-confirmation",
        apis.ResendConfirmationApi.as_view(),
        name="application-resend-confirmation",
    ),
    path("auth/token", apis.TokenApi.as_view(), name="token"),
]
