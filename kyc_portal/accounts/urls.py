from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.PortalLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", views.otp_verify, name="otp_verify"),
    path("second-factor/setup/", views.otp_enrol, name="otp_enrol"),
]
