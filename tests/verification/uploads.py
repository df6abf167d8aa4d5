"""Helpers of the document tests: upload bytes under any name, list the stored files."""

from pathlib import Path

from django.core.files.base import ContentFile

from verification.documents import document_upload
from verification.models import DocumentKind


def stored_files(location: Path) -> list[Path]:
    return sorted(path for path in location.rglob("*") if path.is_file())


def upload(customer, data: bytes, *, name="photo.jpg", kind=DocumentKind.ID_CARD_FRONT, **options):
    """Upload ``data`` as the customer themself (unless ``actor`` is given)."""
    options.setdefault("actor", customer.user)
    return document_upload(
        customer=customer, kind=kind, uploaded_file=ContentFile(data, name=name), **options
    )
