import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext_lazy as _

from customers.enums import Channel


class DocumentKind(models.TextChoices):
    ID_CARD_FRONT = "id_card_front", _("ID card (front)")
    ID_CARD_BACK = "id_card_back", _("ID card (back)")
    PASSPORT_PAGE = "passport_page", _("Passport photo page")
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    SELFIE = "selfie", _("Selfie")
    PAPER_FORM = "paper_form", _("Scanned paper application form")
    OTHER = "other", _("Other document")


class DocumentStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class _DocumentStorage(LazyObject):
    """Where document files live: STORAGES["default"] (private folder) or the S3 bucket.

    Resolved on first use and again after a settings change, so tests can point it at a
    temporary folder with ``override_settings(STORAGES=...)``.
    """

    def _setup(self) -> None:
        s3 = getattr(settings, "DOCUMENT_S3_STORAGE", None)
        self._wrapped = storages.create_storage(s3) if s3 else storages["default"]


_document_storage = _DocumentStorage()


@receiver(setting_changed)
def _forget_document_storage(*, setting: str, **kwargs) -> None:
    if setting in {"STORAGES", "DOCUMENT_STORAGE", "DOCUMENT_S3_STORAGE"}:
        _document_storage._wrapped = empty


def document_storage() -> _DocumentStorage:
    """The storage of document files (a callable, so migrations do not freeze it)."""
    return _document_storage


class Document(models.Model):
    """One uploaded document, kept as evidence: never edited, never deleted.

    ``file`` is the re-encoded image (or the PDF as uploaded) under a server-made name;
    ``original_sha256`` fingerprints the bytes the client sent. The client's file name is
    kept, cleaned, for display only. Review fields (status, reason, note) are changed by
    the review services, not here.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    case = models.ForeignKey(
        "verification.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="documents",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("document type"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), storage=document_storage, max_length=200)
    thumbnail = models.FileField(
        _("thumbnail"), storage=document_storage, max_length=200, blank=True
    )
    content_type = models.CharField(_("content type"), max_length=50)
    width = models.PositiveIntegerField(_("width (pixels)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height (pixels)"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    byte_size = models.PositiveBigIntegerField(_("stored size (bytes)"))
    original_size = models.PositiveBigIntegerField(_("uploaded size (bytes)"))
    original_sha256 = models.CharField(
        _("SHA-256 of the uploaded file"), max_length=64, db_index=True
    )
    original_name = models.CharField(
        _("file name given by the uploader"), max_length=120, blank=True
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="documents_uploaded",
        null=True,
        blank=True,
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DocumentStatus.choices,
        default=DocumentStatus.RECEIVED,
    )
    reason_code = models.CharField(_("reason"), max_length=40, blank=True)
    review_note = models.TextField(_("reviewer's note"), blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-uploaded_at"]
        indexes = [
            models.Index(fields=["customer", "-uploaded_at"], name="document_customer_uploaded"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {str(self.id)[:8]}"

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"

    @property
    def download_name(self) -> str:
        """A file name for the browser: the uploader's name with the stored type's suffix."""
        stem = PurePosixPath(self.original_name).stem or self.kind
        return stem + PurePosixPath(self.file.name).suffix
