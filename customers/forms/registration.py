"""One form per step of the web self-registration; the in-store entry reuses them.

The forms check what a form can check by itself (required, lengths, formats of dates and
numbers), then hand their values to ``individual_clean`` / ``enterprise_clean`` — the same
validation every channel runs — and keep the errors about their own fields. The identity
step holds both the ID number and the declared birth date, so their agreement is checked
there, where the customer can fix it.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, RegexValidator
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from customers.consent_texts import CURRENT_VERSION
from customers.enums import CustomerKind, DocumentType, Gender
from customers.models import ConsentPurpose
from customers.validation import (
    DOCUMENT_NUMBER_MAX_LENGTH,
    MAX_BENEFICIAL_OWNERS,
    PHONE_MAX_LENGTH,
    enterprise_clean,
    individual_clean,
)
from kyc_portal.accounts.models import User
from kyc_portal.crypto.normalise import normalise_id_number

# Typed values may carry spaces or a country prefix; the stored value is checked later.
NAME_MAX_LENGTH = 100
REGION_MAX_LENGTH = 30
STREET_MAX_LENGTH = 200
OCCUPATION_MAX_LENGTH = 100
LEGAL_NAME_MAX_LENGTH = 200
BUSINESS_SCOPE_MAX_LENGTH = 2000
EMAIL_MAX_LENGTH = 254

_country_code = RegexValidator(
    r"^[A-Za-z]{2}$",
    _("Enter the two-letter country code, for example CN, HK, US."),
    code="country_code",
)

# Widget attributes that stop browsers "correcting" identifiers while they are typed.
_IDENTIFIER_ATTRS = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}


def _text_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs=attrs)


def document_number_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=kwargs.pop("label", _("Document number")),
        max_length=DOCUMENT_NUMBER_MAX_LENGTH,
        help_text=kwargs.pop(
            "help_text",
            _(
                "Resident ID card: 18 characters, as printed on the back of your ID card; the "
                "last one may be X. Passport or permit: the number on its photo page."
            ),
        ),
        widget=_text_input(**_IDENTIFIER_ATTRS, **{"data-check": "document-number"}),
        **kwargs,
    )


def document_type_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=kwargs.pop("label", _("Identity document")),
        choices=DocumentType.choices,
        initial=DocumentType.RESIDENT_ID,
        widget=forms.Select(attrs={"data-document-type": "true"}),
        **kwargs,
    )


def nationality_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=kwargs.pop("label", _("Nationality")),
        max_length=2,
        initial="CN",
        validators=[_country_code],
        help_text=_("The two-letter country code: CN for China; for example HK, MO, TW, US, JP."),
        widget=_text_input(**_IDENTIFIER_ATTRS, size=4, **{"data-check": "country"}),
        **kwargs,
    )


def mobile_region_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=_("Country of the mobile number"),
        max_length=2,
        initial="CN",
        validators=[_country_code],
        help_text=_("CN for mainland China; HK, MO, TW or another country's two-letter code."),
        widget=_text_input(**_IDENTIFIER_ATTRS, size=4, **{"data-check": "country"}),
        **kwargs,
    )


def mobile_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=kwargs.pop("label", _("Mobile phone")),
        max_length=PHONE_MAX_LENGTH,
        help_text=kwargs.pop(
            "help_text",
            _("11 digits for a mainland China number. We send a confirmation code to it by SMS."),
        ),
        widget=_text_input(inputmode="tel", autocomplete="tel", **{"data-check": "mobile"}),
        **kwargs,
    )


def email_field(**kwargs) -> forms.EmailField:
    return forms.EmailField(
        label=kwargs.pop("label", _("E-mail")),
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        help_text=kwargs.pop(
            "help_text", _("We send the summary of your application here to confirm it.")
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "data-check": "email"}),
        **kwargs,
    )


class FieldsetsMixin:
    """``fieldsets``: (legend, field names) pairs, so templates group fields under legends."""

    fieldsets: tuple = ()

    def grouped_fields(self) -> list[dict]:
        if not self.fieldsets:
            return [{"legend": "", "fields": [field for field in self if not field.is_hidden]}]
        return [
            {"legend": legend, "fields": [self[name] for name in names]}
            for legend, names in self.fieldsets
        ]


class SharedValidationMixin(FieldsetsMixin):
    """Validate with ``shared_clean`` (the channel-independent rules) after the field checks.

    The shared functions validate a whole application; a step holds only part of it, so
    only errors about this form's own fields are kept — the others belong to other steps.
    A field that already failed its own check keeps that one message.
    """

    shared_clean: Callable[[Mapping[str, Any]], dict]

    def clean(self):
        cleaned_data = super().clean()
        try:
            type(self).shared_clean(dict(cleaned_data))
        except ValidationError as error:
            self.add_shared_errors(error.error_dict)
        return cleaned_data

    def add_shared_errors(self, error_dict: Mapping[str, list]) -> None:
        for field, errors in error_dict.items():
            for error in errors:
                target = field
                # "Choose the type of identity document" is about the type, not the number.
                if getattr(error, "code", None) == "document_type":
                    target = field.replace("document_number", "document_type")
                if target in self.fields and target not in self.errors:
                    self.add_error(target, error)


class CustomerTypeForm(FieldsetsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Who is registering?"),
        choices=CustomerKind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "An enterprise registers with its unified social credit code; you will also "
            "enter its legal representative and owners."
        ),
        error_messages={
            "required": _("Choose whether you register as a person or as an enterprise.")
        },
    )


class IndividualIdentityForm(SharedValidationMixin, forms.Form):
    shared_clean = staticmethod(individual_clean)
    fieldsets = (
        (_("Your name"), ("full_name",)),
        (_("Your identity document"), ("document_type", "document_number", "nationality")),
        (_("As on the document"), ("birth_date", "gender")),
    )

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("Exactly as printed on your identity document."),
        widget=_text_input(autocomplete="name"),
    )
    document_type = document_type_field()
    document_number = document_number_field()
    nationality = nationality_field()
    birth_date = forms.DateField(
        label=_("Date of birth"),
        help_text=_("As on your identity document, for example 1990-05-17."),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=Gender.choices,
        widget=forms.RadioSelect,
        help_text=_("As on your identity document."),
    )

    def clean_document_number(self) -> str:
        return normalise_id_number(self.cleaned_data["document_number"])

    def clean_nationality(self) -> str:
        return self.cleaned_data["nationality"].upper()


class AddressFieldsMixin(forms.Form):
    province = forms.CharField(
        label=_("Province"),
        max_length=REGION_MAX_LENGTH,
        help_text=_("Province, autonomous region or municipality, for example 上海市."),
        widget=_text_input(autocomplete="address-level1"),
    )
    city = forms.CharField(
        label=_("City"),
        max_length=REGION_MAX_LENGTH,
        widget=_text_input(autocomplete="address-level2"),
    )
    district = forms.CharField(
        label=_("District or county"),
        max_length=REGION_MAX_LENGTH,
        required=False,
        widget=_text_input(autocomplete="address-level3"),
    )
    street = forms.CharField(
        label=_("Street address"),
        max_length=STREET_MAX_LENGTH,
        help_text=_("Road, number, building and room."),
        widget=_text_input(autocomplete="street-address"),
    )


class IndividualContactForm(SharedValidationMixin, AddressFieldsMixin, forms.Form):
    shared_clean = staticmethod(individual_clean)
    field_order = (
        "mobile",
        "mobile_region",
        "email",
        "province",
        "city",
        "district",
        "street",
        "occupation",
    )
    fieldsets = (
        (_("How we reach you"), ("mobile", "mobile_region", "email")),
        (_("Your address"), ("province", "city", "district", "street")),
        (_("Work"), ("occupation",)),
    )

    mobile = mobile_field()
    mobile_region = mobile_region_field()
    email = email_field()
    occupation = forms.CharField(
        label=_("Occupation"),
        max_length=OCCUPATION_MAX_LENGTH,
        required=False,
        widget=_text_input(autocomplete="organization-title"),
    )

    def clean_mobile_region(self) -> str:
        return self.cleaned_data["mobile_region"].upper()


class EnterpriseIdentityForm(SharedValidationMixin, forms.Form):
    shared_clean = staticmethod(enterprise_clean)
    fieldsets = (
        (
            _("The enterprise, as on its business licence"),
            ("legal_name", "credit_code", "business_scope"),
        ),
    )

    legal_name = forms.CharField(
        label=_("Legal name"),
        max_length=LEGAL_NAME_MAX_LENGTH,
        help_text=_("Exactly as on the business licence."),
        widget=_text_input(autocomplete="organization"),
    )
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=DOCUMENT_NUMBER_MAX_LENGTH,
        help_text=_(
            "18 characters at the top of the business licence: digits and capital letters."
        ),
        widget=_text_input(**_IDENTIFIER_ATTRS, **{"data-check": "credit-code"}),
    )
    business_scope = forms.CharField(
        label=_("Business scope"),
        max_length=BUSINESS_SCOPE_MAX_LENGTH,
        required=False,
        help_text=_("As on the business licence; a summary is enough."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_credit_code(self) -> str:
        return normalise_id_number(self.cleaned_data["credit_code"])


class EnterpriseContactForm(SharedValidationMixin, AddressFieldsMixin, forms.Form):
    shared_clean = staticmethod(enterprise_clean)
    field_order = (
        "province",
        "city",
        "district",
        "street",
        "contact_name",
        "contact_mobile",
        "contact_mobile_region",
        "contact_email",
    )
    fieldsets = (
        (_("Registered address"), ("province", "city", "district", "street")),
        (
            _("Authorised contact"),
            ("contact_name", "contact_mobile", "contact_mobile_region", "contact_email"),
        ),
    )

    contact_name = forms.CharField(
        label=_("Authorised contact"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("The person we may contact about this application."),
    )
    contact_mobile = mobile_field(
        label=_("Contact's mobile phone"),
        help_text=_("11 digits for a mainland China number; the confirmation code goes here."),
    )
    contact_mobile_region = mobile_region_field()
    contact_email = email_field(label=_("Contact's e-mail"))

    def clean_contact_mobile_region(self) -> str:
        return self.cleaned_data["contact_mobile_region"].upper()


class EnterprisePartiesForm(SharedValidationMixin, forms.Form):
    """The legal representative, as on the business licence."""

    shared_clean = staticmethod(enterprise_clean)
    fieldsets = (
        (
            _("Legal representative"),
            (
                "representative_full_name",
                "representative_document_type",
                "representative_document_number",
                "representative_nationality",
            ),
        ),
    )

    representative_full_name = forms.CharField(
        label=_("Full name of the legal representative"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("As on the business licence and on their identity document."),
    )
    representative_document_type = document_type_field()
    representative_document_number = document_number_field(
        help_text=_("The number of the legal representative's identity document.")
    )
    representative_nationality = nationality_field()

    def clean_representative_document_number(self) -> str:
        return normalise_id_number(self.cleaned_data["representative_document_number"])

    def clean_representative_nationality(self) -> str:
        return self.cleaned_data["representative_nationality"].upper()


class BeneficialOwnerForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=NAME_MAX_LENGTH)
    document_type = document_type_field()
    document_number = document_number_field(help_text=_("The owner's identity document number."))
    nationality = nationality_field()
    share = forms.DecimalField(
        label=_("Share (%)"),
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("Between 25 and 100."),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def clean_document_number(self) -> str:
        return normalise_id_number(self.cleaned_data["document_number"])

    def clean_nationality(self) -> str:
        return self.cleaned_data["nationality"].upper()


class BaseBeneficialOwnerFormSet(forms.BaseFormSet):
    """Owners holding 25% or more. Blank rows are ignored; "remove" drops a row."""

    def owners(self) -> list[dict]:
        return [form.cleaned_data for form in self._included_forms()]

    def _included_forms(self) -> list[forms.Form]:
        return [
            form
            for form in self.forms
            if form.has_changed()
            and getattr(form, "cleaned_data", None)
            and not self._should_delete_form(form)
        ]

    def clean(self) -> None:
        if any(self.errors):
            return
        included = self._included_forms()
        try:
            enterprise_clean({"beneficial_owners": [form.cleaned_data for form in included]})
        except ValidationError as error:
            prefix = "beneficial_owners."
            for key, errors in error.error_dict.items():
                if key == "beneficial_owners":
                    raise ValidationError(errors) from None
                if not key.startswith(prefix):
                    continue  # about the enterprise itself: another step checks it
                position, field = key[len(prefix) :].split(".", 1)
                form = included[int(position)]
                if field in form.fields and field not in form.errors:
                    form.add_error(field, errors)

    def show_without_errors(self) -> None:
        """Re-display what was typed without judging it (after "add another owner")."""
        self._errors = []
        self._non_form_errors = self.error_class(renderer=self.renderer)
        for form in self.forms:
            form_without_errors(form)


BeneficialOwnerFormSet = forms.formset_factory(
    BeneficialOwnerForm,
    formset=BaseBeneficialOwnerFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_BENEFICIAL_OWNERS,
    validate_max=True,
    absolute_max=MAX_BENEFICIAL_OWNERS,
)
OWNERS_PREFIX = "owners"


def add_owner_row(data):
    """``data`` (a POST) with one more, blank owner row: "Add another owner" without JS.

    The new row starts with the same defaults as the first one (document type, CN), so a
    row left blank is still recognised as unchanged and ignored.
    """
    data = data.copy()
    total_key = f"{OWNERS_PREFIX}-TOTAL_FORMS"
    total = int(data.get(total_key) or 0)
    if total >= MAX_BENEFICIAL_OWNERS:
        return data
    blank = BeneficialOwnerForm()
    for name, field in blank.fields.items():
        if field.initial is not None:
            data[f"{OWNERS_PREFIX}-{total}-{name}"] = str(field.initial)
    data[total_key] = str(total + 1)
    return data


class LoginCreationForm(UserCreationForm):
    """A new customer login: username and password twice, checked by Django's validators."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)
        labels = {"username": _("Username")}
        help_texts = {
            "username": _(
                "You log in with it. Letters, digits and @ . + - _ only; 150 characters at most."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        )
        self.fields["password1"].label = _("Password")
        self.fields["password2"].label = _("Password again")
        self.fields["password2"].help_text = _("Type the same password once more.")


class AccountForm(LoginCreationForm):
    """Review step: consent to the processing of identity data, and the new login."""

    consent = forms.BooleanField(
        label=_("I have read the text above and agree to it."),
        error_messages={
            "required": _(
                "We can only process your application with your consent: tick the consent box."
            )
        },
    )
    consent_version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consent_version"].initial = CURRENT_VERSION[ConsentPurpose.IDENTITY_PROCESSING]

    def clean_consent_version(self) -> str:
        version = self.cleaned_data["consent_version"]
        current = CURRENT_VERSION[ConsentPurpose.IDENTITY_PROCESSING]
        if version and version != current:
            raise ValidationError(
                _("The consent text has changed while you were filling in: read it again."),
                code="consent_version_changed",
            )
        return current


def form_without_errors(form: forms.Form) -> forms.Form:
    """Show a bound form's values without validating them."""
    form._errors = ErrorDict()
    form.cleaned_data = {}
    return form


__all__ = [
    "OWNERS_PREFIX",
    "AccountForm",
    "BeneficialOwnerFormSet",
    "CustomerTypeForm",
    "EnterpriseContactForm",
    "EnterpriseIdentityForm",
    "EnterprisePartiesForm",
    "IndividualContactForm",
    "IndividualIdentityForm",
    "LoginCreationForm",
    "add_owner_row",
    "form_without_errors",
    "inline_check_messages",
]


def inline_check_messages() -> dict[str, str]:
    """The server's own messages for the format checks registration.js makes on blur."""
    return {
        "id_length": str(_("An ID number has 18 characters; this one has %(count)d.")),
        "id_format": str(_("An ID number is 17 digits followed by a digit or the letter X.")),
        "uscc_length": str(
            _("A unified social credit code has 18 characters; this one has %(count)d.")
        ),
        "uscc_format": str(
            _(
                "A unified social credit code uses digits and capital letters "
                "except I, O, Z, S and V."
            )
        ),
        "phone_format": str(
            _(
                "This is not a phone number: use digits, optionally starting with + "
                "and the country code."
            )
        ),
        "email": str(EmailValidator.message),
        "country": str(_country_code.message),
    }
