"""The customer's consent to the face comparison and their selfie; the store's record of
an in-store biometric verification. The services in ``verification.checks.biometrics``
decide; these forms only collect."""

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms.documents import IMAGE_ACCEPT
from verification.checks.biometrics import DEVICE_REFERENCE_MAX_LENGTH, InStoreMethod


class BiometricConsentForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I agree to the face comparison described above."),
        error_messages={"required": _("Tick the box to give your consent.")},
    )


class SelfieForm(forms.Form):
    file = forms.FileField(
        label=_("Your selfie"),
        help_text=_(
            "A photo of your face taken now, in good light, looking at the camera, with "
            "nobody else in the picture: not a photo of a screen or of your ID card."
        ),
        allow_empty_file=True,  # the upload service answers an empty file itself
        error_messages={"required": _("Choose the photo to upload.")},
        # ``capture`` opens the front camera on phones.
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT, "capture": "user"}),
    )


class InStoreBiometricForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Verified by"), choices=InStoreMethod.choices, widget=forms.RadioSelect
    )
    device_reference = forms.CharField(
        label=_("Device or reference number"),
        max_length=DEVICE_REFERENCE_MAX_LENGTH,
        help_text=_(
            "The number of the device used, or the reference it gave for this verification."
        ),
    )
    matched = forms.TypedChoiceField(
        label=_("Result"),
        choices=[
            ("yes", _("Verified: the device confirmed the customer's identity")),
            ("no", _("Not verified: the device did not confirm it")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
