from django.urls import path

from . import health, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("home/customer/", views.home_customer, name="home_customer"),
    path("home/store/", views.home_store_staff, name="home_store_staff"),
    path("home/review/", views.home_reviewer, name="home_reviewer"),
    path("home/compliance/", views.home_compliance, name="home_compliance"),
    path("home/administration/", views.home_administrator, name="home_administrator"),
]
