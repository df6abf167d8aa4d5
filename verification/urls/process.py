"""URLs of the process pages (see verification.views.process)."""

from django.urls import path

from verification.views import process

urlpatterns = [
    path("process/", process.process_overview, name="process"),
    path(
        "process/diagram.<str:language>.svg",
        process.process_diagram,
        name="process-diagram",
    ),
]
