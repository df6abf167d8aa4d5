"""Uploading a document to one's own case (customers) or a walk-in customer's (store staff).

The form only collects; ``verification.documents.document_upload`` decides what the file
really is and refuses it with a message the page shows beside the file field.
"""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from customers.forms.store import SCAN_ACCEPT
from verification.models import DocumentKind

# What the file chooser offers; the service checks the content, not these names.
IMAGE_ACCEPT = "image/jpeg,image/png,.jpg,.jpeg,.png"


def _file_help() -> str:
    return _(
        "A sharp photo or scan with all four corners visible: JPEG or PNG, at most %(size)s."
    ) % {"size": filesizeformat(settings.DOCUMENT_MAX_BYTES)}


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"))
    file = forms.FileField(
        label=_("Photo or scan"),
        help_text=lazy(_file_help, str)(),
        # The service answers an empty file with its own, clearer message.
        allow_empty_file=True,
        error_messages={"required": _("Choose the photo or scan to upload.")},
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
    )
    expiry_date = forms.DateField(
        label=_("Valid until"),
        required=False,
        help_text=_("The expiry date printed on the document, if it has one."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds
        if any(kind == DocumentKind.PAPER_FORM for kind, _label in kinds):
            # A re-scan of the paper form, which may be a PDF.
            self.fields["file"].widget.attrs["accept"] = SCAN_ACCEPT
