from django.urls import path

from customers.views import registration, status

urlpatterns = [
    path("register/", registration.register_start, name="register"),
    path("register/<slug:slug>/", registration.register_step, name="register_step"),
    # From the confirmation message of an in-store application (no login yet).
    path(
        "confirm/<str:token>/login/",
        registration.confirmation_set_login,
        name="confirmation_set_login",
    ),
    path("my-application/", status.application_status, name="status"),
    path("my-application/<uuid:case_id>/", status.application_status, name="status_case"),
]
