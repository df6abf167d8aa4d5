from django.urls import path

from customers.views import store

urlpatterns = [
    path("store/applications/", store.application_list, name="store_applications"),
    path("store/applications/new/", store.paper_application_start, name="store_new"),
    path(
        "store/applications/new/<slug:kind>/",
        store.paper_application,
        name="store_new_kind",
    ),
    path(
        "store/applications/<uuid:customer_id>/",
        store.application_detail,
        name="store_application",
    ),
]
