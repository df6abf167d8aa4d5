"""Forms of the confirmation pages: the 6-digit code, and an individual's contact details."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kyc_portal.crypto.masking import mask_address, mask_email, mask_phone

from .models import Individual


class ConfirmationCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=12,
        help_text=_("The 6 digits in the e-mail or text message we sent you."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
    )


class IndividualCorrectionForm(forms.Form):
    """Only what the customer changes is filled in; empty fields keep their value.

    The current values are not shown in full (a link can be forwarded): each field's
    guidance shows the masked value it replaces.
    """

    mobile = forms.CharField(label=_("Mobile phone"), max_length=30, required=False)
    mobile_region = forms.CharField(
        label=_("Country of the mobile number"),
        max_length=2,
        required=False,
        help_text=_("Two letters, e.g. CN or HK. Leave empty for a mainland China number."),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    province = forms.CharField(label=_("Province"), max_length=30, required=False)
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    district = forms.CharField(label=_("District"), max_length=30, required=False)
    street = forms.CharField(label=_("Street address"), max_length=200, required=False)
    occupation = forms.CharField(label=_("Occupation"), max_length=100, required=False)

    def __init__(self, *args, individual: Individual, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        current = {
            "mobile": mask_phone(individual.mobile),
            "email": mask_email(individual.email),
            # Province, city and district are not secret; the street line is.
            "province": individual.province,
            "city": individual.city,
            "district": individual.district,
            "street": mask_address(individual.street) if individual.street else "",
            "occupation": individual.occupation,
        }
        for name, value in current.items():
            self.fields[name].help_text = (
                _("Now: %(value)s. Leave empty to keep it.") % {"value": value}
                if value
                else _("Leave empty to keep it as it is.")
            )

    def clean(self):
        cleaned = super().clean()
        if not any(value for name, value in cleaned.items() if name != "mobile_region"):
            raise ValidationError(
                _("Fill in at least one field you want to change."), code="nothing_changed"
            )
        return cleaned

    def changed_details(self) -> dict[str, str]:
        details = {name: value for name, value in self.cleaned_data.items() if value}
        if "mobile_region" in details and "mobile" not in details:
            details.pop("mobile_region")
        return details

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's validation errors beside the fields they are about."""
        for name, messages in error.message_dict.items():
            field = name if name in self.fields else None
            for message in messages:
                self.add_error(field, message)
