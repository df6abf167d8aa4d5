from django.urls import path

from verification.views import documents

urlpatterns = [
    path("documents/<uuid:document_id>/", documents.document_file, name="document-file"),
    path(
        "documents/<uuid:document_id>/thumbnail/",
        documents.document_thumbnail,
        name="document-thumbnail",
    ),
]
