"""In-store entry of a paper application form: the registration fields (the same forms as
the web, so the same validation) plus what only the store has — the signed consent on
paper, the scanned form and the language the customer wants to be written to in."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from customers.consent_texts import CURRENT_VERSION
from customers.models import ConsentPurpose

# What the scan may be; verification.documents checks the content, not these names.
SCAN_ACCEPT = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"


class PaperFormForm(forms.Form):
    consent_signed = forms.BooleanField(
        label=_("The customer signed the consent on the paper form."),
        error_messages={
            "required": _(
                "Tick this box only once the customer has signed the consent on the paper "
                "form; without it the application cannot be entered."
            )
        },
    )
    language = forms.ChoiceField(
        label=_("Language for messages to the customer"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("The confirmation message is written in this language."),
    )
    scan = forms.FileField(
        label=_("Scanned paper form"),
        help_text=_("A scan or photo of the whole signed form: JPEG, PNG or PDF."),
        error_messages={"required": _("Attach the scan of the signed paper form.")},
        widget=forms.FileInput(attrs={"accept": SCAN_ACCEPT}),
    )

    @property
    def consent_version(self) -> str:
        return CURRENT_VERSION[ConsentPurpose.IDENTITY_PROCESSING]
