"""Confirmation of the collected details: link from the message, code, resend, correction."""

from django.urls import path

from customers.views import confirmation as views

urlpatterns = [
    path("confirm/code/", views.confirmation_code, name="confirmation_code"),
    path("confirm/resend/", views.confirmation_resend, name="confirmation_resend"),
    path("confirm/done/", views.confirmation_done, name="confirmation_done"),
    path("confirm/sent/", views.confirmation_sent, name="confirmation_sent"),
    path("confirm/<str:token>/", views.confirmation_link, name="confirmation_link"),
    path("confirm/<str:token>/correct/", views.confirmation_correct, name="confirmation_correct"),
    path(
        "confirm/<str:token>/resend/",
        views.confirmation_link_resend,
        name="confirmation_link_resend",
    ),
]
