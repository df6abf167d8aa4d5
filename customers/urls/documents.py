"""Documents and answers to the reviewer, from the customer and from their store."""

from django.urls import path

from customers.views import documents as views

urlpatterns = [
    path(
        "my-application/<uuid:case_id>/documents/",
        views.case_document_upload,
        name="document_upload",
    ),
    path(
        "my-application/<uuid:case_id>/information-provided/",
        views.case_information_provided,
        name="information_provided",
    ),
    path(
        "store/applications/<uuid:customer_id>/documents/",
        views.store_document_upload,
        name="store_document_upload",
    ),
    path(
        "store/applications/<uuid:customer_id>/information-provided/",
        views.store_information_provided,
        name="store_information_provided",
    ),
]
