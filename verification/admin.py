from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from verification.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    """Read-only: documents are evidence. Files open through the audited document view,
    which lets in only those who may see documents (an administrator who is not also a
    reviewer or compliance officer gets its 404). The uploader's file name is left out
    here because it can itself be personal ("王小明身份证.jpg")."""

    list_display = ["__str__", "kind", "status", "customer", "channel", "uploaded_at", "preview"]
    list_filter = ["kind", "status", "channel", ("uploaded_at", admin.DateFieldListFilter)]
    search_fields = ["=id", "=customer__id", "=case__id", "=original_sha256"]
    date_hierarchy = "uploaded_at"
    ordering = ["-uploaded_at"]
    show_full_result_count = False
    list_select_related = ["customer"]
    fields = [
        "id",
        "customer",
        "case",
        "kind",
        "status",
        "reason_code",
        "review_note",
        "preview",
        "content_type",
        "width",
        "height",
        "page_count",
        "byte_size",
        "original_size",
        "original_sha256",
        "expiry_date",
        "channel",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def preview(self, document: Document) -> str:
        url = reverse("verification:document-file", kwargs={"document_id": document.pk})
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>',
            url,
            _("download") if document.is_pdf else _("open"),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Document | None = None) -> bool:
        return False
