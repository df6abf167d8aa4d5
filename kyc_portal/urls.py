"""The portal's URLs: web pages, the versioned REST API and its schema, the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_v1 = [
    path("", include("customers.api_urls")),
    path("", include("verification.api_urls")),
]

urlpatterns = [
    path("", include("kyc_portal.core.urls")),
    path("accounts/", include("kyc_portal.accounts.urls")),
    path("", include("customers.urls")),
    path("", include("verification.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "v1"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
