from django.urls import path

from customers.views import store_prefill

urlpatterns = [
    path(
        "store/applications/new/individual/prefill/",
        store_prefill.paper_application_prefill,
        name="store_new_prefill",
    ),
]
